import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';

let t: TestApp;
let kcell: string;
let beeline: string;
let tele2: string;
let seq = 0;
const now = () => new Date().toISOString();
const callId = () => `test-${++seq}`;

const verify = (a: string, b: string, ingress: string, token = beeline, extra: object = {}) =>
  t.request('POST', '/v1/calls/verify', { token, body: { callId: callId(), a, b, at: now(), ingress, ...extra } });
const originate = (a: string, b: string, token = kcell) =>
  t.request('POST', '/v1/calls/originate', { token, body: { callId: callId(), a, b, at: now() } });

before(async () => {
  t = await startTestApp({ originWaitMs: 150, originMaxConfirmations: 2, originTtlSeconds: 30, burstThreshold: 5 });
  [kcell, beeline, tele2] = await Promise.all([t.keyFor('KCELL'), t.keyFor('BEELINE'), t.keyFor('TELE2')]);
});
after(() => t.close());

describe('originate and verify over HTTP', () => {
  it('confirms a domestic call its owner registered', async () => {
    assert.equal((await originate('+77011110001', '+77771110001')).statusCode, 202);
    const r = await verify('+77011110001', '+77771110001', 'domestic', beeline, { fromOperator: 'KCELL' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().verdict, 'allow');
    assert.match(r.json().decisionId, /^[0-9a-f-]{36}$/);
  });

  it('still confirms when the originate arrives 50 ms after the verify', async () => {
    const pending = verify('+77011110002', '+77771110002', 'domestic');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await originate('+77011110002', '+77771110002')).statusCode, 202);
    const r = await pending;
    assert.equal(r.json().verdict, 'allow', r.body);
  });

  it('blocks an unconfirmed call once the wait is over', async () => {
    const r = await verify('+77011110003', '+77771110003', 'domestic');
    assert.equal(r.json().verdict, 'block');
    assert.deepEqual(r.json().reasons, ['UNCONFIRMED_ORIGIN']);
  });

  it('does not let one registration confirm more than its bound', async () => {
    await originate('+77011110004', '+77771110004');
    const verdicts = [];
    for (let i = 0; i < 3; i++)
      verdicts.push((await verify('+77011110004', '+77771110004', 'domestic')).json().verdict);
    assert.deepEqual(verdicts, ['allow', 'allow', 'block']);
  });

  it('counts an originate sent again with the same callId once, and answers it as the first', async () => {
    const body = { callId: 'k-retried', a: '+77011110008', b: '+77771110008', at: now() };
    for (let i = 0; i < 2; i++) {
      const r = await t.request('POST', '/v1/calls/originate', { token: kcell, body });
      assert.equal(r.statusCode, 202);
      assert.deepEqual(r.json(), { accepted: true });
    }
    const verdicts = [];
    for (let i = 0; i < 3; i++)
      verdicts.push((await verify('+77011110008', '+77771110008', 'domestic')).json().verdict);
    // One call, two confirmations (the bound): the retry left none over for a spoofed third.
    assert.deepEqual(verdicts, ['allow', 'allow', 'block']);
  });

  it('lets a registration expire', async () => {
    await originate('+77011110005', '+77771110005');
    t.advance(31_000);
    try {
      assert.equal((await verify('+77011110005', '+77771110005', 'domestic')).json().verdict, 'block');
    } finally {
      t.advance(-31_000);
    }
  });

  it('refuses an originate for a number the operator does not own', async () => {
    const r = await originate('+77011110006', '+77771110006', beeline);
    assert.equal(r.statusCode, 403);
    assert.equal(r.json().error.code, 'NOT_NUMBER_OWNER');
  });

  it('follows MNP: the new operator originates, the old one is refused', async () => {
    const put = await t.request('PUT', '/v1/admin/mnp/+77011110007', { token: admin, body: { operator: 'BEELINE' } });
    assert.equal(put.statusCode, 200);
    assert.equal((await originate('+77011110007', '+77071110007', beeline)).statusCode, 202);
    assert.equal((await originate('+77011110007', '+77071110007', kcell)).statusCode, 403);
    const r = await verify('+77011110007', '+77071110007', 'domestic', tele2);
    assert.equal(r.json().verdict, 'allow');
  });

  it('imports MNP from CSV and reports bad lines', async () => {
    const csv = 'msisdn,operator\n+77011110020,TELE2\nnot-a-number,TELE2\n+77011110021,NOBODY\n';
    const r = await t.request('POST', '/v1/admin/mnp/import', { token: admin, raw: csv, contentType: 'text/csv' });
    assert.equal(r.statusCode, 200);
    assert.equal(r.json().imported, 1);
    assert.deepEqual(r.json().rejected, [
      { line: 3, reason: 'INVALID_NUMBER' },
      { line: 4, reason: 'UNKNOWN_OPERATOR' },
    ]);
    assert.equal((await originate('+77011110020', '+77771110020', tele2)).statusCode, 202);
  });
});

describe('international ingress and roaming', () => {
  it('blocks a Kazakh number from abroad, allows a Russian one', async () => {
    const kz = await verify('+77011110010', '+77771110010', 'international');
    assert.equal(kz.json().verdict, 'block');
    assert.deepEqual(kz.json().reasons, ['SPOOFED_DOMESTIC_FROM_ABROAD']);
    const ru = await verify('+79161110010', '+77771110010', 'international');
    assert.equal(ru.json().verdict, 'allow');
  });

  it('lets the home operator register roaming and no one else', async () => {
    const body = { visitedCountry: 'TR', since: new Date(Date.now() - 60_000).toISOString() };
    assert.equal((await t.request('PUT', '/v1/roaming/+77011110011', { token: beeline, body })).statusCode, 403);
    assert.equal((await t.request('PUT', '/v1/roaming/+77011110011', { token: kcell, body })).statusCode, 200);
    const r = await verify('+77011110011', '+77771110011', 'international');
    assert.equal(r.json().verdict, 'allow');
    assert.deepEqual(r.json().reasons, ['ROAMING_CONFIRMED']);
    assert.equal((await t.request('GET', '/v1/roaming/+77011110011', { token: beeline })).statusCode, 403);
    assert.equal((await t.request('DELETE', '/v1/roaming/+77011110011', { token: kcell })).statusCode, 204);
    assert.equal((await verify('+77011110011', '+77771110011', 'international')).json().verdict, 'block');
  });
});

describe('lists', () => {
  it('blocks DNO and blocklisted numbers at once and syncs them incrementally', async () => {
    const dno = await t.request('POST', '/v1/lists/dno/entries', {
      token: admin,
      body: { number: '87172000001', reason: 'bank hotline' },
    });
    assert.equal(dno.statusCode, 201);
    assert.equal(dno.json().number, '+77172000001');
    assert.deepEqual((await verify('+77172000001', '+77771110012', 'domestic')).json().reasons, ['DNO_CLI']);

    const first = await t.request('GET', '/v1/lists/blocklist?since=0', { token: kcell });
    const v0 = first.json().version;
    await t.request('POST', '/v1/lists/blocklist/entries', {
      token: admin,
      body: { number: '+77071110013', reason: 'fraud' },
    });
    await t.request('POST', '/v1/lists/blocklist/entries', {
      token: admin,
      body: { number: '+77071110014', reason: 'fraud' },
    });
    assert.deepEqual((await verify('+77071110013', '+77771110013', 'on-net', tele2)).json().reasons, [
      'BLOCKLISTED_CLI',
    ]);
    const del = await t.request('DELETE', '/v1/lists/blocklist/entries/+77071110014', { token: admin });
    assert.equal(del.statusCode, 204);
    const sync = await t.request('GET', `/v1/lists/blocklist?since=${v0}`, { token: kcell });
    assert.equal(sync.statusCode, 200);
    assert.deepEqual(
      sync.json().added.map((e: { number: string }) => e.number),
      ['+77071110013'],
    );
    assert.deepEqual(sync.json().removed, ['+77071110014']);
    assert.ok(sync.json().version > v0);
    const nothing = await t.request('GET', `/v1/lists/blocklist?since=${sync.json().version}`, { token: kcell });
    assert.deepEqual(nothing.json(), { version: sync.json().version, added: [], removed: [] });
  });

  it('keeps operators from writing lists and names unknown lists', async () => {
    const r = await t.request('POST', '/v1/lists/blocklist/entries', {
      token: kcell,
      body: { number: '+77071110015', reason: 'x' },
    });
    assert.equal(r.statusCode, 403);
    const unknown = await t.request('GET', '/v1/lists/greylist?since=0', { token: kcell });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'UNKNOWN_LIST');
  });

  it('expires entries', async () => {
    const expiresAt = new Date(Date.now() + 60_000).toISOString();
    await t.request('POST', '/v1/lists/blocklist/entries', {
      token: admin,
      body: { number: '+77071110016', reason: 'temp', expiresAt },
    });
    assert.equal((await verify('+77071110016', '+77771110016', 'on-net', tele2)).json().verdict, 'block');
    t.advance(61_000);
    try {
      assert.equal((await verify('+77071110016', '+77771110016', 'on-net', tele2)).json().verdict, 'allow');
    } finally {
      t.advance(-61_000);
    }
  });

  it('shows a verified business name from the allowlist', async () => {
    await t.request('POST', '/v1/lists/allowlist/entries', {
      token: admin,
      body: { number: '+77071110017', reason: 'bank outgoing line', displayName: 'Kaspi Bank' },
    });
    const r = await verify('+77071110017', '+77771110017', 'on-net', tele2);
    assert.equal(r.json().verdict, 'allow');
    assert.equal(r.json().labelCode, 'VERIFIED_BUSINESS');
    assert.match(r.json().label, /Kaspi Bank/);
  });
});

describe('bursts', () => {
  it('labels a number calling many people at once', async () => {
    const verdicts = [];
    for (let i = 0; i < 6; i++)
      verdicts.push((await verify('+79161110018', `+7777111002${i}`, 'international')).json());
    assert.equal(verdicts[3].verdict, 'allow');
    assert.equal(verdicts[5].verdict, 'label');
    assert.deepEqual(verdicts[5].reasons, ['CALL_BURST']);
    assert.ok(verdicts[5].label);
  });
});

describe('batch forms', () => {
  it('answers every item in order, one bad item failing alone', async () => {
    const r = await t.request('POST', '/v1/calls/verify/batch', {
      token: beeline,
      body: {
        calls: [
          { callId: callId(), a: '+77011110030', b: '+77771110030', at: now(), ingress: 'international' },
          { callId: callId(), a: '+77011110030', ingress: 'nowhere' },
          { callId: callId(), a: '+79161110030', b: '+77771110030', at: now(), ingress: 'international' },
          'not an object',
        ],
      },
    });
    assert.equal(r.statusCode, 200);
    const results = r.json().results;
    assert.equal(results.length, 4);
    assert.equal(results[0].verdict, 'block');
    assert.equal(results[1].error.code, 'VALIDATION_FAILED');
    assert.equal(results[2].verdict, 'allow');
    assert.equal(results[3].error.code, 'VALIDATION_FAILED');
  });

  it('sends labels in Cyrillic intact in a batch answer', async () => {
    await t.request('POST', '/v1/lists/allowlist/entries', {
      token: admin,
      body: { number: '+77071110032', reason: 'bank outgoing line', displayName: 'Халық Банк' },
    });
    const call = { callId: callId(), a: '+77071110032', b: '+77771110032', at: now(), ingress: 'on-net' };
    const r = await t.request('POST', '/v1/calls/verify/batch', { token: tele2, body: { calls: [call, call] } });
    assert.equal(r.statusCode, 200);
    assert.equal(Number(r.headers['content-length']), r.rawPayload.length);
    for (const result of r.json().results) {
      assert.equal(result.labelCode, 'VERIFIED_BUSINESS');
      assert.match(result.label, /Халық Банк/);
    }
  });

  it('registers originations in a batch, refusing numbers of others', async () => {
    const r = await t.request('POST', '/v1/calls/originate/batch', {
      token: kcell,
      body: {
        calls: [
          { callId: callId(), a: '+77011110031', b: '+77771110031', at: now() },
          { callId: callId(), a: '+77071110031', b: '+77771110031', at: now() },
        ],
      },
    });
    assert.deepEqual(r.json().results[0], { accepted: true });
    assert.equal(r.json().results[1].error.code, 'NOT_NUMBER_OWNER');
    assert.equal((await verify('+77011110031', '+77771110031', 'domestic')).json().verdict, 'allow');
  });

  it('counts each callId of a batch sent again once, and two calls of one a→b twice', async () => {
    const calls = [
      { callId: 'k-batch-1', a: '+77011110032', b: '+77771110032', at: now() },
      { callId: 'k-batch-2', a: '+77011110032', b: '+77771110032', at: now() },
      { callId: 'k-batch-1', a: '+77011110032', b: '+77771110032', at: now() },
    ];
    for (let i = 0; i < 2; i++) {
      const r = await t.request('POST', '/v1/calls/originate/batch', { token: kcell, body: { calls } });
      assert.deepEqual(r.json().results, [{ accepted: true }, { accepted: true }, { accepted: true }]);
    }
    const verdicts = [];
    for (let i = 0; i < 5; i++)
      verdicts.push((await verify('+77011110032', '+77771110032', 'domestic')).json().verdict);
    // Two calls, two confirmations each.
    assert.deepEqual(verdicts, ['allow', 'allow', 'allow', 'allow', 'block']);
  });

  it('confirms the unconfirmed calls of a batch that arrive while it waits', async () => {
    const pending = t.request('POST', '/v1/calls/verify/batch', {
      token: beeline,
      body: {
        calls: ['1', '2', '3'].map((i) => ({
          callId: callId(),
          a: `+7701111004${i}`,
          b: '+77771110040',
          at: now(),
          ingress: 'domestic',
        })),
      },
    });
    await new Promise((r) => setTimeout(r, 30));
    await originate('+77011110043', '+77771110040');
    const results = (await pending).json().results;
    assert.deepEqual(
      results.map((x: { verdict: string }) => x.verdict),
      ['block', 'block', 'allow'],
    );
  });

  it('refuses an oversized batch with a code', async () => {
    const calls = Array.from({ length: 5001 }, () => ({}));
    const r = await t.request('POST', '/v1/calls/verify/batch', { token: beeline, body: { calls } });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().error.code, 'BATCH_TOO_LARGE');
  });
});

describe('bad requests', () => {
  it('answers malformed JSON, wrong types and huge bodies with 4xx and a code', async () => {
    const badJson = await t.request('POST', '/v1/calls/verify', { token: beeline, raw: '{not json' });
    assert.equal(badJson.statusCode, 400);
    assert.equal(badJson.json().error.code, 'INVALID_JSON');

    const wrongType = await t.request('POST', '/v1/calls/verify', {
      token: beeline,
      body: { callId: 5, a: [], b: '+77771110050', at: now(), ingress: 'domestic' },
    });
    assert.equal(wrongType.statusCode, 400);
    assert.equal(wrongType.json().error.code, 'VALIDATION_FAILED');

    const badTime = await verify('+77011110050', '+77771110050', 'domestic', beeline, { at: 'yesterday' });
    assert.equal(badTime.json().error.code, 'INVALID_TIME');

    const huge = await t.request('POST', '/v1/calls/verify', {
      token: beeline,
      raw: JSON.stringify({ pad: 'x'.repeat(2_000_000) }),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error.code, 'PAYLOAD_TOO_LARGE');

    const malformedCli = await verify('abc', '+77771110050', 'domestic');
    assert.equal(malformedCli.statusCode, 200);
    assert.deepEqual(malformedCli.json().reasons, ['MALFORMED_CLI']);

    const badCallee = await verify('+77011110050', 'xyz', 'domestic');
    assert.equal(badCallee.statusCode, 400);
    assert.equal(badCallee.json().error.code, 'INVALID_NUMBER');
  });

  it('wants a valid key, and an operator key for call screening', async () => {
    const none = await t.request('POST', '/v1/calls/verify', { body: {} });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'UNAUTHORIZED');
    assert.equal((await t.request('POST', '/v1/calls/verify', { token: 'cs_forged', body: {} })).statusCode, 401);
    assert.equal((await t.request('POST', '/v1/calls/verify', { token: admin, body: {} })).statusCode, 403);
  });

  it('stops a revoked key at once', async () => {
    const created = await t.request('POST', '/v1/admin/operators/ALTEL/keys', { token: admin, body: {} });
    const { apiKey, id } = created.json();
    assert.equal((await verify('+79161110051', '+77001110051', 'international', apiKey)).statusCode, 200);
    assert.equal((await t.request('DELETE', `/v1/admin/operators/ALTEL/keys/${id}`, { token: admin })).statusCode, 204);
    assert.equal((await verify('+79161110051', '+77001110051', 'international', apiKey)).statusCode, 401);
  });
});

describe('stats, metrics and the API document', () => {
  it('counts every decision by verdict, reason and operator, scoped to an operator key', async () => {
    await verify('+77011110060', '+77771110060', 'international');
    const all = await t.request('GET', '/v1/stats?groupBy=day', { token: admin });
    assert.equal(all.statusCode, 200);
    const body = all.json();
    assert.ok(body.totals.screened >= 10);
    assert.equal(body.totals.screened, body.totals.allowed + body.totals.labelled + body.totals.blocked);
    assert.ok(body.byReason.SPOOFED_DOMESTIC_FROM_ABROAD >= 2);
    assert.ok(body.byOperator.BEELINE.screened > 0);
    assert.equal(body.sinceLaunch.screened, body.totals.screened);
    const own = (await t.request('GET', '/v1/stats', { token: tele2 })).json();
    assert.deepEqual(Object.keys(own.byOperator), ['TELE2']);
  });

  it('serves Prometheus metrics and an OpenAPI document', async () => {
    const m = await t.request('GET', '/metrics', { token: admin });
    assert.match(m.body, /# TYPE callshield_decisions_total counter/);
    assert.match(m.body, /callshield_decisions_total\{[^}]*verdict="block"[^}]*\} [1-9]/);
    assert.match(m.body, /callshield_http_request_duration_seconds_bucket/);
    // Each route is timed under its own path, method and status.
    assert.match(
      m.body,
      /callshield_http_request_duration_seconds_count\{route="\/v1\/calls\/verify",method="POST",status="200"[^}]*\} [1-9]/,
    );
    const doc = (await t.request('GET', '/openapi.json')).json();
    for (const path of [
      '/v1/calls/verify',
      '/v1/calls/originate',
      '/v1/calls/verify/batch',
      '/v1/lists/{list}',
      '/v1/stats',
    ]) {
      assert.ok(doc.paths[path], path);
    }
  });
});
