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

const numbersOf = (entries: { number: string }[]) => entries.map((e) => e.number).sort();

describe('list import', () => {
  it('imports every good row and answers each bad one with its line, beside the others', async () => {
    const before = (await t.request('GET', '/v1/lists/dno?since=0', { token: kcell })).json().version;
    const csv = [
      'number,reason,expiresAt',
      '+77172000101,bank hotline,',
      'not-a-number,x,',
      '+77172000102,"a\u0000b",',
      '+77172000103,far future,+010000-01-01T00:00:00Z',
      '87172000104,bank hotline,',
    ].join('\n');
    const r = await t.request('POST', '/v1/lists/dno/import', { token: admin, raw: csv, contentType: 'text/csv' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().imported, 2);
    assert.deepEqual(
      r.json().rejected.map((x: { line: number; code: string }) => [x.line, x.code]),
      [
        [3, 'INVALID_NUMBER'],
        [4, 'VALIDATION_FAILED'],
        [5, 'INVALID_TIME'],
      ],
    );
    const sync = (await t.request('GET', `/v1/lists/dno?since=${before}`, { token: kcell })).json();
    assert.deepEqual(numbersOf(sync.added), ['+77172000101', '+77172000104']);
    assert.equal(sync.version, r.json().version);
  });
});

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
