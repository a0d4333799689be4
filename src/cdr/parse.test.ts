import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadPlan } from '../numbering/plan.ts';
import type { CdrBatch } from './batch.ts';
import { RecordDeduplicator } from './dedup.ts';
import { parseCdrRow } from './parse.ts';
import { parseCdrText, readCdrFile } from './reader.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));
const HEADER =
  'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route';
const VOICE_OUT =
  '1,KCELL,voice,out,+77011234567,+77051112233,401020000000001,356938035643809,ALA-1,2025-03-01T10:15:00+05:00,35,1,,';

test('every column of a voice row is parsed', () => {
  const { batches, rows, bad } = parseCdrText(`${HEADER}\n${VOICE_OUT}\n`, 'a.csv', plan);
  assert.equal(rows, 1);
  assert.equal(bad, 0);
  assert.deepEqual(batches[0].row(0), {
    recordId: '1',
    operator: 'KCELL',
    event: 'voice',
    direction: 'out',
    msisdn: 77011234567,
    otherParty: 77051112233,
    otherPartyIsShortCode: false,
    imsi: '401020000000001',
    imei: '356938035643809',
    cellId: 'ALA-1',
    startedAt: Date.parse('2025-03-01T05:15:00Z'),
    localHour: 10,
    durationS: 35,
    answered: true,
    bytes: 0,
    route: '',
  });
});

test('incoming international call, national-format msisdn, fractional seconds in UTC', () => {
  const line = '2,KCELL,voice,in,8 701 123 45 67,+447700900123,,,,2025-03-01T23:15:00.250Z,0,0,,international';
  const row = parseCdrText(`${HEADER}\n${line}\n`, 'a.csv', plan).batches[0].row(0);
  assert.equal(row.msisdn, 77011234567);
  assert.equal(row.route, 'international');
  assert.equal(row.startedAt, Date.parse('2025-03-01T23:15:00.250Z'));
  assert.equal(row.answered, false);
  assert.equal(row.imsi, '');
});

test('SMS to a short code and a data session', () => {
  const text = `${HEADER}\n3,TELE2,sms,out,+77071234567,1414,,,C9,2025-03-01T10:15:00+05:00,,,,\n4,TELE2,data,out,+77071234567,,,,C9,2025-03-01T10:16:00+0500,,,1234,\n`;
  const { batches } = parseCdrText(text, 'a.csv', plan);
  const sms = batches[0].row(0);
  assert.equal(sms.otherParty, 1414);
  assert.equal(sms.otherPartyIsShortCode, true);
  assert.equal(sms.answered, null);
  const data = batches[0].row(1);
  assert.equal(data.event, 'data');
  assert.equal(data.bytes, 1234);
  assert.equal(data.otherParty, -1);
});

test('columns in any order, unknown columns ignored, quoted fields', () => {
  const text =
    'started_at,msisdn,extra,event,direction,operator,record_id,other_party,duration_s,answered\n' +
    '2025-03-01T10:15:00+05:00,+77011234567,"x,y",voice,out,KCELL,"r""1",+77051112233,12,1\n';
  const { batches, bad } = parseCdrText(text, 'a.csv', plan);
  assert.equal(bad, 0);
  const row = batches[0].row(0);
  assert.equal(row.recordId, 'r"1');
  assert.equal(row.durationS, 12);
  assert.equal(row.cellId, '');
});

test('bad rows go to quarantine with line and reason; good rows around them are kept', () => {
  const lines = [
    HEADER,
    VOICE_OUT,
    '2,KCELL,call,out,+77011234567,+77051112233,,,,2025-03-01T10:15:00+05:00,35,1,,', // event
    '3,KCELL,voice,up,+77011234567,+77051112233,,,,2025-03-01T10:15:00+05:00,35,1,,', // direction
    '4,KCELL,voice,out,+7701,+77051112233,,,,2025-03-01T10:15:00+05:00,35,1,,', // msisdn
    '5,KCELL,voice,out,+77011234567,+77051112233,,,,2025-03-01T10:15:00,35,1,,', // no offset
    '6,KCELL,voice,out,+77011234567,+77051112233,,,,2025-03-01T10:15:00+05:00,abc,1,,', // duration
    '7,KCELL,voice,in,+77011234567,+77051112233,,,,2025-03-01T10:15:00+05:00,35,1,,satellite', // route
    '8,KCELL,voice,out,+77011234567,+77051112233,,,,2025-03-01T10:15:00+05:00,35', // fields
    '9,KCELL,voice,out,+77011234567,+77051112233,12ab,,,2025-03-01T10:15:00+05:00,35,1,,', // imsi
    '10,KCELL,voice,out,+77011234567,+77051112233,,,,2025-02-30T10:15:00+05:00,35,1,,', // date
    VOICE_OUT.replace(/^1,/, '11,'),
  ];
  const { batches, rows, bad } = parseCdrText(`${lines.join('\n')}\n`, 'bad.csv', plan);
  assert.equal(rows, 2);
  assert.equal(bad, 9);
  const quarantine = batches.flatMap((b) => b.quarantine);
  assert.deepEqual(
    quarantine.map((q) => [q.line, q.reason.split(' ')[0]]),
    [
      [3, 'event'],
      [4, 'direction'],
      [5, 'msisdn'],
      [6, 'started_at'],
      [7, 'duration_s'],
      [8, 'route'],
      [9, 'expected'],
      [10, 'imsi'],
      [11, 'started_at'],
    ],
  );
  assert.equal(quarantine[0].file, 'bad.csv');
  assert.equal(quarantine[0].raw, lines[2]);
});

test('JSON Lines with the same keys, numbers as JSON numbers, bad JSON quarantined', () => {
  const text =
    '{"record_id":"a","operator":"BEELINE","event":"voice","direction":"out","msisdn":"+77051234567","other_party":"+77011112233","started_at":"2025-03-01T10:15:00+05:00","duration_s":61,"answered":1}\n' +
    '{"record_id":"b", oops\n';
  const { batches, rows, bad } = parseCdrText(text, 'a.jsonl', plan);
  assert.equal(rows, 1);
  assert.equal(bad, 1);
  assert.equal(batches[0].row(0).durationS, 61);
  assert.equal(batches[0].quarantine[0].reason, 'not valid JSON');
  assert.equal(batches[0].quarantine[0].line, 2);
});

test('a UTF-8 byte order mark loses no row: before a quoted CSV header or a JSON Lines file', () => {
  const quoted = HEADER.split(',')
    .map((c) => `"${c}"`)
    .join(',');
  const csv = parseCdrText(`\ufeff${quoted}\r\n${VOICE_OUT}\r\n`, 'bom.csv', plan);
  assert.deepEqual([csv.rows, csv.bad], [1, 0]);
  const json =
    '{"record_id":"a","operator":"BEELINE","event":"voice","direction":"out","msisdn":"+77051234567","other_party":"+77011112233","started_at":"2025-03-01T10:15:00+05:00","duration_s":61,"answered":1}';
  const jsonl = parseCdrText(`\ufeff${json}\n${json.replace('"a"', '"b"')}`, 'bom.jsonl', plan);
  assert.deepEqual([jsonl.rows, jsonl.bad], [2, 0]);
});

test('a file whose lines end with a lone CR is quarantined with the reason, not read as one header', () => {
  const { rows, bad, batches } = parseCdrText(`${HEADER}\r${VOICE_OUT}\r${VOICE_OUT}\r`, 'mac.csv', plan);
  assert.deepEqual([rows, bad], [0, 1]);
  assert.deepEqual(
    batches.flatMap((b) => b.quarantine.map((q) => [q.line, q.reason])),
    [[1, 'bad header: lines end with a lone CR; end them with LF or CRLF']],
  );
});

test('gzip files are detected by magic bytes and read in batches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-test-'));
  const path = join(dir, 'cdrs.data'); // no .gz in the name on purpose
  const body = [HEADER];
  for (let i = 0; i < 2500; i++) body.push(VOICE_OUT.replace(/^1,/, `${i},`));
  writeFileSync(path, gzipSync(`${body.join('\r\n')}\r\n`));
  const sizes: number[] = [];
  const summary = await readCdrFile(path, plan, (batch: CdrBatch) => void sizes.push(batch.size), { batchSize: 1000 });
  assert.deepEqual(sizes, [1000, 1000, 500]);
  assert.equal(summary.rows, 2500);
  assert.equal(summary.bad, 0);
});

test('parseCdrRow validates one object', () => {
  const good = parseCdrRow(
    {
      record_id: 'x',
      operator: 'KCELL',
      event: 'data',
      direction: 'out',
      msisdn: '77011234567',
      started_at: '2025-03-01T10:15:00Z',
      bytes: 10,
    },
    plan,
  );
  assert.equal(good.ok, true);
  const bad = parseCdrRow(
    { record_id: 'x', operator: 'KCELL', event: 'voice', direction: 'out', msisdn: '+77011234567' },
    plan,
  );
  assert.deepEqual(bad, { ok: false, reason: 'other_party is empty' });
});

test('de-duplication by operator and record id', () => {
  const dedup = new RecordDeduplicator();
  const t = Date.parse('2025-03-01T10:00:00Z');
  assert.equal(dedup.firstSeen('KCELL', '1', t), true);
  assert.equal(dedup.firstSeen('KCELL', '1', t + 3600_000), false);
  assert.equal(dedup.firstSeen('BEELINE', '1', t), true);
  assert.equal(dedup.size, 2);
});
