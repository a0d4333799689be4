/**
 * Traffic generation: one simulated hour at a time, subscriber by subscriber, appending canonical
 * CDR rows (DESIGN.md §3) to one string buffer per operator. A call between two subscribers writes
 * both sides at once: the `out` record at the caller's operator and the `in` record at the
 * callee's, with the same start and duration. Traffic from abroad (spoofing, wangiri, relatives)
 * exists only as `in` records at the victims' operators.
 *
 * Rows are built by string concatenation from precomputed pieces (operator prefixes, "MM:SS"
 * tables, number strings), which V8 turns into cheap rope joins; nothing is formatted twice.
 */
import { COUNTRIES, foreignNumber } from './geography.ts';
import { ChunkedOutput } from './output.ts';
import {
  CLOSE_BLOCK,
  KIND_BUSINESS,
  KIND_COURIER,
  KIND_FRAUD_CALLER,
  KIND_IOT,
  KIND_NORMAL,
  KIND_PROBE,
  KIND_ROAMER,
  KIND_SIMBOX,
  KIND_TAXI,
  type Population,
  WIDE_OFFSETS,
} from './population.ts';
import { cumulate, type Random } from './random.ts';
import type { CentreVariation, HoursProfile, Scenario, SimboxVariation } from './scenarios.ts';

export const CDR_HEADER =
  'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route\n';

/** Kazakhstan has one time zone, UTC+5, since March 2024. */
export const UTC_OFFSET = '+05:00';
export const UTC_OFFSET_HOURS = 5;

// Event types of people (ordinary subscribers and legitimate heavy users).
const E_CALL_PERSONAL = 0;
const E_SMS_PERSONAL = 1;
const E_DATA = 2;
const E_SMS_A2P_IN = 3;
const E_CALL_INTERNATIONAL_IN = 4;
const E_CALL_CUSTOMER_OUT = 5;
const E_CALL_CUSTOMER_IN = 6;
const E_SMS_CUSTOMER_OUT = 7;
const E_CALL_INTERNATIONAL_OUT = 8;
const EVENT_TYPES = 9;
/** Rate-table row of fixed lines (kinds index the other rows). */
const ROW_FIXED = 9;
const ROWS = 10;

/** Relative activity by local hour, 0–23. */
const PROFILE_HUMAN = normalise([
  0.5, 0.25, 0.12, 0.1, 0.12, 0.35, 1.1, 2.6, 4.4, 5.8, 6.4, 6.6, 6.5, 6.2, 6.3, 6.4, 6.6, 7, 7.2, 7, 6.1, 4.6, 2.9,
  1.4,
]);
const PROFILE_DATA = normalise([
  1.6, 0.9, 0.6, 0.5, 0.5, 0.8, 1.8, 3.4, 4.2, 4.5, 4.6, 4.8, 5, 4.9, 4.8, 4.8, 4.9, 5.2, 5.6, 6, 6.3, 6.2, 5, 3,
]);
const PROFILE_BUSINESS = normalise([0, 0, 0, 0, 0, 0, 0, 0, 0.3, 1, 1, 1, 0.8, 0.7, 1, 1, 1, 0.9, 0.4, 0, 0, 0, 0, 0]);
const PROFILE_DRIVER = normalise([
  0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 2.2, 1.8, 1.3, 1.2, 1.4, 1.3, 1.2, 1.3, 1.6, 2.2, 2.4, 2, 1.6, 1.3, 1, 0.6,
]);
const PROFILE_DAYTIME = normalise([0, 0, 0, 0, 0, 0, 0, 0.2, 0.7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.3, 0, 0, 0]);
const PROFILE_FLAT = normalise(new Array(24).fill(1));
/** Scam call-centres work long days, seven days a week. */
const PROFILE_FRAUD = normalise([0, 0, 0, 0, 0, 0, 0, 0, 0.2, 0.9, 1, 1, 1, 0.9, 1, 1, 1, 1, 0.9, 0.8, 0.6, 0.2, 0, 0]);
/** Wangiri rings at night, when people miss the call and call back in the morning... or at once. */
const PROFILE_NIGHT = normalise([1, 1.2, 1.3, 1.2, 0.9, 0.4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.4]);

/** Day-of-week factors, Monday first. */
const WEEK_HUMAN = [1, 1, 1, 1, 1.05, 0.9, 0.8];
const WEEK_BUSINESS = [1, 1, 1, 1, 1, 0.15, 0];
const WEEK_FLAT = [1, 1, 1, 1, 1, 1, 1];
const WEEK_FRAUD = [1, 1, 1, 1, 1, 0.8, 0.6];

function normalise(weights: number[]): Float64Array {
  const sum = weights.reduce((a, b) => a + b, 0);
  return Float64Array.from(weights, (w) => w / sum);
}

/** "MM:SS+05:00" for every second of an hour. */
const MINUTE_SECOND: string[] = Array.from(
  { length: 3600 },
  (_, s) => `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}${UTC_OFFSET}`,
);

const ROUTES = ['', 'international', 'domestic', 'on-net'];
const ANSWERED_TAIL = ROUTES.map((r) => `,1,,${r}\n`);
const UNANSWERED_TAIL = ROUTES.map((r) => `,0,,${r}\n`);
function routeIndex(route: string): number {
  return route === '' ? 0 : route === 'international' ? 1 : route === 'domestic' ? 2 : 3;
}

/** Short codes that send transactional SMS (banks, government services, delivery). */
const A2P_SHORT_CODES = ['1414', '7575', '1616', '9100', '1919', '7070'];

/** A report a victim files later through the public API (POST /public/v1/reports body plus `at`). */
export interface CitizenReport {
  number: string;
  channel: 'call';
  category: string;
  at: string;
}

/** A long call from a fraud caller: the victim may lose money afterwards. */
export interface HookedCall {
  caller: string;
  victim: string;
  /** When the call ended, ms since the epoch. */
  endedMs: number;
}

export interface TrafficOptions {
  population: Population;
  scenario: Scenario;
  random: Random;
  /** First simulated day, "YYYY-MM-DD" (local time). */
  startDate: string;
  days: number;
}

/** Generates the traffic of a population hour by hour into per-operator CSV buffers. */
export class TrafficGenerator {
  /** CSV bytes per operator, taken by the caller in chunks. */
  readonly output: ChunkedOutput;
  /** Rows written per operator (also the next record id). */
  readonly counters: number[];
  /** 1 for every subscriber who appears in at least one record (truth lists only those fraudsters). */
  readonly seen: Uint8Array;
  readonly spoofUsed: Uint8Array;
  readonly wangiriUsed: Uint8Array;
  readonly reports: CitizenReport[] = [];
  /** Victims a fraud caller kept on the line (src/sim/banks.ts turns some into bank incidents). */
  readonly hooked: HookedCall[] = [];

  private readonly population: Population;
  private readonly scenario: Scenario;
  private readonly random: Random;
  private readonly startUtcMs: number;
  private readonly startWeekday: number;
  private readonly cellComma: string[];
  private readonly voiceOut: string[];
  private readonly voiceIn: string[];
  private readonly smsOut: string[];
  private readonly smsIn: string[];
  private readonly dataOut: string[];
  private readonly rateCumulative: Float64Array[];
  private readonly rateTotal = new Float64Array(ROWS);
  private readonly closeCumulative = cumulate([0.34, 0.25, 0.18, 0.13, 0.1]);
  private readonly countryCumulative = cumulate(COUNTRIES.map((c) => c.weight));
  /** Mobile subscribers of the social range by operator, for SIM-boxes terminating on-net. */
  private readonly mobileSocialByOperator: Int32Array[];
  private readonly mobileSocial: Int32Array;
  /** Where each list-dialling call-centre SIM is in its list. */
  private readonly listCursor = new Map<number, number>();

  private hour = 0;
  private localHour = 0;
  private day = 0;
  private weekday = 0;
  private atWork = false;
  private hourPrefix = '';

  constructor(options: TrafficOptions) {
    const { population } = options;
    this.population = population;
    this.scenario = options.scenario;
    this.random = options.random;
    const [y, m, d] = options.startDate.split('-').map(Number);
    this.startUtcMs = Date.UTC(y, m - 1, d) - UTC_OFFSET_HOURS * 3600_000;
    this.startWeekday = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7;
    this.cellComma = population.cells.id.map((id) => `${id},`);
    const names = population.operators;
    this.output = new ChunkedOutput(names.length);
    this.counters = names.map(() => 1);
    this.voiceOut = names.map((n) => `,${n},voice,out,`);
    this.voiceIn = names.map((n) => `,${n},voice,in,`);
    this.smsOut = names.map((n) => `,${n},sms,out,`);
    this.smsIn = names.map((n) => `,${n},sms,in,`);
    this.dataOut = names.map((n) => `,${n},data,out,`);
    this.seen = new Uint8Array(population.size);
    this.spoofUsed = new Uint8Array(population.spoofNumbers.length);
    this.wangiriUsed = new Uint8Array(population.wangiriSources.length);
    this.rateCumulative = Array.from({ length: ROWS }, () => new Float64Array(EVENT_TYPES));
    const byOperator: number[][] = names.map(() => []);
    const mobile: number[] = [];
    for (let i = 0; i < population.socialCount; i++) {
      if (population.fixedLine[i] === 0 && population.kind[i] !== KIND_ROAMER) {
        byOperator[population.operator[i]].push(i);
        mobile.push(i);
      }
    }
    this.mobileSocialByOperator = byOperator.map((list) => Int32Array.from(list));
    this.mobileSocial = Int32Array.from(mobile.length > 0 ? mobile : [0]);
  }

  /** Prepares hour `hour` (0-based from the start): clock strings, rates, moving boxes, rotated IMEIs. */
  beginHour(hour: number): void {
    this.hour = hour;
    this.day = Math.floor(hour / 24);
    this.localHour = hour % 24;
    this.weekday = (this.startWeekday + this.day) % 7;
    this.atWork = this.weekday < 5 && this.localHour >= 9 && this.localHour < 18;
    const date = new Date(this.startUtcMs + (hour + UTC_OFFSET_HOURS) * 3600_000).toISOString();
    this.hourPrefix = `${date.slice(0, 13)}:`;
    this.fillRates();
    if (this.localHour === 0 || hour % 8 === 0) this.moveGroups();
  }

  private fillRates(): void {
    const s = this.scenario;
    const h = this.localHour;
    const w = this.weekday;
    const human = PROFILE_HUMAN[h] * WEEK_HUMAN[w];
    const data = PROFILE_DATA[h] * WEEK_FLAT[w];
    const business = PROFILE_BUSINESS[h] * WEEK_BUSINESS[w];
    const driver = PROFILE_DRIVER[h] * WEEK_HUMAN[w];
    const daytime = PROFILE_DAYTIME[h] * WEEK_HUMAN[w];
    const flat = PROFILE_FLAT[h];
    const rows: number[][] = Array.from({ length: ROWS }, () => new Array(EVENT_TYPES).fill(0));
    const person = (row: number, callShare: number, smsShare: number, dataShare: number) => {
      rows[row][E_CALL_PERSONAL] = s.callsPerDay * callShare * human;
      rows[row][E_SMS_PERSONAL] = s.smsPerDay * smsShare * human;
      rows[row][E_DATA] = s.dataSessionsPerDay * dataShare * data;
      rows[row][E_SMS_A2P_IN] = 0.6 * daytime;
      rows[row][E_CALL_INTERNATIONAL_IN] = 0.05 * human;
      rows[row][E_CALL_INTERNATIONAL_OUT] = 0.04 * human;
    };
    person(KIND_NORMAL, 1, 1, 1);
    person(KIND_TAXI, 0.6, 1, 2.5);
    rows[KIND_TAXI][E_CALL_CUSTOMER_OUT] = 40 * driver;
    rows[KIND_TAXI][E_CALL_CUSTOMER_IN] = 15 * driver;
    person(KIND_COURIER, 0.6, 1, 2);
    rows[KIND_COURIER][E_CALL_CUSTOMER_OUT] = 28 * daytime;
    rows[KIND_COURIER][E_CALL_CUSTOMER_IN] = 6 * daytime;
    rows[KIND_COURIER][E_SMS_CUSTOMER_OUT] = 10 * daytime;
    person(KIND_ROAMER, 0.6, 1.5, 0.5);
    rows[KIND_ROAMER][E_CALL_INTERNATIONAL_OUT] = 1.5 * human;
    rows[KIND_BUSINESS][E_CALL_CUSTOMER_OUT] = 35 * business;
    rows[KIND_BUSINESS][E_CALL_CUSTOMER_IN] = 12 * business;
    rows[KIND_BUSINESS][E_DATA] = 2 * business;
    rows[KIND_BUSINESS][E_SMS_A2P_IN] = 0.2 * daytime;
    rows[KIND_IOT][E_DATA] = 24 * flat;
    rows[ROW_FIXED][E_CALL_PERSONAL] = s.callsPerDay * 0.6 * human;
    rows[ROW_FIXED][E_CALL_INTERNATIONAL_IN] = 0.03 * human;
    rows[ROW_FIXED][E_CALL_INTERNATIONAL_OUT] = 0.03 * human;
    for (let r = 0; r < ROWS; r++) {
      let sum = 0;
      for (let e = 0; e < EVENT_TYPES; e++) {
        sum += rows[r][e];
        this.rateCumulative[r][e] = sum;
      }
      this.rateTotal[r] = sum;
    }
  }

  /** SIM-boxes that move change cell every eight hours; IMEI-rotating ones get the day's IMEIs. */
  private moveGroups(): void {
    const p = this.population;
    for (const g of p.groups) {
      if (g.kind !== KIND_SIMBOX) continue;
      const cell = g.cells[Math.floor(this.hour / 8) % g.cells.length];
      const imeis = g.imeisByDay[Math.min(this.day, g.imeisByDay.length - 1)];
      for (let i = g.first; i < g.end; i++) {
        p.homeCell[i] = cell;
        p.workCell[i] = cell;
        const imsi = p.device[i].slice(0, p.device[i].indexOf(',', 1) + 1);
        p.device[i] = [imsi, imeis[p.unit[i] % imeis.length], ','].join('');
      }
    }
  }

  /** Traffic of subscribers [from, to) during the current hour. */
  runSubscribers(from: number, to: number): void {
    const kind = this.population.kind;
    const fixedLine = this.population.fixedLine;
    for (let i = from; i < to; i++) {
      const k = kind[i];
      if (k === KIND_SIMBOX) this.simboxHour(i);
      else if (k === KIND_FRAUD_CALLER) this.fraudCallerHour(i);
      else if (k === KIND_PROBE) this.probeHour(i);
      else this.personHour(i, fixedLine[i] === 1 ? ROW_FIXED : k);
    }
  }

  /** Traffic that enters from abroad during the current hour: spoofed caller IDs and wangiri. */
  runFromAbroad(): void {
    this.spoofingHour();
    this.wangiriHour();
  }

  // ---- people -------------------------------------------------------------------------------

  private personHour(i: number, row: number): void {
    const total = this.rateTotal[row];
    if (total === 0) return;
    const random = this.random;
    const n = random.poisson(this.population.activity[i] * total);
    for (let e = 0; e < n; e++) {
      const type = random.weighted(this.rateCumulative[row]);
      const second = random.int(3600);
      switch (type) {
        case E_CALL_PERSONAL: {
          const j = this.pickContact(i);
          if (j < 0) this.internationalOut(i, second);
          else {
            const answered = random.chance(0.82);
            this.call(i, j, second, answered ? duration(random, 75, 1, 5400) : 0);
          }
          break;
        }
        case E_SMS_PERSONAL: {
          const j = this.pickContact(i);
          if (j >= 0 && this.population.fixedLine[j] === 0) this.sms(i, j, second);
          break;
        }
        case E_DATA:
          this.data(i, second, Math.round(random.logNormal(row === KIND_IOT ? 4_000 : 2_500_000, 1.2)));
          break;
        case E_SMS_A2P_IN:
          this.smsFrom(i, random.pick(A2P_SHORT_CODES), second);
          break;
        case E_CALL_INTERNATIONAL_IN: {
          const country = COUNTRIES[random.weighted(this.countryCumulative)];
          const answered = random.chance(0.8);
          const length = answered ? duration(random, 180, 0.9, 5400) : 0;
          this.voice(
            this.voiceIn,
            i,
            foreignNumber(random, country),
            this.hourPrefix + MINUTE_SECOND[second],
            length,
            'international',
          );
          break;
        }
        case E_CALL_INTERNATIONAL_OUT:
          this.internationalOut(i, second);
          break;
        case E_CALL_CUSTOMER_OUT: {
          const j = this.customerOf(i);
          if (j < 0) break;
          const isBusiness = row === KIND_BUSINESS;
          const answered = random.chance(isBusiness ? 0.6 : 0.88);
          this.call(i, j, second, answered ? duration(random, isBusiness ? 90 : 25, isBusiness ? 0.8 : 0.6, 1800) : 0);
          break;
        }
        case E_CALL_CUSTOMER_IN: {
          const j = this.customerOf(i);
          if (j < 0) break;
          const answered = random.chance(0.9);
          this.call(j, i, second, answered ? duration(random, row === KIND_BUSINESS ? 150 : 30, 0.7, 1800) : 0);
          break;
        }
        case E_SMS_CUSTOMER_OUT: {
          const j = this.customerOf(i);
          if (j >= 0 && this.population.fixedLine[j] === 0) this.sms(i, j, second);
          break;
        }
      }
    }
  }

  /** Whom a person calls: mostly the five close contacts, then wider circles, rarely a business. */
  private pickContact(i: number): number {
    const random = this.random;
    const social = this.population.socialCount;
    const r = random.next();
    if (i < social && r < 0.78) {
      const position = i % CLOSE_BLOCK;
      const rank = random.weighted(this.closeCumulative);
      const j = i - position + ((position + 1 + rank) % CLOSE_BLOCK);
      if (j < social) return j;
    }
    if (r < 0.965 || this.population.businessEnd === this.population.businessFirst) {
      const offset = WIDE_OFFSETS[random.int(WIDE_OFFSETS.length)];
      const j = (((i + offset) % social) + social) % social;
      return j === i ? -1 : j;
    }
    if (r < 0.985) {
      const p = this.population;
      return p.businessFirst + random.int(p.businessEnd - p.businessFirst);
    }
    return -1;
  }

  /** Customers of taxis and couriers live nearby (same city block of indexes); call-centres call anyone. */
  private customerOf(i: number): number {
    const random = this.random;
    const social = this.population.socialCount;
    let j: number;
    if (this.population.kind[i] === KIND_BUSINESS) j = random.int(social);
    else {
      j = i + random.int(6001) - 3000;
      if (j < 0) j = -j;
      if (j >= social) j = social - 1 - random.int(Math.min(social, 3000));
    }
    return j === i || this.population.kind[j] === KIND_ROAMER ? -1 : j;
  }

  private internationalOut(i: number, second: number): void {
    const random = this.random;
    const country = COUNTRIES[random.weighted(this.countryCumulative)];
    const answered = random.chance(0.8);
    this.voice(
      this.voiceOut,
      i,
      foreignNumber(random, country),
      this.hourPrefix + MINUTE_SECOND[second],
      answered ? duration(random, 150, 0.9, 5400) : 0,
      '',
    );
  }

  // ---- test probes --------------------------------------------------------------------------

  /** Probes call their partner every 30 minutes (the pair: every 15), send an SMS and test data hourly. */
  private probeHour(i: number): void {
    const p = this.population;
    const g = p.groups[p.group[i]];
    const partner = g.first + ((i - g.first) ^ 1);
    if (partner >= g.end) return;
    const random = this.random;
    const offset = ((i - g.first) & 1) * 900 + p.unit[i] * 7;
    for (let k = 0; k < 2; k++) {
      const second = (offset + k * 1800 + random.int(5)) % 3600;
      this.call(i, partner, second, random.chance(0.99) ? 30 : 0);
    }
    this.sms(i, partner, (offset + 120) % 3600);
    this.data(i, (offset + 240) % 3600, 10_000_000 + random.int(500_000));
  }

  // ---- SIM-boxes ----------------------------------------------------------------------------

  /** Relative activity of this hour for a varied behaviour's hours profile. */
  private profileNow(hours: HoursProfile): number {
    if (hours === 'office') return PROFILE_FRAUD[this.localHour] * WEEK_FRAUD[this.weekday];
    if (hours === 'flat') return PROFILE_FLAT[this.localHour];
    if (hours === 'evening') return PROFILE_DATA[this.localHour] * WEEK_HUMAN[this.weekday];
    return PROFILE_HUMAN[this.localHour] * WEEK_HUMAN[this.weekday];
  }

  /** A SIM-box of a randomised run: its behaviour drawn by `randomScenario`. */
  private simboxVariedHour(i: number, v: SimboxVariation): void {
    const p = this.population;
    const random = this.random;
    const g = p.groups[p.group[i]];
    const rate = this.profileNow(v.hours);
    const calls = random.poisson(this.scenario.simbox.callsPerSimPerDay * rate);
    const imsi = v.rotation === 'per-call' ? p.device[i].slice(0, p.device[i].indexOf(',', 1) + 1) : '';
    const imeis = g.imeisByDay[Math.min(this.day, g.imeisByDay.length - 1)];
    for (let c = 0; c < calls; c++) {
      const second = random.int(3600);
      // Each call through whichever module is free.
      if (v.rotation === 'per-call') p.device[i] = [imsi, imeis[random.int(imeis.length)], ','].join('');
      if (v.mimicryShare > 0 && random.chance(v.mimicryShare)) {
        for (let attempt = 0; attempt < 12; attempt++) {
          const k = g.first + random.int(g.end - g.first);
          if (k === i || this.hour < p.activeFrom[k] || this.hour >= p.activeTo[k]) continue;
          this.call(i, k, second, random.chance(0.8) ? duration(random, 60, 0.8, 900) : 0);
          break;
        }
        continue;
      }
      const j = this.victim(random.chance(0.75) ? p.operator[i] : -1);
      this.call(i, j, second, random.chance(v.answerRate) ? duration(random, v.medianDurationS, 0.9, 3600) : 0);
    }
    const sms = random.poisson(v.smsPerDay * rate);
    for (let s = 0; s < sms; s++) this.sms(i, this.victim(-1), random.int(3600));
    const sessions = random.poisson(v.dataPerDay * rate);
    for (let s = 0; s < sessions; s++) this.data(i, random.int(3600), Math.round(random.logNormal(300_000, 1)));
    if (v.borrowedLife) this.borrowedLife(i, 2 * rate);
  }

  private simboxHour(i: number): void {
    const p = this.population;
    if (this.hour < p.activeFrom[i] || this.hour >= p.activeTo[i]) return;
    const variation = this.scenario.simbox.variation;
    if (variation) {
      this.simboxVariedHour(i, variation);
      return;
    }
    const random = this.random;
    const g = p.groups[p.group[i]];
    const evasion = g.evasion;
    const human = PROFILE_HUMAN[this.localHour] * WEEK_HUMAN[this.weekday];
    const calls = random.poisson(this.scenario.simbox.callsPerSimPerDay * human * (1 - 0.35 * evasion));
    for (let c = 0; c < calls; c++) {
      const second = random.int(3600);
      if (evasion > 0 && random.chance(0.4 * evasion)) {
        // Fake "human" traffic between the box's own SIMs, to show incoming calls.
        // Only the SIMs on air now can answer; with rotation most of the box is idle, so draw a few times.
        for (let attempt = 0; attempt < 12; attempt++) {
          const k = g.first + random.int(g.end - g.first);
          if (k === i || this.hour < p.activeFrom[k] || this.hour >= p.activeTo[k]) continue;
          this.call(i, k, second, random.chance(0.8) ? duration(random, 60, 0.8, 900) : 0);
          break;
        }
        continue;
      }
      // Terminating a call from abroad: the callee is a subscriber, mostly of the box's operator.
      const j = this.victim(random.chance(0.75) ? p.operator[i] : -1);
      const answered = random.chance(0.72);
      this.call(i, j, second, answered ? duration(random, 140, 0.9, 3600) : 0);
    }
    if (evasion > 0) {
      const sms = random.poisson(6 * evasion * human);
      for (let s = 0; s < sms; s++) this.sms(i, this.victim(-1), random.int(3600));
      const sessions = random.poisson(3 * evasion * human);
      for (let s = 0; s < sessions; s++) this.data(i, random.int(3600), Math.round(random.logNormal(300_000, 1)));
    }
    if (evasion > 0.5) this.borrowedLife(i, 2 * human);
  }

  /** Aged SIMs bought from people keep a little of their old life: a few contacts who call back. */
  private borrowedLife(i: number, rate: number): void {
    const random = this.random;
    const n = random.poisson(rate);
    const social = this.population.socialCount;
    const base = Math.imul(i, 2654435761) >>> 0;
    for (let c = 0; c < n; c++) {
      const j = (base + random.int(4) * 9973) % social;
      const answered = random.chance(0.85);
      const length = answered ? duration(random, 70, 1, 1800) : 0;
      if (random.chance(0.5)) this.call(i, j, random.int(3600), length);
      else this.call(j, i, random.int(3600), length);
    }
  }

  // ---- domestic fraud call-centres ------------------------------------------------------------

  /** Next number of a centre SIM's dialling list: consecutive numbers of one range, a few skipped. */
  private listNumber(i: number): string {
    let next = this.listCursor.get(i);
    if (next === undefined) next = Number(this.population.msisdn[this.victim(-1)].slice(1)) - this.random.int(500);
    next += 1 + this.random.int(3);
    this.listCursor.set(i, next);
    return `+${next}`;
  }

  /** A call-centre SIM of a randomised run. */
  private fraudCallerVariedHour(i: number, v: CentreVariation): void {
    const random = this.random;
    const rate = this.profileNow(v.hours);
    const calls = random.poisson(this.scenario.fraudCentres.callsPerSimPerDay * rate);
    for (let c = 0; c < calls; c++) {
      const second = random.int(3600);
      let length = 0;
      if (random.chance(v.answerRate))
        length = random.chance(v.hookedShare)
          ? duration(random, 600, 0.6, 3600)
          : random.between(2, Math.round(v.shortMaxS));
      if (v.listDialling) {
        // Numbers of the list that are not subscribers of the simulated operators: the out record only.
        this.voice(this.voiceOut, i, this.listNumber(i), this.hourPrefix + MINUTE_SECOND[second], length, '');
      } else this.call(i, this.victim(-1), second, length);
    }
    const callbacks = random.poisson(this.scenario.fraudCentres.callsPerSimPerDay * rate * v.callbackRate);
    for (let c = 0; c < callbacks; c++)
      this.call(this.victim(-1), i, random.int(3600), random.chance(0.5) ? random.between(3, 60) : 0);
    const sms = random.poisson(v.smsPerDay * rate);
    for (let s = 0; s < sms; s++) this.sms(i, this.victim(-1), random.int(3600));
    const sessions = random.poisson(v.dataPerDay * rate);
    for (let s = 0; s < sessions; s++) this.data(i, random.int(3600), Math.round(random.logNormal(1_000_000, 1)));
  }

  private fraudCallerHour(i: number): void {
    const p = this.population;
    if (this.hour < p.activeFrom[i] || this.hour >= p.activeTo[i]) return;
    const variation = this.scenario.fraudCentres.variation;
    if (variation) {
      this.fraudCallerVariedHour(i, variation);
      return;
    }
    const random = this.random;
    const evasion = p.groups[p.group[i]].evasion;
    const rate =
      this.scenario.fraudCentres.callsPerSimPerDay * PROFILE_FRAUD[this.localHour] * WEEK_FRAUD[this.weekday];
    const calls = random.poisson(rate * (1 - 0.4 * evasion));
    for (let c = 0; c < calls; c++) {
      const second = random.int(3600);
      const j = this.victim(-1);
      const answered = random.chance(0.38 + 0.2 * evasion);
      let length = 0;
      if (answered) {
        const hooked = random.chance(0.15);
        length = hooked
          ? duration(random, 600, 0.6, 3600)
          : evasion > 0.5
            ? duration(random, 45, 0.9, 900)
            : random.between(3, 40);
        if (hooked && random.chance(0.3)) this.report(p.msisdn[i], 'fraud', second, random.between(1, 30));
        // Recorded without a draw, so the traffic stays the same whether or not incidents are made.
        if (hooked)
          this.hooked.push({
            caller: p.msisdn[i],
            victim: p.msisdn[j],
            endedMs: this.startUtcMs + (this.hour * 3600 + second + length) * 1000,
          });
      }
      this.call(i, j, second, length);
    }
    // A few victims call the number back.
    const callbacks = random.poisson(rate * 0.04);
    for (let c = 0; c < callbacks; c++) {
      this.call(this.victim(-1), i, random.int(3600), random.chance(0.5) ? random.between(3, 60) : 0);
    }
    if (evasion > 0) {
      const human = PROFILE_HUMAN[this.localHour] * WEEK_HUMAN[this.weekday];
      const sms = random.poisson(4 * evasion * human);
      for (let s = 0; s < sms; s++) this.sms(i, this.victim(-1), random.int(3600));
      const sessions = random.poisson(3 * evasion * human);
      for (let s = 0; s < sessions; s++) this.data(i, random.int(3600), Math.round(random.logNormal(1_000_000, 1)));
      if (evasion > 0.5) this.borrowedLife(i, 3 * human);
    }
  }

  /** A random mobile subscriber at home (of one operator when `operator` ≥ 0 and it has any). */
  private victim(operator: number): number {
    const list =
      operator >= 0 && this.mobileSocialByOperator[operator].length > 0
        ? this.mobileSocialByOperator[operator]
        : this.mobileSocial;
    return list[this.random.int(list.length)];
  }

  // ---- from abroad ----------------------------------------------------------------------------

  private spoofingHour(): void {
    const p = this.population;
    const centres = p.spoofCentres;
    if (centres.length === 0) return;
    const random = this.random;
    const spoofing = this.scenario.spoofing;
    const rate =
      p.socialCount * spoofing.callsPerSubscriberPerDay * PROFILE_FRAUD[this.localHour] * WEEK_FRAUD[this.weekday];
    const calls = random.poisson(rate);
    for (let c = 0; c < calls; c++) {
      const centre = centres[random.int(centres.length)];
      // Low-evasion centres reuse a handful of caller IDs; evasive ones cycle through the pool.
      const reach = Math.max(1, Math.round(centre.pool.length * (0.15 + 0.85 * spoofing.evasion)));
      const ref = centre.pool[random.int(Math.min(reach, centre.pool.length))];
      let cli: string;
      if (ref >= 0) {
        cli = p.spoofNumbers[ref];
        this.spoofUsed[ref] = 1;
      } else cli = p.msisdn[-ref - 1];
      const j = this.victim(-1);
      const second = random.int(3600);
      const answered = random.chance(0.5);
      const hooked = answered && random.chance(0.2);
      const length = hooked ? duration(random, 420, 0.6, 3600) : answered ? random.between(5, 60) : 0;
      if (hooked && random.chance(0.2)) this.report(cli, 'fraud', second, random.between(1, 48));
      this.voice(this.voiceIn, j, cli, this.hourPrefix + MINUTE_SECOND[second], length, 'international');
    }
  }

  private wangiriHour(): void {
    const p = this.population;
    const sources = p.wangiriSources;
    const night = PROFILE_NIGHT[this.localHour];
    if (sources.length === 0 || night === 0) return;
    const random = this.random;
    const w = this.scenario.wangiri;
    const victimsPerNight = Math.min(w.victimsPerSourcePerNight, p.socialCount * 0.02);
    for (let s = 0; s < sources.length; s++) {
      const rings = random.poisson(victimsPerNight * night);
      const source = sources[s];
      for (let r = 0; r < rings; r++) {
        const j = this.victim(-1);
        const second = random.int(3600);
        this.wangiriUsed[s] = 1;
        this.voice(this.voiceIn, j, source, this.hourPrefix + MINUTE_SECOND[second], 0, 'international');
        if (random.chance(w.callBackShare)) {
          // The victim calls the premium number back: the fraud's revenue.
          const later = second + random.int(3600 - second);
          this.voice(
            this.voiceOut,
            j,
            source,
            this.hourPrefix + MINUTE_SECOND[later],
            duration(random, 50, 0.5, 600),
            '',
          );
        }
      }
    }
  }

  // ---- records --------------------------------------------------------------------------------

  /** Both sides of a domestic call from subscriber i to subscriber j. */
  private call(i: number, j: number, second: number, length: number): void {
    const p = this.population;
    const time = this.hourPrefix + MINUTE_SECOND[second];
    const from = p.operator[i];
    const to = p.operator[j];
    this.voice(this.voiceOut, i, p.msisdn[j], time, length, '');
    const route = p.kind[i] === KIND_ROAMER ? 'international' : from === to ? 'on-net' : 'domestic';
    this.voice(this.voiceIn, j, p.msisdn[i], time, length, route);
  }

  private voice(prefixes: string[], i: number, other: string, time: string, length: number, route: string): void {
    const p = this.population;
    const op = p.operator[i];
    this.seen[i] = 1;
    // Few, large pieces: the cost of writing is flattening the string, which grows with their count.
    this.output.append(
      op,
      this.counters[op]++ +
        prefixes[op] +
        p.msisdn[i] +
        ',' +
        other +
        this.device(i) +
        this.cellComma[this.cellAt(i)] +
        time +
        ',' +
        length +
        (length > 0 ? ANSWERED_TAIL[routeIndex(route)] : UNANSWERED_TAIL[routeIndex(route)]),
    );
  }

  private sms(i: number, j: number, second: number): void {
    const p = this.population;
    const time = this.hourPrefix + MINUTE_SECOND[second];
    this.messageRecord(this.smsOut, i, p.msisdn[j], time);
    this.messageRecord(this.smsIn, j, p.msisdn[i], time);
  }

  private smsFrom(i: number, sender: string, second: number): void {
    this.messageRecord(this.smsIn, i, sender, this.hourPrefix + MINUTE_SECOND[second]);
  }

  private messageRecord(prefixes: string[], i: number, other: string, time: string): void {
    const p = this.population;
    const op = p.operator[i];
    this.seen[i] = 1;
    this.output.append(
      op,
      this.counters[op]++ +
        prefixes[op] +
        p.msisdn[i] +
        ',' +
        other +
        this.device(i) +
        this.cellComma[this.cellAt(i)] +
        time +
        ',,,,\n',
    );
  }

  private data(i: number, second: number, bytes: number): void {
    const p = this.population;
    const op = p.operator[i];
    this.seen[i] = 1;
    this.output.append(
      op,
      this.counters[op]++ +
        this.dataOut[op] +
        p.msisdn[i] +
        ',' +
        this.device(i) +
        this.cellComma[this.cellAt(i)] +
        this.hourPrefix +
        MINUTE_SECOND[second] +
        ',,,' +
        bytes +
        ',\n',
    );
  }

  private device(i: number): string {
    return this.population.device[i];
  }

  /** Serving cell now: movers anywhere in their city, others at work in office hours, else at home. */
  private cellAt(i: number): number {
    const p = this.population;
    if (p.mover[i] === 1) {
      const c = p.city[i];
      return p.cells.cityFirst[c] + this.random.int(p.cells.cityCount[c]);
    }
    return this.atWork ? p.workCell[i] : p.homeCell[i];
  }

  private report(number: string, category: string, second: number, delayHours: number): void {
    const ms = this.startUtcMs + ((this.hour + delayHours) * 3600 + second) * 1000;
    const local = new Date(ms + UTC_OFFSET_HOURS * 3600_000).toISOString().slice(0, 19);
    this.reports.push({ number, channel: 'call', category, at: local + UTC_OFFSET });
  }

  /** Rows generated so far, all operators. */
  get rows(): number {
    let sum = 0;
    for (const c of this.counters) sum += c - 1;
    return sum;
  }
}

/** Seconds of an answered call: log-normal around a median, at least 1, at most `max`. */
function duration(random: Random, median: number, sigma: number, max: number): number {
  const d = Math.round(random.logNormal(median, sigma));
  return d < 1 ? 1 : Math.min(d, max);
}
