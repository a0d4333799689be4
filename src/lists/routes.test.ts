import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';

let t: TestApp;
let kcell: string;

before(async () => {
  t = await startTestApp();
  kcell = await t.keyFor('KCELL');
});
after(() => t.close());

describe('list entries', () => {
  it('refuses an expiry past the year 9999 with INVALID_TIME rather than an internal error', async () => {
    for (const expiresAt of ['+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00.000Z']) {
      const r = await t.request('POST', '/v1/lists/blocklist/entries', {
        token: admin,
        body: { number: '+77071110101', reason: 'fraud', expiresAt },
      });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.code, 'INVALID_TIME');
    }
    const r = await t.request('POST', '/v1/lists/blocklist/entries', {
      token: admin,
      body: { number: '+77071110101', reason: 'fraud', expiresAt: '9999-12-31T23:59:59Z' },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().expiresAt, '9999-12-31T23:59:59.000Z');
  });
});
