/**
 * An independent CDR generator, written from textbook descriptions of each behaviour, used only
 * to evaluate detection honestly: nothing is ever trained on its output (see README.md).
 *
 * Rows are generated one day at a time, sorted by time per operator and streamed to that
 * operator's files in its own habits, so memory is bounded by one day of traffic.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';
import {
  BusinessCentre,
  CENTRE_SPECS,
  Couriers,
  FARM_SPECS,
  FraudCentre,
  GATEWAY_SIZES,
  IotFleet,
  OrdinaryPeople,
  ProbePair,
  Roamers,
  SimboxFarm,
  TaxiDispatch,
  Wangiri,
} from './behaviours.ts';
import { drawHabits, EVENT_DATA, type OperatorHabits, PLAIN_HABITS, RowFormatter, type TextSink } from './habits.ts';
import { type Behaviour, dayStart, Emitter, type Kind, Population } from './population.ts';
import { Rng } from './rng.ts';
import { Network, OPERATORS, type OperatorId, REGIONS } from './world.ts';

export type HabitsOption = 'plain' | 'mixed' | Partial<Record<OperatorId, Partial<OperatorHabits>>>;

export interface IndependentDatasetOptions {
  seed: number;
  /** Simulated subscribers (SIMs of every kind; wangiri numbers come on top). At least 500. */
  subscribers: number;
  days: number;
  outDir: string;
  /**
   * Operators' habits: 'mixed' (default) draws each operator's habits from the seed, 'plain'
   * writes canonical CSV everywhere, an object gives per-operator overrides of the plain habits.
   */
  habits?: HabitsOption;
  /** Called after each day is written. */
  onProgress?: (progress: { day: number; days: number; rows: number }) => void;
}

export interface IndependentDataset {
  cdrFiles: string[];
  cellsFile: string;
  truthFile: string;
  /** msisdn → behaviour family, for every subscriber and wangiri number. */
  families: Record<string, string>;
  /** msisdn → kind, as in truth.csv. */
  kinds: Record<string, Kind>;
  /** msisdn → the farm, centre, company or fleet of the SIM (as in groups.csv); individuals absent. */
  groups: Record<string, string>;
  groupsFile: string;
  /** Good rows written (re-sent copies not counted). */
  rows: number;
  /** Re-sent copies of good rows (same record_id). */
  duplicates: number;
  /** Deliberately malformed rows (each refused by the contract's validation). */
  malformed: number;
  habits: Record<OperatorId, OperatorHabits>;
}

export const MIN_SUBSCRIBERS = 500;

function resolveHabits(seed: number, option: HabitsOption | undefined): OperatorHabits[] {
  return OPERATORS.map((id, op) => {
    if (option === 'plain') return { ...PLAIN_HABITS };
    if (option === undefined || option === 'mixed') return drawHabits(seed, op);
    return { ...PLAIN_HABITS, ...option[id] };
  });
}

interface World {
  population: Population;
  behaviours: Behaviour[];
  wangiri: Wangiri[];
}

/** Sizes of every group, planned before anything is built so that ordinary people fill the rest. */
function buildWorld(seed: number, subscribers: number, days: number): World {
  const rng = new Rng(seed, 0x100);
  const network = new Network(new Rng(seed, 0x101), subscribers);
  const population = new Population(network);
  const n = subscribers;

  const farms: { spec: (typeof FARM_SPECS)[number]; gateways: number; slots: number; banks: number }[] = [];
  let remaining = Math.max(72, Math.round(0.02 * n));
  for (let i = 0; i < FARM_SPECS.length || remaining >= 8; i++) {
    const spec = FARM_SPECS[i % FARM_SPECS.length];
    const banks = rng.intIn(spec.banks[0], spec.banks[1]);
    // Room is kept for the smallest farm of each family not yet built.
    const reserve = FARM_SPECS.slice(i + 1).reduce((sum, f) => sum + 8 * f.banks[0], 0);
    const room = remaining - reserve;
    const sizes = GATEWAY_SIZES.filter((s) => s * banks <= Math.max(8 * banks, room));
    const slots = rng.pick(sizes);
    let gateways = 1;
    while (gateways < 3 && slots * banks * (gateways + 1) <= room && rng.chance(0.35)) gateways++;
    farms.push({ spec, gateways, slots, banks });
    remaining -= gateways * slots * banks;
  }

  const centres: { spec: (typeof CENTRE_SPECS)[number]; size: number; pool: number }[] = [];
  remaining = Math.max(30, Math.round(0.012 * n));
  for (let i = 0; i < CENTRE_SPECS.length || remaining >= 5; i++) {
    const spec = CENTRE_SPECS[i % CENTRE_SPECS.length];
    const perSim = spec.burners ? Math.max(1, Math.ceil(days / 2)) : 1;
    const size = Math.max(5, Math.min(rng.intIn(spec.size[0], spec.size[1]), Math.floor(remaining / perSim)));
    centres.push({ spec, size, pool: size * perSim });
    remaining -= size * perSim;
  }

  const scaled = (share: number, min: number, max: number) => Math.max(min, Math.min(max, Math.round(share * n)));
  const taxis = Array.from({ length: Math.max(2, Math.round(n / 2500)) }, (_, i) => ({
    family: i % 2 === 0 ? 'legit_taxi' : 'legit_taxi_gateway',
    size: rng.intIn(2, 5),
  }));
  const couriers = scaled(0.004, 4, 400);
  const businesses = Array.from({ length: Math.max(2, Math.round(n / 1500)) }, (_, i) => ({
    family: i % 2 === 0 ? 'legit_business_cc' : 'legit_business_helpdesk',
    size: rng.intIn(8, scaled(0.003, 10, 30)),
  }));
  const iotFamilies = ['legit_iot_meter', 'legit_iot_tracker', 'legit_iot_alarm'];
  const fleets = Array.from({ length: Math.max(3, Math.round(n / 700)) }, (_, i) => ({
    family: iotFamilies[i % 3],
    size: rng.intIn(5, scaled(0.003, 8, 30)),
  }));
  const probes = Math.max(2, Math.round(n / 2500));
  const roamers = scaled(0.006, 4, 600);

  const planned =
    farms.reduce((s, f) => s + f.gateways * f.slots * f.banks, 0) +
    centres.reduce((s, c) => s + c.pool, 0) +
    taxis.reduce((s, t) => s + t.size, 0) +
    couriers +
    businesses.reduce((s, b) => s + b.size, 0) +
    fleets.reduce((s, f) => s + f.size, 0) +
    probes * 2 +
    roamers;
  const normals = n - planned;
  if (normals < 0.3 * n) throw new RangeError(`subscribers must be at least ${MIN_SUBSCRIBERS}`);

  const people = new OrdinaryPeople(seed, population, normals, days);
  const behaviours: Behaviour[] = [people];
  farms.forEach((f, i) => {
    behaviours.push(new SimboxFarm(seed, i, population, f.spec, f.gateways, f.slots, f.banks));
  });
  centres.forEach((c, i) => {
    behaviours.push(new FraudCentre(seed, i, population, c.spec, c.size, days));
  });
  taxis.forEach((t, i) => {
    behaviours.push(new TaxiDispatch(seed, i, population, t.family, t.size));
  });
  behaviours.push(new Couriers(seed, population, couriers));
  businesses.forEach((b, i) => {
    behaviours.push(new BusinessCentre(seed, i, population, b.family, b.size));
  });
  fleets.forEach((f, i) => {
    behaviours.push(new IotFleet(seed, i, population, f.family, f.size));
  });
  for (let i = 0; i < probes; i++)
    behaviours.push(new ProbePair(seed, i, population, i % 2 === 0 ? 'legit_probe' : 'legit_probe_interconnect'));
  behaviours.push(new Roamers(seed, population, roamers, days));
  const wangiriFamilies = ['wangiri_burst', 'wangiri_sequential', 'wangiri_slow'];
  const wangiri: Wangiri[] = [];
  for (let i = 0; i < Math.max(3, Math.round(n / 2500)); i++) {
    const w = new Wangiri(seed, i, population, wangiriFamilies[i % 3], days);
    wangiri.push(w);
    behaviours.push(w);
  }
  return { population, behaviours, wangiri };
}

const FLUSH_AT = 1 << 20;
/** Rows of one operator-day are fewer than this; times within a day fit in 27 bits. */
const INDEX_SPACE = 1 << 24;

/**
 * A file written through an optional gzip stream. Lines are written byte by byte into a reused
 * buffer (all text here is ASCII), so no line string is ever kept alive or flattened.
 */
class ByteSink implements TextSink {
  readonly path: string;
  private readonly file: WriteStream;
  private readonly gzip: Gzip | null;
  private buffer: Buffer = Buffer.allocUnsafe(FLUSH_AT + (1 << 16));
  private position = 0;
  private lineStart = 0;
  private readonly spare: Buffer[] = [];

  constructor(path: string, gzip: boolean) {
    this.path = path;
    this.file = createWriteStream(path);
    this.gzip = gzip ? createGzip({ level: 1, chunkSize: 1 << 18 }) : null;
    if (this.gzip) this.gzip.pipe(this.file);
  }

  text(s: string): void {
    const buffer = this.buffer;
    let p = this.position;
    for (let i = 0; i < s.length; i++) buffer[p++] = s.charCodeAt(i);
    this.position = p;
  }

  prefix(s: string, length: number): void {
    const buffer = this.buffer;
    let p = this.position;
    for (let i = 0; i < length; i++) buffer[p++] = s.charCodeAt(i);
    this.position = p;
  }

  int(n: number, width: number): void {
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    const length = Math.max(digits, width);
    const buffer = this.buffer;
    let p = this.position + length - 1;
    let v = n;
    for (let i = 0; i < length; i++) {
      buffer[p--] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    this.position += length;
  }

  /** Adds whole lines of bytes; true when the buffer is full and should be flushed. */
  bytes(b: Uint8Array): boolean {
    this.buffer.set(b, this.position);
    this.position += b.length;
    this.lineStart = this.position;
    return this.position >= FLUSH_AT;
  }

  /** Ends a line; true when the buffer is full and should be flushed. */
  endLine(): boolean {
    this.buffer[this.position++] = 10;
    this.lineStart = this.position;
    return this.position >= FLUSH_AT;
  }

  line(s: string): boolean {
    this.text(s);
    return this.endLine();
  }

  /** A copy of the last full line, newline included. */
  lastLine(): Uint8Array {
    let start = this.lineStart - 1;
    while (start > 0 && this.buffer[start - 1] !== 10) start--;
    return Uint8Array.prototype.slice.call(this.buffer, start, this.lineStart);
  }

  async flush(): Promise<void> {
    if (this.position === 0) return;
    const full = this.buffer;
    const chunk = full.subarray(0, this.position);
    // Buffers come back to the pool once the stream has consumed them.
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafe(FLUSH_AT + (1 << 16));
    this.position = 0;
    this.lineStart = 0;
    const target = this.gzip ?? this.file;
    if (!target.write(chunk, () => this.spare.push(full))) await once(target, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    const finished = once(this.file, 'close');
    if (this.gzip) this.gzip.end();
    else this.file.end();
    await finished;
  }
}

function localDate(day: number): string {
  return new Date(dayStart(day) + 5 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * Writes an independent CDR data set: `cdr/<OPERATOR>/…` files in each operator's habits,
 * `cells.csv` (cell_id,lat,lon,region), `truth.csv` (msisdn,kind,family), `groups.csv`
 * (msisdn,group: which SIMs form one farm, centre, company or fleet) and `manifest.json`
 * (seed, counts, each operator's habits).
 * Deterministic by seed; memory bounded by one day of traffic.
 */
export async function writeIndependentDataset(options: IndependentDatasetOptions): Promise<IndependentDataset> {
  const { seed, subscribers, days, outDir } = options;
  if (!Number.isInteger(subscribers) || subscribers < MIN_SUBSCRIBERS)
    throw new RangeError(`subscribers must be an integer of at least ${MIN_SUBSCRIBERS}`);
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a positive integer');
  const habits = resolveHabits(seed, options.habits);
  const world = buildWorld(seed, subscribers, days);
  const { population } = world;
  const network = population.network;
  const formatters = habits.map((h, op) => new RowFormatter(h, op, network, seed));
  mkdirSync(outDir, { recursive: true });
  // CDRs under cdr/ only, so that a reader given that directory finds nothing but CDR files.
  const cdrDir = join(outDir, 'cdr');
  for (const id of OPERATORS) mkdirSync(join(cdrDir, id), { recursive: true });

  const cdrFiles: string[] = [];
  const emitter = new Emitter(population);
  const pending: Uint8Array[][] = OPERATORS.map(() => []);
  let keys = new Float64Array(1 << 16);
  const closing: Promise<void>[] = [];
  let closedBefore = 0;
  let rows = 0;
  let duplicates = 0;
  for (let day = 0; day < days; day++) {
    emitter.clear();
    for (const behaviour of world.behaviours) behaviour.day(day, emitter);
    for (let op = 0; op < OPERATORS.length; op++) {
      const formatter = formatters[op];
      const h = formatter.habits;
      const extension = `${h.format === 'csv' ? 'csv' : 'jsonl'}${h.gzip ? '.gz' : ''}`;
      const base = join(cdrDir, OPERATORS[op], `${OPERATORS[op].toLowerCase()}_cdr_${localDate(day)}`);
      const main = new ByteSink(h.splitData ? `${base}_voice_sms.${extension}` : `${base}.${extension}`, h.gzip);
      const data = h.splitData ? new ByteSink(`${base}_data.${extension}`, h.gzip) : main;
      const sinks = main === data ? [main] : [main, data];
      if (h.format === 'csv') for (const sink of sinks) sink.line(formatter.header);
      // Records the mediation re-sends: yesterday's, at the head of today's file.
      for (const line of pending[op]) if (main.bytes(line)) await main.flush();
      duplicates += pending[op].length;
      pending[op] = [];
      // Sorted by time through one typed array of (time within the day, index) keys.
      const list = emitter.rows[op];
      if (keys.length < list.length) keys = new Float64Array(list.length * 2);
      const from = dayStart(day);
      for (let i = 0; i < list.length; i++)
        keys[i] = Math.min(Math.max(0, list[i].t - from), 2 ** 28) * INDEX_SPACE + i;
      const sorted = keys.subarray(0, list.length).sort();
      for (let k = 0; k < sorted.length; k++) {
        const row = list[sorted[k] % INDEX_SPACE];
        const sink = row.event === EVENT_DATA ? data : main;
        formatter.write(row, sink);
        let full = sink.endLine();
        rows++;
        if (formatter.resend()) pending[op].push(sink.lastLine());
        const bad = formatter.maybeMalformed(row);
        if (bad !== null) full = sink.line(bad);
        if (full) await sink.flush();
      }
      if (day === days - 1) {
        for (const line of pending[op]) if (main.bytes(line)) await main.flush();
        duplicates += pending[op].length;
        pending[op] = [];
      }
      // Closed without waiting: compression of one file overlaps the writing of the next.
      for (const sink of sinks) {
        closing.push(sink.close());
        cdrFiles.push(sink.path);
      }
    }
    // Yesterday's files are done before today's are written: at most two days in flight.
    await Promise.all(closing.splice(0, closedBefore));
    closedBefore = closing.length;
    options.onProgress?.({ day: day + 1, days, rows });
  }
  await Promise.all(closing);

  const cellsFile = join(outDir, 'cells.csv');
  const cells = new ByteSink(cellsFile, false);
  cells.line('cell_id,lat,lon,region');
  for (let index = 0; index < network.cells.length; index++) {
    const cell = network.cells[index];
    const site = network.sites[cell.site];
    const angle = (cell.sector * 2 * Math.PI) / 3;
    const lat = (site.lat + 0.002 * Math.cos(angle)).toFixed(5);
    const lon = (site.lon + 0.003 * Math.sin(angle)).toFixed(5);
    if (cells.line(`${formatters[cell.operator].cellId(index)},${lat},${lon},${REGIONS[site.region].name}`))
      await cells.flush();
  }
  await cells.close();

  const truthFile = join(outDir, 'truth.csv');
  const truth = new ByteSink(truthFile, false);
  const families: Record<string, string> = {};
  const kinds: Record<string, Kind> = {};
  truth.line('msisdn,kind,family');
  for (const sim of population.sims) {
    families[sim.msisdn] = sim.family;
    kinds[sim.msisdn] = sim.kind;
    if (truth.line(`${sim.msisdn},${sim.kind},${sim.family}`)) await truth.flush();
  }
  for (const w of world.wangiri) {
    families[w.number] = w.family;
    kinds[w.number] = 'wangiri';
    truth.line(`${w.number},wangiri,${w.family}`);
  }
  await truth.close();

  const groupsFile = join(outDir, 'groups.csv');
  const groupSink = new ByteSink(groupsFile, false);
  const groups: Record<string, string> = {};
  groupSink.line('msisdn,group');
  for (const sim of population.sims) {
    if (sim.group === '') continue;
    groups[sim.msisdn] = sim.group;
    if (groupSink.line(`${sim.msisdn},${sim.group}`)) await groupSink.flush();
  }
  await groupSink.close();

  const malformed = formatters.reduce((s, f) => s + f.malformed, 0);
  const habitsById = Object.fromEntries(OPERATORS.map((id, op) => [id, habits[op]])) as Record<
    OperatorId,
    OperatorHabits
  >;
  const familyCounts: Record<string, number> = {};
  for (const family of Object.values(families)) familyCounts[family] = (familyCounts[family] ?? 0) + 1;
  const manifest = { generator: 'callshield independent', seed, subscribers, days, rows, duplicates, malformed };
  writeFileSync(
    join(outDir, 'manifest.json'),
    `${JSON.stringify({ ...manifest, families: familyCounts, habits: habitsById }, null, 2)}\n`,
  );
  return {
    cdrFiles,
    cellsFile,
    truthFile,
    families,
    kinds,
    groups,
    groupsFile,
    rows,
    duplicates,
    malformed,
    habits: habitsById,
  };
}
