import { CDR_COLUMNS } from '../cdr/parse.ts';

/**
 * A small, deterministic generator of canonical CDR text with known labels, independent of the
 * simulator: for unit tests, the benchmark when no simulator output is at hand, and a sanity
 * check of the models. Behaviours follow their textbook description, not any simulator's numbers.
 */

export interface SyntheticOptions {
  subscribers: number;
  days: number;
  seed: number;
  /** Rows per yielded text chunk. */
  chunkRows?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'normal' | 'taxi' | 'business_agent' | 'iot' | 'simbox' | 'fraud_caller' | 'wangiri';

interface Person {
  msisdn: number;
  kind: Kind;
  imsi: string;
  imei: string;
  cells: string[];
  contacts: number[];
  group: string;
}

const START = Date.UTC(2025, 2, 3, 0, 0, 0) - 5 * 3600_000;

function timestamp(ms: number): string {
  // Kazakhstan time, +05:00.
  return `${new Date(ms + 5 * 3600_000).toISOString().slice(0, 19)}+05:00`;
}

/** Generates the population and yields CSV text (header first) and finally the truth. */
export function* syntheticCdrs(options: SyntheticOptions): Generator<string, Map<string, string>> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const count = options.subscribers;
  const people: Person[] = [];
  const truth = new Map<string, string>();
  const cellCount = Math.max(20, Math.floor(count / 50));
  const cellName = (i: number) => `ALA-${i}`;
  const newNumber = (i: number) => 77010000000 + i * 7 + 1000000 * (i % 7);
  for (let i = 0; i < count; i++) {
    const r = random();
    const kind: Kind = r < 0.01 ? 'taxi' : r < 0.015 ? 'business_agent' : r < 0.03 ? 'iot' : 'normal';
    const home = Math.floor(random() * cellCount);
    people.push({
      msisdn: newNumber(i),
      kind,
      imsi: `4010${String(100000000 + i).padStart(11, '0')}`,
      imei: `35${String(1000000000000 + i).padStart(13, '0')}`,
      cells: [cellName(home), cellName((home + 1) % cellCount), cellName((home + 7) % cellCount)],
      contacts: [],
      group: '',
    });
  }
  // Fraud: SIM-boxes (16 SIMs on 4 IMEIs, one cell) and call-centres (12 SIMs, one cell).
  let next = count;
  const boxes = Math.max(1, Math.round(count / 2000));
  for (let b = 0; b < boxes; b++) {
    const cell = cellName(Math.floor(random() * cellCount));
    for (let s = 0; s < 16; s++) {
      people.push({
        msisdn: newNumber(next++),
        kind: 'simbox',
        imsi: `4010${String(900000000 + next).padStart(11, '0')}`,
        imei: `86${String(2000000000000 + b * 4 + (s % 4)).padStart(13, '0')}`,
        cells: [cell],
        contacts: [],
        group: `box${b}`,
      });
    }
  }
  const centres = Math.max(1, Math.round(count / 3000));
  for (let c = 0; c < centres; c++) {
    const cell = cellName(Math.floor(random() * cellCount));
    for (let s = 0; s < 12; s++) {
      people.push({
        msisdn: newNumber(next++),
        kind: 'fraud_caller',
        imsi: `4010${String(800000000 + next).padStart(11, '0')}`,
        imei: `35${String(3000000000000 + c * 12 + s).padStart(13, '0')}`,
        cells: [cell],
        contacts: [],
        group: `centre${c}`,
      });
    }
  }
  const ordinary = people.filter((p) => p.kind === 'normal');
  for (const p of people) {
    if (p.kind === 'normal' || p.kind === 'taxi' || p.kind === 'business_agent')
      for (let k = 0; k < 6; k++) p.contacts.push(pick(ordinary).msisdn);
    truth.set(`+${p.msisdn}`, p.kind);
  }
  const wangiri = Array.from({ length: Math.max(1, Math.round(count / 5000)) }, (_, i) => 88213000000 + i * 101);
  for (const w of wangiri) truth.set(`+${w}`, 'wangiri');

  const chunkRows = options.chunkRows ?? 20000;
  let lines: string[] = [CDR_COLUMNS.join(',')];
  let id = 0;
  const rows: [number, string][] = [];
  const emit = (
    p: Person,
    at: number,
    event: string,
    direction: string,
    other: string,
    duration: number,
    answered: string,
    bytes: string,
    route: string,
    cell: string,
  ) => {
    rows.push([
      at,
      `r${++id},KCELL,${event},${direction},+${p.msisdn},${other},${p.imsi},${p.imei},${cell},${timestamp(at)},${event === 'voice' ? duration : ''},${answered},${bytes},${route}`,
    ]);
  };
  const dayTime = (day: number, fromHour: number, toHour: number) =>
    START + day * 86_400_000 + (fromHour + random() * (toHour - fromHour)) * 3600_000;
  const randomCallee = () => `+${77050000000 + Math.floor(random() * 9_000_000)}`;
  const byNumber = new Map(people.map((p) => [p.msisdn, p]));
  for (let day = 0; day < options.days; day++) {
    for (const p of people) {
      switch (p.kind) {
        case 'normal': {
          const calls = Math.floor(random() * 8);
          for (let k = 0; k < calls; k++) {
            const callee = random() < 0.85 ? pick(p.contacts) : Number(randomCallee().slice(1));
            const answered = random() < 0.8;
            emit(
              p,
              dayTime(day, 8, 23),
              'voice',
              'out',
              `+${callee}`,
              answered ? 20 + Math.floor(random() * 300) : 0,
              answered ? '1' : '0',
              '',
              '',
              pick(p.cells),
            );
            const peer = byNumber.get(callee);
            if (peer)
              emit(peer, dayTime(day, 8, 23), 'voice', 'in', `+${p.msisdn}`, 60, '1', '', 'on-net', pick(peer.cells));
          }
          for (let k = 0; k < 2; k++)
            emit(p, dayTime(day, 8, 23), 'sms', 'out', `+${pick(p.contacts)}`, 0, '', '', '', pick(p.cells));
          for (let k = 0; k < 4; k++)
            emit(
              p,
              dayTime(day, 0, 24),
              'data',
              'out',
              '',
              0,
              '',
              String(10000 + Math.floor(random() * 1e6)),
              '',
              pick(p.cells),
            );
          break;
        }
        case 'taxi': {
          for (let k = 0; k < 40; k++) {
            const customer = randomCallee();
            const at = dayTime(day, 7, 23);
            const cell = cellName(Math.floor(random() * cellCount));
            emit(p, at, 'voice', 'in', customer, 30, '1', '', 'domestic', cell);
            emit(p, at + 300_000, 'voice', 'out', customer, 5 + Math.floor(random() * 40), '1', '', '', cell);
          }
          for (let k = 0; k < 10; k++)
            emit(p, dayTime(day, 0, 24), 'data', 'out', '', 0, '', '500000', '', pick(p.cells));
          break;
        }
        case 'business_agent': {
          for (let k = 0; k < 60; k++)
            emit(
              p,
              dayTime(day, 9, 18),
              'voice',
              'out',
              randomCallee(),
              30 + Math.floor(random() * 200),
              '1',
              '',
              '',
              p.cells[0],
            );
          for (let k = 0; k < 25; k++)
            emit(p, dayTime(day, 9, 18), 'voice', 'in', randomCallee(), 90, '1', '', 'domestic', p.cells[0]);
          for (let k = 0; k < 5; k++) emit(p, dayTime(day, 9, 18), 'data', 'out', '', 0, '', '100000', '', p.cells[0]);
          break;
        }
        case 'iot': {
          for (let k = 0; k < 24; k++)
            emit(p, START + day * 86_400_000 + k * 3600_000, 'data', 'out', '', 0, '', '2048', '', p.cells[0]);
          break;
        }
        case 'simbox': {
          for (let k = 0; k < 90; k++) {
            const answered = random() < 0.75;
            emit(
              p,
              dayTime(day, 8, 24),
              'voice',
              'out',
              randomCallee(),
              answered ? 30 + Math.floor(random() * 240) : 0,
              answered ? '1' : '0',
              '',
              '',
              p.cells[0],
            );
          }
          break;
        }
        case 'fraud_caller': {
          for (let k = 0; k < 140; k++) {
            const answered = random() < 0.45;
            emit(
              p,
              dayTime(day, 9, 21),
              'voice',
              'out',
              randomCallee(),
              answered ? 2 + Math.floor(random() * 25) : 0,
              answered ? '1' : '0',
              '',
              '',
              p.cells[0],
            );
          }
          break;
        }
        default:
          break;
      }
    }
    for (const w of wangiri) {
      for (let k = 0; k < 300; k++) {
        const victim = pick(ordinary);
        emit(victim, dayTime(day, 0, 5), 'voice', 'in', `+${w}`, 0, '0', '', 'international', pick(victim.cells));
      }
    }
    rows.sort((a, b) => a[0] - b[0]);
    for (const [, line] of rows) {
      lines.push(line);
      if (lines.length >= chunkRows) {
        yield `${lines.join('\n')}\n`;
        lines = [];
      }
    }
    rows.length = 0;
  }
  if (lines.length > 0) yield `${lines.join('\n')}\n`;
  return truth;
}

/** Writes a synthetic CDR file and its truth.csv (msisdn,kind). Returns the number of rows. */
export async function writeSynthetic(cdrPath: string, truthPath: string, options: SyntheticOptions): Promise<number> {
  const { createWriteStream, writeFileSync } = await import('node:fs');
  const out = createWriteStream(cdrPath);
  const generator = syntheticCdrs(options);
  let rows = 0;
  for (;;) {
    const step = generator.next();
    if (step.done) {
      writeFileSync(truthPath, `msisdn,kind,group\n${[...step.value].map(([m, k]) => `${m},${k},`).join('\n')}\n`);
      break;
    }
    rows += step.value.split('\n').length - 1;
    if (!out.write(step.value)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return rows - 1;
}
