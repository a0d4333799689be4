import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from './test-app.ts';

describe('/metrics access', () => {
  let t: TestApp;
  const scraper = 'prometheus-scrape-token-0123456789';
  before(async () => {
    t = await startTestApp({ metricsToken: scraper });
  });
  after(() => t.close());

  it('shows nothing (per-operator CDR volumes included) without the metrics or admin token', async () => {
    const anonymous = await t.request('GET', '/metrics');
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error.code, 'UNAUTHORIZED');
    assert.doesNotMatch(anonymous.body, /callshield_/);
    const operator = await t.request('GET', '/metrics', { token: await t.keyFor('KCELL') });
    assert.equal(operator.statusCode, 401);
    assert.equal((await t.request('GET', '/metrics', { token: `${scraper}x` })).statusCode, 401);
  });

  it('serves Prometheus with the metrics token, and the admin', async () => {
    for (const token of [scraper, admin]) {
      const r = await t.request('GET', '/metrics', { token });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /# TYPE callshield_http_request_duration_seconds histogram/);
    }
  });
});
