import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDataPathApp, testAdminToken } from '../datapath/test-support.ts';
import { openTestPglite } from '../platform/test-app.ts';

test('GET /v1/campaigns answers the same after a restart of the node', async () => {
  const sql = await openTestPglite();
  try {
    const first = await startDataPathApp({}, 'memory://', sql);
    const kcell = await first.keyFor('KCELL');
    for (const [callId, a] of [
      ['spoof-1', '+77051112233'],
      ['spoof-2', '+77051112233'],
      ['spoof-3', '+77051119999'],
    ]) {
      const verify = await first.call(kcell, 'POST', '/v1/calls/verify', {
        callId,
        a,
        b: '+77011234567',
        at: new Date().toISOString(),
        ingress: 'international',
        fromOperator: 'TRANSIT-CARRIER-9',
      });
      assert.equal(verify.json().verdict, 'block', verify.body);
    }
    await first.app.stream.drain();
    const before = (await first.call(testAdminToken, 'GET', '/v1/campaigns?hours=2')).json();
    assert.equal(before.calls, 3);
    await first.close();

    const second = await startDataPathApp({}, 'memory://', sql);
    try {
      const after = (await second.call(testAdminToken, 'GET', '/v1/campaigns?hours=2')).json();
      // The window ends at the node's clock: compare it only when the hour has not turned meanwhile.
      if (after.to === before.to) assert.deepEqual(after, before);
      assert.equal(after.calls, 3);
      assert.deepEqual(after.topNumbers, [
        { number: '+77051112233', calls: 2 },
        { number: '+77051119999', calls: 1 },
      ]);
      assert.deepEqual(
        after.topCarriers.map((c: { carrier: string; calls: number; distinctNumbers: number }) => [
          c.carrier,
          c.calls,
          c.distinctNumbers,
        ]),
        [['TRANSIT-CARRIER-9', 3, 2]],
      );
    } finally {
      await second.close();
    }
  } finally {
    await sql.close();
  }
});

test('a call screened just before a clean stop is in the campaign figures after the restart', async () => {
  const sql = await openTestPglite();
  try {
    const first = await startDataPathApp({}, 'memory://', sql);
    const kcell = await first.keyFor('KCELL');
    const verify = await first.call(kcell, 'POST', '/v1/calls/verify', {
      callId: 'spoof-last',
      a: '+77051114444',
      b: '+77011234567',
      at: new Date().toISOString(),
      ingress: 'international',
      fromOperator: 'TRANSIT-CARRIER-7',
    });
    assert.equal(verify.json().verdict, 'block', verify.body);
    // No wait for the decisions stream: the stop itself must hand the decision on.
    await first.close();

    const second = await startDataPathApp({}, 'memory://', sql);
    try {
      const after = (await second.call(testAdminToken, 'GET', '/v1/campaigns?hours=2')).json();
      assert.equal(after.calls, 1);
      assert.deepEqual(after.topNumbers, [{ number: '+77051114444', calls: 1 }]);
    } finally {
      await second.close();
    }
  } finally {
    await sql.close();
  }
});
