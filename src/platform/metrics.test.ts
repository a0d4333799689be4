import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from './test-app.ts';

describe('/metrics access', () => {
  let t: TestApp;
  const scraper = 'prometheus-scrape-token-0123456789';
  before(async () => {
    t = await startTestApp({ metricsToken: scraper });
    // Some per-operator volume and some decisions to hide.
    const key = await t.keyFor('KCELL');
    const csv =
      'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route\n' +
      'm-1,KCELL,voice,out,+77011234567,+77051234567,,,c1,2026-11-28T12:00:00+05:00,30,1,,\n';
    await t.request('POST', '/v1/cdr', { token: key, raw: csv, contentType: 'text/csv' });
    await t.request('POST', '/v1/calls/verify', {
      token: await t.keyFor('BEELINE'),
      body: { callId: 'x', a: '+77011234567', b: '+77051234567', at: '2026-11-28T12:00:00Z', ingress: 'domestic' },
    });
  });
  after(() => t.close());

  it('shows only dependency health without the metrics or admin token: no operator volumes, no decisions', async () => {
    for (const token of [undefined, await t.keyFor('KCELL'), `${scraper}x`]) {
      const r = await t.request('GET', '/metrics', token ? { token } : {});
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /# TYPE callshield_dependency_up gauge/);
      assert.doesNotMatch(r.body, /callshield_cdr_rows_total|callshield_decisions_total|operator=/);
    }
  });

  it('serves every metric with the metrics token, and the admin', async () => {
    for (const token of [scraper, admin]) {
      const r = await t.request('GET', '/metrics', { token });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /# TYPE callshield_http_request_duration_seconds histogram/);
      assert.match(r.body, /callshield_decisions_total/);
    }
  });
});
