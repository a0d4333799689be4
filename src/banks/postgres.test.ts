/**
 * The bank story on PostgreSQL (the distributed records store): incidents, contact blocks read back
 * after they are stored, customers, and a signed delivery claimed with FOR UPDATE SKIP LOCKED.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eventually, tempDatabase } from '../distributed/harness.ts';
import { openPostgres } from '../platform/sql.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { signedWith, startReceiver } from '../webhooks/test-support.ts';
import type { Banks } from './module.ts';

let database: Awaited<ReturnType<typeof tempDatabase>>;
let t: TestApp;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

before(async () => {
  database = await tempDatabase();
  receiver = await startReceiver();
  t = await startTestApp(
    { webhookAllowHosts: '127.0.0.1', secretKey: 'pg-test-secret-key-0123456789' },
    await openPostgres(database.url),
  );
});

after(async () => {
  await t.close();
  await t.app.sql.close();
  await receiver.close();
  await database.drop();
});

it('files an incident, reads its trail back from stored blocks and delivers a signed warning', async () => {
  const FRAUD = '+905321234567';
  const customer = '+77771234530';
  assert.equal(
    (await t.request('POST', '/v1/admin/banks', { token: admin, body: { id: 'HALYK', name: 'Halyk' } })).statusCode,
    201,
  );
  const bankKey = (await t.request('POST', '/v1/admin/banks/HALYK/keys', { token: admin })).json().apiKey as string;
  const operatorKey = await t.keyFor('BEELINE');
  const secret = 'pg-webhook-secret-0123456789';
  const hook = await t.request('POST', '/v1/webhooks', {
    token: bankKey,
    body: { url: receiver.url('/halyk'), events: ['potential_victim'], secret },
  });
  assert.equal(hook.statusCode, 201, hook.body);
  await t.request('PUT', '/v1/bank/customers', { token: bankKey, body: { add: [customer] } });
  await t.request('POST', '/v1/bank/incidents', {
    token: bankKey,
    body: {
      incidentId: 'pg-1',
      victim: '+77771234531',
      at: new Date().toISOString(),
      kind: 'loan',
      suspectNumbers: [FRAUD],
    },
  });
  const call = await t.request('POST', '/v1/calls/verify', {
    token: operatorKey,
    body: { callId: 'pg-call', a: FRAUD, b: customer, at: new Date().toISOString(), ingress: 'international' },
  });
  assert.equal(call.statusCode, 200);
  assert.ok(await eventually(async () => receiver.got.some((r) => signedWith(secret, r)), 20_000));
  await t.app.stream.drain();
  await (t.app.modules.banks as Banks).contacts.flush();
  const filed = await t.request('POST', '/v1/bank/incidents', {
    token: bankKey,
    body: { incidentId: 'pg-2', victim: customer, at: new Date().toISOString(), kind: 'card' },
  });
  assert.equal(filed.statusCode, 202);
  const trail = (await t.request('GET', '/v1/bank/incidents/pg-2', { token: bankKey })).json() as {
    contacts: { number: string; verdict: string }[];
  };
  assert.deepEqual(
    trail.contacts.map((c) => [c.number, c.verdict]),
    [[FRAUD, call.json().verdict]],
  );
});
