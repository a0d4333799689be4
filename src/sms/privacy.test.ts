/**
 * The text of a message is read for links and dropped: a unique text sent through the real server
 * (over HTTP and through its SMPP firewall) appears nowhere afterwards — not in its data
 * directory, its log, its answers or its decisions.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import smpp, { type PDU, type Server as SmppServer } from 'smpp';

const root = new URL('../../', import.meta.url).pathname;
const token = 'privacy-admin-token-0123456789';
let dir: string;
let port: number;
let server: ReturnType<typeof spawn>;
let smppPort: number;
let smsc: SmppServer;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });

async function call(method: string, path: string, body?: unknown, key = token) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, text: await r.text() };
}

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const p = join(path, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callshield-sms-privacy-'));
  port = await freePort();
  smppPort = await freePort();
  // The SMSC behind the server's SMPP firewall: it answers every submit (and so sees the texts it is sent).
  smsc = smpp.createServer({}, (session) => {
    session.on('error', () => {});
    session.on('bind_transceiver', (pdu: PDU) => session.send(pdu.response()));
    session.on('submit_sm', (pdu: PDU) => session.send(pdu.response({ message_id: 'm1' })));
    session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
  });
  await new Promise<void>((resolve) => smsc.listen(0, '127.0.0.1', () => resolve()));
  const log = openSync(join(dir, 'server.log'), 'w');
  server = spawn(join(root, 'bin/callshield'), ['serve', '--port', String(port), '--data-dir', dir], {
    cwd: root,
    env: {
      ...process.env,
      CALLSHIELD_ADMIN_TOKEN: token,
      CALLSHIELD_LOG_LEVEL: 'trace',
      CALLSHIELD_STATS_FLUSH_MS: '100',
      CALLSHIELD_HOST: '127.0.0.1',
      CALLSHIELD_ROLES: 'screening,ingest,detect,console,smpp',
      CALLSHIELD_SMPP_PORT: String(smppPort),
      CALLSHIELD_SMPP_UPSTREAM: `127.0.0.1:${(smsc.address() as { port: number }).port}`,
      CALLSHIELD_SMPP_SYSTEM_ID: 'fw',
      CALLSHIELD_SMPP_ACCOUNTS: 'esme:pw',
      CALLSHIELD_SMPP_OPERATOR: 'BEELINE',
    },
    stdio: ['ignore', log, log],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the server did not start');
});

after(async () => {
  smsc.close();
  for (const session of smsc.sessions) session.destroy();
  if (server.exitCode === null) {
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('privacy of the message text', () => {
  it('leaves no trace of the text in the data dir, the log, the answers or the decisions', async () => {
    const key = JSON.parse((await call('POST', '/v1/admin/operators/BEELINE/keys', {})).text).apiKey;
    await call('PUT', '/v1/admin/sms-senders/KASPI', { owner: 'Kaspi Bank', routes: ['domestic'] });
    const secret = `private-${randomBytes(12).toString('hex')}`;
    const answers: string[] = [];
    const texts = [
      `Perevod 5000 KZT ${secret} https://kaspi-kz-bonus.top/x`,
      `${secret}.top/login`,
      `https://${secret}.kaspi-bonus.xyz/`,
    ];
    for (const [i, text] of texts.entries()) {
      const at = new Date().toISOString();
      const single = await call(
        'POST',
        '/v1/sms/verify',
        { messageId: `p-${i}`, sender: 'KASPI', b: '+77771234567', at, ingress: 'domestic', text },
        key,
      );
      assert.equal(single.status, 200, single.text);
      answers.push(single.text);
      const batch = await call(
        'POST',
        '/v1/sms/verify/batch',
        { messages: [{ messageId: `q-${i}`, sender: 'ACME', b: '+77771234567', at, ingress: 'domestic', text }] },
        key,
      );
      answers.push(batch.text);
    }
    // And through the SMPP firewall: an allowed message and a blocked one.
    const esme = smpp.connect({ host: '127.0.0.1', port: smppPort });
    esme.on('error', () => {});
    await new Promise<void>((resolve) => esme.once('connect', () => resolve()));
    const request = (command: string, options: Record<string, unknown>) =>
      new Promise<PDU>((resolve) =>
        (esme as unknown as Record<string, (o: object, cb: (pdu: PDU) => void) => void>)[command](options, resolve),
      );
    assert.equal((await request('bind_transceiver', { system_id: 'esme', password: 'pw' })).command_status, 0);
    for (const [sender, status] of [
      ['KASPI', 0],
      ['KASPI-BANK', smpp.errors.ESME_RX_R_APPN],
    ] as const) {
      const resp = await request('submit_sm', {
        source_addr: sender,
        source_addr_ton: 5,
        destination_addr: '77771234567',
        short_message: `Kod ${secret} https://kaspi.kz/`,
      });
      assert.equal(resp.command_status, status, sender);
    }
    esme.destroy();

    // Refused texts are not echoed either.
    const refused = await call(
      'POST',
      '/v1/sms/verify',
      { messageId: 'r', sender: 'KASPI', b: '+77771234567', at: 'x', ingress: 'domestic', text: secret },
      key,
    );
    assert.equal(refused.status, 400);
    answers.push(refused.text);

    const decisions = await call('GET', '/v1/decisions?channel=sms&limit=50');
    assert.equal(decisions.status, 200);
    assert.ok(JSON.parse(decisions.text).items.length >= 8);
    const stats = await call('GET', '/v1/stats');
    for (const text of [...answers, decisions.text, stats.text]) assert.ok(!text.includes(secret), text);

    await new Promise((r) => setTimeout(r, 300)); // one stats flush
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    const leaks = filesUnder(dir).filter((f) => readFileSync(f).includes(secret));
    assert.deepEqual(leaks, []);
    assert.ok(readFileSync(join(dir, 'server.log'), 'utf8').length > 0, 'the server did log');
  });
});
