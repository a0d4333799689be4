/**
 * SIP-level tests of the reference SBC (deploy/kamailio): SIPp calls through real Kamailio
 * instances to the real callshield server and on to a SIPp UAS. Two operators' SBCs: KCELL's
 * (originating: its subscribers' calls are reported with originate) and BEELINE's (terminating:
 * calls from its domestic and international trunks are verified), plus a BEELINE SBC whose
 * callshield never answers (fail-open). Everything runs on 127.0.0.1 and stops by itself.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { createCsr, exportPrivateKeyPem, generateKeyPair } from '../stir/certificates.ts';
import type { Stir } from '../stir/index.ts';
import { startX5uServer, type X5uServer } from '../stir/test-support.ts';
import {
  type Kamailio,
  runUac,
  type SippResult,
  sendInvite,
  startKamailio,
  startUas,
  tempDir,
  type Uas,
} from './harness.ts';

let t: TestApp;
let uas: Uas;
let kcellSbc: Kamailio;
let beelineSbc: Kamailio;
let downSbc: Kamailio;
let kcellSigningSbc: Kamailio;
let secsipidVerifier: Kamailio;
let x5u: X5uServer;
let keyDir: string | undefined;
let blackHole: Server;
const heldSockets = new Set<Socket>();
/** Connections the never-answering callshield accepted: one per verify the SBC started. */
let blackHoleConnections = 0;
let kcellKey: string;
/** A callshield stand-in answering verify with a chosen label, and BEELINE SBCs using it (display on, off). */
let scriptedCallshield: HttpServer;
let labelSbc: Kamailio;
let labelOffSbc: Kamailio;
/** A callee that ends its calls itself, behind a BEELINE SBC using the stand-in. */
let hangupUas: Uas;
let labelHangupSbc: Kamailio;

/** A label with what a quoted-string must escape (a quote, a backslash) and Cyrillic. */
const scriptedLabel = 'Возможно мошенничество: "ООО \\ Рога"';
/** What the stand-in answers, by the last two digits of the called number. */
function scriptedAnswer(called: string): Record<string, unknown> {
  const base = { decisionId: '00000000-0000-4000-8000-000000000031', reasons: [], shadow: false };
  switch (called.slice(-2)) {
    case '31':
      return { ...base, verdict: 'label', reasons: ['REPUTATION'], label: scriptedLabel };
    case '33':
      return {
        ...base,
        verdict: 'label',
        reasons: ['REPUTATION'],
        label: scriptedLabel,
        verstat: 'TN-Validation-Passed',
      };
    default:
      return { ...base, verdict: 'allow' };
  }
}

/** The display name and URI of a name-addr header value as a handset reads them (RFC 3261 quoted-string). */
function nameAddr(value: string): { display: string | null; uri: string } {
  const quoted = /^\s*"((?:[^"\\]|\\.)*)"\s*<([^>]*)>/.exec(value);
  if (quoted) return { display: quoted[1].replace(/\\(.)/g, '$1'), uri: quoted[2] };
  const plain = /^\s*([^<"]*?)\s*<([^>]*)>/.exec(value);
  if (plain) return { display: plain[1] === '' ? null : plain[1], uri: plain[2] };
  return { display: null, uri: value.trim() };
}

/** The caller identities (From, P-Asserted-Identity) the UAS saw on the call to `called`. */
function identitiesAt(called: string): {
  from: ReturnType<typeof nameAddr>;
  pai: ReturnType<typeof nameAddr> | null;
  line: string;
} {
  const line = answeredFor(`to=sip:${called} `)[0];
  assert.ok(line, `the UAS saw no call to ${called}:\n${uas.answered().join('\n')}`);
  const pai = / pai=(.*?) from=/.exec(line)?.[1] ?? '';
  const from = / from=(.*)$/.exec(line)![1];
  return { from: nameAddr(from), pai: pai.trim() === '' ? null : nameAddr(pai), line };
}

/** Polls a condition for up to 5 s (a counter updated by another process after the call ended). */
async function eventually(condition: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

const explain = (r: SippResult) => `sipp exit ${r.code}\n${r.output.slice(-4000)}\n${r.logged.join('\n')}`;
const answeredFor = (number: string) => uas.answered().filter((line) => line.includes(number));

before(
  async () => {
    // The STI certificate repository, over real HTTPS (test TLS CA), for signed caller ID.
    x5u = await startX5uServer(async (path) => {
      const r = await t.request('GET', path);
      return { status: r.statusCode, body: r.rawPayload };
    });
    t = await startTestApp({
      // Wider than the 150 ms default: on a loaded test machine the originate may trail the verify
      // by more than that, and a test must not depend on timing. The SBCs wait longer still.
      originWaitMs: 400,
      labelLanguage: 'en',
      policy: { labelInternational: true },
      stirRepositoryUrl: x5u.url,
      stirTlsCaFile: x5u.tlsCaFile,
      // The test repository is on loopback: allowed by setting, as an internal repository would be.
      stirX5uHosts: new URL(x5u.url).host,
    });
    await t.app.http.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.http.server.address();
    if (!address || typeof address === 'string') throw new Error('callshield did not listen');
    const url = `http://127.0.0.1:${address.port}`;
    const beelineKey = await t.keyFor('BEELINE');
    kcellKey = await t.keyFor('KCELL');

    // A callshield that accepts connections and never answers: the SBC must give up and let calls through.
    blackHole = createServer((socket) => {
      blackHoleConnections++;
      heldSockets.add(socket);
      socket.on('close', () => heldSockets.delete(socket));
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const holePort = (blackHole.address() as { port: number }).port;

    uas = await startUas();
    const core = `sip:127.0.0.1:${uas.port}`;
    beelineSbc = await startKamailio({
      name: 'beeline',
      timeoutSeconds: 2,
      callshieldUrl: url,
      apiKey: beelineKey,
      nextHopCore: core,
      nextHopInterconnect: core,
    });
    kcellSbc = await startKamailio({
      name: 'kcell',
      timeoutSeconds: 2,
      callshieldUrl: url,
      apiKey: kcellKey,
      nextHopCore: core,
      nextHopInterconnect: `sip:127.0.0.1:${beelineSbc.ports.domestic}`,
    });
    downSbc = await startKamailio({
      name: 'down',
      callshieldUrl: `http://127.0.0.1:${holePort}`,
      apiKey: beelineKey,
      nextHopCore: core,
      nextHopInterconnect: core,
      timeoutSeconds: 1,
    });

    // KCELL signs in its own SBC with Kamailio's secsipid module: its key stays with it, callshield's
    // STI-CA certifies it from a CSR.
    const keys = await generateKeyPair();
    const issued = await t.request('POST', '/v1/admin/stir/operators/KCELL/certificates', {
      token: admin,
      body: { csr: await createCsr({ commonName: 'SHAKEN KCELL', country: 'KZ' }, keys) },
    });
    if (issued.statusCode !== 201) throw new Error(`certificate: ${issued.body}`);
    keyDir = tempDir('callshield-stir-key-');
    const keyFile = join(keyDir, 'kcell.key');
    writeFileSync(keyFile, await exportPrivateKeyPem(keys.privateKey), { mode: 0o600 });
    kcellSigningSbc = await startKamailio({
      name: 'kcell-signing',
      callshieldUrl: url,
      apiKey: kcellKey,
      nextHopCore: core,
      nextHopInterconnect: `sip:127.0.0.1:${beelineSbc.ports.domestic}`,
      defines: { WITH_STIR_SIGNING: '', STIR_X5U: `"${issued.json().x5u}"`, STIR_KEY_FILE: `"${keyFile}"` },
    });
    scriptedCallshield = createHttpServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        if (request.url !== '/v1/calls/verify') {
          response.writeHead(202).end();
          return;
        }
        response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        response.end(JSON.stringify(scriptedAnswer(JSON.parse(body).b)));
      });
    });
    await new Promise<void>((resolve) => scriptedCallshield.listen(0, '127.0.0.1', resolve));
    const scriptedUrl = `http://127.0.0.1:${(scriptedCallshield.address() as { port: number }).port}`;
    labelSbc = await startKamailio({
      name: 'label',
      callshieldUrl: scriptedUrl,
      apiKey: beelineKey,
      nextHopCore: core,
      nextHopInterconnect: core,
    });
    labelOffSbc = await startKamailio({
      name: 'label-off',
      callshieldUrl: scriptedUrl,
      apiKey: beelineKey,
      nextHopCore: core,
      nextHopInterconnect: core,
      defines: { CALLSHIELD_LABEL_DISPLAY: '0' },
    });

    hangupUas = await startUas('uas-hangup.xml');
    labelHangupSbc = await startKamailio({
      name: 'label-hangup',
      callshieldUrl: scriptedUrl,
      apiKey: beelineKey,
      nextHopCore: `sip:127.0.0.1:${hangupUas.port}`,
      nextHopInterconnect: `sip:127.0.0.1:${hangupUas.port}`,
    });

    // secsipid as an independent verifier of what callshield signs (fetches x5u over HTTPS).
    await t.request('POST', '/v1/admin/stir/operators/BEELINE/certificates', { token: admin, body: {} });
    secsipidVerifier = await startKamailio(
      {
        name: 'secsipid',
        callshieldUrl: url,
        apiKey: 'unused',
        nextHopCore: core,
        nextHopInterconnect: core,
        // libsecsipid's Go HTTPS client trusts the roots in SSL_CERT_FILE.
        env: { SSL_CERT_FILE: x5u.tlsCaFile },
      },
      new URL('./secsipid-check.cfg', import.meta.url).pathname,
    );
  },
  { timeout: 60_000 },
);

after(async () => {
  await Promise.allSettled([
    kcellSbc?.stop(),
    beelineSbc?.stop(),
    downSbc?.stop(),
    kcellSigningSbc?.stop(),
    secsipidVerifier?.stop(),
    labelSbc?.stop(),
    labelOffSbc?.stop(),
    labelHangupSbc?.stop(),
    uas?.stop(),
    hangupUas?.stop(),
  ]);
  scriptedCallshield?.close();
  for (const socket of heldSockets) socket.destroy();
  blackHole?.close();
  await t?.close();
  await x5u?.close();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

describe('reference SBC with SIPp', { timeout: 120_000 }, () => {
  it('connects a call its owner reported (originate from KCELL, verify at BEELINE)', async () => {
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: kcellSbc.ports.subscribers,
      calls: [{ a: '+77011110001', b: '+77771110001' }],
    });
    assert.equal(r.code, 0, explain(r));
    const [line] = answeredFor('verdict=allow');
    assert.ok(line, `the UAS saw no screened call: ${uas.answered().join('\n')}`);
    assert.ok(await eventually(async () => (await kcellSbc.statistics()).originate_posted >= 1));
  });

  it('rejects a domestic number arriving on the international trunk with 608 (spoofed)', async () => {
    const r = await runUac({
      scenario: 'uac-rejected.xml',
      target: beelineSbc.ports.international,
      calls: [{ a: '+77011110002', b: '+77771110002' }],
    });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.logged.join('\n'), /reasons=SPOOFED_DOMESTIC_FROM_ABROAD/);
  });

  it('rejects a domestic call that its owner did not report with 608 (unconfirmed)', async () => {
    const r = await runUac({
      scenario: 'uac-rejected.xml',
      target: beelineSbc.ports.domestic,
      calls: [{ a: '+77011110003', b: '+77771110003' }],
    });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.logged.join('\n'), /reasons=UNCONFIRMED_ORIGIN/);
  });

  it('connects a roaming subscriber calling home over the international trunk', async () => {
    const put = await t.request('PUT', '/v1/roaming/+77011110004', {
      token: kcellKey,
      body: { visitedCountry: 'TR', since: new Date(Date.now() - 60_000).toISOString() },
    });
    assert.ok(put.statusCode < 300, put.body);
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: beelineSbc.ports.international,
      calls: [{ a: '+77011110004', b: '+77771110004' }],
    });
    assert.equal(r.code, 0, explain(r));
  });

  it('rejects a call presenting a do-not-originate number with 608', async () => {
    const add = await t.request('POST', '/v1/lists/dno/entries', {
      token: admin,
      body: { number: '+77272000001', reason: 'bank inbound-only number' },
    });
    assert.ok(add.statusCode < 300, add.body);
    const r = await runUac({
      scenario: 'uac-rejected.xml',
      target: beelineSbc.ports.domestic,
      calls: [{ a: '+77272000001', b: '+77771110005' }],
    });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.logged.join('\n'), /reasons=[A-Z_,]*DNO_CLI/);
  });

  it('passes the label on to the callee', async () => {
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: beelineSbc.ports.international,
      calls: [{ a: '+442071230006', b: '+77771110006' }],
    });
    assert.equal(r.code, 0, explain(r));
    const lines = await uas.waitForAnswers(1);
    const line = lines.find((l) => l.includes('verdict=label'));
    assert.ok(line, lines.join('\n'));
    assert.match(line, /label=International call/);
    // …and as the caller's display name, the number kept.
    const { from, pai } = identitiesAt('+77771110006');
    assert.deepEqual(from, { display: 'International call', uri: from.uri });
    assert.match(from.uri, /^sip:\+442071230006@/);
    assert.equal(pai, null, 'no P-Asserted-Identity is made up for a caller that came without one');
  });

  it('shows the label as the display name of the caller in From and P-Asserted-Identity', async () => {
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: labelSbc.ports.domestic,
      calls: [{ a: '+77011110031', b: '+77771110031' }],
      extraHeader: 'P-Asserted-Identity: "Kaspi Bank" <sip:+77011110031@127.0.0.1;user=phone>',
    });
    assert.equal(r.code, 0, explain(r));
    const { from, pai, line } = identitiesAt('+77771110031');
    assert.equal(from.display, scriptedLabel, line);
    assert.match(from.uri, /^sip:\+77011110031@127\.0\.0\.1:\d+$/);
    // The caller's own display name (a fraudster's choice) is not shown beside the warning.
    assert.deepEqual(pai, { display: scriptedLabel, uri: 'sip:+77011110031@127.0.0.1;user=phone' }, line);
    // Cores that show X-Callshield-Label themselves still get it.
    assert.match(line, /verdict=label;decision=[0-9a-f-]+ label=Возможно мошенничество/);
  });

  it('shows the label on a signed call beside the verstat, and on the international trunk', async () => {
    const signed = await runUac({
      scenario: 'uac-connect.xml',
      target: labelSbc.ports.domestic,
      calls: [{ a: '+77011110033', b: '+77771110033' }],
    });
    assert.equal(signed.code, 0, explain(signed));
    const { from, pai, line } = identitiesAt('+77771110033');
    assert.equal(from.display, scriptedLabel, line);
    assert.deepEqual(pai, {
      display: scriptedLabel,
      uri: 'sip:+77011110033;verstat=TN-Validation-Passed@127.0.0.1;user=phone',
    });
    const international = await runUac({
      scenario: 'uac-connect.xml',
      target: labelSbc.ports.international,
      calls: [{ a: '+442071230031', b: '+77771110131' }],
    });
    assert.equal(international.code, 0, explain(international));
    assert.equal(identitiesAt('+77771110131').from.display, scriptedLabel);
  });

  it('leaves the display name of an allowed call, and of a labelled one with the setting off, as it came', async () => {
    const pai = 'P-Asserted-Identity: "Kaspi Bank" <sip:+77011110032@127.0.0.1;user=phone>';
    const allowed = await runUac({
      scenario: 'uac-connect.xml',
      target: labelSbc.ports.domestic,
      calls: [{ a: '+77011110032', b: '+77771110032' }],
      extraHeader: pai,
    });
    assert.equal(allowed.code, 0, explain(allowed));
    const seen = identitiesAt('+77771110032');
    assert.match(seen.line, /verdict=allow/);
    assert.equal(seen.from.display, null, seen.line);
    assert.deepEqual(seen.pai, { display: 'Kaspi Bank', uri: 'sip:+77011110032@127.0.0.1;user=phone' });

    const off = await runUac({
      scenario: 'uac-connect.xml',
      target: labelOffSbc.ports.domestic,
      calls: [{ a: '+77011110032', b: '+77771110231' }],
      extraHeader: pai,
    });
    assert.equal(off.code, 0, explain(off));
    const unchanged = identitiesAt('+77771110231');
    assert.match(unchanged.line, /verdict=label;decision=[0-9a-f-]+ label=Возможно мошенничество/);
    assert.equal(unchanged.from.display, null, unchanged.line);
    assert.deepEqual(unchanged.pai, { display: 'Kaspi Bank', uri: 'sip:+77011110032@127.0.0.1;user=phone' });
  });

  it("keeps the label from the caller's network: answers and the callee's BYE carry the caller's own From", async () => {
    for (const [a, b] of [
      ['+77011110034', '+77771110031'],
      ['+77011110035', '+77771110032'],
    ]) {
      const r = await runUac({
        scenario: 'uac-callee-hangup.xml',
        target: labelHangupSbc.ports.domestic,
        calls: [{ a, b }],
      });
      assert.equal(r.code, 0, `${explain(r)}\n${labelHangupSbc.log().slice(-3000)}`);
      const logged = (name: string) => {
        const line = r.logged.find((l) => l.startsWith(`${name}=`));
        assert.ok(line, `the caller logged no ${name}:\n${r.logged.join('\n')}`);
        return line.slice(name.length + 1);
      };
      const sent = { display: 'Caller Own Name', uri: logged('ok-from').match(/<([^>]*)>/)?.[1] ?? '' };
      assert.match(sent.uri, new RegExp(`^sip:\\${a}@127\\.0\\.0\\.1:\\d+$`));
      // The 200 OK: the From the caller sent (display name included), never the label.
      assert.deepEqual(nameAddr(logged('ok-from')), sent, r.logged.join('\n'));
      assert.match(logged('ok-from'), /;tag=\d+SIPpTag00/);
      assert.doesNotMatch(r.logged.join('\n'), /Возможно/);
      // The callee's BYE: its To is the caller's own From (tag kept), its From the callee's To.
      assert.deepEqual(nameAddr(logged('bye-to')), sent, r.logged.join('\n'));
      assert.match(logged('bye-to'), /;tag=\d+SIPpTag00/);
      assert.equal(nameAddr(logged('bye-from')).uri, nameAddr(logged('ok-to')).uri);
      const line = hangupUas.answered().find((l) => l.includes(`to=sip:${b} `));
      assert.ok(line, hangupUas.answered().join('\n'));
      const from = nameAddr(/ from=(.*)$/.exec(line)![1]);
      if (b.endsWith('31')) {
        // …while the callee saw the label.
        assert.match(line, /verdict=label;/);
        assert.deepEqual(from, { display: scriptedLabel, uri: sent.uri }, line);
      } else {
        assert.match(line, /verdict=allow;/);
        assert.deepEqual(from, sent, line);
      }
    }
  });

  it('removes a verstat the caller wrote in itself', async () => {
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: beelineSbc.ports.international,
      calls: [{ a: '+442071230010', b: '+77771110010' }],
      extraHeader: 'P-Asserted-Identity: <sip:+442071230010@127.0.0.1;user=phone;verstat=TN-Validation-Passed>',
    });
    assert.equal(r.code, 0, explain(r));
    const [line] = answeredFor('to=sip:+77771110010');
    assert.ok(line, uas.answered().join('\n'));
    assert.doesNotMatch(line, /verstat/);
  });

  it('lets calls through when callshield does not answer, and counts them', async () => {
    const before = (await downSbc.statistics()).fail_open ?? 0;
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: downSbc.ports.international,
      calls: [{ a: '+442071230007', b: '+77771110007' }],
    });
    assert.equal(r.code, 0, explain(r));
    assert.ok(uas.answered().some((l) => l.includes('verdict=unavailable')));
    assert.equal((await downSbc.statistics()).fail_open, before + 1);
  });

  it('signs at the originating SBC with secsipid, and callshield verifies the signature', async () => {
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: kcellSigningSbc.ports.subscribers,
      calls: [{ a: '+77011110009', b: '+77771110009' }],
    });
    assert.equal(r.code, 0, explain(r));
    const lines = await uas.waitForAnswers(1);
    const line = lines.find((l) => l.includes('to=sip:+77771110009 ') && l.includes('verstat='));
    assert.ok(line, `no verstat seen by the UAS:\n${lines.join('\n')}\n${kcellSigningSbc.log().slice(-2000)}`);
    assert.match(line, /verdict=allow;decision=[0-9a-f-]+;verstat=TN-Validation-Passed/);
    // ATIS-1000074 / TS 24.229: verstat is a tel URI parameter, so in a SIP URI it goes before the @.
    assert.match(line, /pai= *<sip:\+77011110009;verstat=TN-Validation-Passed@[^;>]+;user=phone>/);
    assert.equal((await kcellSigningSbc.statistics()).sign_failed, 0);
  });

  it('signs tokens that secsipid verifies, and secsipid refuses a tampered one', async () => {
    const stir = t.app.modules.stir as Stir;
    const identity = await stir.service.signCall('BEELINE', {
      orig: '+77771110019',
      dest: '+77011110019',
      attest: 'A',
    });
    assert.ok(identity);
    const accepted = await sendInvite(secsipidVerifier.ports.domestic, {
      a: '+77771110019',
      b: '+77011110019',
      headers: [`Identity: ${identity}`],
    });
    assert.equal(accepted, 'SIP/2.0 200 Identity Verified', secsipidVerifier.log().slice(-2000));
    // secsipid took the certificate from the x5u over HTTPS (callshield never verified this token).
    const info = /;info=<([^>]+)>/.exec(identity)![1];
    assert.ok(x5u.requests.includes(new URL(info).pathname), 'secsipid did not fetch the x5u');
    const dot = identity.lastIndexOf('.');
    const tampered = `${identity.slice(0, dot + 1)}${identity[dot + 1] === 'A' ? 'B' : 'A'}${identity.slice(dot + 2)}`;
    const refused = await sendInvite(secsipidVerifier.ports.domestic, {
      a: '+77771110019',
      b: '+77011110019',
      headers: [`Identity: ${tampered}`],
    });
    assert.equal(refused, 'SIP/2.0 438 Invalid Identity Header');
  });

  it('screens a call whose Call-ID JSON cannot take as it is (a quote) or callshield refuses (too long)', async () => {
    // Either used to make callshield answer 400, and the SBC let the spoofed call through unscreened.
    for (const [i, cid] of [`it's-%u-%p@%s`, `${'x'.repeat(200)}-%u-%p@%s`].entries()) {
      const r = await runUac({
        scenario: 'uac-rejected.xml',
        target: beelineSbc.ports.international,
        calls: [{ a: `+7701111002${i}`, b: `+7777111002${i}` }],
        sippArgs: ['-cid_str', cid],
      });
      assert.equal(r.code, 0, explain(r));
      assert.match(r.logged.join('\n'), /reasons=SPOOFED_DOMESTIC_FROM_ABROAD/);
    }
  });

  it('screens a call whose Identity header is longer than any PASSporT as unsigned', async () => {
    const r = await runUac({
      scenario: 'uac-rejected.xml',
      target: beelineSbc.ports.international,
      calls: [{ a: '+77011110022', b: '+77771110022' }],
      extraHeader: `Identity: ${'e'.repeat(5000)}`,
    });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.logged.join('\n'), /reasons=SPOOFED_DOMESTIC_FROM_ABROAD/);
  });

  it('connects a forwarded call: the origin is confirmed against the number the caller dialled', async () => {
    // KCELL's +77011110023 called BEELINE's +77771110023, who forwards to +77071110023: the forwarded
    // leg arrives with the dialled number in Diversion (or History-Info).
    for (const [i, header] of [
      'Diversion: <sip:+77771110023@127.0.0.1;user=phone>;reason=unconditional;counter=1',
      'History-Info: <sip:+77771110024@127.0.0.1;user=phone>;index=1, <sip:+77071110024@127.0.0.1;user=phone>;index=1.1',
    ].entries()) {
      const [a, dialled, target] = [`+7701111002${3 + i}`, `+7777111002${3 + i}`, `+7707111002${3 + i}`];
      const reported = await t.request('POST', '/v1/calls/originate', {
        token: kcellKey,
        body: { callId: `forwarded-${i}`, a, b: dialled, at: new Date().toISOString() },
      });
      assert.equal(reported.statusCode, 202, reported.body);
      const r = await runUac({
        scenario: 'uac-connect.xml',
        target: beelineSbc.ports.domestic,
        calls: [{ a, b: target }],
        extraHeader: header,
      });
      assert.equal(r.code, 0, explain(r));
      assert.match(answeredFor(`to=sip:${target}`)[0] ?? '', /verdict=allow/, uas.answered().join('\n'));
    }
  });

  it('takes the caller from Remote-Party-ID when the From is anonymous and there is no P-Asserted-Identity', async () => {
    const reported = await t.request('POST', '/v1/calls/originate', {
      token: kcellKey,
      body: { callId: 'rpid', a: '+77011110025', b: '+77771110025', at: new Date().toISOString() },
    });
    assert.equal(reported.statusCode, 202, reported.body);
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: beelineSbc.ports.domestic,
      calls: [{ a: 'anonymous', b: '+77771110025' }],
      extraHeader: 'Remote-Party-ID: <sip:+77011110025@127.0.0.1>;party=calling;screen=yes;privacy=full',
    });
    assert.equal(r.code, 0, explain(r));
    assert.match(answeredFor('to=sip:+77771110025')[0] ?? '', /verdict=allow/, uas.answered().join('\n'));
  });

  it('reads a calling number with tel parameters in its user part (no user=phone) as the number', async () => {
    const reported = await t.request('POST', '/v1/calls/originate', {
      token: kcellKey,
      body: { callId: 'cpc', a: '+77011110026', b: '+77771110026', at: new Date().toISOString() },
    });
    assert.equal(reported.statusCode, 202, reported.body);
    // It was read as "+77011110026;cpc=ordinary": MALFORMED_CLI, a genuine call rejected with 608.
    const status = await sendInvite(beelineSbc.ports.domestic, { a: '+77011110026;cpc=ordinary', b: '+77771110026' });
    assert.equal(status, 'SIP/2.0 200 OK');
  });

  it('keeps a verstat and callshield headers written in by the other network out of a re-INVITE', async () => {
    const reported = await t.request('POST', '/v1/calls/originate', {
      token: kcellKey,
      body: { callId: 'reinvite', a: '+77011110027', b: '+77771110027', at: new Date().toISOString() },
    });
    assert.equal(reported.statusCode, 202, reported.body);
    const r = await runUac({
      scenario: 'uac-reinvite.xml',
      target: beelineSbc.ports.domestic,
      calls: [{ a: '+77011110027', b: '+77771110027' }],
    });
    assert.equal(r.code, 0, explain(r));
    const [line] = uas.reinvites();
    assert.ok(line, 'the UAS saw no re-INVITE');
    assert.doesNotMatch(line, /verstat|Verified bank|forged/);
  });

  it('lets calls queued behind a silent callshield through without waiting their turn', async () => {
    // Six async workers, each held 1 s by a callshield that never answers: without a bound on the wait
    // for a worker, call n of a burst waits n/6 seconds (minutes under real traffic) and every call is
    // still sent to callshield in turn.
    const calls = Array.from({ length: 30 }, (_, i) => ({ a: `+4420712${String(40000 + i)}`, b: '+77771110028' }));
    const connectionsBefore = blackHoleConnections;
    const answeredBefore = uas.answered().filter((l) => l.includes('to=sip:+77771110028')).length;
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: downSbc.ports.international,
      calls,
      rate: 300,
      timeoutSeconds: 60,
    });
    assert.equal(r.code, 0, explain(r));
    const answered = uas
      .answered()
      .filter((l) => l.includes('to=sip:+77771110028'))
      .slice(answeredBefore);
    assert.equal(answered.length, calls.length);
    assert.ok(
      answered.every((l) => l.includes('verdict=unavailable')),
      answered.join('\n'),
    );
    assert.ok(
      blackHoleConnections - connectionsBefore < calls.length,
      `every queued call still waited for callshield (${blackHoleConnections - connectionsBefore} verifies)`,
    );
  });

  it('carries a burst of 300 calls with none lost', async () => {
    const calls = Array.from({ length: 300 }, (_, i) => ({
      a: `+7701${String(2000000 + i)}`,
      b: `+7777${String(2000000 + i)}`,
    }));
    const answeredBefore = uas.answered().length;
    const r = await runUac({
      scenario: 'uac-connect.xml',
      target: kcellSbc.ports.subscribers,
      calls,
      rate: 100,
      timeoutSeconds: 60,
    });
    assert.equal(r.code, 0, explain(r));
    const answered = await uas.waitForAnswers(answeredBefore + calls.length);
    const burst = answered.slice(answeredBefore);
    assert.equal(burst.length, calls.length);
    assert.equal(burst.filter((l) => l.includes('verdict=allow')).length, calls.length, burst.join('\n'));
  });
});
