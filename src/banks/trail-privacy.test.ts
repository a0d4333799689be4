import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../distributed/harness.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { STRANGER_TRAILS_PER_DAY } from './routes.ts';

// A bank may name any number as the victim of an incident, and DESIGN.md §3.1 gives it the trail
// (the number's incoming calls) whatever the victim: these tests bound how far a bank key can use
// that to read strangers' calls, and keep its own customers' trails whole.
const CALLER = '+905321234567';
const CUSTOMER = '+77771230001';
const STRANGER = '+77771230002';
/** Distinct numbers that are nobody's customers, as many as the bound allows in a day. */
const others = Array.from({ length: STRANGER_TRAILS_PER_DAY }, (_, i) => `+7777200${String(i).padStart(4, '0')}`);

let t: TestApp;
let bankKey: string;
let operatorKey: string;
let calls = 0;

const now = () => new Date().toISOString();
const file = async (incidentId: string, victim: string) => {
  const r = await t.request('POST', '/v1/bank/incidents', {
    token: bankKey,
    body: { incidentId, victim, at: now(), kind: 'transfer', amount: 1000, currency: 'KZT' },
  });
  assert.equal(r.statusCode, 202, r.body);
};
const view = async (incidentId: string, token: string) => {
  const r = await t.request('GET', `/v1/bank/incidents/${incidentId}`, { token });
  return { status: r.statusCode, body: r.json() as { contacts?: { number: string }[]; error?: { code: string } } };
};
const showsCaller = async (incidentId: string, token: string) =>
  eventually(async () => {
    const r = await view(incidentId, token);
    return r.status === 200 && (r.body.contacts ?? []).some((c) => c.number === CALLER);
  }, 10_000);
const audited = async (action: string) => {
  const r = await t.request('GET', `/v1/audit?action=${action}&limit=1000`, { token: admin });
  return (r.json() as { items: { action: string; target: string; details: Record<string, unknown> }[] }).items.filter(
    (e) => e.action === action,
  );
};

before(async () => {
  t = await startTestApp({ secretKey: 'test-secret-key-0123456789abcdef' });
  assert.equal(
    (await t.request('POST', '/v1/admin/banks', { token: admin, body: { id: 'HALYK', name: 'Halyk Bank' } }))
      .statusCode,
    201,
  );
  const key = await t.request('POST', '/v1/admin/banks/HALYK/keys', { token: admin, body: {} });
  bankKey = (key.json() as { apiKey: string }).apiKey;
  operatorKey = await t.keyFor('BEELINE');
  const put = await t.request('PUT', '/v1/bank/customers', { token: bankKey, body: { add: [CUSTOMER] } });
  assert.equal(put.statusCode, 200, put.body);
  for (const b of [CUSTOMER, STRANGER]) {
    const r = await t.request('POST', '/v1/calls/verify', {
      token: operatorKey,
      body: { callId: `trail-privacy-${++calls}`, a: CALLER, b, at: now(), ingress: 'international' },
    });
    assert.equal(r.statusCode, 200, r.body);
  }
});

after(async () => {
  await t.close();
});

describe("a bank's look at the incoming calls of a victim that is not its customer", () => {
  it(`is given for ${STRANGER_TRAILS_PER_DAY} strangers a day, then the incident is filed but its trail refused`, async () => {
    for (const [i, victim] of others.entries()) await file(`other-${i}`, victim);
    await file('stranger-1', STRANGER);
    const refused = await view('stranger-1', bankKey);
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.error?.code, 'RATE_LIMITED');
    assert.equal(refused.body.contacts, undefined, "no contact of the stranger's trail");
    // Filed all the same: it stays in the bank's list, and the platform's analysts read its trail.
    const list = await t.request('GET', '/v1/bank/incidents?limit=500', { token: bankKey });
    assert.ok((list.json() as { items: { incidentId: string }[] }).items.some((i) => i.incidentId === 'stranger-1'));
    assert.ok(await showsCaller('stranger-1', admin), 'an analyst sees the trail');
    // Waiting does not open it, and a stranger it was given today stays given.
    assert.equal((await view('stranger-1', bankKey)).status, 429);
    assert.equal((await view('other-0', bankKey)).status, 200);
    await file('other-0-again', others[0]);
    assert.equal((await view('other-0-again', bankKey)).status, 200, 'the same victim takes no further place');
  });

  it("its own customer's trail is given past the bound, with the call that led to the loss", async () => {
    await file('customer-1', CUSTOMER);
    assert.ok(await showsCaller('customer-1', bankKey), JSON.stringify((await view('customer-1', bankKey)).body));
  });

  it('every look is audited with whether the victim is the bank’s customer, and every refusal', async () => {
    const views = await audited('bank.incident.view');
    const byBank = (target: string) => views.filter((e) => e.target === target && 'customer' in e.details);
    assert.ok(byBank('HALYK/customer-1').every((e) => e.details.customer === true));
    assert.ok(byBank('HALYK/customer-1').length > 0);
    assert.ok(byBank('HALYK/other-0').length > 0 && byBank('HALYK/other-0').every((e) => e.details.customer === false));
    const refusals = await audited('bank.incident.trail_refused');
    assert.ok(refusals.some((e) => e.target === 'HALYK/stranger-1' && e.details.victim === STRANGER));
    const filed = await audited('bank.incident.file');
    assert.equal(filed.find((e) => e.target === 'HALYK/customer-1')?.details.customer, true);
    assert.equal(filed.find((e) => e.target === 'HALYK/stranger-1')?.details.customer, false);
  });
});
