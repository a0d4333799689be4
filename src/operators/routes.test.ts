import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';

let t: TestApp;

before(async () => {
  t = await startTestApp();
});
after(() => t.close());

describe('operators through the admin API', () => {
  it('refuses a new name longer than an operator may be created with, and keeps the name', async () => {
    const long = 'K'.repeat(201);
    const changed = await t.request('PATCH', '/v1/admin/operators/KCELL', { token: admin, body: { name: long } });
    assert.equal(changed.statusCode, 400);
    assert.equal(changed.json().error.code, 'VALIDATION_FAILED');
    const kcell = (await t.request('GET', '/v1/operators', { token: admin }))
      .json()
      .items.find((o: { id: string }) => o.id === 'KCELL');
    assert.notEqual(kcell.name, long);
    const created = await t.request('POST', '/v1/admin/operators', { token: admin, body: { id: 'LONG', name: long } });
    assert.equal(created.statusCode, 400, 'creating takes 200 characters at most, as changing does');
  });
});
