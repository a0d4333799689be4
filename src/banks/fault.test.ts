/**
 * Fault test: the process is killed (SIGKILL) while potential-victim deliveries are pending; after
 * a restart on the same data dir they are delivered, signed with the same secret (the generated
 * secret key survived in the data dir).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { call, callshieldNode, eventually } from '../distributed/harness.ts';
import { signedWith, startReceiver } from '../webhooks/test-support.ts';

const admin = 'fault-admin-token-0123456789abcdef';
const secret = 'fault-webhook-secret-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'callshield-bank-fault-'));
let receiverDown = true;
const receiver = await startReceiver(() => (receiverDown ? 503 : 200));
const node = await callshieldNode('screening,ingest,detect,console', {
  CALLSHIELD_DATA_DIR: dir,
  CALLSHIELD_ADMIN_TOKEN: admin,
  CALLSHIELD_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  CALLSHIELD_LOG_LEVEL: 'warn',
});

after(async () => {
  await node.kill();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

it('deliveries pending when the process is killed are delivered after the restart', async () => {
  await node.start();
  assert.match(node.output(), /generated a secret key into the data dir/);
  assert.equal(
    (await call(node.url, 'POST', '/v1/admin/banks', { token: admin, body: { id: 'HALYK', name: 'Halyk' } })).status,
    201,
  );
  const bankKey = (await call(node.url, 'POST', '/v1/admin/banks/HALYK/keys', { token: admin, body: {} })).body
    .apiKey as string;
  const operatorKey = (await call(node.url, 'POST', '/v1/admin/operators/BEELINE/keys', { token: admin, body: {} }))
    .body.apiKey as string;
  const hook = await call(node.url, 'POST', '/v1/webhooks', {
    token: bankKey,
    body: { url: receiver.url('/halyk'), events: ['potential_victim'], secret },
  });
  assert.equal(hook.status, 201, hook.text);
  const victims = ['+77771230001', '+77771230002', '+77771230003'];
  await call(node.url, 'PUT', '/v1/bank/customers', { token: bankKey, body: { add: victims } });
  const filed = await call(node.url, 'POST', '/v1/bank/incidents', {
    token: bankKey,
    body: {
      incidentId: 'f-1',
      victim: '+77771230009',
      at: new Date().toISOString(),
      kind: 'transfer',
      suspectNumbers: ['+905321234567'],
    },
  });
  assert.equal(filed.status, 202, filed.text);
  for (const [i, b] of victims.entries()) {
    const r = await call(node.url, 'POST', '/v1/calls/verify', {
      token: operatorKey,
      body: { callId: `fault-${i}`, a: '+905321234567', b, at: new Date().toISOString(), ingress: 'international' },
    });
    assert.equal(r.status, 200, r.text);
  }
  // Every warning was tried and refused at least once: all three are pending.
  const deliveries = async () =>
    ((await call(node.url, 'GET', `/v1/webhooks/${hook.body.id}/deliveries`, { token: bankKey })).body.items ?? []) as {
      status: string;
      attempts: number;
    }[];
  assert.ok(
    await eventually(async () => {
      const items = await deliveries();
      return items.length === 3 && items.every((d) => d.status === 'pending' && d.attempts >= 1);
    }, 20_000),
    JSON.stringify(await deliveries()),
  );
  await node.kill('SIGKILL');
  receiverDown = false;
  const before = receiver.got.length;
  await node.start();
  assert.ok(
    await eventually(async () => (await deliveries()).every((d) => d.status === 'delivered'), 30_000),
    JSON.stringify(await deliveries()),
  );
  const delivered = receiver.got.slice(before);
  const msisdns = delivered.filter((r) => signedWith(secret, r)).map((r) => JSON.parse(r.raw).msisdn);
  assert.deepEqual([...new Set(msisdns)].sort(), victims);
});

it('the contacts behind a trail survive a restart', async () => {
  const bankKey = (await call(node.url, 'POST', '/v1/admin/banks/HALYK/keys', { token: admin, body: {} })).body
    .apiKey as string;
  const operatorKey = (await call(node.url, 'POST', '/v1/admin/operators/BEELINE/keys', { token: admin, body: {} }))
    .body.apiKey as string;
  const victim = '+77771230042';
  const r = await call(node.url, 'POST', '/v1/calls/verify', {
    token: operatorKey,
    body: {
      callId: 'fault-trail',
      a: '+79161234567',
      b: victim,
      at: new Date().toISOString(),
      ingress: 'international',
    },
  });
  assert.equal(r.status, 200, r.text);
  await node.kill('SIGTERM');
  await node.start();
  const filed = await call(node.url, 'POST', '/v1/bank/incidents', {
    token: bankKey,
    body: { incidentId: 'f-2', victim, at: new Date().toISOString(), kind: 'card' },
  });
  assert.equal(filed.status, 202, filed.text);
  const trail = await call(node.url, 'GET', '/v1/bank/incidents/f-2', { token: bankKey });
  const contacts = trail.body.contacts as { number: string; verdict?: string }[];
  assert.deepEqual(
    contacts.map((c) => [c.number, c.verdict]),
    [['+79161234567', r.body.verdict]],
  );
});
