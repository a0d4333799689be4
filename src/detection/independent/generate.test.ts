import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readCdrFile } from '../../cdr/reader.ts';
import type { Cdr } from '../../cdr/types.ts';
import { loadPlan } from '../../numbering/plan.ts';
import { CENTRE_SPECS, FARM_SPECS } from './behaviours.ts';
import { run } from './cli.ts';
import { type IndependentDataset, writeIndependentDataset } from './generate.ts';
import { GATEWAY_TACS } from './world.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', '..', 'data', 'numbering', 'kz.json'));
const root = mkdtempSync(join(tmpdir(), 'callshield-independent-'));
after(() => rmSync(root, { recursive: true, force: true }));

const KINDS = [
  'simbox',
  'fraud_caller',
  'wangiri',
  'normal',
  'taxi',
  'courier',
  'business_callcentre',
  'iot',
  'probe',
  'roamer',
];
const FAMILIES = [
  ...FARM_SPECS.map((s) => s.family),
  ...CENTRE_SPECS.map((s) => s.family),
  'wangiri_burst',
  'wangiri_sequential',
  'wangiri_slow',
  'normal_social',
  'normal_light',
  'normal_heavy',
  'normal_elderly',
  'legit_taxi',
  'legit_taxi_gateway',
  'legit_courier',
  'legit_business_cc',
  'legit_business_helpdesk',
  'legit_iot_meter',
  'legit_iot_tracker',
  'legit_iot_alarm',
  'legit_probe',
  'legit_probe_interconnect',
  'legit_roamer_tourist',
  'legit_roamer_business',
];

interface Parsed {
  rows: Cdr[];
  quarantined: { reason: string; raw: string }[];
}

async function parseAll(files: string[]): Promise<Parsed> {
  const parsed: Parsed = { rows: [], quarantined: [] };
  for (const file of files) {
    await readCdrFile(
      file,
      plan,
      (batch) => {
        for (let i = 0; i < batch.size; i++) parsed.rows.push(batch.row(i));
        for (const q of batch.quarantine) parsed.quarantined.push({ reason: q.reason, raw: q.raw });
      },
      { recordIds: true },
    );
  }
  return parsed;
}

function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

let mixed: IndependentDataset;
let mixedParsed: Parsed;
let plain: IndependentDataset;
let plainParsed: Parsed;

before(async () => {
  mixed = await writeIndependentDataset({ seed: 42, subscribers: 800, days: 2, outDir: join(root, 'mixed') });
  mixedParsed = await parseAll(mixed.cdrFiles);
  plain = await writeIndependentDataset({
    seed: 42,
    subscribers: 800,
    days: 2,
    outDir: join(root, 'plain'),
    habits: 'plain',
  });
  plainParsed = await parseAll(plain.cdrFiles);
});

test("every good row of every operator's habits parses; only the deliberately malformed ones are quarantined", () => {
  assert.ok(mixed.malformed > 0, 'the mixed habits of seed 42 include malformed rows');
  assert.ok(mixed.duplicates > 0, 'and re-sent rows');
  assert.equal(mixedParsed.quarantined.length, mixed.malformed, JSON.stringify(mixedParsed.quarantined.slice(0, 3)));
  assert.equal(mixedParsed.rows.length, mixed.rows + mixed.duplicates);
  const formats = new Set(Object.values(mixed.habits).map((h) => `${h.format}${h.gzip ? '.gz' : ''}`));
  assert.ok(formats.size >= 2, `operators write in different formats: ${[...formats]}`);
  assert.equal(plainParsed.quarantined.length, 0);
  assert.equal(plainParsed.rows.length, plain.rows);
});

test('re-sent rows repeat an earlier record id of the same operator', () => {
  const seen = new Set<string>();
  let repeats = 0;
  for (const row of mixedParsed.rows) {
    const key = `${row.operator}/${row.recordId}`;
    if (seen.has(key)) repeats++;
    seen.add(key);
  }
  assert.equal(repeats, mixed.duplicates);
});

test('truth names every kind and every family, and each SIM of the files', () => {
  const truth = readCsv(mixed.truthFile);
  assert.deepEqual(Object.keys(truth[0]), ['msisdn', 'kind', 'family']);
  assert.deepEqual(new Set(truth.map((r) => r.kind)), new Set(KINDS));
  assert.deepEqual(new Set(truth.map((r) => r.family)), new Set(FAMILIES));
  const served = new Set(plainParsed.rows.map((r) => `+${r.msisdn}`));
  const known = new Set(truth.map((r) => r.msisdn));
  for (const msisdn of served) assert.ok(known.has(msisdn), `${msisdn} is in truth.csv`);
  assert.equal(Object.keys(mixed.families).length, truth.length);
});

test('groups name the farm or centre of every SIM-box and fraud SIM, and a farm holds only SIM-box SIMs', () => {
  const groups = readCsv(plain.groupsFile);
  assert.deepEqual(Object.keys(groups[0]), ['msisdn', 'group']);
  for (const [msisdn, kind] of Object.entries(plain.kinds)) {
    if (kind === 'simbox') assert.match(plain.groups[msisdn], /^simbox_farm_\d+$/);
    if (kind === 'fraud_caller') assert.match(plain.groups[msisdn], /^fraud_centre_\d+$/);
    if (kind === 'normal') assert.equal(plain.groups[msisdn], undefined);
  }
  for (const { msisdn, group } of groups)
    if (group.startsWith('simbox_farm_')) assert.equal(plain.kinds[msisdn], 'simbox');
});

test('the same seed writes the same files; another seed writes others', async () => {
  const again = await writeIndependentDataset({ seed: 42, subscribers: 800, days: 2, outDir: join(root, 'again') });
  assert.equal(again.cdrFiles.length, mixed.cdrFiles.length);
  mixed.cdrFiles.forEach((file, i) => {
    assert.ok(readFileSync(file).equals(readFileSync(again.cdrFiles[i])), `${file} is reproduced`);
  });
  assert.equal(readFileSync(again.truthFile, 'utf8'), readFileSync(mixed.truthFile, 'utf8'));
  assert.equal(readFileSync(again.cellsFile, 'utf8'), readFileSync(mixed.cellsFile, 'utf8'));
  const other = await writeIndependentDataset({ seed: 43, subscribers: 800, days: 1, outDir: join(root, 'other') });
  assert.notEqual(readFileSync(other.truthFile, 'utf8'), readFileSync(mixed.truthFile, 'utf8'));
});

test('a plain SIM-box SIM calls out only, from one site, through gateway modules, to many unrelated numbers', () => {
  const cells = new Map(readCsv(plain.cellsFile).map((c) => [c.cell_id, c]));
  const gatewayTacs = new Set(GATEWAY_TACS.map((g) => g.tac));
  const sims = Object.entries(plain.families)
    .filter(([, family]) => family === 'simbox_plain')
    .map(([msisdn]) => Number(msisdn.slice(1)));
  assert.ok(sims.length >= 8);
  for (const sim of sims) {
    const rows = plainParsed.rows.filter((r) => r.msisdn === sim);
    assert.ok(rows.length > 50, `SIM +${sim} is busy (${rows.length} rows)`);
    assert.ok(
      rows.every((r) => r.event === 'voice' && r.direction === 'out'),
      'no incoming call, no SMS, no data',
    );
    const answered = rows.filter((r) => r.answered).length / rows.length;
    assert.ok(answered >= 0.3 && answered <= 0.85, `answered share ${answered}`);
    const callees = new Set(rows.map((r) => r.otherParty));
    assert.ok(callees.size > rows.length * 0.8, 'hardly any callee twice');
    assert.ok(
      rows.every((r) => gatewayTacs.has(r.imei.slice(0, 8))),
      'IMEIs of gateway modules',
    );
    const places = rows.map((r) => cells.get(r.cellId));
    assert.ok(
      places.every((p) => p !== undefined),
      'cells are in cells.csv',
    );
    const lats = places.map((p) => Number(p!.lat));
    const lons = places.map((p) => Number(p!.lon));
    assert.ok(Math.max(...lats) - Math.min(...lats) < 0.01 && Math.max(...lons) - Math.min(...lons) < 0.01, 'one site');
    assert.ok(new Set(rows.map((r) => r.cellId)).size <= 2, 'one or two cells');
  }
  // The farm's SIMs take turns in its modules: an IMEI carries several SIMs over the days.
  const simsPerImei = new Map<string, Set<number>>();
  for (const r of plainParsed.rows)
    if (sims.includes(r.msisdn)) simsPerImei.set(r.imei, (simsPerImei.get(r.imei) ?? new Set()).add(r.msisdn));
  assert.ok([...simsPerImei.values()].some((s) => s.size > 1));
});

test('a call between two simulated subscribers appears in both operators’ files', () => {
  const served = new Set(plainParsed.rows.map((r) => r.msisdn));
  const key = (a: number, b: number, t: number) => `${a}>${b}@${t}`;
  const incoming = new Set(
    plainParsed.rows
      .filter((r) => r.event === 'voice' && r.direction === 'in')
      .map((r) => key(r.otherParty, r.msisdn, r.startedAt)),
  );
  const outgoing = plainParsed.rows.filter(
    (r) => r.event === 'voice' && r.direction === 'out' && served.has(r.otherParty),
  );
  assert.ok(outgoing.length > 1000);
  for (const r of outgoing) assert.ok(incoming.has(key(r.msisdn, r.otherParty, r.startedAt)));
  const onNet = plainParsed.rows.filter((r) => r.direction === 'in' && r.route === 'on-net');
  assert.ok(onNet.length > 0);
});

test('wangiri numbers ring subscribers from abroad, once and briefly', () => {
  const numbers = Object.entries(plain.families)
    .filter(([, family]) => family.startsWith('wangiri_'))
    .map(([msisdn]) => Number(msisdn.slice(1)));
  for (const number of numbers) {
    const rings = plainParsed.rows.filter((r) => r.otherParty === number && r.direction === 'in');
    assert.ok(rings.length >= 20, `wangiri +${number} rang ${rings.length} times`);
    assert.ok(rings.every((r) => r.route === 'international' && r.durationS <= 3));
  }
});

test('IoT SIMs use data and SMS only, on industrial modules', () => {
  const iot = new Set(
    Object.entries(plain.kinds)
      .filter(([, kind]) => kind === 'iot')
      .map(([msisdn]) => Number(msisdn.slice(1))),
  );
  const rows = plainParsed.rows.filter((r) => iot.has(r.msisdn));
  assert.ok(rows.length > 0);
  const voice = rows.filter((r) => r.event === 'voice').length;
  assert.ok(voice < rows.length * 0.02, 'almost no voice (alarm panels ring their owner now and then)');
});

test('generate CLI refuses bad flags with exit code 2', async () => {
  const write = process.stderr.write;
  process.stderr.write = () => true;
  try {
    assert.equal(await run(['--subscribers', 'many', '--days', '1', '--seed', '1', '--out', root]), 2);
    assert.equal(await run(['--subscribers', '800', '--days', '1', '--seed', '1']), 2);
    assert.equal(
      await run(['--subscribers', '800', '--days', '1', '--seed', '1', '--out', root, '--habits', 'odd']),
      2,
    );
    assert.equal(await run(['--frobnicate']), 2);
  } finally {
    process.stderr.write = write;
  }
});
