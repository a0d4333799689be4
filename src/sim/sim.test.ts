import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseCdrText } from '../cdr/reader.ts';
import { loadPlan } from '../numbering/plan.ts';
import { Random } from './random.ts';
import { FAMILIES, randomScenario, SCENARIOS } from './scenarios.ts';
import { simulate } from './simulate.ts';

const plan = loadPlan(new URL('../../data/numbering/kz.json', import.meta.url).pathname);
const HEADER =
  'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route';

interface Row {
  [column: string]: string;
}

function readDir(dir: string): { files: Record<string, string>; cdrs: Row[]; truth: Map<string, string> } {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) files[name] = readFileSync(join(dir, name), 'latin1');
  const cdrs: Row[] = [];
  for (const [name, text] of Object.entries(files)) {
    if (!name.startsWith('cdr-')) continue;
    const [header, ...lines] = text.trimEnd().split('\n');
    const columns = header.split(',');
    for (const line of lines) {
      const values = line.split(',');
      cdrs.push(Object.fromEntries(columns.map((c, i) => [c, values[i]])));
    }
  }
  const truth = new Map(
    files['truth.csv']
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',') as [string, string]),
  );
  return { files, cdrs, truth };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'callshield-sim-'));
  dirs.push(dir);
  return dir;
}

describe('simulator', () => {
  let baseline: ReturnType<typeof readDir>;
  let baselineDir: string;
  before(async () => {
    baselineDir = tempDir();
    await simulate({ plan, scenario: SCENARIOS.baseline, subscribers: 3000, days: 1, seed: 7, out: baselineDir });
    baseline = readDir(baselineDir);
  });
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('writes canonical CDR files per operator and the registries', () => {
    const names = Object.keys(baseline.files);
    for (const op of ['KCELL', 'BEELINE', 'TELE2', 'ALTEL']) assert.ok(names.includes(`cdr-${op}.csv`), op);
    for (const name of ['cells.csv', 'mnp.csv', 'roaming.csv', 'dno.csv', 'truth.csv', 'manifest.json'])
      assert.ok(names.includes(name), name);
    for (const name of names.filter((n) => n.startsWith('cdr-'))) {
      assert.equal(baseline.files[name].split('\n')[0], HEADER);
      const operator = name.slice(4, -4);
      for (const row of baseline.cdrs.filter((r) => r.operator === operator).slice(0, 500))
        assert.equal(Object.keys(row).length, 14);
    }
    assert.ok(baseline.cdrs.length > 3000 * 10, `only ${baseline.cdrs.length} rows`);
  });

  it('parses back with the project CDR parser without quarantine', () => {
    for (const name of Object.keys(baseline.files).filter((n) => n.startsWith('cdr-'))) {
      const parsed = parseCdrText(baseline.files[name], name, plan);
      assert.equal(parsed.bad, 0, `${name}: ${parsed.bad} rows quarantined`);
      assert.ok(parsed.rows > 0);
    }
  });

  it('has unique record ids per operator and values from the contract', () => {
    const ids = new Set<string>();
    for (const r of baseline.cdrs) {
      const key = `${r.operator}/${r.record_id}`;
      assert.ok(!ids.has(key), `duplicate ${key}`);
      ids.add(key);
      assert.ok(['voice', 'sms', 'data'].includes(r.event));
      assert.ok(['in', 'out'].includes(r.direction));
      assert.match(r.msisdn, /^\+7\d{10}$/);
      assert.match(r.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:00$/);
      if (r.event === 'voice' && r.direction === 'in')
        assert.ok(['international', 'domestic', 'on-net'].includes(r.route));
    }
  });

  it('writes both sides of every domestic call with the same start and duration', () => {
    const key = (a: string, b: string, r: Row) => `${a}>${b}@${r.started_at}/${r.duration_s}`;
    const ins = new Map<string, number>();
    for (const r of baseline.cdrs)
      if (r.event === 'voice' && r.direction === 'in' && r.route !== 'international') {
        const k = key(r.other_party, r.msisdn, r);
        ins.set(k, (ins.get(k) ?? 0) + 1);
      }
    let outs = 0;
    for (const r of baseline.cdrs) {
      if (r.event !== 'voice' || r.direction !== 'out' || !plan.isDomestic(plan.parse(r.other_party))) continue;
      if (baseline.truth.get(r.msisdn) === 'roamer') continue; // arrives over an international route
      outs++;
      const k = key(r.msisdn, r.other_party, r);
      const left = ins.get(k) ?? 0;
      assert.ok(left > 0, `no in record for ${k}`);
      ins.set(k, left - 1);
    }
    assert.ok(outs > 1000);
  });

  it('gives ordinary subscribers a few close contacts who call back', () => {
    const outgoing = new Map<string, Map<string, number>>();
    const callers = new Map<string, Set<string>>();
    for (const r of baseline.cdrs) {
      if (r.event !== 'voice') continue;
      if (r.direction === 'out') {
        const m = outgoing.get(r.msisdn) ?? new Map<string, number>();
        m.set(r.other_party, (m.get(r.other_party) ?? 0) + 1);
        outgoing.set(r.msisdn, m);
      } else {
        const s = callers.get(r.msisdn) ?? new Set<string>();
        s.add(r.other_party);
        callers.set(r.msisdn, s);
      }
    }
    let shareSum = 0;
    let counted = 0;
    let reciprocal = 0;
    let callees = 0;
    for (const [msisdn, calls] of outgoing) {
      if (baseline.truth.get(msisdn) !== 'normal') continue;
      const counts = [...calls.values()].sort((a, b) => b - a);
      const total = counts.reduce((a, b) => a + b, 0);
      if (total >= 10) {
        shareSum += counts.slice(0, 5).reduce((a, b) => a + b, 0) / total;
        counted++;
      }
      for (const callee of calls.keys()) {
        callees++;
        if (callers.get(msisdn)?.has(callee)) reciprocal++;
      }
    }
    assert.ok(counted > 50);
    assert.ok(shareSum / counted >= 0.65, `top-5 share ${shareSum / counted}`);
    assert.ok(reciprocal / callees > 0.25, `reciprocity ${reciprocal / callees}`);
  });

  it('makes SIM-box SIMs call out to many numbers from fixed cells, with no SMS or data', () => {
    const box = [...baseline.truth].filter(([, k]) => k === 'simbox').map(([m]) => m);
    assert.ok(box.length >= 16);
    let out = 0;
    let voice = 0;
    let other = 0;
    const cellsPerSim = new Map<string, Set<string>>();
    for (const r of baseline.cdrs) {
      if (baseline.truth.get(r.msisdn) !== 'simbox') continue;
      if (r.event === 'voice') {
        voice++;
        if (r.direction === 'out') out++;
      } else other++;
      const s = cellsPerSim.get(r.msisdn) ?? new Set<string>();
      s.add(r.cell_id);
      cellsPerSim.set(r.msisdn, s);
    }
    assert.ok(out / voice >= 0.9, `outgoing share ${out / voice}`);
    assert.equal(other, 0);
    for (const cells of cellsPerSim.values()) assert.equal(cells.size, 1);
  });

  it('ports a few percent of mobile numbers and lists them in mnp.csv', () => {
    const ported = baseline.files['mnp.csv'].trimEnd().split('\n').slice(1);
    const mobile = [...baseline.truth].filter(
      ([m, k]) => k === 'normal' && /^\+77[0-9][0-9]/.test(m) && !/^\+77[12]/.test(m),
    );
    const share = ported.length / mobile.length;
    assert.ok(share > 0.02 && share < 0.07, `ported share ${share}`);
    const servedBy = new Map(baseline.cdrs.map((r) => [r.msisdn, r.operator]));
    for (const line of ported.slice(0, 50)) {
      const [msisdn, operator] = line.split(',');
      if (servedBy.has(msisdn)) assert.equal(servedBy.get(msisdn), operator);
      assert.notEqual(plan.rangeOwner(plan.parse(msisdn)), operator);
    }
  });

  it('lists only fraud numbers that appear in the CDRs', () => {
    const served = new Set(baseline.cdrs.map((r) => r.msisdn));
    const international = new Set(baseline.cdrs.filter((r) => r.route === 'international').map((r) => r.other_party));
    const kinds = new Set(baseline.truth.values());
    for (const k of ['normal', 'simbox', 'fraud_caller', 'wangiri', 'spoofer', 'taxi', 'iot', 'probe'])
      assert.ok(kinds.has(k), k);
    for (const [msisdn, kind] of baseline.truth) {
      if (kind === 'simbox' || kind === 'fraud_caller') assert.ok(served.has(msisdn), `${kind} ${msisdn} never seen`);
      if (kind === 'wangiri' || kind === 'spoofer')
        assert.ok(international.has(msisdn), `${kind} ${msisdn} never seen`);
    }
  });

  it('is byte-identical for a seed and different for another', async () => {
    const again = tempDir();
    const other = tempDir();
    await simulate({ plan, scenario: SCENARIOS.baseline, subscribers: 3000, days: 1, seed: 7, out: again });
    await simulate({ plan, scenario: SCENARIOS.baseline, subscribers: 3000, days: 1, seed: 8, out: other });
    const a = readDir(again).files;
    for (const [name, text] of Object.entries(baseline.files)) assert.equal(a[name], text, name);
    assert.notEqual(readDir(other).files['cdr-KCELL.csv'], baseline.files['cdr-KCELL.csv']);
  });

  it('makes evasive SIM-boxes fake incoming calls, send SMS and rotate SIMs', async () => {
    const dir = tempDir();
    await simulate({ plan, scenario: SCENARIOS.evasive, subscribers: 2000, days: 2, seed: 3, out: dir });
    const evasive = readDir(dir);
    let out = 0;
    let voice = 0;
    let sms = 0;
    const days = new Map<string, Set<string>>();
    for (const r of evasive.cdrs) {
      if (evasive.truth.get(r.msisdn) !== 'simbox') continue;
      if (r.event === 'voice') {
        voice++;
        if (r.direction === 'out') out++;
      }
      if (r.event === 'sms') sms++;
      const s = days.get(r.msisdn) ?? new Set<string>();
      s.add(r.started_at.slice(0, 13));
      days.set(r.msisdn, s);
    }
    assert.ok(out / voice < 0.85, `evasive outgoing share ${out / voice}`);
    assert.ok(sms > 0);
    // Rotation: no SIM is on air for the whole two days.
    const hours = [...days.values()].map((s) => s.size);
    assert.ok(Math.max(...hours) < 40, `a SIM was active ${Math.max(...hours)} hours`);
  });
});

describe('randomised scenarios', () => {
  it('draw behaviour per family from the seed, and leave out the families not given', () => {
    assert.deepEqual(
      randomScenario(5, ['simbox-plain', 'centre-plain']),
      randomScenario(5, ['simbox-plain', 'centre-plain']),
    );
    const rotating = randomScenario(9, ['simbox-rotating']);
    assert.notEqual(rotating.simbox.variation?.rotation, 'none');
    assert.equal(rotating.fraudCentres.simsPerThousand, 0, 'no call-centre family given');
    const seen = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) seen.add(randomScenario(seed).name.replace(/^random-\d+/, ''));
    for (const family of FAMILIES)
      assert.ok(
        [...seen].some((name) => name.includes(family)),
        `${family} drawn`,
      );
  });

  it('simulate list-dialling call-centres and boxes rotating modules per call, with their labels', async () => {
    const dir = tempDir();
    const scenario = randomScenario(3, ['simbox-rotating', 'centre-plain']);
    scenario.simbox.variation = { ...scenario.simbox.variation!, rotation: 'per-call' };
    scenario.fraudCentres.variation = { ...scenario.fraudCentres.variation!, listDialling: true };
    await simulate({ plan, scenario, subscribers: 2000, days: 1, seed: 3, out: dir });
    const run = readDir(dir);
    const imeisOf = new Map<string, Set<string>>();
    const callees: number[] = [];
    for (const r of run.cdrs) {
      const kind = run.truth.get(r.msisdn);
      if (kind === 'simbox' && r.event === 'voice' && r.direction === 'out') {
        const set = imeisOf.get(r.msisdn) ?? new Set<string>();
        set.add(r.imei);
        imeisOf.set(r.msisdn, set);
      }
      if (kind === 'fraud_caller' && r.direction === 'out' && callees.length < 50) callees.push(Number(r.other_party));
    }
    assert.ok(Math.max(...[...imeisOf.values()].map((s) => s.size)) > 1, 'a SIM goes through several modules');
    const close = callees.slice(1).filter((c, k) => Math.abs(c - callees[k]) <= 100).length;
    assert.ok(close > callees.length / 4, `consecutive numbers dialled (${close} of ${callees.length})`);
  });
});

describe('Random', () => {
  it('repeats for a seed', () => {
    const a = new Random(42);
    const b = new Random(42);
    for (let i = 0; i < 100; i++) assert.equal(a.uint32(), b.uint32());
    assert.notEqual(new Random(43).uint32(), new Random(42).uint32());
  });

  it('draws Poisson counts with the asked mean', () => {
    const r = new Random(1);
    for (const mean of [0.3, 4, 80]) {
      let sum = 0;
      for (let i = 0; i < 20000; i++) sum += r.poisson(mean);
      assert.ok(Math.abs(sum / 20000 - mean) < mean * 0.05 + 0.02, `mean ${sum / 20000} for ${mean}`);
    }
  });
});
