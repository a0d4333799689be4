import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import {
  CdrLines,
  type DataPathTestApp,
  simBoxCdrs,
  startDataPathApp,
  testAdminToken,
  victim,
} from '../datapath/test-support.ts';

interface AlertJson {
  id: string;
  kind: string;
  msisdn: string;
  imsi: string | null;
  imei: string | null;
  score: number;
  evidence: { features: unknown[]; rules: string[] };
  status: string;
  device: string | null;
  operators: string[];
  decidedBy: string | null;
  suspension: { id: string; status: string; note: string | null } | null;
  actions?: { blocklisted: boolean; deviceBlocked: boolean };
}

describe('alerts from CDRs uploaded to the server, and their actions', () => {
  let t: DataPathTestApp;
  let kcell: string;
  let beeline: string;
  let simboxes: AlertJson[];

  before(async () => {
    // SIM-box alerts wait for an analyst; wangiri sources are blocked by the policy itself.
    t = await startDataPathApp({
      alertPolicy: JSON.stringify({ autoConfirmAbove: 0.5, autoConfirmKinds: ['wangiri'] }),
    });
    kcell = await t.keyFor('KCELL');
    beeline = await t.keyFor('BEELINE');
    assert.equal((await t.upload(kcell, simBoxCdrs('KCELL').text())).json().accepted, 240);
    // Beeline's subscribers rung once each from abroad by one number, at night, never answered.
    const rings = new CdrLines('BEELINE');
    for (let k = 0; k < 30; k++)
      rings.voice(victim(500 + k), 'in', '+88213000555', -400 + k * 3, 0, 'AST-1', { route: 'international' });
    assert.equal((await t.upload(beeline, rings.text())).json().accepted, 30);
    const run = await t.call(testAdminToken, 'POST', '/v1/detection/run');
    assert.equal(run.statusCode, 200, run.body);
    assert.equal(run.json().created, 5);
    simboxes = (await t.call(testAdminToken, 'GET', '/v1/alerts?kind=simbox')).json().items;
  });
  after(() => t.close());

  it('raises a SIM-box alert per SIM of the box, with evidence, grouped into one device', () => {
    assert.deepEqual(simboxes.map((a) => a.msisdn).sort(), [
      '+77019000000',
      '+77019000001',
      '+77019000002',
      '+77019000003',
    ]);
    for (const a of simboxes) {
      assert.equal(a.status, 'open');
      assert.ok(a.evidence.features.length > 0);
      assert.ok(a.imsi?.startsWith('4010100000'));
      assert.ok(a.imei);
      assert.deepEqual(a.operators, ['KCELL']);
    }
    assert.equal(new Set(simboxes.map((a) => a.device)).size, 1);
  });

  it('runs again without raising the same alerts twice', async () => {
    const again = (await t.call(testAdminToken, 'POST', '/v1/detection/run')).json();
    assert.equal(again.created, 0);
    assert.equal(again.updated, 0);
    const all = (await t.call(testAdminToken, 'GET', '/v1/alerts')).json().items as AlertJson[];
    assert.equal(all.length, 5);
  });

  it('lists the highest score first with sort=score, paging through every alert once', async () => {
    const all = (await t.call(testAdminToken, 'GET', '/v1/alerts')).json().items as AlertJson[];
    const seen: AlertJson[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/alerts?sort=score&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = (await t.call(testAdminToken, 'GET', query)).json() as { items: AlertJson[]; next: string | null };
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(seen.map((a) => a.id).sort(), all.map((a) => a.id).sort());
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1].score >= seen[i].score, 'highest score first');
    // A cursor pages the order it came from.
    const timeCursor = (await t.call(testAdminToken, 'GET', '/v1/alerts?limit=2')).json().next as string;
    assert.equal((await t.call(testAdminToken, 'GET', `/v1/alerts?sort=score&cursor=${timeCursor}`)).statusCode, 400);
  });

  it('shows an operator only alerts about its subscribers or raised from its CDRs; another id is 404', async () => {
    const kcellView = (await t.call(kcell, 'GET', '/v1/alerts')).json().items as AlertJson[];
    assert.deepEqual(kcellView.map((a) => a.kind).sort(), ['simbox', 'simbox', 'simbox', 'simbox']);
    const beelineView = (await t.call(beeline, 'GET', '/v1/alerts')).json().items as AlertJson[];
    assert.deepEqual(
      beelineView.map((a) => [a.kind, a.msisdn]),
      [['wangiri', '+88213000555']],
    );
    assert.equal((await t.call(beeline, 'GET', `/v1/alerts/${simboxes[0].id}`)).statusCode, 404);
    assert.equal((await t.call(kcell, 'GET', `/v1/alerts/${simboxes[0].id}`)).statusCode, 200);
    assert.equal((await t.call(kcell, 'GET', `/v1/alerts/${beelineView[0].id}`)).statusCode, 404);
    assert.equal((await t.call(kcell, 'GET', '/v1/alerts/alr_unknown')).statusCode, 404);
    // Operators read alerts; analysts decide them.
    assert.equal(
      (await t.call(kcell, 'POST', `/v1/alerts/${simboxes[0].id}/confirm`, { reason: 'ours' })).statusCode,
      403,
    );
  });

  it('lets the policy confirm a wangiri source by itself: the number goes on the blocklist', async () => {
    const [wangiri] = (await t.call(testAdminToken, 'GET', '/v1/alerts?kind=wangiri')).json().items as AlertJson[];
    assert.equal(wangiri.status, 'confirmed');
    assert.equal(wangiri.decidedBy, 'policy');
    const blocklist = (await t.call(beeline, 'GET', '/v1/lists/blocklist?since=0')).json();
    const entry = blocklist.added.find((e: { number: string }) => e.number === '+88213000555');
    assert.ok(entry, 'the wangiri source is blocklisted');
    assert.equal(entry.source, 'detection');
    assert.match(entry.reason, new RegExp(wangiri.id));
  });

  it('confirming a SIM-box alert blocks the number and IMEI and asks the owner to suspend the SIM', async () => {
    const alert = simboxes[0];
    const r = await t.call(testAdminToken, 'POST', `/v1/alerts/${alert.id}/confirm`, { reason: 'box seen on site' });
    assert.equal(r.statusCode, 200, r.body);
    const confirmed = r.json() as AlertJson;
    assert.equal(confirmed.status, 'confirmed');
    assert.equal(confirmed.decidedBy, 'admin');
    assert.deepEqual(confirmed.actions, { blocklisted: true, deviceBlocked: true });
    assert.equal(
      (await t.call(testAdminToken, 'POST', `/v1/alerts/${alert.id}/confirm`, { reason: 'again' })).statusCode,
      409,
    );

    const blocklist = (await t.call(kcell, 'GET', '/v1/lists/blocklist?since=0')).json();
    assert.ok(blocklist.added.some((e: { number: string }) => e.number === alert.msisdn));
    const devices = (await t.call(beeline, 'GET', '/v1/devices/blocklist?since=0')).json();
    assert.deepEqual(
      devices.added.map((d: { imei: string }) => d.imei),
      [alert.imei],
    );
    const later = (await t.call(beeline, 'GET', `/v1/devices/blocklist?since=${devices.version}`)).json();
    assert.deepEqual(later, { version: devices.version, added: [], removed: [] });

    // The owning operator sees the request and acts on it; no one else does.
    const pulled = (await t.call(kcell, 'GET', '/v1/sim-suspensions?since=0')).json();
    assert.equal(pulled.items.length, 1);
    const request = pulled.items[0];
    assert.equal(request.msisdn, alert.msisdn);
    assert.equal(request.imsi, alert.imsi);
    assert.equal(request.alertId, alert.id);
    assert.ok(request.reason.length > 0);
    assert.deepEqual((await t.call(kcell, 'GET', `/v1/sim-suspensions?since=${pulled.version}`)).json(), {
      version: pulled.version,
      items: [],
    });
    // A version past any integer of the store is a bad request, not an internal error.
    for (const path of ['/v1/sim-suspensions', '/v1/devices/blocklist']) {
      const huge = await t.call(kcell, 'GET', `${path}?since=99999999999999999999`);
      assert.equal(huge.statusCode, 400, huge.body);
      assert.equal(huge.json().error.code, 'VALIDATION_FAILED');
    }
    assert.deepEqual((await t.call(beeline, 'GET', '/v1/sim-suspensions?since=0')).json().items, []);
    const foreignAck = await t.call(beeline, 'POST', `/v1/sim-suspensions/${request.id}/ack`, { outcome: 'suspended' });
    assert.equal(foreignAck.statusCode, 404);
    const ack = await t.call(kcell, 'POST', `/v1/sim-suspensions/${request.id}/ack`, {
      outcome: 'suspended',
      note: 'SIM blocked 14:02',
    });
    assert.equal(ack.statusCode, 200, ack.body);
    assert.equal(ack.json().status, 'suspended');
    const seen = (await t.call(testAdminToken, 'GET', `/v1/alerts/${alert.id}`)).json() as AlertJson;
    assert.deepEqual(
      { status: seen.suspension?.status, note: seen.suspension?.note },
      { status: 'suspended', note: 'SIM blocked 14:02' },
    );
  });

  it('dismissing a confirmed alert withdraws its blocks and cancels its suspension request', async () => {
    const alert = simboxes[1];
    await t.call(testAdminToken, 'POST', `/v1/alerts/${alert.id}/confirm`, { reason: 'looks like the box' });
    const before = (await t.call(kcell, 'GET', '/v1/sim-suspensions?since=0')).json();
    const r = await t.call(testAdminToken, 'POST', `/v1/alerts/${alert.id}/dismiss`, { reason: 'a test SIM' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'dismissed');
    assert.equal(r.json().actions.blocklisted, false);
    const after = (await t.call(kcell, 'GET', `/v1/sim-suspensions?since=${before.version}`)).json();
    assert.deepEqual(
      after.items.map((s: { alertId: string; status: string }) => [s.alertId, s.status]),
      [[alert.id, 'cancelled']],
    );
  });

  it('counts SIM-boxes, SIMs and devices found and blocked', async () => {
    const all = (await t.call(testAdminToken, 'GET', '/v1/stats/detection')).json();
    assert.deepEqual(all.simboxes, { found: 1, blocked: 1 });
    assert.equal(all.sims.found, 4);
    assert.equal(all.sims.blocked, 1);
    assert.equal(all.sims.suspended, 1);
    assert.deepEqual(all.devices, { found: 2, blocked: 1 });
    assert.deepEqual(all.wangiri, { found: 1, confirmed: 1, blocked: 1 });
    const beelineFigures = (await t.call(beeline, 'GET', '/v1/stats/detection')).json();
    assert.equal(beelineFigures.sims.found, 0);
    assert.equal(beelineFigures.wangiri.found, 1);
  });

  it('tells analysts which carrier delivers spoofed calls', async () => {
    const verify = await t.call(kcell, 'POST', '/v1/calls/verify', {
      callId: 'spoof-1',
      a: '+77051112233',
      b: '+77011234567',
      at: new Date().toISOString(),
      ingress: 'international',
      fromOperator: 'TRANSIT-CARRIER-9',
    });
    assert.equal(verify.json().verdict, 'block', verify.body);
    await t.app.stream.drain();
    const report = (await t.call(testAdminToken, 'GET', '/v1/campaigns?hours=2')).json();
    assert.equal(report.topCarriers[0].carrier, 'TRANSIT-CARRIER-9');
    assert.deepEqual(report.topNumbers[0], { number: '+77051112233', calls: 1 });
    assert.equal((await t.call(kcell, 'GET', '/v1/campaigns')).statusCode, 403);
  });

  it('records confirmations in the audit log with who and why', async () => {
    const log = (await t.call(testAdminToken, 'GET', `/v1/audit?target=${simboxes[0].id}`)).json();
    const entries = (log.items ?? []) as {
      action: string;
      actor: string;
      details: { status: number; body?: { reason?: string } };
    }[];
    const confirm = entries.find((e) => e.action.startsWith('alerts.confirm') && e.details.status === 200);
    assert.ok(confirm, JSON.stringify(log).slice(0, 300));
    assert.equal(confirm.actor, 'admin');
    assert.equal(confirm.details.body?.reason, 'box seen on site');
  });
});

describe('a SIM-box whose SIMs move between its modules', () => {
  let t: DataPathTestApp;
  after(() => t.close());

  it('confirming a SIM’s alert blocks every IMEI it was seen in, and dismissing it lifts them all', async () => {
    t = await startDataPathApp({ alertPolicy: JSON.stringify({ autoConfirmAbove: null }) });
    const kcell = await t.keyFor('KCELL');
    const modules = ['861111111111110', '861111111111128'];
    const cdrs = new CdrLines('KCELL');
    // Four SIMs; each spends the first 40 calls in one module and the last 20 in the other.
    for (let sim = 0; sim < 4; sim++)
      for (let k = 0; k < 60; k++)
        cdrs.voice(`+7701900000${sim}`, 'out', victim(sim * 100 + k), k * 12 + sim, 90 + (k % 7) * 20, 'ALA-7', {
          imei: modules[(sim + (k < 40 ? 0 : 1)) % 2],
          imsi: `40101000000000${sim}`,
        });
    assert.equal((await t.upload(kcell, cdrs.text())).json().accepted, 240);
    assert.equal((await t.call(testAdminToken, 'POST', '/v1/detection/run')).statusCode, 200);
    const alerts = (await t.call(testAdminToken, 'GET', '/v1/alerts?kind=simbox')).json().items as (AlertJson & {
      evidence: { imeis?: string[] };
    })[];
    const alert = alerts.find((a) => a.msisdn === '+77019000000');
    assert.ok(alert, 'the SIM is alerted');
    assert.deepEqual([...(alert.evidence.imeis ?? [])].sort(), modules);

    const confirmed = await t.call(testAdminToken, 'POST', `/v1/alerts/${alert.id}/confirm`, { reason: 'box seized' });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const blocked = (await t.call(kcell, 'GET', '/v1/devices/blocklist?since=0')).json();
    assert.deepEqual(blocked.added.map((d: { imei: string }) => d.imei).sort(), modules);

    const dismissed = await t.call(testAdminToken, 'POST', `/v1/alerts/${alert.id}/dismiss`, { reason: 'wrong box' });
    assert.equal(dismissed.statusCode, 200, dismissed.body);
    const lifted = (await t.call(kcell, 'GET', `/v1/devices/blocklist?since=${blocked.version}`)).json();
    assert.deepEqual(lifted.removed.sort(), modules);
  });
});

describe('unusual behaviour no detector foresaw (kind anomaly)', () => {
  let t: DataPathTestApp;
  before(async () => {
    // A policy that would confirm anything scoring 0.5 or more, of every kind it knows.
    t = await startDataPathApp({ alertPolicy: JSON.stringify({ autoConfirmAbove: 0.5 }) });
  });
  after(() => t.close());

  it('reaches analysts as a low-priority alert naming the unusual features, never confirmed by the policy', async () => {
    const kcell = await t.keyFor('KCELL');
    await t.dataPath.alerts.recordRun({
      alerts: [
        {
          kind: 'anomaly',
          msisdn: '+77019000077',
          score: 0.9,
          evidence: { features: [], rules: ['unusual: distinct cells 12 (z 9.1 against the cell)'] },
          firstSeen: '2025-03-03T03:00:00.000Z',
          lastSeen: '2025-03-03T09:00:00.000Z',
          reporters: ['KCELL'],
        },
      ],
      cdrs: 0,
      sims: 0,
      imeis: 0,
      sources: 0,
      evicted: 0,
      tookMs: 0,
    });
    const listed = (await t.call(testAdminToken, 'GET', '/v1/alerts?kind=anomaly')).json().items as AlertJson[];
    assert.equal(listed.length, 1);
    assert.equal(listed[0].status, 'open', 'an outlier waits for an analyst');
    assert.deepEqual(listed[0].evidence.rules, ['unusual: distinct cells 12 (z 9.1 against the cell)']);

    // An analyst who confirms it blocks the number, but no SIM suspension is asked on an outlier.
    const confirmed = await t.call(testAdminToken, 'POST', `/v1/alerts/${listed[0].id}/confirm`, { reason: 'checked' });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal((confirmed.json() as AlertJson).actions?.blocklisted, true);
    assert.deepEqual((await t.call(kcell, 'GET', '/v1/sim-suspensions?since=0')).json().items, []);
  });
});

describe('alerts that stay quiet', () => {
  let t: DataPathTestApp;

  before(async () => {
    t = await startDataPathApp({ alertPolicy: JSON.stringify({ autoConfirmAbove: null }) });
    const kcell = await t.keyFor('KCELL');
    assert.equal((await t.upload(kcell, simBoxCdrs('KCELL').text())).json().accepted, 240);
    assert.equal((await t.call(testAdminToken, 'POST', '/v1/detection/run')).statusCode, 200);
  });
  after(() => t.close());

  it('close by themselves after the quiet days, dismissed by the system and audited; decided ones stay', async () => {
    const open = (await t.call(testAdminToken, 'GET', '/v1/alerts?kind=simbox')).json().items as AlertJson[];
    assert.equal(open.length, 4);
    const [quiet, confirmedQuiet, recent] = open;
    const confirmed = await t.call(testAdminToken, 'POST', `/v1/alerts/${confirmedQuiet.id}/confirm`, {
      reason: 'seen on site',
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    // No new evidence for 20 days on two of them (one open, one confirmed).
    await t.app.sql.query(`update alerts set updated_at = now() - interval '20 days' where id = any($1::text[])`, [
      [quiet.id, confirmedQuiet.id],
    ]);
    assert.equal(await t.dataPath.alerts.closeQuiet(Date.now(), 14), 1);
    const after = async (id: string) => (await t.call(testAdminToken, 'GET', `/v1/alerts/${id}`)).json();
    const closed = await after(quiet.id);
    assert.equal(closed.status, 'dismissed');
    assert.equal(closed.decidedBy, 'system');
    assert.equal(closed.decisionReason, 'quiet');
    assert.equal((await after(confirmedQuiet.id)).status, 'confirmed');
    assert.equal((await after(recent.id)).status, 'open');
    const log = (await t.call(testAdminToken, 'GET', `/v1/audit?target=${quiet.id}`)).json();
    const entry = (log.items ?? []).find((e: { action: string }) => e.action === 'alert.closed_quiet');
    assert.ok(entry, JSON.stringify(log).slice(0, 300));
    assert.equal(entry.actor, 'system');
    // Closed once: the next sweep finds nothing more.
    assert.equal(await t.dataPath.alerts.closeQuiet(Date.now(), 14), 0);
    // New evidence (a later sighting) opens it again for analysts.
    const lastSeen = new Date(Date.parse(closed.lastSeen ?? new Date().toISOString()) + 3_600_000).toISOString();
    await t.dataPath.alerts.recordRun({
      alerts: [
        {
          ...closed,
          imsi: closed.imsi ?? undefined,
          imei: closed.imei ?? undefined,
          device: closed.device ?? undefined,
          lastSeen,
          reporters: ['KCELL'],
        },
      ],
      cdrs: 0,
      sims: 0,
      imeis: 0,
      sources: 0,
      evicted: 0,
      tookMs: 0,
    });
    const reopened = await after(quiet.id);
    assert.equal(reopened.status, 'open');
    assert.equal(reopened.decisionReason, null);
  });
});

describe('an alert seen by an operator that does not own its number', () => {
  let t: DataPathTestApp;
  after(() => t.close());

  it("shows the owner's answer to the suspension request to the owner and national readers only", async () => {
    t = await startDataPathApp({ alertPolicy: JSON.stringify({ autoConfirmAbove: null }) });
    const kcell = await t.keyFor('KCELL');
    const beeline = await t.keyFor('BEELINE');
    // Kcell's CDRs show a SIM-box; one of its numbers has since been ported to Beeline.
    assert.equal((await t.upload(kcell, simBoxCdrs('KCELL').text())).json().accepted, 240);
    const port = await t.call(testAdminToken, 'PUT', '/v1/admin/mnp/+77019000000', { operator: 'BEELINE' });
    assert.equal(port.statusCode, 200, port.body);
    assert.equal((await t.call(testAdminToken, 'POST', '/v1/detection/run')).statusCode, 200);
    const [alert] = (await t.call(testAdminToken, 'GET', '/v1/alerts?msisdn=%2B77019000000')).json()
      .items as (AlertJson & { operator: string | null })[];
    // Beeline owns the number; Kcell sees the alert because its CDRs raised it.
    assert.equal(alert.operator, 'BEELINE');
    assert.deepEqual(alert.operators, ['BEELINE', 'KCELL']);
    assert.equal((await t.call(kcell, 'GET', `/v1/alerts/${alert.id}`)).statusCode, 200);

    const confirmed = await t.call(testAdminToken, 'POST', `/v1/alerts/${alert.id}/confirm`, { reason: 'box seized' });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const [request] = (await t.call(beeline, 'GET', '/v1/sim-suspensions?since=0')).json().items;
    assert.equal(request.alertId, alert.id);
    const ack = await t.call(beeline, 'POST', `/v1/sim-suspensions/${request.id}/ack`, {
      outcome: 'suspended',
      note: 'subscriber Ivanov, contract 4471, blocked at 14:02',
    });
    assert.equal(ack.statusCode, 200, ack.body);

    const suspensionSeenBy = async (token: string) => {
      const one = (await t.call(token, 'GET', `/v1/alerts/${alert.id}`)).json() as AlertJson;
      const listed = ((await t.call(token, 'GET', '/v1/alerts')).json().items as AlertJson[]).find(
        (a) => a.id === alert.id,
      );
      assert.ok(listed, 'the alert is listed');
      const pick = (a: AlertJson) => ({ status: a.suspension?.status, note: a.suspension?.note });
      assert.deepEqual(pick(listed), pick(one), 'the list and the single alert agree');
      return pick(one);
    };
    const answer = { status: 'suspended', note: 'subscriber Ivanov, contract 4471, blocked at 14:02' };
    assert.deepEqual(await suspensionSeenBy(beeline), answer);
    assert.deepEqual(await suspensionSeenBy(testAdminToken), answer);
    // Kcell learns that the SIM was suspended, not what Beeline wrote about its subscriber.
    assert.deepEqual(await suspensionSeenBy(kcell), { status: 'suspended', note: null });
    const lookedUp = await t.dataPath.alertsOf('+77019000000', 'KCELL');
    assert.deepEqual(
      lookedUp.map((a) => a.suspension?.note),
      [null],
    );
  });
});

describe('a cited alert that detection updates on new CDRs', () => {
  let t: DataPathTestApp;
  after(() => t.close());

  it('exports unchanged against the update recorded by detection, and changed after an SQL edit', async () => {
    t = await startDataPathApp({ alertPolicy: JSON.stringify({ autoConfirmAbove: null }) });
    const kcell = await t.keyFor('KCELL');
    assert.equal((await t.upload(kcell, simBoxCdrs('KCELL').text())).json().accepted, 240);
    assert.equal((await t.call(testAdminToken, 'POST', '/v1/detection/run')).statusCode, 200);
    const [alert] = (await t.call(testAdminToken, 'GET', '/v1/alerts?msisdn=%2B77019000000')).json()
      .items as AlertJson[];
    const opened = await t.call(testAdminToken, 'POST', '/v1/cases', { title: 'SIM-box on ALA-7' });
    assert.equal(opened.statusCode, 201, opened.body);
    const caseId = (opened.json() as { id: string }).id;
    const added = await t.call(testAdminToken, 'POST', `/v1/cases/${caseId}/items`, {
      items: [{ type: 'alert', value: alert.id }],
    });
    assert.equal(added.statusCode, 201, added.body);
    const citation = (await t.call(testAdminToken, 'GET', `/v1/audit?action=case.items.cite&target=${caseId}`)).json()
      .items[0] as { seq: number; details: { citations: { sha256: string }[] } };

    // The same SIM keeps calling new numbers later that day; detection runs again on the new CDRs.
    const later = new CdrLines('KCELL', 10_000);
    for (let k = 0; k < 30; k++)
      later.voice('+77019000000', 'out', victim(900 + k), 800 + k * 6, 110, 'ALA-7', {
        imei: '861111111111110',
        imsi: '401010000000000',
      });
    assert.equal((await t.upload(kcell, later.text())).json().accepted, 30);
    const rerun = (await t.call(testAdminToken, 'POST', '/v1/detection/run')).json() as { updated: number };
    assert.ok(rerun.updated >= 1, JSON.stringify(rerun));
    const updates = (
      await t.call(testAdminToken, 'GET', `/v1/audit?action=alert.evidence_updated&target=${alert.id}`)
    ).json().items as { seq: number; actor: string; details: { sha256: string } }[];
    assert.equal(updates.length, 1, 'one entry for the one run that updated it');
    assert.equal(updates[0].actor, 'system');
    assert.notEqual(updates[0].details.sha256, citation.details.citations[0].sha256, 'detection changed its content');

    const exported = async () => {
      const r = await t.call(testAdminToken, 'GET', `/v1/cases/${caseId}/export?lang=en`);
      assert.equal(r.statusCode, 200, r.body);
      const files = unzipSync(new Uint8Array(r.rawPayload));
      const rows = parse(new TextDecoder().decode(files['alerts.csv']), { columns: true }) as Record<string, string>[];
      const row = rows.find((a) => a.id === alert.id);
      assert.ok(row, 'the cited alert is in alerts.csv');
      const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
        citedRecords: {
          changedSinceCitation: { id: string; expectedAuditSeq: number }[];
          updatedByPlatform: unknown[];
        };
      };
      return { row, citedRecords: manifest.citedRecords };
    };

    const afterUpdate = await exported();
    assert.equal(afterUpdate.row.evidence_changed_since_citation, 'false');
    assert.equal(afterUpdate.row.evidence_digest_at_citation, citation.details.citations[0].sha256);
    assert.equal(afterUpdate.row.evidence_digest_now, updates[0].details.sha256);
    assert.equal(afterUpdate.row.evidence_digest_expected, updates[0].details.sha256);
    assert.equal(afterUpdate.row.evidence_digest_expected_from, 'platform update (alert.evidence_updated)');
    assert.equal(afterUpdate.row.evidence_digest_expected_audit_seq, String(updates[0].seq));
    assert.equal(afterUpdate.row.evidence_citation_audit_seq, String(citation.seq));
    assert.deepEqual(afterUpdate.citedRecords.changedSinceCitation, []);
    assert.deepEqual(afterUpdate.citedRecords.updatedByPlatform, [
      { type: 'alert', id: alert.id, expectedDigest: updates[0].details.sha256, auditSeq: updates[0].seq },
    ]);

    // An insider then rewrites the evidence in the database: no entry says the platform did it.
    await t.app.sql.query(`update alerts set evidence = '{"rules":[],"features":[]}' where id = $1`, [alert.id]);
    const afterEdit = await exported();
    assert.equal(afterEdit.row.evidence_changed_since_citation, 'true');
    assert.equal(afterEdit.row.evidence_digest_expected, updates[0].details.sha256);
    assert.equal(afterEdit.row.evidence_digest_expected_audit_seq, String(updates[0].seq));
    assert.deepEqual(
      afterEdit.citedRecords.changedSinceCitation.map((c) => [c.id, c.expectedAuditSeq]),
      [[alert.id, updates[0].seq]],
    );
  });
});
