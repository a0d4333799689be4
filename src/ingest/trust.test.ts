/**
 * Trust boundaries of the data path (issue 15): one operator's CDRs cannot get another operator's
 * subscribers blocked or suspended, and no upload, report or batch body makes the server do
 * unbounded work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  testAdminToken as admin,
  CdrLines,
  type DataPathTestApp,
  startDataPathApp,
  victim,
} from '../datapath/test-support.ts';
import { BAD_ROW, gzipBomb } from './gzip-bomb.ts';

/** The i-th of the attack's Kcell numbers. */
const kcellNumber = (i: number) => `+7701${String(2000000 + i).padStart(7, '0')}`;

interface AlertJson {
  id: string;
  kind: string;
  msisdn: string;
  status: string;
  decidedBy: string | null;
  actions?: { blocklisted: boolean; deviceBlocked: boolean };
}

describe("one operator's CDRs about another operator's subscribers", () => {
  let t: DataPathTestApp;
  let kcell: string;
  let beeline: string;

  before(async () => {
    // The default alert policy: before the fix, the attack's alerts scored 0.995 and were confirmed by it.
    t = await startDataPathApp();
    kcell = await t.keyFor('KCELL');
    beeline = await t.keyFor('BEELINE');
  });
  after(() => t.close());

  it("quarantines Beeline's SIM-box-shaped CDRs of 100 Kcell numbers; nothing is blocked or suspended", async () => {
    // The attack of the issue: 100 Kcell numbers, each with 200 outgoing calls from one cell.
    const cdrs = new CdrLines('BEELINE');
    for (let sim = 0; sim < 100; sim++)
      for (let k = 0; k < 200; k++)
        cdrs.voice(kcellNumber(sim), 'out', victim(sim * 200 + k), k * 4 + (sim % 4), 40 + (k % 9) * 10, 'ALA-66', {
          imei: `86111111${String(sim >> 2).padStart(6, '0')}0`,
          imsi: `4010200000${String(sim).padStart(5, '0')}`,
        });
    const r = await t.upload(beeline, cdrs.text(), { file: 'beeline-day.csv' });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().accepted, 0);
    assert.equal(r.json().quarantined, 20_000);

    const q = (await t.call(beeline, 'GET', '/v1/cdr/quarantine?limit=3')).json().items as { reason: string }[];
    assert.equal(q.length, 3);
    for (const item of q) assert.match(item.reason, /^NOT_OPERATOR_SUBSCRIBER: \+77012\d{6} is served by KCELL/);

    const run = await t.call(admin, 'POST', '/v1/detection/run');
    assert.equal(run.statusCode, 200, run.body);
    const alerts = (await t.call(admin, 'GET', '/v1/alerts?limit=500')).json().items as AlertJson[];
    assert.deepEqual(
      alerts.filter((a) => a.status === 'confirmed'),
      [],
    );
    const blocklist = (await t.call(admin, 'GET', '/v1/lists/blocklist?since=0')).json();
    assert.deepEqual(blocklist.added, []);
    const suspensions = (await t.call(kcell, 'GET', '/v1/sim-suspensions?since=0')).json();
    assert.deepEqual(suspensions.items, []);

    // A genuine call of one of them, confirmed by its operator, goes through.
    const at = new Date().toISOString();
    const a = kcellNumber(7);
    const originate = await t.call(kcell, 'POST', '/v1/calls/originate', { callId: 'genuine-1', a, b: victim(1), at });
    assert.equal(originate.statusCode, 202, originate.body);
    const verify = await t.call(beeline, 'POST', '/v1/calls/verify', {
      callId: 'genuine-1',
      a,
      b: victim(1),
      at,
      ingress: 'domestic',
      fromOperator: 'KCELL',
    });
    assert.equal(verify.statusCode, 200, verify.body);
    assert.equal(verify.json().verdict, 'allow', verify.body);
  });

  it('never confirms by itself an alert raised only from another operator’s data about a domestic number', async () => {
    const alert = (kind: 'simbox' | 'wangiri', msisdn: string, reporters: string[]) => ({
      kind,
      msisdn,
      score: 0.999,
      evidence: { features: [], rules: ['test'] },
      firstSeen: '2025-03-03T03:00:00.000Z',
      lastSeen: '2025-03-03T09:00:00.000Z',
      reporters,
    });
    await t.dataPath.alerts.recordRun({
      alerts: [
        alert('simbox', kcellNumber(900), ['BEELINE']),
        alert('simbox', kcellNumber(901), ['KCELL']),
        alert('wangiri', kcellNumber(902), ['BEELINE']),
        alert('wangiri', '+88213000777', ['BEELINE']),
      ],
      cdrs: 0,
      sims: 0,
      imeis: 0,
      sources: 0,
      evicted: 0,
      tookMs: 0,
    });
    const all = (await t.call(admin, 'GET', '/v1/alerts?limit=500')).json().items as AlertJson[];
    const status = (msisdn: string) => all.find((a) => a.msisdn === msisdn)?.status;
    assert.equal(status(kcellNumber(900)), 'open', "Beeline's data alone does not act on a Kcell number");
    assert.equal(status(kcellNumber(902)), 'open');
    assert.equal(status(kcellNumber(901)), 'confirmed', "Kcell's own data does");
    assert.equal(status('+88213000777'), 'confirmed', 'a source abroad is no domestic subscriber');
    const suspended = (await t.call(kcell, 'GET', '/v1/sim-suspensions?since=0')).json().items as { msisdn: string }[];
    assert.deepEqual(
      suspended.map((s) => s.msisdn),
      [kcellNumber(901)],
    );
    const blocked = ((await t.call(admin, 'GET', '/v1/lists/blocklist?since=0')).json().added as { number: string }[])
      .map((e) => e.number)
      .sort();
    assert.deepEqual(blocked, ['+88213000777', kcellNumber(901)].sort());

    // An analyst may still confirm the one the policy left open.
    const open = all.find((a) => a.msisdn === kcellNumber(900))!;
    const confirmed = await t.call(admin, 'POST', `/v1/alerts/${open.id}/confirm`, { reason: 'seen on site' });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal((confirmed.json() as AlertJson).actions?.blocklisted, true);
  });

  it('keeps rows of a number the uploader served at the time (MNP then and now) and of inbound roamers', async () => {
    const ported = kcellNumber(950);
    const put = await t.call(admin, 'PUT', `/v1/admin/mnp/${encodeURIComponent(ported)}`, { operator: 'BEELINE' });
    assert.ok(put.statusCode < 300, put.body);
    // Beeline serves the number now; Kcell served it before the port (these rows are from 2025).
    const beelineRows = new CdrLines('BEELINE', 50_000)
      .voice(ported, 'out', victim(1), 0, 60, 'AST-1')
      // A Russian subscriber roaming in Beeline's network, and one from abroad further away.
      .voice('+79161234567', 'out', victim(2), 1, 60, 'AST-1')
      .voice('+447700900123', 'out', victim(3), 2, 60, 'AST-1');
    const b = await t.upload(beeline, beelineRows.text());
    assert.deepEqual([b.json().accepted, b.json().quarantined], [3, 0], b.body);
    const kcellBefore = new CdrLines('KCELL', 50_000).voice(ported, 'out', victim(4), 0, 60, 'ALA-1');
    const k = await t.upload(kcell, kcellBefore.text());
    assert.deepEqual([k.json().accepted, k.json().quarantined], [1, 0], k.body);
    // After the port, the number is no longer Kcell's.
    const soon = new Date(Date.now() + 60_000).toISOString();
    const kcellAfter = new CdrLines('KCELL', 60_000).raw(
      `KCELL-60000,KCELL,voice,out,${ported},${victim(5)},,,ALA-1,${soon},60,1,,`,
    );
    const late = await t.upload(kcell, kcellAfter.text());
    assert.deepEqual([late.json().accepted, late.json().quarantined], [0, 1], late.body);
    const [item] = (await t.call(kcell, 'GET', '/v1/cdr/quarantine?limit=1')).json().items as { reason: string }[];
    assert.match(item.reason, /NOT_OPERATOR_SUBSCRIBER: \+77012000950 is served by BEELINE/);
  });
});

describe('bounded work on every input', () => {
  let t: DataPathTestApp;
  let kcell: string;

  before(async () => {
    t = await startDataPathApp({ cdrMaxBadRows: 100, cdrInflatedLimitBytes: 3 * 1024 * 1024 });
    kcell = await t.keyFor('KCELL');
  });
  after(() => t.close());

  const good = (first: number, count: number) => {
    const lines = new CdrLines('KCELL', first);
    for (let k = 0; k < count; k++) lines.voice(kcellNumber(k), 'out', victim(k), k, 30, 'ALA-1');
    return lines;
  };

  it('stops an upload past the bad-row limit with 400, keeping and reporting the rows before the stop', async () => {
    const file = good(1, 50);
    for (let k = 0; k < 500; k++) file.raw(`KCELL-x${k},KCELL,fax,out,${kcellNumber(k)},${victim(k)},,,A,2025,1,1,,`);
    for (let k = 0; k < 10; k++) file.voice(kcellNumber(k), 'out', victim(k), 900 + k, 30, 'ALA-1');
    const r = await t.upload(kcell, file.text(), { file: 'bad.csv' });
    assert.equal(r.statusCode, 400, r.body);
    const body = r.json() as {
      error: { code: string; message: string };
      kept: { uploadId: string; accepted: number; quarantined: number };
    };
    assert.equal(body.error.code, 'TOO_MANY_BAD_ROWS');
    assert.match(body.error.message, /more than 100 bad rows/);
    assert.equal(body.kept.accepted, 50);
    assert.equal(body.kept.quarantined, 101);
    const upload = (await t.call(kcell, 'GET', `/v1/cdr/uploads/${body.kept.uploadId}`)).json();
    assert.equal(upload.status, 'failed');
    assert.equal(upload.accepted, 50);
    // The kept rows are really kept: sent again, they are duplicates.
    const again = await t.upload(kcell, good(1, 50).text());
    assert.equal(again.json().duplicates, 50, again.body);
  });

  it('stops a gzip body that inflates past the limit (413), or too many times its size', async () => {
    const big = good(10_000, 40_000).text();
    assert.ok(big.length > 3 * 1024 * 1024);
    const r = await t.upload(kcell, gzipSync(big), { contentType: 'application/gzip' });
    assert.equal(r.statusCode, 413, r.body);
    assert.equal(r.json().error.code, 'INFLATED_TOO_LARGE');
    assert.equal(typeof r.json().kept.accepted, 'number');

    // 8 MiB of one valid row (no bad rows), a few kilobytes compressed.
    const row = `KCELL-1,KCELL,voice,out,${kcellNumber(1)},${victim(1)},,,ALA-1,2025-03-03T08:00:00+05:00,60,1,,\n`;
    const bomb = gzipBomb(8 * 1024 * 1024, row);
    const bombBody = Buffer.concat([...bomb.chunks]);
    assert.ok(bombBody.length < 100_000);
    const b = await t.upload(kcell, bombBody, { contentType: 'application/gzip' });
    assert.equal(b.statusCode, 413, b.body);
    assert.equal(b.json().error.code, 'COMPRESSION_RATIO_TOO_HIGH');

    // gzip in gzip in gzip: two layers are unwrapped, not a third.
    const nested = await t.upload(kcell, gzipSync(gzipSync(gzipSync(good(1, 1).text()))), {
      contentType: 'application/gzip',
    });
    assert.equal(nested.statusCode, 400, nested.body);
    assert.equal(nested.json().error.code, 'BAD_REQUEST');
    // A bad-row bomb stops at the bad-row limit long before it inflates far.
    const badBomb = await t.upload(kcell, Buffer.concat([...gzipBomb(64 * 1024 * 1024, BAD_ROW).chunks]), {
      contentType: 'application/gzip',
    });
    assert.equal(badBomb.statusCode, 400, badBomb.body);
    assert.equal(badBomb.json().error.code, 'TOO_MANY_BAD_ROWS');
  });

  it('refuses a citizen report over 16 KiB naming that limit, and oversized batch bodies', async () => {
    const report = await t.app.http.inject({
      method: 'POST',
      url: '/public/v1/reports',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ number: '+77011234567', channel: 'call', category: 'other', text: 'x'.repeat(20_000) }),
    });
    assert.equal(report.statusCode, 413, report.body);
    assert.equal(report.json().error.code, 'PAYLOAD_TOO_LARGE');
    assert.match(report.json().error.message, /larger than 16384 bytes/);

    const call = (i: number) => ({ callId: `c${i}`, a: '+77011234567', b: victim(i), at: new Date().toISOString() });
    const tooMany = await t.call(kcell, 'POST', '/v1/calls/originate/batch', {
      calls: Array.from({ length: 5001 }, (_, i) => call(i)),
    });
    assert.equal(tooMany.statusCode, 413, tooMany.body);
    const tooBig = await t.app.http.inject({
      method: 'POST',
      url: '/v1/calls/verify/batch',
      headers: { authorization: `Bearer ${kcell}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ calls: [{ ...call(0), ingress: 'domestic', note: 'x'.repeat(2 * 1024 * 1024) }] }),
    });
    assert.equal(tooBig.statusCode, 413, tooBig.body);
    assert.match(tooBig.json().error.message, /larger than 1048576 bytes/);
  });
});
