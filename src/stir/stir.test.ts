/**
 * STIR/SHAKEN end to end: the national STI-CA issues operator certificates, the ATIS-1000082 REST
 * interface signs and verifies, x5u certificates are fetched over real HTTPS from a local server with
 * a test TLS CA, and screening confirms origins from valid A attestations of the number's owner.
 */
import assert from 'node:assert/strict';
import { createPrivateKey, type KeyObject, randomUUID, X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as pkijs from 'pkijs';
import { createOutboundGuard } from '../platform/outbound.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import type { Authority } from './authority.ts';
import {
  createCsr,
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  issueCertificate,
  serialsOfCrl,
  toPem,
} from './certificates.ts';
import { createCertificateFetcher } from './fetcher.ts';
import { decodePassport, identityHeader, signPassport } from './passport.ts';
import { startX5uServer, type X5uServer } from './test-support.ts';
import { authorises, decodeTnAuthList, encodeTnAuthList } from './tnauthlist.ts';

let t: TestApp;
let x5u: X5uServer;
let kcell: string;
let beeline: string;
let tele2: string;
let authority: Authority;

const nowSeconds = () => Math.floor((Date.now() + offset) / 1000);
let offset = 0;

const signing = (token: string, request: Record<string, unknown>) =>
  t.request('POST', '/stir/v1/signing', { token, body: { signingRequest: request } });

async function sign(
  token: string,
  orig: string,
  dest: string,
  extra: { attest?: string; iat?: number } = {},
): Promise<string> {
  const r = await signing(token, {
    attest: extra.attest ?? 'A',
    dest: { tn: [dest] },
    iat: extra.iat ?? nowSeconds(),
    orig: { tn: orig },
    origid: randomUUID(),
  });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().signingResponse.identity;
}

const verification = (token: string, from: string, to: string, identity?: string) =>
  t.request('POST', '/stir/v1/verification', {
    token,
    body: { verificationRequest: { from: { tn: from }, to: { tn: [to] }, time: nowSeconds(), identity } },
  });

async function verstatOf(from: string, to: string, identity: string, token = beeline) {
  const r = await verification(token, from, to, identity);
  assert.equal(r.statusCode, 200, r.body);
  return r.json().verificationResponse as { verstat: string; reasoncode?: number; reasontext?: string };
}

/** What the verifier itself says (its failure names are finer than the SIP reason codes). */
async function failureOf(identity: string, orig: string, dest: string) {
  const stir = t.app.modules.stir as { verifier: { verify(i: object): unknown } };
  return (await stir.verifier.verify({ identity, orig, dest, asker: `test-${randomUUID()}` })) as {
    verstat: string;
    failure?: string;
    reasonCode?: number;
  };
}

/** A certificate signed by the CA's current intermediate, with any TNAuthList (as a misissuing CA would). */
async function certificateFromIntermediate(tnAuthList: Parameters<typeof encodeTnAuthList>[0], days = 30) {
  const intermediate = authority.list({ kind: 'intermediate' }).find((c) => c.revokedAt === null)!;
  const keys = await generateKeyPair();
  const now = Date.now() + offset;
  const pem = await issueCertificate({
    subject: { commonName: 'SHAKEN test', country: 'KZ' },
    publicKey: keys.publicKey,
    issuer: {
      certificatePem: intermediate.certificatePem,
      privateKey: await importPrivateKeyPem(intermediate.privateKeyPem!),
    },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + days * 86_400_000),
    ca: false,
    tnAuthList,
  });
  return {
    chain: pem + intermediate.certificatePem,
    key: createPrivateKey(await exportPrivateKeyPem(keys.privateKey)),
  };
}

async function tokenWith(key: KeyObject, url: string, orig: string, dest: string, attest = 'A') {
  const token = await signPassport(
    { attest: attest as 'A', dest: { tn: [dest] }, iat: nowSeconds(), orig: { tn: orig }, origid: randomUUID() },
    key,
    url,
  );
  return identityHeader(token, url);
}

before(async () => {
  x5u = await startX5uServer(async (path) => {
    const r = await t.request('GET', path);
    return { status: r.statusCode, body: r.rawPayload };
  });
  t = await startTestApp({
    stirRepositoryUrl: x5u.url,
    stirTlsCaFile: x5u.tlsCaFile,
    // The test repository is on loopback: allowed by setting, as an internal repository would be.
    stirX5uHosts: new URL(x5u.url).host,
    stirFetchTimeoutMs: 400,
    stirFetchMaxBytes: 16_384,
    originWaitMs: 50,
  });
  const originalAdvance = t.advance;
  t.advance = (ms) => {
    offset += ms;
    originalAdvance(ms);
  };
  authority = (t.app.modules.stir as { authority: Authority }).authority;
  [kcell, beeline, tele2] = await Promise.all([t.keyFor('KCELL'), t.keyFor('BEELINE'), t.keyFor('TELE2')]);
  for (const operator of ['KCELL', 'BEELINE']) {
    const r = await t.request('POST', `/v1/admin/stir/operators/${operator}/certificates`, { token: admin, body: {} });
    assert.equal(r.statusCode, 201, r.body);
  }
});

after(async () => {
  await t?.close();
  await x5u?.close();
});

describe('TNAuthList (RFC 8226)', () => {
  it('encodes an SPC entry as the DER of the ASN.1 module', () => {
    assert.equal(Buffer.from(encodeTnAuthList([{ spc: '1234' }])).toString('hex'), '3008a0061604' + '31323334');
  });

  it('round-trips SPC, range and single-number entries and matches numbers against them', () => {
    const entries = [{ spc: 'KCELL' }, { range: { start: '77010000000', count: 100 } }, { one: '77770000001' }];
    const decoded = decodeTnAuthList(encodeTnAuthList(entries))!;
    assert.deepEqual(decoded, entries);
    const noSpc = (_: string) => false;
    assert.ok(authorises(decoded, '77010000099', noSpc));
    assert.ok(!authorises(decoded, '77010000100', noSpc));
    assert.ok(authorises(decoded, '77770000001', noSpc));
    assert.ok(authorises(decoded, '77770000002', (spc) => spc === 'KCELL'));
  });
});

describe('STI-CA and certificate repository', () => {
  it('issues operator certificates chaining to the root, with the SPC in TNAuthList and a CRL point', async () => {
    const r = await t.request('GET', '/v1/admin/stir/certificates?operatorId=KCELL', { token: admin });
    const [certificate] = r.json().items;
    assert.equal(certificate.spc, 'KCELL');
    assert.equal(certificate.hostedKey, true);
    assert.ok(certificate.x5u.startsWith(`${x5u.url}/stir/v1/certificates/`));
    const served = await t.request('GET', new URL(certificate.x5u).pathname);
    assert.equal(served.statusCode, 200);
    const [leafPem, intermediatePem] = served.body.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    )!;
    const leaf = new X509Certificate(leafPem);
    const intermediate = new X509Certificate(intermediatePem);
    const anchors = await t.request('GET', '/stir/v1/trust-anchors');
    const root = new X509Certificate(anchors.body);
    assert.ok(leaf.verify(intermediate.publicKey) && intermediate.verify(root.publicKey));
    assert.equal(leaf.ca, false);
    assert.ok(intermediate.ca && root.ca);
    assert.match(leaf.subject, /CN=SHAKEN KCELL/);
  });

  it('refuses an SPC that belongs to another operator, and answers the standard error form', async () => {
    const r = await t.request('POST', '/v1/admin/stir/operators/TELE2/certificates', {
      token: admin,
      body: { spc: 'KCELL' },
    });
    assert.equal(r.statusCode, 409);
    assert.equal(r.json().error.code, 'CONFLICT');
  });

  it('issues from a CSR: the operator keeps its key and its own signatures verify', async () => {
    const keys = await generateKeyPair();
    const csr = await createCsr({ commonName: 'SHAKEN TELE2', country: 'KZ' }, keys);
    const r = await t.request('POST', '/v1/admin/stir/operators/TELE2/certificates', { token: admin, body: { csr } });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().hostedKey, false);
    const key = createPrivateKey(await exportPrivateKeyPem(keys.privateKey));
    const identity = await tokenWith(key, r.json().x5u, '77070000001', '77770000001');
    assert.equal((await verstatOf('77070000001', '77770000001', identity)).verstat, 'TN-Validation-Passed');
    // No hosted key: the signing service has nothing to sign with for TELE2.
    const refused = await signing(tele2, {
      attest: 'A',
      dest: { tn: ['77770000001'] },
      iat: nowSeconds(),
      orig: { tn: '77070000001' },
      origid: randomUUID(),
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().requestError.policyException.messageId, 'POL5000');
  });

  it('refuses a CSR whose signature does not verify', async () => {
    const keys = await generateKeyPair();
    const csr = await createCsr({ commonName: 'SHAKEN TELE2', country: 'KZ' }, keys);
    const broken = csr.replace(/[A-Za-z](?=[A-Za-z0-9+/=]*\n-----END)/, (c) => (c === 'A' ? 'B' : 'A'));
    const r = await t.request('POST', '/v1/admin/stir/operators/TELE2/certificates', {
      token: admin,
      body: { csr: broken },
    });
    assert.equal(r.statusCode, 400);
  });
});

describe('ATIS-1000082 signing and verification', () => {
  it('signs a shaken PASSporT and answers the Identity header form', async () => {
    const identity = await sign(kcell, '+77011110001', '77771110001');
    const [token, ...params] = identity.split(';');
    assert.deepEqual(params.slice(1), ['alg=ES256', 'ppt=shaken']);
    assert.match(params[0], /^info=<https:\/\/127\.0\.0\.1:\d+\/stir\/v1\/certificates\/stc_[0-9a-f]+\.pem>$/);
    const { header, claims } = decodePassport(token)!;
    assert.deepEqual(Object.keys(header), ['alg', 'ppt', 'typ', 'x5u']);
    assert.deepEqual(header, { alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u: params[0].slice(6, -1) });
    assert.deepEqual(Object.keys(claims), ['attest', 'dest', 'iat', 'orig', 'origid']);
    assert.deepEqual(claims.orig, { tn: '77011110001' });
    assert.deepEqual(claims.dest, { tn: ['77771110001'] });
  });

  it('verifies a valid token over the real HTTPS x5u fetch, then from the cache', async () => {
    const before = x5u.requests.length;
    const identity = await sign(kcell, '77011110002', '77771110002');
    assert.deepEqual(await verstatOf('77011110002', '77771110002', identity), { verstat: 'TN-Validation-Passed' });
    const again = await sign(kcell, '77011110003', '77771110003');
    assert.deepEqual(await verstatOf('77011110003', '77771110003', again), { verstat: 'TN-Validation-Passed' });
    assert.ok(x5u.requests.length - before <= 1, `fetched ${x5u.requests.length - before} times`);
  });

  it('answers No-TN-Validation without an identity', async () => {
    const r = await verstatOf('77011110004', '77771110004', undefined as unknown as string);
    assert.deepEqual(r, { reasoncode: 428, reasontext: 'Use Identity Header', verstat: 'No-TN-Validation' });
  });

  it('answers the standard error form for missing and invalid members and for a missing key', async () => {
    const missing = await signing(kcell, { attest: 'A', dest: { tn: ['77771110001'] }, iat: 1, origid: 'x' });
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json(), {
      requestError: {
        serviceException: { messageId: 'SVC4000', text: 'Missing mandatory parameter %1', variables: ['orig'] },
      },
    });
    const invalid = await signing(kcell, {
      attest: 'D',
      dest: { tn: ['77771110001'] },
      iat: 1,
      orig: { tn: '77011110001' },
      origid: 'x',
    });
    assert.equal(invalid.json().requestError.serviceException.messageId, 'SVC4001');
    assert.deepEqual(invalid.json().requestError.serviceException.variables, ['attest']);
    const noVerificationMembers = await t.request('POST', '/stir/v1/verification', {
      token: beeline,
      body: { verificationRequest: { to: { tn: ['1'] }, time: 1 } },
    });
    assert.deepEqual(noVerificationMembers.json().requestError.serviceException.variables, ['from']);
    const anonymous = await t.request('POST', '/stir/v1/signing', { body: { signingRequest: {} } });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().requestError.policyException.messageId, 'POL5000');
    const notJson = await t.request('POST', '/stir/v1/verification', { token: beeline, raw: '{' });
    assert.equal(notJson.statusCode, 400);
    assert.ok(notJson.json().requestError.serviceException);
  });
});

describe('verification failures', () => {
  it('bad signature', async () => {
    const identity = await sign(kcell, '77011110010', '77771110010');
    const [token, rest] = [identity.slice(0, identity.indexOf(';')), identity.slice(identity.indexOf(';'))];
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, -2)}${last}${token.at(-1)}${rest}`;
    assert.deepEqual(await verstatOf('77011110010', '77771110010', forged), {
      reasoncode: 438,
      reasontext: 'Invalid Identity Header',
      verstat: 'TN-Validation-Failed',
    });
    assert.equal((await failureOf(forged, '77011110010', '77771110010')).failure, 'BAD_SIGNATURE');
  });

  it('a chain that does not lead to the trust anchors', async () => {
    const now = Date.now();
    const rootKeys = await generateKeyPair();
    const subject = { commonName: 'callshield STI root', organization: 'callshield', country: 'KZ' };
    const rogueRoot = await issueCertificate({
      subject,
      publicKey: rootKeys.publicKey,
      selfKey: rootKeys.privateKey,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 86_400_000),
      ca: true,
      pathLength: 1,
    });
    const leafKeys = await generateKeyPair();
    const leaf = await issueCertificate({
      subject: { commonName: 'SHAKEN KCELL', country: 'KZ' },
      publicKey: leafKeys.publicKey,
      issuer: { certificatePem: rogueRoot, privateKey: rootKeys.privateKey },
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 86_400_000),
      ca: false,
      tnAuthList: [{ spc: 'KCELL' }],
    });
    x5u.serve('/rogue.pem', leaf + rogueRoot);
    const key = createPrivateKey(await exportPrivateKeyPem(leafKeys.privateKey));
    const identity = await tokenWith(key, `${x5u.url}/rogue.pem`, '77011110011', '77771110011');
    const result = await failureOf(identity, '77011110011', '77771110011');
    assert.equal(result.failure, 'CHAIN_UNTRUSTED');
    assert.equal(result.reasonCode, 437);
  });

  it('an expired certificate', async () => {
    const { chain, key } = await certificateFromIntermediate([{ spc: 'KCELL' }], 1);
    x5u.serve('/short-lived.pem', chain);
    const url = `${x5u.url}/short-lived.pem`;
    assert.equal(
      (await failureOf(await tokenWith(key, url, '77011110012', '77771110012'), '77011110012', '77771110012')).verstat,
      'TN-Validation-Passed',
    );
    t.advance(2 * 86_400_000);
    try {
      const result = await failureOf(
        await tokenWith(key, url, '77011110012', '77771110012'),
        '77011110012',
        '77771110012',
      );
      assert.equal(result.failure, 'CERTIFICATE_EXPIRED');
    } finally {
      t.advance(-2 * 86_400_000);
    }
  });

  it('a revoked certificate, refused at once and listed in the CRL', async () => {
    const issued = await t.request('POST', '/v1/admin/stir/operators/BEELINE/certificates', { token: admin, body: {} });
    const { id, serial, issuerId } = issued.json();
    const identity = await sign(beeline, '77771110013', '77011110013');
    assert.equal((await failureOf(identity, '77771110013', '77011110013')).verstat, 'TN-Validation-Passed');
    const revoked = await t.request('POST', `/v1/admin/stir/certificates/${id}/revoke`, {
      token: admin,
      body: { reason: 'key compromise' },
    });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.ok(revoked.json().revokedAt);
    assert.equal((await failureOf(identity, '77771110013', '77011110013')).failure, 'CERTIFICATE_REVOKED');
    const crl = await t.request('GET', `/stir/v1/crl/${issuerId}.crl`);
    assert.equal(crl.statusCode, 200);
    assert.ok(serialsOfCrl(crl.rawPayload).includes(serial));
    // Signing moves on to BEELINE's other, unrevoked certificate.
    const fresh = await sign(beeline, '77771110013', '77011110013');
    assert.equal((await failureOf(fresh, '77771110013', '77011110013')).verstat, 'TN-Validation-Passed');
  });

  it('a TNAuthList that does not cover the calling number', async () => {
    const { chain, key } = await certificateFromIntermediate([{ one: '77011119999' }]);
    x5u.serve('/one-number.pem', chain);
    const url = `${x5u.url}/one-number.pem`;
    const covered = await tokenWith(key, url, '77011119999', '77771110014');
    assert.equal((await failureOf(covered, '77011119999', '77771110014')).verstat, 'TN-Validation-Passed');
    const other = await tokenWith(key, url, '77011110014', '77771110014');
    const result = await failureOf(other, '77011110014', '77771110014');
    assert.equal(result.failure, 'TNAUTHLIST_MISMATCH');
    assert.equal(result.reasonCode, 437);
    // An SPC no operator holds authorises nothing either.
    const { chain: unknownChain, key: unknownKey } = await certificateFromIntermediate([{ spc: 'NOBODY' }]);
    x5u.serve('/unknown-spc.pem', unknownChain);
    const unknown = await tokenWith(unknownKey, `${x5u.url}/unknown-spc.pem`, '77011110014', '77771110014');
    assert.equal((await failureOf(unknown, '77011110014', '77771110014')).failure, 'TNAUTHLIST_MISMATCH');
  });

  it('a stale iat', async () => {
    const identity = await sign(kcell, '77011110015', '77771110015', { iat: nowSeconds() - 61 });
    assert.deepEqual(await verstatOf('77011110015', '77771110015', identity), {
      reasoncode: 403,
      reasontext: 'Stale Date',
      verstat: 'TN-Validation-Failed',
    });
  });

  it('orig and dest that are not the call’s numbers', async () => {
    const identity = await sign(kcell, '77011110016', '77771110016');
    assert.equal((await failureOf(identity, '77011110099', '77771110016')).failure, 'ORIG_MISMATCH');
    assert.equal((await failureOf(identity, '77011110016', '77771110099')).failure, 'DEST_MISMATCH');
    assert.equal((await verstatOf('77011110099', '77771110016', identity)).reasoncode, 438);
  });

  it('a replayed token', async () => {
    const identity = await sign(kcell, '77011110017', '77771110017');
    assert.equal((await verstatOf('77011110017', '77771110017', identity)).verstat, 'TN-Validation-Passed');
    const replay = await verstatOf('77011110017', '77771110017', identity);
    assert.equal(replay.verstat, 'TN-Validation-Failed');
    assert.equal(replay.reasoncode, 438);
    const metrics = await t.request('GET', '/metrics', { token: admin });
    assert.match(
      metrics.body,
      /callshield_stir_verifications_total\{[^}]*verstat="TN-Validation-Failed",failure="REPLAY"[^}]*\} 1/,
    );
  });

  it('a replayed token whose signature is written otherwise', async () => {
    const identity = await sign(kcell, '77011110022', '77771110022');
    assert.equal((await verstatOf('77011110022', '77771110022', identity)).verstat, 'TN-Validation-Passed');
    const semicolon = identity.indexOf(';');
    const [header, payload, signature] = identity.slice(0, semicolon).split('.');
    const rest = identity.slice(semicolon);
    // 64 bytes in 86 characters: the last one carries 4 spare bits that decoders ignore.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const spare = alphabet[alphabet.indexOf(signature.at(-1)!) ^ 1];
    const respelled = `${header}.${payload}.${signature.slice(0, -1)}${spare}${rest}`;
    // The same ECDSA signature with s replaced by n - s (P-256's order n) verifies too.
    const order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const bytes = Buffer.from(signature, 'base64url');
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    const flipped = Buffer.concat([
      bytes.subarray(0, 32),
      Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex'),
    ]);
    const mirrored = `${header}.${payload}.${flipped.toString('base64url')}${rest}`;
    for (const replay of [respelled, mirrored]) {
      assert.notEqual(replay, identity);
      assert.deepEqual(await verstatOf('77011110022', '77771110022', replay), {
        reasoncode: 438,
        reasontext: 'Invalid Identity Header',
        verstat: 'TN-Validation-Failed',
      });
    }
  });

  it('an x5u certificate whose public key cannot be read: a failed verification, not an error', async () => {
    const { chain, key } = await certificateFromIntermediate([{ spc: 'KCELL' }]);
    const [leafPem, intermediatePem] = chain.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
    const leaf = pkijs.Certificate.fromBER(new X509Certificate(leafPem).raw);
    leaf.subjectPublicKeyInfo.algorithm = new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.3.4.5' });
    x5u.serve('/unreadable-key.pem', toPem('CERTIFICATE', leaf.toSchema(true).toBER(false)) + intermediatePem);
    const url = `${x5u.url}/unreadable-key.pem`;
    const call = async (n: number) => ({
      callId: randomUUID(),
      a: `+7701111004${n}`,
      b: `+7777111004${n}`,
      at: new Date().toISOString(),
      ingress: 'domestic',
      identity: await tokenWith(key, url, `7701111004${n}`, `7777111004${n}`),
    });
    const single = await t.request('POST', '/v1/calls/verify', { token: beeline, body: await call(0) });
    assert.equal(single.statusCode, 200, single.body);
    assert.equal(single.json().verstat, 'TN-Validation-Failed');
    assert.ok(single.json().reasons.includes('IDENTITY_INVALID'));
    const batch = await t.request('POST', '/v1/calls/verify/batch', {
      token: beeline,
      body: {
        calls: [await call(1), { ...(await call(2)), identity: await sign(kcell, '77011110042', '77771110042') }],
      },
    });
    assert.equal(batch.statusCode, 200, batch.body);
    assert.deepEqual(
      batch.json().results.map((r: { verstat: string }) => r.verstat),
      ['TN-Validation-Failed', 'TN-Validation-Passed'],
    );
    const rest = await verification(beeline, '77011110043', '77771110043', (await call(3)).identity);
    assert.equal(rest.statusCode, 200, rest.body);
    assert.equal(rest.json().verificationResponse.reasoncode, 437);
  });

  it('an x5u that is not HTTPS, redirects, is too large or too slow', async () => {
    const { key } = await certificateFromIntermediate([{ spc: 'KCELL' }]);
    const followed = () => x5u.requests.filter((path) => path === '/one-number.pem').length;
    const followedBefore = followed();
    const cases: [string, string][] = [
      [`http://127.0.0.1:1/cert.pem`, 'X5U_NOT_HTTPS'],
      [`${x5u.url}/redirect/one-number.pem`, 'X5U_REDIRECT'],
      [`${x5u.url}/huge`, 'X5U_TOO_LARGE'],
      [`${x5u.url}/slow`, 'X5U_TIMEOUT'],
    ];
    for (const [url, failure] of cases) {
      const result = await failureOf(
        await tokenWith(key, url, '77011110018', '77771110018'),
        '77011110018',
        '77771110018',
      );
      assert.equal(result.failure, failure, url);
      assert.equal(result.reasonCode, 436, url);
    }
    assert.ok(x5u.requests.includes('/redirect/one-number.pem'));
    assert.equal(followed(), followedBefore, 'the redirect was not followed');
  });
});

describe('x5u hosts', () => {
  it('refuses an x5u outside the allowed repositories without fetching it', () => {
    const fetcher = createCertificateFetcher({
      timeoutMs: 100,
      maxBytes: 1024,
      cacheMs: 1000,
      failureCacheMs: 1000,
      maxEntries: 10,
      allowedHosts: ['cr.callshield.example', '127.0.0.1:8443'],
      guard: createOutboundGuard({ allowHosts: ['cr.callshield.example', '127.0.0.1:8443'] }),
      clock: Date.now,
    });
    const refused = fetcher.fetch('https://elsewhere.example/cert.pem');
    assert.ok(!(refused instanceof Promise) && !refused.ok && refused.failure === 'X5U_NOT_ALLOWED');
    const otherPort = fetcher.fetch('https://127.0.0.1:9443/cert.pem');
    assert.ok(!(otherPort instanceof Promise) && !otherPort.ok && otherPort.failure === 'X5U_NOT_ALLOWED');
  });

  it('takes an allowed host written with the default port 443', async () => {
    const fetcher = createCertificateFetcher({
      timeoutMs: 400,
      maxBytes: 1024,
      cacheMs: 1000,
      failureCacheMs: 1000,
      maxEntries: 10,
      allowedHosts: ['cr.callshield.example:443'],
      guard: createOutboundGuard({
        allowHosts: ['cr.callshield.example:443'],
        // The name does not resolve here: a fetch that is let through fails as unavailable.
        resolve: () => Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' })),
      }),
      clock: Date.now,
    });
    for (const url of ['https://cr.callshield.example/cert.pem', 'https://cr.callshield.example:443/cert.pem']) {
      const result = await fetcher.fetch(url);
      assert.ok(!result.ok && result.failure === 'X5U_UNAVAILABLE', `${url}: ${JSON.stringify(result)}`);
    }
    const otherPort = fetcher.fetch('https://cr.callshield.example:8443/cert.pem');
    assert.ok(!(otherPort instanceof Promise) && !otherPort.ok && otherPort.failure === 'X5U_NOT_ALLOWED');
  });
});

describe('x5u SSRF', () => {
  it('a token cannot make the verifier fetch from loopback, link-local, private or metadata addresses', async () => {
    // The default configuration: no x5u host list. The TLS CA of the loopback server is trusted, so
    // only the outbound guard stands between the token and the internal server.
    const open = await startTestApp({ stirTlsCaFile: x5u.tlsCaFile, stirFetchTimeoutMs: 400, originWaitMs: 50 });
    try {
      const beelineKey = await open.keyFor('BEELINE');
      const { key } = await certificateFromIntermediate([{ spc: 'KCELL' }]);
      const port = new URL(x5u.url).port;
      x5u.serve('/internal.pem', 'internal');
      // Loopback first: on an unguarded verifier it is fetched (and the test stops there).
      for (const url of [
        `${x5u.url}/internal.pem`,
        `https://localhost:${port}/internal.pem`,
        `https://[::1]:${port}/internal.pem`,
        `https://[::ffff:127.0.0.1]:${port}/internal.pem`,
        'https://169.254.169.254/latest/meta-data/',
        'https://10.0.0.1/cert.pem',
      ]) {
        const identity = await tokenWith(key, url, '77011110019', '77771110019');
        const r = await open.request('POST', '/stir/v1/verification', {
          token: beelineKey,
          body: {
            verificationRequest: {
              from: { tn: '77011110019' },
              to: { tn: ['77771110019'] },
              time: nowSeconds(),
              identity,
            },
          },
        });
        assert.equal(r.statusCode, 200, r.body);
        assert.equal(r.json().verificationResponse.verstat, 'TN-Validation-Failed', url);
        const stir = open.app.modules.stir as { verifier: { verify(i: object): Promise<{ failure?: string }> } };
        const result = await stir.verifier.verify({
          identity,
          orig: '77011110019',
          dest: '77771110019',
          asker: `test-${randomUUID()}`,
        });
        assert.equal(result.failure, 'X5U_NOT_ALLOWED', url);
        assert.ok(!x5u.requests.includes('/internal.pem'), `${url} reached the internal server`);
      }
    } finally {
      await open.close();
    }
  });
});

describe('rotation', () => {
  it('rotates the intermediate and the root; older certificates keep verifying', async () => {
    const before = await sign(kcell, '77011110020', '77771110020');
    const intermediate = await t.request('POST', '/v1/admin/stir/rotate', {
      token: admin,
      body: { kind: 'intermediate' },
    });
    assert.equal(intermediate.statusCode, 201, intermediate.body);
    const root = await t.request('POST', '/v1/admin/stir/rotate', { token: admin, body: { kind: 'root' } });
    assert.equal(root.statusCode, 201, root.body);
    const issued = await t.request('POST', '/v1/admin/stir/operators/KCELL/certificates', { token: admin, body: {} });
    assert.equal(issued.json().issuerId, root.json().id);
    const after = await sign(kcell, '77011110021', '77771110021');
    assert.ok(after.includes(issued.json().x5u), 'signing uses the newest certificate');
    assert.equal((await failureOf(before, '77011110020', '77771110020')).verstat, 'TN-Validation-Passed');
    assert.equal((await failureOf(after, '77011110021', '77771110021')).verstat, 'TN-Validation-Passed');
    const anchors = await t.request('GET', '/stir/v1/trust-anchors');
    assert.equal(anchors.body.match(/BEGIN CERTIFICATE/g)?.length, 2);
  });
});

describe('screening with a signed caller ID', () => {
  const verify = (a: string, b: string, identity: string | undefined, token = beeline) =>
    t.request('POST', '/v1/calls/verify', {
      token,
      body: { callId: randomUUID(), a, b, at: new Date().toISOString(), ingress: 'domestic', identity },
    });

  it('confirms the origin at once from a valid A attestation of the number’s owner', async () => {
    const identity = await sign(kcell, '+77011110030', '+77771110030');
    const r = await verify('+77011110030', '+77771110030', identity);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().verdict, 'allow');
    assert.deepEqual(r.json().reasons, []);
    assert.equal(r.json().verstat, 'TN-Validation-Passed');
    assert.equal(r.json().attest, 'A');
  });

  it('does not confirm from a B attestation, or from an A of another operator', async () => {
    const partial = await sign(kcell, '+77011110031', '+77771110031', { attest: 'B' });
    const r = await verify('+77011110031', '+77771110031', partial);
    assert.equal(r.json().verdict, 'block');
    assert.deepEqual(r.json().reasons, ['UNCONFIRMED_ORIGIN']);
    assert.equal(r.json().verstat, 'TN-Validation-Passed');
    const foreign = await sign(beeline, '+77011110032', '+77771110032');
    const f = await verify('+77011110032', '+77771110032', foreign, kcell);
    assert.deepEqual(f.json().reasons, ['UNCONFIRMED_ORIGIN']);
  });

  it('labels a call whose identity is invalid, even when its origin is confirmed', async () => {
    const identity = await sign(kcell, '+77011110033', '+77771110033', { iat: nowSeconds() - 300 });
    const registered = await t.request('POST', '/v1/calls/originate', {
      token: kcell,
      body: { callId: randomUUID(), a: '+77011110033', b: '+77771110033', at: new Date().toISOString() },
    });
    assert.equal(registered.statusCode, 202);
    const r = await verify('+77011110033', '+77771110033', identity);
    assert.equal(r.json().verdict, 'label');
    assert.deepEqual(r.json().reasons, ['IDENTITY_INVALID']);
    assert.equal(r.json().verstat, 'TN-Validation-Failed');
  });

  it('refuses an identity that is not a string', async () => {
    const r = await verify('+77011110034', '+77771110034', 42 as unknown as string);
    assert.equal(r.statusCode, 400);
  });
});
