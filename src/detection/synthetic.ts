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

type Kind =
  | 'normal'
  | 'taxi'
  | 'courier'
  | 'business_agent'
  | 'business_outbound'
  | 'iot'
  | 'probe'
  | 'simbox'
  | 'fraud_caller'
  | 'wangiri';

/** How a fraud group behaves (each written from its textbook description). */
type Variant = '' | 'box-textbook' | 'box-slots' | 'box-evasive' | 'centre-list' | 'centre-random';

interface Person {
  msisdn: number;
  kind: Kind;
  variant: Variant;
  imsi: string;
  /** IMEI on each day (one entry: the same every day). */
  imeis: string[];
  cells: string[];
  contacts: number[];
  /** Other SIMs of the same box or centre. */
  siblings: number[];
  /** The only day the SIM is on air (-1: every day). */
  day: number;
}

const START = Date.UTC(2025, 2, 3, 0, 0, 0) - 5 * 3600_000;

function timestamp(ms: number): string {
  // Kazakhstan time, +05:00.
  return `${new Date(ms + 5 * 3600_000).toISOString().slice(0, 19)}+05:00`;
}

/** IMEI: TAC + 6-digit serial + Luhn check digit. */
function imeiOf(tac: string, serial: number): string {
  const body = tac + String(serial % 1_000_000).padStart(6, '0');
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    let d = body.charCodeAt(i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

// TACs: handsets of common makes, GSM gateway modules (one of them also in data/tac, others not),
// IoT modules and test probes. Shapes of real allocations, not claims about real models.
const HANDSET = ['35391811', '35209911', '86754303', '35876410'];
const GATEWAY_UNLISTED = ['86452810', '86107702'];
const GATEWAY_LISTED = '86291804';
const IOT_MODULE = '86922005';
const PROBE_UNIT = '35716509';

/** Generates the population and yields CSV text (header first) and finally the truth. */
export function* syntheticCdrs(options: SyntheticOptions): Generator<string, Map<string, string>> {
  const random = mulberry32(options.seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const lengthAround = (median: number) =>
    Math.max(1, Math.round(median * Math.exp(0.8 * (random() + random() + random() - 1.5))));
  const count = options.subscribers;
  const days = options.days;
  const people: Person[] = [];
  const truth = new Map<string, string>();
  const cellCount = Math.max(20, Math.floor(count / 50));
  const cellName = (i: number) => `ALA-${i}`;
  const newNumber = (i: number) => 77010000000 + i * 7 + 1000000 * (i % 7);
  let serial = 0;
  const add = (kind: Kind, variant: Variant, imeis: string[], cells: string[], day = -1): Person => {
    const i = people.length;
    const person: Person = {
      msisdn: newNumber(i),
      kind,
      variant,
      imsi: `40102${String(1000000000 + i).padStart(10, '0')}`,
      imeis,
      cells,
      contacts: [],
      siblings: [],
      day,
    };
    people.push(person);
    return person;
  };
  for (let i = 0; i < count; i++) {
    const r = random();
    const kind: Kind =
      r < 0.008
        ? 'taxi'
        : r < 0.014
          ? 'courier'
          : r < 0.019
            ? 'business_agent'
            : r < 0.024
              ? 'business_outbound'
              : r < 0.04
                ? 'iot'
                : 'normal';
    const home = Math.floor(random() * cellCount);
    const tac = kind === 'iot' ? IOT_MODULE : pick(HANDSET);
    add(
      kind,
      '',
      [imeiOf(tac, ++serial)],
      [cellName(home), cellName((home + 1) % cellCount), cellName((home + 7) % cellCount)],
    );
  }
  // Business centres sit in one office cell.
  const office = cellName(3);
  for (const p of people) if (p.kind === 'business_outbound' || p.kind === 'business_agent') p.cells = [office];
  // Probe pairs at one site.
  for (let k = 0; k < 2; k++) {
    const a = add('probe', '', [imeiOf(PROBE_UNIT, ++serial)], [cellName(5 + k)]);
    const b = add('probe', '', [imeiOf(PROBE_UNIT, ++serial)], [cellName(5 + k)]);
    a.siblings = [b.msisdn];
    b.siblings = [a.msisdn];
  }
  // SIM-boxes, three families; call-centres, two.
  const groups = Math.max(1, Math.round(count / 3000));
  const family = (members: Person[]) => {
    for (const m of members) m.siblings = members.filter((o) => o !== m).map((o) => o.msisdn);
  };
  for (let g = 0; g < groups; g++) {
    // Textbook: modules with a gateway TAC unknown to the project's table; each day every module
    // holds the next SIM of the farm, so an IMEI is shared with other SIMs on other days.
    const modules = Array.from({ length: 4 }, () => imeiOf(pick(GATEWAY_UNLISTED), ++serial));
    const cell = cellName(Math.floor(random() * cellCount));
    const textbook: Person[] = [];
    for (let s = 0; s < 6; s++)
      textbook.push(
        add(
          'simbox',
          'box-textbook',
          Array.from({ length: days }, (_, d) => modules[(s + d) % 4]),
          [cell],
        ),
      );
    family(textbook);
    // Slots: 4 SIMs at once in each of 2 modules of a listed gateway TAC.
    const slots: Person[] = [];
    const slotModules = [imeiOf(GATEWAY_LISTED, ++serial), imeiOf(GATEWAY_LISTED, ++serial)];
    const slotCell = cellName(Math.floor(random() * cellCount));
    for (let s = 0; s < 8; s++) slots.push(add('simbox', 'box-slots', [slotModules[s % 2]], [slotCell]));
    family(slots);
    // Evasive: handset IMEIs changed every day, two cells, some SMS and data, calls among its own SIMs.
    const evasive: Person[] = [];
    const evasiveCells = [cellName(Math.floor(random() * cellCount)), cellName(Math.floor(random() * cellCount))];
    for (let s = 0; s < 8; s++)
      evasive.push(
        add(
          'simbox',
          'box-evasive',
          Array.from({ length: days }, () => imeiOf(pick(HANDSET), ++serial)),
          evasiveCells,
        ),
      );
    family(evasive);
    // Call-centres: 10 handsets each taking a fresh SIM every day.
    for (const variant of ['centre-list', 'centre-random'] as const) {
      const handsets = Array.from({ length: 10 }, () => imeiOf(pick(HANDSET), ++serial));
      const cells =
        variant === 'centre-list' ? [cellName(Math.floor(random() * cellCount))] : [cellName(1), cellName(2)];
      const centre: Person[] = [];
      for (let d = 0; d < days; d++)
        for (const handset of handsets) centre.push(add('fraud_caller', variant, [handset], cells, d));
      family(centre);
    }
  }
  const ordinary = people.filter((p) => p.kind === 'normal');
  for (const p of people) {
    if (p.kind === 'normal' || p.kind === 'taxi' || p.kind === 'courier' || p.kind === 'business_agent')
      for (let k = 0; k < 6; k++) p.contacts.push(pick(ordinary).msisdn);
    truth.set(`+${p.msisdn}`, p.kind);
  }
  const wangiri = Array.from({ length: Math.max(2, Math.round(count / 5000)) }, (_, i) => 88213000000 + i * 101);
  for (const w of wangiri) truth.set(`+${w}`, 'wangiri');

  const chunkRows = options.chunkRows ?? 20000;
  let lines: string[] = [CDR_COLUMNS.join(',')];
  let id = 0;
  const rows: [number, string][] = [];
  let today = 0;
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
    const imei = p.imeis[Math.min(today, p.imeis.length - 1)];
    rows.push([
      at,
      `r${++id},KCELL,${event},${direction},+${p.msisdn},${other},${p.imsi},${imei},${cell},${timestamp(at)},${event === 'voice' ? duration : ''},${answered},${bytes},${route}`,
    ]);
  };
  const voiceOut = (p: Person, at: number, callee: string, seconds: number, cell: string) =>
    emit(p, at, 'voice', 'out', callee, seconds, seconds > 0 ? '1' : '0', '', '', cell);
  const dayTime = (day: number, fromHour: number, toHour: number) =>
    START + day * 86_400_000 + (fromHour + random() * (toHour - fromHour)) * 3600_000;
  const randomCallee = () => `+${77050000000 + Math.floor(random() * 9_000_000)}`;
  const byNumber = new Map(people.map((p) => [p.msisdn, p]));
  const listCursor = new Map<number, number>();
  for (let day = 0; day < days; day++) {
    today = day;
    for (const p of people) {
      if (p.day >= 0 && p.day !== day) continue;
      switch (p.kind) {
        case 'normal': {
          const calls = Math.floor(random() * 8);
          for (let k = 0; k < calls; k++) {
            const callee = random() < 0.85 ? pick(p.contacts) : Number(randomCallee().slice(1));
            const answered = random() < 0.8;
            voiceOut(
              p,
              dayTime(day, 8, 23),
              `+${callee}`,
              answered ? 20 + Math.floor(random() * 300) : 0,
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
        case 'taxi':
        case 'courier': {
          const jobs = p.kind === 'taxi' ? 40 : 25;
          for (let k = 0; k < jobs; k++) {
            const customer = randomCallee();
            const at = dayTime(day, 7, 23);
            const cell = cellName(Math.floor(random() * cellCount));
            if (p.kind === 'taxi' || random() < 0.3)
              emit(p, at, 'voice', 'in', customer, 30, '1', '', 'domestic', cell);
            voiceOut(p, at + 300_000, customer, random() < 0.85 ? 5 + Math.floor(random() * 50) : 0, cell);
          }
          for (let k = 0; k < 10; k++)
            emit(p, dayTime(day, 0, 24), 'data', 'out', '', 0, '', '500000', '', pick(p.cells));
          break;
        }
        case 'business_agent': {
          for (let k = 0; k < 60; k++)
            voiceOut(p, dayTime(day, 9, 18), randomCallee(), 30 + Math.floor(random() * 200), p.cells[0]);
          for (let k = 0; k < 25; k++)
            emit(p, dayTime(day, 9, 18), 'voice', 'in', randomCallee(), 90, '1', '', 'domestic', p.cells[0]);
          for (let k = 0; k < 5; k++) emit(p, dayTime(day, 9, 18), 'data', 'out', '', 0, '', '100000', '', p.cells[0]);
          break;
        }
        case 'business_outbound': {
          // A sales floor: outbound only, one handset and SIM per agent, office hours, real conversations.
          if (day % 7 >= 5) break;
          for (let k = 0; k < 80; k++)
            voiceOut(
              p,
              dayTime(day, 9, 18),
              randomCallee(),
              random() < 0.65 ? 40 + Math.floor(random() * 360) : 0,
              p.cells[0],
            );
          break;
        }
        case 'iot': {
          for (let k = 0; k < 24; k++)
            emit(p, START + day * 86_400_000 + k * 3600_000, 'data', 'out', '', 0, '', '2048', '', p.cells[0]);
          break;
        }
        case 'probe': {
          const partner = byNumber.get(p.siblings[0]);
          if (!partner) break;
          for (let k = 0; k < 96; k += 2)
            voiceOut(
              p,
              START + day * 86_400_000 + k * 900_000 + (p.msisdn % 2) * 900_000,
              `+${partner.msisdn}`,
              30,
              p.cells[0],
            );
          break;
        }
        case 'simbox': {
          const evasive = p.variant === 'box-evasive';
          const calls = p.variant === 'box-textbook' ? between(120, 150) : evasive ? between(50, 80) : between(80, 110);
          for (let k = 0; k < calls; k++) {
            const at = dayTime(day, 8, 24);
            const cell = evasive ? p.cells[Math.floor((at - START) / 28_800_000) % p.cells.length] : p.cells[0];
            if (evasive && random() < 0.15) {
              // Fake human life: a call to another SIM of the box, which shows as its incoming call.
              const sibling = byNumber.get(pick(p.siblings))!;
              const seconds = 30 + Math.floor(random() * 200);
              voiceOut(p, at, `+${sibling.msisdn}`, seconds, cell);
              emit(sibling, at, 'voice', 'in', `+${p.msisdn}`, seconds, '1', '', 'on-net', cell);
              continue;
            }
            const answered = random() < (evasive ? 0.55 : 0.6);
            voiceOut(p, at, randomCallee(), answered ? lengthAround(evasive ? 90 : 120) : 0, cell);
          }
          if (evasive) {
            for (let k = 0; k < 3; k++)
              emit(p, dayTime(day, 9, 22), 'sms', 'out', randomCallee(), 0, '', '', '', p.cells[0]);
            for (let k = 0; k < 4; k++)
              emit(p, dayTime(day, 0, 24), 'data', 'out', '', 0, '', '200000', '', p.cells[0]);
          }
          break;
        }
        case 'fraud_caller': {
          const list = p.variant === 'centre-list';
          for (let k = 0; k < 140; k++) {
            let callee: string;
            if (list) {
              // The next numbers of the centre's list: one range, a few numbers skipped.
              const next =
                (listCursor.get(p.msisdn) ?? 77071000000 + Math.floor(random() * 900_000) * 10) + between(1, 3);
              listCursor.set(p.msisdn, next);
              callee = `+${next}`;
            } else callee = randomCallee();
            const answered = random() < (list ? 0.3 : 0.4);
            const hooked = random() < 0.05;
            voiceOut(
              p,
              dayTime(day, 9, list ? 19 : 21),
              callee,
              answered ? (hooked ? lengthAround(400) : between(2, 25)) : 0,
              pick(p.cells),
            );
            if (!list && random() < 0.03)
              emit(
                p,
                dayTime(day, 9, 21),
                'voice',
                'in',
                callee,
                random() < 0.5 ? 20 : 0,
                random() < 0.5 ? '1' : '0',
                '',
                'domestic',
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
