import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { replaySms, simulatedPhishingDomains, simulatedSenders, simulateSms } from './sms.ts';

let t: TestApp;
let key: string;

before(async () => {
  t = await startTestApp({ smsBurstThreshold: 30 });
  key = await t.keyFor('BEELINE');
  const csv = `senderId,owner,routes\n${simulatedSenders.map((s) => `${s.senderId},${s.owner},${s.routes.join(';')}`).join('\n')}\n`;
  const imported = await t.request('POST', '/v1/admin/sms-senders/import', {
    token: admin,
    contentType: 'text/csv',
    raw: csv,
  });
  assert.equal(imported.json().imported, simulatedSenders.length, imported.body);
  for (const domain of simulatedPhishingDomains) {
    const r = await t.request('POST', '/v1/links/phishing', {
      token: admin,
      body: { domain, reason: 'simulated campaign' },
    });
    assert.ok(r.statusCode < 300, r.body);
  }
});
after(() => t.close());

describe('simulated SMS traffic', () => {
  it('is the same for the same seed', () => {
    assert.deepEqual(simulateSms(7, 50, 0), simulateSms(7, 50, 0));
    assert.notDeepEqual(simulateSms(7, 50, 0), simulateSms(8, 50, 0));
  });

  it('lets banks and the state through and stops the fraud', async () => {
    const messages = simulateSms(42, 2000);
    const tally = await replaySms(messages, async (path, body) => {
      const r = await t.request('POST', path, { token: key, body });
      return { status: r.statusCode, body: r.json() };
    });
    const total = (x: { allow: number; label: number; block: number }) => x.allow + x.label + x.block;
    for (const truth of ['bank', 'state'] as const) {
      assert.ok(total(tally[truth]) > 100, truth);
      assert.equal(tally[truth].allow, total(tally[truth]), `${truth}: ${JSON.stringify(tally[truth])}`);
    }
    assert.equal(tally.shop.block, 0, 'unregistered shops are labelled, not blocked');
    assert.equal(tally.lookalike_sender.block, total(tally.lookalike_sender), JSON.stringify(tally.lookalike_sender));
    assert.equal(tally.phishing.block, total(tally.phishing), JSON.stringify(tally.phishing));
    assert.equal(tally.spoofed_number.block, total(tally.spoofed_number));
    // Each of the farm's three numbers gets its first 29 messages through before the burst (30) shows.
    assert.equal(tally.simbox_bulk.allow, 3 * 29, JSON.stringify(tally.simbox_bulk));
    assert.equal(tally.simbox_bulk.label, total(tally.simbox_bulk) - 3 * 29);
    for (const x of Object.values(tally)) assert.equal(x.errors, 0);
  });
});
