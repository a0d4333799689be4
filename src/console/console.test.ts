import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ConsoleTestApp, startConsoleTestApp } from './test-support.ts';

describe('console API: roles, operator scoping and audit', () => {
  let t: ConsoleTestApp;
  let analyst: string;
  let kcellAnalyst: string;
  let viewer: string;
  const kcellNumber = '+77011234567';
  const beelineNumber = '+77051234567';

  before(async () => {
    t = await startConsoleTestApp();
    analyst = await t.user('ann', 'analyst');
    kcellAnalyst = await t.user('kira', 'operator_analyst', 'KCELL');
    viewer = await t.user('vic', 'viewer');
    // Two calls: one asked by Kcell about a Beeline caller, one asked by Tele2 between Tele2 and Beeline.
    const keys: Record<string, string> = {};
    for (const op of ['KCELL', 'TELE2']) {
      keys[op] = (await t.admin('POST', `/v1/admin/operators/${op}/keys`)).json().apiKey;
    }
    const verify = (op: string, call: object) =>
      t.app.http.inject({
        method: 'POST',
        url: '/v1/calls/verify',
        headers: { authorization: `Bearer ${keys[op]}` },
        payload: { at: new Date().toISOString(), ingress: 'domestic', ...call },
      });
    assert.equal(
      (await verify('KCELL', { callId: 'c1', a: beelineNumber, b: kcellNumber, fromOperator: 'BEELINE' })).statusCode,
      200,
    );
    assert.equal(
      (await verify('TELE2', { callId: 'c2', a: beelineNumber, b: '+77071234567', fromOperator: 'BEELINE' }))
        .statusCode,
      200,
    );
  });
  after(() => t.close());

  it('shows an operator analyst only the decisions of their operator', async () => {
    const all = (await t.as(analyst, 'GET', '/v1/decisions')).json().items;
    assert.equal(all.length, 2);
    const own = (await t.as(kcellAnalyst, 'GET', '/v1/decisions')).json().items;
    assert.deepEqual(
      own.map((d: { callId: string }) => d.callId),
      ['c1'],
    );
    const other = await t.as(kcellAnalyst, 'GET', '/v1/decisions?operator=TELE2');
    assert.equal(other.statusCode, 403);
    const tele2Decision = all.find((d: { callId: string }) => d.callId === 'c2');
    assert.equal((await t.as(kcellAnalyst, 'GET', `/v1/decisions/${tele2Decision.decisionId}`)).statusCode, 404);
    assert.equal((await t.as(analyst, 'GET', `/v1/decisions/${tele2Decision.decisionId}`)).statusCode, 200);
    // A viewer sees figures, not calls.
    assert.equal((await t.as(viewer, 'GET', '/v1/decisions')).statusCode, 403);
  });

  it('lets an operator analyst look up their own subscribers only, and audits every lookup', async () => {
    const own = await t.as(kcellAnalyst, 'GET', `/v1/numbers/${encodeURIComponent(kcellNumber)}/lookup`);
    assert.equal(own.statusCode, 200);
    assert.equal(own.json().owner, 'KCELL');
    assert.equal(own.json().decisions.length, 1);
    const foreign = await t.as(kcellAnalyst, 'GET', `/v1/numbers/${encodeURIComponent(beelineNumber)}/lookup`);
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().error.code, 'NOT_NUMBER_OWNER');
    const full = await t.as(analyst, 'GET', '/v1/numbers/87051234567/lookup');
    assert.equal(full.json().number, beelineNumber);
    assert.equal(full.json().decisions.length, 2);

    const audit = (await t.admin('GET', '/v1/audit?action=number.lookup')).json().items;
    const seen = audit.map(
      (e: { actor: string; action: string; target: string }) => `${e.actor} ${e.action} ${e.target}`,
    );
    assert.ok(seen.includes(`user:kira number.lookup ${kcellNumber}`));
    assert.ok(seen.includes(`user:kira number.lookup.denied ${beelineNumber}`));
    assert.ok(seen.includes(`user:ann number.lookup ${beelineNumber}`));
    assert.equal(audit[0].clientIp, '127.0.0.1');
  });

  it('scopes stats and the operators overview to the operator analyst', async () => {
    await t.as(analyst, 'GET', '/v1/stats');
    const stats = (await t.as(kcellAnalyst, 'GET', '/v1/stats')).json();
    assert.equal(stats.operator, 'KCELL');
    assert.deepEqual(Object.keys(stats.byOperator), ['KCELL']);
    const operators = (await t.as(kcellAnalyst, 'GET', '/v1/console/operators')).json().items;
    assert.deepEqual(
      operators.map((o: { id: string }) => o.id),
      ['KCELL'],
    );
    const all = (await t.as(viewer, 'GET', '/v1/console/operators')).json().items;
    assert.ok(all.length >= 5);
    assert.equal(all.find((o: { id: string }) => o.id === 'KCELL').keys.active, 1);
  });

  it('lets analysts edit lists, not viewers or operator analysts, and audits the change', async () => {
    const entry = { number: '+77019998877', reason: 'fraud call-centre' };
    assert.equal((await t.as(viewer, 'POST', '/v1/lists/blocklist/entries', entry)).statusCode, 403);
    assert.equal((await t.as(kcellAnalyst, 'POST', '/v1/lists/blocklist/entries', entry)).statusCode, 403);
    const added = await t.as(analyst, 'POST', '/v1/lists/blocklist/entries', entry);
    assert.equal(added.statusCode, 201);
    assert.equal(added.json().createdBy, 'user:ann');
    assert.equal((await t.as(analyst, 'DELETE', '/v1/lists/blocklist/entries/%2B77019998877')).statusCode, 204);
    const audit = (await t.admin('GET', '/v1/audit?actor=user:ann&action=lists.')).json().items;
    assert.deepEqual(audit.map((e: { action: string; target: string }) => `${e.action} ${e.target}`).sort(), [
      'lists.entries.delete blocklist/+77019998877',
      'lists.entries.post blocklist/+77019998877',
    ]);
  });

  it('opens the audit log and its verification to supervisors only', async () => {
    const supervisor = await t.user('sue', 'supervisor');
    assert.equal((await t.as(analyst, 'GET', '/v1/audit')).statusCode, 403);
    assert.equal((await t.as(kcellAnalyst, 'GET', '/v1/audit/verify')).statusCode, 403);
    const verify = await t.as(supervisor, 'GET', '/v1/audit/verify');
    assert.equal(verify.json().ok, true);
    const csv = await t.as(supervisor, 'GET', '/v1/audit/export?action=number.');
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    assert.match(csv.body.split('\n')[0], /^seq,id,at,actor,role,action,target/);
    assert.ok(csv.body.includes('number.lookup'));
  });

  it('answers unknown API paths with JSON and client routes with the console page', async () => {
    const api = await t.as(undefined, 'GET', '/v1/nothing-here');
    assert.equal(api.statusCode, 404);
    assert.equal(api.json().error.code, 'NOT_FOUND');
    const page = await t.as(undefined, 'GET', '/lookup/77011234567');
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  });
});
