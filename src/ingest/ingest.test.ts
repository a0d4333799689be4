import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  CDR_HEADER,
  CdrLines,
  type DataPathTestApp,
  simBoxCdrs,
  startDataPathApp,
  testAdminToken,
  victim,
} from '../datapath/test-support.ts';
import { openPglite } from '../platform/sql.ts';

interface Counts {
  accepted: number;
  duplicates: number;
  quarantined: number;
}

const counts = (r: { json(): unknown }) => {
  const { accepted, duplicates, quarantined } = r.json() as Counts;
  return { accepted, duplicates, quarantined };
};

describe('POST /v1/cdr', () => {
  let t: DataPathTestApp;
  let kcell: string;
  let beeline: string;

  before(async () => {
    t = await startDataPathApp({ cdrBodyLimitBytes: 64 * 1024 });
    kcell = await t.keyFor('KCELL');
    beeline = await t.keyFor('BEELINE');
  });
  after(() => t.close());

  it('keeps good rows and quarantines bad ones with their line and reason', async () => {
    const file = new CdrLines('KCELL', 1)
      .voice('+77011000001', 'out', victim(1), 0, 60, 'ALA-1')
      .raw('k-bad-1,KCELL,voice,out,not-a-number,+77051000000,,,ALA-1,2025-03-03T08:00:00+05:00,60,1,,') // line 3
      .voice('+77011000002', 'out', victim(2), 1, 30, 'ALA-1')
      .voice('+77051000009', 'out', victim(3), 2, 30, 'ALA-1', { operator: 'BEELINE' }) // line 5: not Kcell's
      .voice('+77011000003', 'in', victim(4), 3, 0, 'ALA-2');
    const r = await t.upload(kcell, file.text(), { file: 'kcell-day1.csv' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(counts(r), { accepted: 3, duplicates: 0, quarantined: 2 });

    const q = await t.call(kcell, 'GET', '/v1/cdr/quarantine');
    assert.equal(q.statusCode, 200);
    const items = (q.json() as { items: { file: string; line: number; reason: string; raw: string }[] }).items;
    const byLine = new Map(items.map((i) => [i.line, i]));
    assert.equal(items.length, 2);
    assert.match(byLine.get(3)!.reason, /msisdn/);
    assert.match(byLine.get(3)!.raw, /not-a-number/);
    assert.match(byLine.get(5)!.reason, /operator BEELINE is not the uploading operator KCELL/);
    assert.equal(byLine.get(5)!.file, 'kcell-day1.csv');
    // Another operator does not see Kcell's quarantine.
    assert.deepEqual((await t.call(beeline, 'GET', '/v1/cdr/quarantine')).json(), { items: [], next: null });
  });

  it('quarantines a row whose record_id, operator or cell_id holds NUL, and keeps the good rows', async () => {
    const file = new CdrLines('KCELL', 40)
      .voice('+77011000041', 'out', victim(41), 0, 60, 'ALA-1')
      .raw('k-nul\u00001,KCELL,voice,out,+77011000042,+77051000000,,,ALA-1,2025-03-03T08:00:00+05:00,60,1,,') // line 3
      .raw('k-nul-2,KCELL,voice,out,+77011000042,+77051000000,,,ALA\u00001,2025-03-03T08:00:00+05:00,60,1,,') // line 4
      .raw('k-nul-3,KC\u0000ELL,voice,out,+77011000042,+77051000000,,,ALA-1,2025-03-03T08:00:00+05:00,60,1,,') // line 5
      .voice('+77011000043', 'out', victim(43), 1, 30, 'ALA-1');
    const r = await t.upload(kcell, file.text(), { file: 'kcell-nul.csv' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(counts(r), { accepted: 2, duplicates: 0, quarantined: 3 });
    const items = (await t.call(kcell, 'GET', '/v1/cdr/quarantine')).json() as {
      items: { file: string; line: number; reason: string }[];
    };
    const reasons = items.items.filter((i) => i.file === 'kcell-nul.csv').map((i) => [i.line, i.reason]);
    assert.deepEqual(
      reasons.sort(([a], [b]) => Number(a) - Number(b)),
      [
        [3, 'record_id holds a NUL character'],
        [4, 'cell_id holds a NUL character'],
        [5, 'operator holds a NUL character'],
      ],
    );
  });

  it('quarantines a row dated before the year 2000 (the records store cannot fold year 0001)', async () => {
    const file = new CdrLines('KCELL', 60)
      .voice('+77011000061', 'out', victim(61), 0, 60, 'ALA-1')
      .raw(`k-old-1,KCELL,voice,out,+77011000061,${victim(62)},,,ALA-1,0001-01-01T00:00:00Z,60,1,,`) // line 3
      .raw(`k-old-2,KCELL,voice,out,+77011000061,${victim(62)},,,ALA-1,2000-01-01T04:59:59+05:00,60,1,,`) // line 4
      .raw(`k-old-3,KCELL,voice,out,+77011000061,${victim(62)},,,ALA-1,2000-01-01T00:00:00Z,60,1,,`); // line 5: kept
    const r = await t.upload(kcell, file.text(), { file: 'kcell-old.csv' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(counts(r), { accepted: 2, duplicates: 0, quarantined: 2 });
    const items = (await t.call(kcell, 'GET', '/v1/cdr/quarantine')).json() as {
      items: { file: string; line: number; reason: string }[];
    };
    const reasons = items.items.filter((i) => i.file === 'kcell-old.csv').map((i) => [i.line, i.reason]);
    assert.deepEqual(
      reasons.sort(([a], [b]) => Number(a) - Number(b)),
      [
        [3, 'started_at is before the year 2000'],
        [4, 'started_at is before the year 2000'],
      ],
    );
  });

  it('counts a re-sent file as duplicates, and its bad rows are not stored twice', async () => {
    const file = new CdrLines('KCELL', 100)
      .voice('+77011000011', 'out', victim(11), 0, 60, 'ALA-1')
      .voice('+77011000012', 'out', victim(12), 1, 60, 'ALA-1')
      .raw('KCELL-999,KCELL,fax,out,+77011000013,+77051000000,,,ALA-1,2025-03-03T08:00:00+05:00,60,1,,');
    assert.deepEqual(counts(await t.upload(kcell, file.text(), { file: 'again.csv' })), {
      accepted: 2,
      duplicates: 0,
      quarantined: 1,
    });
    // The same file again, and the same records inside a bigger one.
    assert.deepEqual(counts(await t.upload(kcell, file.text(), { file: 'again.csv' })), {
      accepted: 0,
      duplicates: 2,
      quarantined: 1,
    });
    file.voice('+77011000014', 'out', victim(14), 2, 60, 'ALA-1');
    assert.deepEqual(counts(await t.upload(kcell, file.text(), { file: 'again.csv' })), {
      accepted: 1,
      duplicates: 2,
      quarantined: 1,
    });
    const q = (await t.call(kcell, 'GET', '/v1/cdr/quarantine')).json() as { items: { file: string }[] };
    assert.equal(q.items.filter((i) => i.file === 'again.csv').length, 1);
  });

  it('reads JSON Lines, gzip by magic bytes, and a record repeated inside one file once', async () => {
    const rows = [0, 1, 2].map((k) => ({
      record_id: `J-${k % 2}`,
      operator: 'KCELL',
      event: 'sms',
      direction: 'out',
      msisdn: '+77011000021',
      other_party: victim(20 + k),
      started_at: CdrLines.at(k),
    }));
    const body = gzipSync(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const r = await t.upload(kcell, body, { contentType: 'application/x-ndjson' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(counts(r), { accepted: 2, duplicates: 1, quarantined: 0 });
    const csv = gzipSync(new CdrLines('KCELL', 200).voice('+77011000022', 'out', victim(30), 0, 5, 'A').text());
    const r2 = await t.upload(kcell, csv, { contentType: 'text/csv', headers: { 'content-encoding': 'gzip' } });
    assert.deepEqual(counts(r2), { accepted: 1, duplicates: 0, quarantined: 0 });
  });

  it('keeps operators apart: a record id is unique per operator, and no one uploads for another', async () => {
    // Beeline sends Kcell's records: every row is quarantined, and Kcell's ids are not burnt.
    const kcellRows = new CdrLines('KCELL', 300).voice('+77011000031', 'out', victim(31), 0, 60, 'ALA-1');
    assert.deepEqual(counts(await t.upload(beeline, kcellRows.text())), { accepted: 0, duplicates: 0, quarantined: 1 });
    assert.deepEqual(counts(await t.upload(kcell, kcellRows.text())), { accepted: 1, duplicates: 0, quarantined: 0 });
    // The same record_id from Beeline is Beeline's own record.
    const beelineRows = `${CDR_HEADER}\nKCELL-300,BEELINE,voice,out,+77051000031,${victim(32)},,,AST-1,${CdrLines.at(0)},60,1,,\n`;
    assert.deepEqual(counts(await t.upload(beeline, beelineRows)), { accepted: 1, duplicates: 0, quarantined: 0 });
  });

  it('answers bad requests with a code', async () => {
    const body = new CdrLines('KCELL').voice('+77011000041', 'out', victim(41), 0, 60, 'A').text();
    assert.equal((await t.upload(undefined, body)).statusCode, 401);
    // The admin token uploads only for a named operator.
    assert.equal((await t.upload(testAdminToken, body)).statusCode, 403);
    assert.equal((await t.upload(kcell, body, { contentType: 'application/json' })).statusCode, 415);
    // A compression other than gzip is not read as text.
    for (const encoding of ['br', 'deflate', 'gzip, br']) {
      const encoded = await t.upload(kcell, body, { headers: { 'content-encoding': encoding } });
      assert.equal(encoded.statusCode, 415, encoding);
      assert.deepEqual(encoded.json(), {
        error: {
          code: 'UNSUPPORTED_CONTENT_ENCODING',
          message: 'a CDR upload is sent plain or with Content-Encoding gzip',
        },
      });
    }
    const gzipped = await t.upload(kcell, gzipSync(body), { headers: { 'content-encoding': 'gzip' } });
    assert.equal(gzipped.statusCode, 200, gzipped.body);
    const big = await t.upload(kcell, `${CDR_HEADER}\n${'x'.repeat(70 * 1024)}\n`);
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'PAYLOAD_TOO_LARGE');
    const header = await t.upload(kcell, 'a,b,c\n1,2,3\n');
    assert.deepEqual(counts(header), { accepted: 0, duplicates: 0, quarantined: 1 });
  });

  it('lists uploads of the caller only', async () => {
    const mine = (await t.call(beeline, 'GET', '/v1/cdr/uploads')).json() as {
      items: { operator: string; id: string }[];
    };
    assert.ok(mine.items.length >= 2);
    assert.ok(mine.items.every((u) => u.operator === 'BEELINE'));
    const all = (await t.call(kcell, 'GET', '/v1/cdr/uploads')).json() as { items: { id: string }[] };
    assert.equal((await t.call(kcell, 'GET', `/v1/cdr/uploads/${mine.items[0].id}`)).statusCode, 404);
    assert.equal((await t.call(kcell, 'GET', `/v1/cdr/uploads/${all.items[0].id}`)).statusCode, 200);
  });
});

describe('a restart', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callshield-ingest-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('loses nothing and counts nothing twice, and detection picks up where it was', async () => {
    const file = simBoxCdrs('KCELL');
    const firstHalf = new CdrLines('KCELL');
    firstHalf.lines.push(...file.lines.slice(1, 121));
    let t = await startDataPathApp({}, dir);
    let key = await t.keyFor('KCELL');
    assert.deepEqual(counts(await t.upload(key, firstHalf.text())), { accepted: 120, duplicates: 0, quarantined: 0 });
    await t.close();

    // The process comes back; the operator sends the whole file again.
    t = await startDataPathApp({}, dir);
    try {
      key = await t.keyFor('KCELL');
      assert.deepEqual(counts(await t.upload(key, file.text())), { accepted: 120, duplicates: 120, quarantined: 0 });
      const run = await t.call(testAdminToken, 'POST', '/v1/detection/run');
      assert.equal(run.statusCode, 200, run.body);
      // The journal replayed the first half: every CDR is in the windows exactly once.
      assert.equal(run.json().cdrs, 240);
      const alerts = (await t.call(key, 'GET', '/v1/alerts?kind=simbox')).json() as { items: unknown[] };
      assert.equal(alerts.items.length, 4);
    } finally {
      await t.close();
    }
  });
});

describe('ingest and detect in separate processes on one records store', () => {
  it('the detect node reads what the ingest node committed, each CDR once', async () => {
    const sql = await openPglite('memory://');
    const ingest = await startDataPathApp({ roles: 'screening,ingest,console' }, 'memory://', sql);
    const detect = await startDataPathApp({ roles: 'detect' }, 'memory://', sql);
    try {
      const key = await ingest.keyFor('KCELL');
      const file = simBoxCdrs('KCELL').text();
      assert.equal((await ingest.upload(key, file)).json().accepted, 240);
      const run = await detect.call(testAdminToken, 'POST', '/v1/detection/run');
      assert.equal(run.statusCode, 200, run.body);
      assert.deepEqual([run.json().cdrs, run.json().created], [240, 4]);
      assert.equal((await ingest.upload(key, file)).json().duplicates, 240);
      assert.equal((await detect.call(testAdminToken, 'POST', '/v1/detection/run')).json().cdrs, 240);
      const status = (await detect.call(testAdminToken, 'GET', '/v1/detection/status')).json();
      assert.equal(status.cdrsReceived, 240);
      // The ingest node runs no detector; the detect node takes no uploads.
      assert.equal((await ingest.call(testAdminToken, 'POST', '/v1/detection/run')).statusCode, 503);
      assert.equal((await detect.upload(key, file)).statusCode, 404);
      // Both answer from the same alerts.
      assert.equal((await ingest.call(key, 'GET', '/v1/alerts')).json().items.length, 4);
    } finally {
      await detect.close();
      await ingest.close();
      await sql.close();
    }
  });
});
