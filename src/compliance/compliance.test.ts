import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CdrLines, simBoxCdrs, startDataPathApp } from '../datapath/test-support.ts';
import { startTestApp, type TestApp, testAdminToken } from '../platform/test-app.ts';
import { run as runReportCli } from './cli.ts';

interface Row {
  operator: string;
  suspensions: { requested: number; acked: number; overdue: number; medianHoursToAck: number | null; lateAcks: number };
  verify: {
    calls: number;
    screened: number;
    screenedShare: number | null;
    byRoute: Record<string, { calls: number; screened: number; screenedShare: number | null }>;
  };
  cdr: { lastUploadAt: string | null; records: number; gaps: { from: string; to: string }[] };
  series: { day: string; calls: number; screened: number; records: number; requested: number }[];
  overdueRequests: { id: string; msisdn: string; deadline: string }[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const ALMATY = 5 * 3_600_000;
/** Almaty date of an instant. */
const dateOf = (ms: number) => new Date(ms + ALMATY).toISOString().slice(0, 10);
// Coverage keeps verifies for 48 h: the calls are made yesterday at 10:00 Almaty time.
const today = dateOf(Date.now());
const yesterday = dateOf(Date.now() - DAY);
const dayBefore = (date: string, n: number) => new Date(Date.parse(date) - n * DAY).toISOString().slice(0, 10);
const base = Date.parse(`${yesterday}T10:00:00+05:00`);
/** Minutes (and seconds) after the calls' base time. */
const at = (minutes: number, seconds = 0) => new Date(base + minutes * MINUTE + seconds * 1000).toISOString();
const caller = (i: number) => `+90532${1000000 + i}`;
const subscriber = (i: number) => `+7777${2000000 + i}`;

describe("operators' duties over HTTP (suspension deadline PT1H)", () => {
  let t: TestApp;
  let kcell: string;
  let beeline: string;

  const rows = async (token: string, query = '') => {
    await t.app.stream.drain();
    const r = await t.request('GET', `/v1/compliance${query}`, { token });
    assert.equal(r.statusCode, 200, r.body);
    return r.json().operators as Row[];
  };
  const rowOf = async (operator: string, query = '') =>
    (await rows(testAdminToken, query)).find((r) => r.operator === operator) as Row;

  before(async () => {
    t = await startTestApp({
      suspensionDeadline: 'PT1H',
      detectionIntervalSeconds: 86_400,
      detectionAfterCdrs: 1_000_000_000,
      // Alerts wait for an analyst, so the test decides when suspension requests are made.
      alertPolicy: JSON.stringify({ autoConfirmAbove: null }),
    });
    kcell = await t.keyFor('KCELL');
    beeline = await t.keyFor('BEELINE');
  });
  after(() => t.close());

  it('asks Kcell to suspend four SIMs, each with its deadline; acknowledgements are counted, late ones apart', async () => {
    const upload = await t.request('POST', '/v1/cdr', {
      token: kcell,
      raw: simBoxCdrs('KCELL').text(),
      contentType: 'text/csv',
    });
    assert.equal(upload.json().accepted, 240);
    assert.equal((await t.request('POST', '/v1/detection/run', { token: testAdminToken })).statusCode, 200);
    const alerts = (await t.request('GET', '/v1/alerts?kind=simbox', { token: testAdminToken })).json().items as {
      id: string;
    }[];
    assert.equal(alerts.length, 4);
    const requestedAt = Date.now();
    for (const a of alerts) {
      const r = await t.request('POST', `/v1/alerts/${a.id}/confirm`, {
        token: testAdminToken,
        body: { reason: 'raid' },
      });
      assert.equal(r.statusCode, 200, r.body);
    }
    const pulled = (await t.request('GET', '/v1/sim-suspensions?since=0', { token: kcell })).json().items as {
      id: string;
      deadline: string;
    }[];
    assert.equal(pulled.length, 4);
    for (const p of pulled) {
      const due = Date.parse(p.deadline) - requestedAt;
      assert.ok(due > 59 * MINUTE && due < 61 * MINUTE, p.deadline);
    }

    // Nothing is overdue yet.
    let row = await rowOf('KCELL');
    assert.deepEqual(row.suspensions, { requested: 4, acked: 0, overdue: 0, medianHoursToAck: null, lateAcks: 0 });

    // Half an hour later Kcell suspends one; ninety minutes after the request (late) it rejects another.
    t.advance(30 * MINUTE);
    const ack = (id: string, outcome: string) =>
      t.request('POST', `/v1/sim-suspensions/${id}/ack`, { token: kcell, body: { outcome } });
    assert.equal((await ack(pulled[0].id, 'suspended')).statusCode, 200);
    t.advance(60 * MINUTE);
    assert.equal((await ack(pulled[1].id, 'rejected')).statusCode, 200);

    row = await rowOf('KCELL');
    assert.equal(row.suspensions.requested, 4);
    assert.equal(row.suspensions.acked, 2);
    assert.equal(row.suspensions.overdue, 2);
    assert.equal(row.suspensions.lateAcks, 1);
    // Median of 0.5 h and 1.5 h.
    assert.ok(Math.abs((row.suspensions.medianHoursToAck ?? 0) - 1) < 0.01, String(row.suspensions.medianHoursToAck));
    assert.deepEqual(row.overdueRequests.map((r) => r.id).sort(), [pulled[2].id, pulled[3].id].sort());
    // Answering a request again changes its outcome, not when it was first acted on.
    t.advance(10 * MINUTE);
    assert.equal((await ack(pulled[0].id, 'rejected')).statusCode, 200);
    assert.equal((await rowOf('KCELL')).suspensions.medianHoursToAck, row.suspensions.medianHoursToAck);
    const now = (await t.request('GET', '/v1/compliance/overdue', { token: testAdminToken })).json();
    assert.deepEqual(now, { overdue: 2, byOperator: { KCELL: 2 } });
    assert.deepEqual((await t.request('GET', '/v1/compliance/overdue', { token: beeline })).json(), {
      overdue: 0,
      byOperator: {},
    });

    // Beeline has nothing to do with Kcell's requests.
    const other = await rowOf('BEELINE');
    assert.deepEqual(other.suspensions, { requested: 0, acked: 0, overdue: 0, medianHoursToAck: null, lateAcks: 0 });
  });

  it('measures coverage from the CDRs: Beeline asked about 6 of its 10 calls from abroad, before or after uploading them', async () => {
    const verify = (i: number) =>
      t.request('POST', '/v1/calls/verify', {
        token: beeline,
        body: { callId: `c-${i}`, a: caller(i), b: subscriber(i), at: at(2 * i, 40), ingress: 'international' },
      });
    // Three verifies reach the platform before the CDRs are uploaded, three only after.
    for (let i = 0; i < 3; i++) assert.equal((await verify(i)).statusCode, 200);
    // An SMS from the seventh caller to its subscriber, sent as the call was made, screens no call.
    const sms = await t.request('POST', '/v1/sms/verify', {
      token: beeline,
      body: { messageId: 'm-6', sender: caller(6), b: subscriber(6), at: at(12, 40), ingress: 'international' },
    });
    assert.equal(sms.statusCode, 200);
    await t.app.stream.drain();
    const cdrs = new CdrLines('BEELINE', 100);
    let id = 0;
    const call = (msisdn: string, direction: string, other: string, minutes: number, route: string) =>
      cdrs.raw(`BL-${++id},BEELINE,voice,${direction},${msisdn},${other},,,AST-1,${at(minutes)},30,1,,${route}`);
    for (let i = 0; i < 10; i++) call(subscriber(i), 'in', caller(i), 2 * i, 'international');
    // Calls that count for nothing: on-net, and outgoing.
    call(subscriber(20), 'in', '+77771234567', 5, 'on-net');
    call(subscriber(21), 'out', '+77011234567', 6, '');
    // A domestic call from another operator's subscriber, asked about three minutes off: not screened.
    call(subscriber(22), 'in', '+77011112233', 40, 'domestic');
    const upload = await t.request('POST', '/v1/cdr', { token: beeline, raw: cdrs.text(), contentType: 'text/csv' });
    assert.equal(upload.json().accepted, 13);
    await t.app.stream.drain();
    for (let i = 3; i < 6; i++) assert.equal((await verify(i)).statusCode, 200);
    await t.request('POST', '/v1/calls/verify', {
      token: beeline,
      body: { callId: 'late', a: '+77011112233', b: subscriber(22), at: at(43, 31), ingress: 'domestic' },
    });

    const period = `?from=${dayBefore(yesterday, 2)}&to=${today}`;
    const row = await rowOf('BEELINE', period);
    assert.equal(row.verify.calls, 11);
    assert.equal(row.verify.screened, 6);
    assert.deepEqual(row.verify.byRoute.international, { calls: 10, screened: 6, screenedShare: 0.6 });
    assert.deepEqual(row.verify.byRoute.domestic, { calls: 1, screened: 0, screenedShare: 0 });
    assert.equal(row.cdr.records, 13);
    assert.ok(row.cdr.lastUploadAt);
    const day = row.series.find((d) => d.day === yesterday);
    assert.deepEqual(
      { calls: day?.calls, screened: day?.screened, records: day?.records },
      { calls: 11, screened: 6, records: 13 },
    );
    // Two days without CDRs before yesterday's, and today so far.
    assert.deepEqual(row.cdr.gaps, [
      { from: dayBefore(yesterday, 2), to: dayBefore(yesterday, 1) },
      { from: today, to: today },
    ]);

    // The exact contract figure: 10 international calls of which 6 screened.
    const only = await rowOf('BEELINE', `?from=${yesterday}&to=${yesterday}`);
    assert.equal(only.verify.byRoute.international.screenedShare, 0.6);
    // Kcell has no incoming calls to screen: no share at all.
    const kc = await rowOf('KCELL', '?from=2025-03-01&to=2025-03-31');
    assert.equal(kc.verify.screenedShare, null);
    assert.equal(kc.cdr.records, 240);
    // A period without the calls has none either.
    assert.equal((await rowOf('BEELINE', '?from=2025-04-01&to=2025-04-30')).verify.screenedShare, null);
    assert.equal(only.verify.screenedShare, 6 / 11);
  });

  it('shows an operator its own row only', async () => {
    const own = await rows(beeline);
    assert.deepEqual(
      own.map((r) => r.operator),
      ['BEELINE'],
    );
    const asked = await t.request('GET', '/v1/compliance?operator=KCELL', { token: beeline });
    assert.equal(asked.statusCode, 403);
    const all = await rows(testAdminToken);
    assert.ok(['KCELL', 'BEELINE', 'TELE2', 'ALTEL'].every((id) => all.some((r) => r.operator === id)));
    const one = await rows(testAdminToken, '?operator=KCELL');
    assert.deepEqual(
      one.map((r) => r.operator),
      ['KCELL'],
    );
  });

  it('answers 400 with a code for a malformed period or an unknown operator', async () => {
    for (const query of [
      'from=yesterday',
      'to=2026-13-45',
      'from=2026-02-30',
      'from=2026-05-02&to=2026-05-01',
      'from=2020-01-01&to=2026-01-01',
    ]) {
      const r = await t.request('GET', `/v1/compliance?${query}`, { token: testAdminToken });
      assert.equal(r.statusCode, 400, query);
      assert.equal(r.json().error.code, 'INVALID_TIME', query);
    }
    // Dates the database has no day for (year 0 in Almaty time) or no record can have.
    for (const query of ['from=0001-01-01&to=0001-01-02', 'from=0000-01-01&to=0000-12-31', 'from=1999-12-31']) {
      const r = await t.request('GET', `/v1/compliance?${query}`, { token: testAdminToken });
      assert.equal(r.statusCode, 400, `${query}: ${r.body}`);
      assert.equal(r.json().error.code, 'INVALID_TIME', query);
    }
    for (const month of ['0001-01', '0000-12', '1999-12']) {
      const r = await t.request('GET', `/v1/compliance/report?month=${month}&format=csv`, { token: testAdminToken });
      assert.equal(r.statusCode, 400, `${month}: ${r.body}`);
      assert.equal(r.json().error.code, 'INVALID_TIME', month);
    }
    // The last month of the calendar is a month like any other: 31 days.
    const december = await t.request('GET', '/v1/compliance/report?month=9999-12&operator=KCELL&format=csv', {
      token: testAdminToken,
    });
    assert.equal(december.statusCode, 200, december.body);
    const days = december.body
      .trim()
      .split('\r\n')
      .slice(1, -1)
      .map((line) => line.split(',')[1]);
    assert.deepEqual([days.length, days[0], days[30]], [31, '9999-12-01', '9999-12-31']);
    const r = await t.request('GET', '/v1/compliance?operator=NOPE', { token: testAdminToken });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'VALIDATION_FAILED');
    assert.equal((await t.request('GET', '/v1/compliance')).statusCode, 401);
  });

  it('exports the monthly report as CSV and PDF, and audits each export', async () => {
    const month = yesterday.slice(0, 7);
    const daysInMonth = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
    const csv = await t.request('GET', `/v1/compliance/report?month=${month}&operator=BEELINE&format=csv`, {
      token: testAdminToken,
    });
    assert.equal(csv.statusCode, 200, csv.body);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines.length, 1 + daysInMonth + 1);
    const header = lines[0].split(',');
    const total = Object.fromEntries(lines[lines.length - 1].split(',').map((v, i) => [header[i], v]));
    assert.equal(total.day, 'total');
    assert.equal(total.calls_international, '10');
    assert.equal(total.screened_international, '6');
    assert.equal(total.cdr_records, '13');
    for (const lang of ['ru', 'kk', 'en']) {
      const pdf = await t.request('GET', `/v1/compliance/report?month=${month}&format=pdf&lang=${lang}`, {
        token: beeline,
      });
      assert.equal(pdf.statusCode, 200);
      assert.equal(pdf.headers['content-type'], 'application/pdf');
      assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    }
    assert.equal(
      (await t.request('GET', '/v1/compliance/report?month=2025-13&format=csv', { token: testAdminToken })).statusCode,
      400,
    );
    // The same report from the command line, against the running server.
    const url = await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const dir = mkdtempSync(join(tmpdir(), 'callshield-report-'));
    try {
      const out = join(dir, 'beeline.csv');
      const code = await runReportCli([
        'compliance',
        '--month',
        month,
        '--operator',
        'BEELINE',
        '--out',
        out,
        '--server',
        url,
        '--token',
        testAdminToken,
      ]);
      assert.equal(code, 0);
      assert.equal(readFileSync(out, 'utf8'), csv.body);
      assert.equal(
        await runReportCli([
          'compliance',
          '--month',
          'someday',
          '--out',
          join(dir, 'x.pdf'),
          '--server',
          url,
          '--token',
          testAdminToken,
        ]),
        1,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const audit = (await t.request('GET', '/v1/audit?action=compliance.report', { token: testAdminToken })).json()
      .items as { action: string; actor: string; target: string }[];
    // This test's exports: Beeline's CSV, its three PDFs and the command line's CSV.
    const exports = audit.filter((e) => e.action === 'compliance.report' && e.target === 'BEELINE');
    assert.equal(exports.length, 5);
    assert.ok(exports.some((e) => e.target === 'BEELINE' && e.actor.includes('BEELINE')));
  });
});

describe('screening coverage across a restart', () => {
  it('keeps the verifies made before a clean stop for the CDRs uploaded after it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'callshield-compliance-'));
    try {
      let t = await startDataPathApp({}, dataDir);
      let key = await t.keyFor('BEELINE');
      for (let i = 0; i < 4; i++) {
        const r = await t.call(key, 'POST', '/v1/calls/verify', {
          callId: `r-${i}`,
          a: caller(i),
          b: subscriber(i),
          at: at(i, 10),
          ingress: 'international',
        });
        assert.equal(r.statusCode, 200, r.body);
      }
      await t.close();
      t = await startDataPathApp({}, dataDir);
      try {
        key = await t.keyFor('BEELINE');
        const cdrs = new CdrLines('BEELINE');
        for (let i = 0; i < 5; i++)
          cdrs.raw(`R-${i},BEELINE,voice,in,${subscriber(i)},${caller(i)},,,AST-1,${at(i)},30,1,,international`);
        assert.equal((await t.upload(key, cdrs.text())).json().accepted, 5);
        await t.app.stream.drain();
        const r = await t.call(
          testAdminToken,
          'GET',
          `/v1/compliance?from=${yesterday}&to=${yesterday}&operator=BEELINE`,
        );
        const row = r.json().operators[0] as Row;
        assert.deepEqual({ calls: row.verify.calls, screened: row.verify.screened }, { calls: 5, screened: 4 });
      } finally {
        await t.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
