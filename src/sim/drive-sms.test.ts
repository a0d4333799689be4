/** `drive` with simulated SMS, against a real server: messages screened beside the calls, tallied per truth. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPlan } from '../numbering/plan.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { drive, formatReport, loadScenery } from './driver.ts';
import { SCENARIOS } from './scenarios.ts';
import { simulate } from './simulate.ts';
import { simulateSms } from './sms.ts';

const plan = loadPlan(new URL('../../data/numbering/kz.json', import.meta.url).pathname);

let dir: string;
let t: TestApp;
let url: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callshield-drive-sms-'));
  await simulate({ plan, scenario: SCENARIOS['spoofing-wave'], subscribers: 1000, days: 1, seed: 11, out: dir });
  // A low burst threshold, so that the SIM-box farm's numbers burst within a short drive.
  t = await startTestApp({ smsBurstThreshold: 10 });
  url = (await t.app.http.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
});
after(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('drive with SMS', () => {
  it('registers the senders and phishing domains, screens the messages and tallies them per truth', async () => {
    const scenery = await loadScenery(dir, plan, 200);
    const messages = simulateSms(3, 300);
    const report = await drive({
      server: url,
      adminToken: admin,
      scenery,
      rate: 50,
      duration: 1,
      batchSize: 100,
      sms: { messages, rate: 400 },
    });
    const sms = report.sms;
    assert.ok(sms, 'the report has an SMS part');
    // 400 messages offered out of 300 distinct ones: the list is replayed in a loop.
    assert.ok(sms.offered >= 350 && sms.offered <= 400, `offered ${sms.offered}`);
    assert.equal(sms.errors, 0);
    assert.equal(sms.verified, sms.offered);
    const total = (truth: string) => Object.values(sms.verdicts[truth] ?? {}).reduce((a, b) => a + b, 0);
    // Registered in the setup, the banks and the state get through; without it they would be labelled.
    for (const truth of ['bank', 'state']) {
      assert.ok(total(truth) > 20, truth);
      assert.equal(sms.verdicts[truth].allow, total(truth), `${truth}: ${JSON.stringify(sms.verdicts[truth])}`);
    }
    // The campaigns' domains were listed in the setup: their links are blocked.
    for (const truth of ['lookalike_sender', 'phishing', 'spoofed_number']) {
      assert.ok(total(truth) > 0, truth);
      assert.equal(sms.verdicts[truth].block, total(truth), `${truth}: ${JSON.stringify(sms.verdicts[truth])}`);
    }
    assert.ok((sms.verdicts.simbox_bulk?.label ?? 0) > 0, JSON.stringify(sms.verdicts.simbox_bulk));
    assert.match(formatReport(report), /SMS: offered \d+ messages/);
    assert.match(formatReport(report), /phishing\s+0\s+0\s+\d+\s+100\.0 %/);

    // The console lists the messages apart from the calls.
    const listed = await t.request('GET', '/v1/decisions?channel=sms&limit=500', { token: admin });
    assert.equal(listed.statusCode, 200, listed.body);
    const items = listed.json().items as { channel?: string; callId: string }[];
    assert.ok(items.length > 0);
    assert.ok(items.every((d) => d.channel === 'sms'));
    assert.ok(items.every((d) => d.callId.startsWith('sim-sms-')));
    const calls = await t.request('GET', '/v1/decisions?channel=call&limit=500', { token: admin });
    assert.ok((calls.json().items as { channel?: string }[]).every((d) => (d.channel ?? 'call') === 'call'));
    assert.ok(report.verified > 0, 'the calls were replayed too');
  });

  it('replays no message unless asked', async () => {
    const scenery = await loadScenery(dir, plan, 100);
    const report = await drive({ server: url, adminToken: admin, scenery, rate: 50, duration: 0.3, setup: false });
    assert.equal(report.sms, undefined);
    assert.doesNotMatch(formatReport(report), /SMS/);
  });
});
