/**
 * STIR/SHAKEN: PASSporT signings/s and full verifications/s (claims, chain checks from the cache,
 * TNAuthList, signature, replay memory) with the x5u certificate cached, one call at a time, next to
 * the raw ES256 sign and verify rate of Node's crypto measured in the same run.
 */
import { createPrivateKey, randomUUID, sign, verify, X509Certificate } from 'node:crypto';
import { exportPrivateKeyPem, generateKeyPair, issueCertificate } from '../src/stir/certificates.ts';
import type { CertificateFetcher } from '../src/stir/fetcher.ts';
import { identityHeader, signPassport } from '../src/stir/passport.ts';
import { createVerifier } from '../src/stir/verifier.ts';

const COUNT = 20_000;

async function hierarchy() {
  const now = Date.now();
  const day = 86_400_000;
  const rootKeys = await generateKeyPair();
  const root = await issueCertificate({
    subject: { commonName: 'bench root', country: 'KZ' },
    publicKey: rootKeys.publicKey,
    selfKey: rootKeys.privateKey,
    notBefore: new Date(now - day),
    notAfter: new Date(now + day),
    ca: true,
    pathLength: 1,
  });
  const intermediateKeys = await generateKeyPair();
  const intermediate = await issueCertificate({
    subject: { commonName: 'bench intermediate', country: 'KZ' },
    publicKey: intermediateKeys.publicKey,
    issuer: { certificatePem: root, privateKey: rootKeys.privateKey },
    notBefore: new Date(now - day),
    notAfter: new Date(now + day),
    ca: true,
  });
  const leafKeys = await generateKeyPair();
  const leaf = await issueCertificate({
    subject: { commonName: 'SHAKEN KCELL', country: 'KZ' },
    publicKey: leafKeys.publicKey,
    issuer: { certificatePem: intermediate, privateKey: intermediateKeys.privateKey },
    notBefore: new Date(now - day),
    notAfter: new Date(now + day),
    ca: false,
    tnAuthList: [{ spc: 'KCELL' }],
  });
  return { root, chain: leaf + intermediate, key: createPrivateKey(await exportPrivateKeyPem(leafKeys.privateKey)) };
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);

export async function benchStir(): Promise<Record<string, number | string>> {
  const { root, chain, key } = await hierarchy();
  const x5u = 'https://cr.callshield.example/stir/v1/certificates/bench.pem';
  const body = Buffer.from(chain);
  // The cache hit of the real fetcher: the body, synchronously.
  const fetcher: CertificateFetcher = { fetch: () => ({ ok: true, body }), size: () => 1 };
  const verifier = createVerifier({
    fetcher,
    trustAnchors: () => [anchor],
    isRevoked: () => false,
    operatorOfSpc: (spc) => (spc === 'KCELL' ? 'KCELL' : undefined),
    clock: Date.now,
    maxAgeSeconds: 60,
  });
  const anchor = new X509Certificate(root);

  const iat = Math.floor(Date.now() / 1000);
  const claims = (i: number) => ({
    attest: 'A' as const,
    dest: { tn: [`7777${String(1_000_000 + i)}`] },
    iat,
    orig: { tn: `7701${String(1_000_000 + i)}` },
    origid: randomUUID(),
  });

  // Warm up JIT and the chain analysis.
  for (let i = 0; i < 200; i++) {
    const c = claims(i);
    await verifier.verify({
      identity: identityHeader(await signPassport(c, key, x5u), x5u),
      orig: c.orig.tn,
      dest: c.dest.tn[0],
      asker: 'warm-up',
    });
  }

  const identities: string[] = new Array(COUNT);
  let started = performance.now();
  for (let i = 0; i < COUNT; i++) identities[i] = identityHeader(await signPassport(claims(i), key, x5u), x5u);
  const signMs = performance.now() - started;

  started = performance.now();
  let passed = 0;
  for (let i = 0; i < COUNT; i++) {
    const r = await verifier.verify({
      identity: identities[i],
      orig: `7701${String(1_000_000 + i)}`,
      dest: `7777${String(1_000_000 + i)}`,
      asker: 'bench',
    });
    if (r.verstat === 'TN-Validation-Passed') passed++;
  }
  const verifyMs = performance.now() - started;
  verifier.close();
  if (passed !== COUNT) throw new Error(`only ${passed} of ${COUNT} verifications passed`);

  const data = Buffer.from('eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0');
  const publicKey = new X509Certificate(chain.slice(0, chain.indexOf('-----END CERTIFICATE-----') + 25)).publicKey;
  started = performance.now();
  let signature = Buffer.alloc(0);
  for (let i = 0; i < COUNT; i++) signature = sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  const rawSignMs = performance.now() - started;
  started = performance.now();
  for (let i = 0; i < COUNT; i++) verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  const rawVerifyMs = performance.now() - started;

  return {
    'PASSporT signings/s (one at a time)': rate(COUNT, signMs),
    'raw ES256 signs/s (node:crypto)': rate(COUNT, rawSignMs),
    'PASSporT verifications/s (cached x5u)': rate(COUNT, verifyMs),
    'raw ES256 verifies/s (node:crypto)': rate(COUNT, rawVerifyMs),
    'verification cost per call, µs': Math.round((verifyMs / COUNT) * 1000),
  };
}
