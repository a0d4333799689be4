/**
 * Runs a simulation to a directory: per-operator CDR files streamed hour by hour, then the
 * registries (cells, MNP, roaming, DNO), the citizen reports, the ground truth and a manifest.
 * The output depends only on (plan, scenario, subscribers, days, seed, start date).
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NumberingPlan } from '../numbering/plan.ts';
import { bankIncidents } from './banks.ts';
import { COUNTRIES } from './geography.ts';
import type { ChunkedOutput } from './output.ts';
import {
  buildPopulation,
  KIND_FRAUD_CALLER,
  KIND_NAMES,
  KIND_NORMAL,
  KIND_ROAMER,
  KIND_SIMBOX,
  type Population,
} from './population.ts';
import { Random } from './random.ts';
import type { Scenario } from './scenarios.ts';
import { CDR_HEADER, TrafficGenerator, UTC_OFFSET } from './traffic.ts';

export interface SimulationOptions {
  plan: NumberingPlan;
  scenario: Scenario;
  subscribers: number;
  days: number;
  seed: number;
  /** First day, "YYYY-MM-DD" in local time (a Monday by default). */
  startDate?: string;
  out: string;
  /** Called after every simulated hour with the progress so far. */
  onProgress?: (progress: SimulationProgress) => void;
}

export interface SimulationProgress {
  hoursDone: number;
  hours: number;
  rows: number;
}

export interface SimulationSummary {
  scenario: string;
  seed: number;
  subscribers: number;
  days: number;
  startDate: string;
  population: number;
  rows: number;
  rowsByOperator: Record<string, number>;
  truthByKind: Record<string, number>;
  files: string[];
}

export const DEFAULT_START_DATE = '2025-03-03';
/** Subscribers per generation block: between blocks the writer may wait for the disk. */
const BLOCK = 4096;

/** Simulates and writes everything to `options.out`; resolves with a summary (also in manifest.json). */
export async function simulate(options: SimulationOptions): Promise<SimulationSummary> {
  const { plan, scenario, subscribers, days, seed, out } = options;
  const startDate = options.startDate ?? DEFAULT_START_DATE;
  mkdirSync(out, { recursive: true });
  const root = new Random(seed);
  // Separate streams: changing how traffic is drawn never reshuffles who the subscribers are.
  const population = buildPopulation(plan, scenario, subscribers, days, root.fork(1));
  const traffic = new TrafficGenerator({ population, scenario, random: root.fork(2), startDate, days });
  const operators = population.operators;
  const cdrFiles = operators.map((id) => `cdr-${id}.csv`);
  const streams = cdrFiles.map((name) => {
    const stream = createWriteStream(join(out, name), { highWaterMark: 4 << 20 });
    stream.write(CDR_HEADER);
    return stream;
  });

  const hours = days * 24;
  for (let hour = 0; hour < hours; hour++) {
    traffic.beginHour(hour);
    for (let from = 0; from < population.size; from += BLOCK) {
      traffic.runSubscribers(from, Math.min(population.size, from + BLOCK));
      await flush(traffic.output, streams, false);
    }
    traffic.runFromAbroad();
    await flush(traffic.output, streams, false);
    options.onProgress?.({ hoursDone: hour + 1, hours, rows: traffic.rows });
  }
  await flush(traffic.output, streams, true);
  await Promise.all(streams.map(closeStream));

  const files = [...cdrFiles];
  const write = (name: string, text: string) => {
    writeFileSync(join(out, name), text);
    files.push(name);
  };
  write('cells.csv', cellsCsv(population));
  write('mnp.csv', mnpCsv(population));
  write('roaming.csv', roamingCsv(population, startDate, days));
  write('dno.csv', `number,reason\n${population.dno.map((d) => `${d.number},${d.reason}\n`).join('')}`);
  write('reports.jsonl', traffic.reports.map((r) => `${JSON.stringify(r)}\n`).join(''));
  write(
    'incidents.jsonl',
    bankIncidents(traffic.hooked, seed)
      .map((i) => `${JSON.stringify(i)}\n`)
      .join(''),
  );
  const truth = truthRows(population, traffic);
  write('truth.csv', `msisdn,kind,group\n${truth.map((t) => `${t.msisdn},${t.kind},${t.group}\n`).join('')}`);

  const truthByKind: Record<string, number> = {};
  for (const t of truth) truthByKind[t.kind] = (truthByKind[t.kind] ?? 0) + 1;
  const rowsByOperator: Record<string, number> = {};
  operators.forEach((id, op) => {
    rowsByOperator[id] = traffic.counters[op] - 1;
  });
  const summary: SimulationSummary = {
    scenario: scenario.name,
    seed,
    subscribers,
    days,
    startDate,
    population: population.size,
    rows: traffic.rows,
    rowsByOperator,
    truthByKind,
    files: [...files, 'manifest.json'],
  };
  write('manifest.json', `${JSON.stringify({ ...summary, scenarioSettings: scenario }, null, 2)}\n`);
  return summary;
}

/** Writes the chunks that are ready (all of them with `all`); waits while a stream's buffer is full. */
async function flush(output: ChunkedOutput, streams: WriteStream[], all: boolean): Promise<void> {
  for (let op = 0; op < streams.length; op++) {
    for (const chunk of output.take(op, all)) {
      if (!streams[op].write(chunk)) await once(streams[op], 'drain');
    }
  }
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((error?: Error | null) => (error ? reject(error) : resolve()));
  });
}

function cellsCsv(population: Population): string {
  const c = population.cells;
  let text = 'cell_id,lat,lon,region\n';
  for (let i = 0; i < c.id.length; i++) text += `${c.id[i]},${c.lat[i]},${c.lon[i]},${c.region[i]}\n`;
  return text;
}

function mnpCsv(population: Population): string {
  const p = population;
  let text = 'msisdn,operator\n';
  for (let i = 0; i < p.size; i++) {
    if (p.operator[i] !== p.rangeOperator[i]) text += `${p.msisdn[i]},${p.operators[p.operator[i]]}\n`;
  }
  return text;
}

/** Roamers left before the simulation and come back after it (the home operator's registration). */
function roamingCsv(population: Population, startDate: string, days: number): string {
  const p = population;
  const [y, m, d] = startDate.split('-').map(Number);
  const day = (offset: number) => new Date(Date.UTC(y, m - 1, d + offset)).toISOString().slice(0, 10);
  let text = 'msisdn,visitedCountry,since,until\n';
  for (let i = 0; i < p.socialCount; i++) {
    if (p.kind[i] !== KIND_ROAMER) continue;
    const left = 1 + (i % 9);
    const back = days + 1 + (i % 13);
    text += `${p.msisdn[i]},${COUNTRIES[p.unit[i]].iso},${day(-left)}T08:00:00${UTC_OFFSET},${day(back)}T20:00:00${UTC_OFFSET}\n`;
  }
  return text;
}

interface TruthRow {
  msisdn: string;
  kind: string;
  group: string;
}

/**
 * Ground truth, one row per number. Fraud SIMs that never got on air (a rotation slot that fell
 * after the end) are left out, so every fraud row can be found in the CDRs. Spoofed numbers and
 * wangiri sources are listed when used; real subscribers whose numbers were spoofed keep their kind.
 */
function truthRows(population: Population, traffic: TrafficGenerator): TruthRow[] {
  const p = population;
  const rows: TruthRow[] = [];
  for (let i = 0; i < p.size; i++) {
    const kind = p.kind[i];
    const fraud = kind === KIND_SIMBOX || kind === KIND_FRAUD_CALLER;
    if (fraud && traffic.seen[i] === 0) continue;
    rows.push({
      msisdn: p.msisdn[i],
      kind: KIND_NAMES[kind],
      group: kind === KIND_NORMAL || p.group[i] < 0 ? '' : p.groups[p.group[i]].name,
    });
  }
  p.spoofNumbers.forEach((number, k) => {
    if (traffic.spoofUsed[k] === 1)
      rows.push({ msisdn: number, kind: 'spoofer', group: p.spoofCentres[p.spoofGroup[k]].name });
  });
  p.wangiriSources.forEach((number, k) => {
    if (traffic.wangiriUsed[k] === 1) rows.push({ msisdn: number, kind: 'wangiri', group: `wangiri-${k + 1}` });
  });
  return rows;
}
