/**
 * Subscribers of the independent generator, the events they cause, and the emitter that turns
 * one event into the rows each operator records (the caller's `out` row in its operator's file,
 * the callee's `in` row in the callee's operator's file, when each is a simulated subscriber).
 */
import {
  EVENT_DATA,
  EVENT_SMS,
  EVENT_VOICE,
  ROUTE_DOMESTIC,
  ROUTE_INTERNATIONAL,
  ROUTE_NONE,
  ROUTE_ON_NET,
  type Row,
} from './habits.ts';
import { cumulative, pickCumulative, type Rng } from './rng.ts';
import { HANDSET_TACS, makeImei, type Network, OPERATOR_MNC, OPERATOR_PREFIXES, OPERATOR_SHARE } from './world.ts';

export type Kind =
  | 'simbox'
  | 'fraud_caller'
  | 'wangiri'
  | 'normal'
  | 'taxi'
  | 'courier'
  | 'business_callcentre'
  | 'iot'
  | 'probe'
  | 'roamer';

/** Where a SIM is and in which device, at one moment. */
export interface Place {
  cell: number;
  imei: string;
}

/** Something that produces a day of events and knows where its SIMs are. */
export interface Behaviour {
  day(day: number, emit: Emitter): void;
  locate(sim: Sim, t: number, out: Place): void;
}

export interface Sim {
  id: number;
  msisdn: string;
  /** Serving operator (the visited one for inbound roamers). */
  operator: number;
  imsi: string;
  kind: Kind;
  family: string;
  home: number;
  work: number;
  imei: string;
  /** First day on a new handset (-1: never). */
  newImeiDay: number;
  newImei: string;
  owner: Behaviour | null;
  contacts: number[];
  contactCdf: Float64Array | null;
  /** Numbers outside the simulated population that this subscriber deals with. */
  external: string[];
  abroad: string;
  activity: number;
  /** The farm, centre, company or fleet the SIM belongs to ('' for individuals). */
  group: string;
}

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const ALMATY_OFFSET_MS = 5 * HOUR_MS;
/** Day 0 starts at local midnight of Monday 2026-03-02 (Almaty, UTC+5). */
export const START_MS = Date.UTC(2026, 2, 2) - ALMATY_OFFSET_MS;

export function dayStart(day: number): number {
  return START_MS + day * DAY_MS;
}

/** 0 = Monday … 6 = Sunday. */
export function weekday(day: number): number {
  return day % 7;
}

export function localHour(t: number): number {
  return Math.floor((((t + ALMATY_OFFSET_MS) % DAY_MS) + DAY_MS) / HOUR_MS) % 24;
}

/** Human activity over the day (Almaty time). */
export const PEOPLE_HOURS = cumulative([
  0.25, 0.1, 0.05, 0.03, 0.03, 0.08, 0.3, 0.8, 1.3, 1.5, 1.6, 1.6, 1.7, 1.6, 1.5, 1.5, 1.6, 1.8, 2, 2, 1.8, 1.4, 0.9,
  0.5,
]);
export const OFFICE_HOURS = cumulative([
  0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1.2, 1.2, 1.1, 0.6, 1, 1.2, 1.2, 1.1, 0.5, 0, 0, 0, 0, 0,
]);

export function timeIn(rng: Rng, day: number, hours: Float64Array): number {
  return dayStart(day) + pickCumulative(hours, rng.next()) * HOUR_MS + rng.int(HOUR_MS);
}

/** Conversation length in seconds, at least one. */
export function talk(rng: Rng, median: number, sigma: number, max = 5400): number {
  return Math.max(1, Math.min(max, Math.round(rng.logNormal(median, sigma))));
}

function stableKey(a: number, b: number): number {
  return Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
}

/** The population: numbers, devices, homes, and the index from number to subscriber. */
export class Population {
  readonly sims: Sim[] = [];
  readonly byNumber = new Map<string, Sim>();
  /** Ordinary subscribers, the people everyone else calls. */
  readonly normals: Sim[] = [];
  readonly network: Network;
  /** Number blocks (prefix and 10 000-number block) in which subscribers are allocated. */
  private readonly blocks: { prefix: number; block: number }[][] = [[], [], [], []];
  private readonly used = new Set<string>();

  constructor(network: Network) {
    this.network = network;
  }

  randomOperator(rng: Rng): number {
    const u = rng.next();
    let sum = 0;
    for (let op = 0; op < OPERATOR_SHARE.length; op++) {
      sum += OPERATOR_SHARE[op];
      if (u < sum) return op;
    }
    return 0;
  }

  /** A number of the operator, in one of the blocks where its subscribers live. */
  private allocate(rng: Rng, operator: number): string {
    const blocks = this.blocks[operator];
    for (;;) {
      if (blocks.length === 0 || rng.chance(0.006)) {
        blocks.push({ prefix: rng.pick(OPERATOR_PREFIXES[operator]), block: rng.int(1000) });
      }
      const { prefix, block } = rng.pick(blocks);
      const number = `+7${prefix}${String(block * 10_000 + rng.int(10_000)).padStart(7, '0')}`;
      if (!this.used.has(number)) {
        this.used.add(number);
        return number;
      }
    }
  }

  /** One of the blocks where the operator's subscribers live (for dialling lists). */
  randomBlock(rng: Rng): { prefix: number; block: number } {
    for (;;) {
      const blocks = this.blocks[this.randomOperator(rng)];
      if (blocks.length > 0) return rng.pick(blocks);
    }
  }

  /** A domestic number nobody in the population has (a subscriber of the wider country). */
  externalNumber(rng: Rng): string {
    for (;;) {
      const number = rng.chance(0.08)
        ? `+7${rng.pick([727, 717, 7252, 7212])}${String(rng.int(10_000_000)).padStart(7, '0')}`.slice(0, 12)
        : `+7${rng.pick(rng.pick(OPERATOR_PREFIXES))}${String(rng.int(10_000_000)).padStart(7, '0')}`;
      if (!this.used.has(number)) return number;
    }
  }

  add(
    rng: Rng,
    init: {
      kind: Kind;
      family: string;
      operator?: number;
      region?: number;
      imei?: string;
      msisdn?: string;
      imsi?: string;
    },
  ): Sim {
    const operator = init.operator ?? this.randomOperator(rng);
    const region = init.region ?? this.network.randomRegion(rng);
    const home = this.network.randomSite(rng, region);
    const work = rng.chance(0.7) ? this.network.randomSite(rng, region) : home;
    const msisdn = init.msisdn ?? this.allocate(rng, operator);
    const sim: Sim = {
      id: this.sims.length,
      msisdn,
      operator,
      imsi: init.imsi ?? `401${OPERATOR_MNC[operator]}${String(rng.int(1e9)).padStart(9, '0')}${rng.int(10)}`,
      kind: init.kind,
      family: init.family,
      home,
      work,
      imei: init.imei ?? makeImei(rng.pick(HANDSET_TACS), rng.int(1_000_000)),
      newImeiDay: -1,
      newImei: '',
      owner: null,
      contacts: [],
      contactCdf: null,
      external: [],
      abroad: '',
      activity: 1,
      group: '',
    };
    if (init.msisdn) this.used.add(init.msisdn);
    this.sims.push(sim);
    this.byNumber.set(msisdn, sim);
    return sim;
  }

  /** A person's whereabouts: home at night, work in office hours on weekdays, now and then elsewhere. */
  personPlace(sim: Sim, t: number, out: Place): void {
    const hour = localHour(t);
    const day = Math.floor((t - START_MS) / DAY_MS);
    let site = sim.home;
    if (sim.work !== sim.home && weekday(day) < 5 && hour >= 9 && hour < 18) site = sim.work;
    const wander = stableKey(sim.id, day * 24 + hour) >>> 0;
    if (hour >= 8 && hour < 22 && wander % 7 === 0) {
      const region = this.network.sites[sim.home].region;
      const sites = this.network.sitesByRegion[region];
      site = sites[(wander >>> 3) % sites.length];
    }
    out.cell = this.network.cellAt(site, sim.operator, wander >>> 8);
    out.imei = sim.newImeiDay >= 0 && day >= sim.newImeiDay ? sim.newImei : sim.imei;
  }
}

/** Collects a day's rows per operator. */
export class Emitter {
  readonly rows: Row[][] = [[], [], [], []];
  private readonly population: Population;
  private readonly place: Place = { cell: -1, imei: '' };

  constructor(population: Population) {
    this.population = population;
  }

  /** Row objects reused from day to day, so a day of traffic costs no garbage. */
  private readonly pool: Row[] = [];
  private used = 0;

  clear(): void {
    for (const list of this.rows) list.length = 0;
    this.used = 0;
  }

  private locate(sim: Sim, t: number): Place {
    if (sim.owner) sim.owner.locate(sim, t, this.place);
    else this.population.personPlace(sim, t, this.place);
    return this.place;
  }

  private push(
    sim: Sim,
    t: number,
    event: number,
    direction: number,
    other: string,
    duration: number,
    answered: boolean,
    bytes: number,
    route: number,
  ): void {
    const place = this.locate(sim, t);
    let row: Row;
    if (this.used < this.pool.length) row = this.pool[this.used];
    else {
      row = {
        t: 0,
        operator: 0,
        event: 0,
        direction: 0,
        msisdn: '',
        other: '',
        imsi: '',
        imei: '',
        cell: -1,
        duration: 0,
        answered: false,
        bytes: 0,
        route: 0,
      };
      this.pool.push(row);
    }
    this.used++;
    row.t = t;
    row.operator = sim.operator;
    row.event = event;
    row.direction = direction;
    row.msisdn = sim.msisdn;
    row.other = other;
    row.imsi = sim.imsi;
    row.imei = place.imei;
    row.cell = place.cell;
    row.duration = duration;
    row.answered = answered;
    row.bytes = bytes;
    row.route = route;
    this.rows[sim.operator].push(row);
  }

  private route(from: Sim | string, to: Sim): number {
    if (typeof from === 'string') return from.startsWith('+77') ? ROUTE_DOMESTIC : ROUTE_INTERNATIONAL;
    return from.operator === to.operator ? ROUTE_ON_NET : ROUTE_DOMESTIC;
  }

  /** A voice call; duration is seconds of conversation (0 when not answered). */
  voice(from: Sim | string, to: Sim | string, t: number, duration: number, answered: boolean): void {
    const d = answered ? Math.max(1, duration) : 0;
    const fromNumber = typeof from === 'string' ? from : from.msisdn;
    const toNumber = typeof to === 'string' ? to : to.msisdn;
    if (typeof from !== 'string') this.push(from, t, EVENT_VOICE, 0, toNumber, d, answered, 0, ROUTE_NONE);
    if (typeof to !== 'string') this.push(to, t, EVENT_VOICE, 1, fromNumber, d, answered, 0, this.route(from, to));
  }

  sms(from: Sim | string, to: Sim | string, t: number): void {
    const fromNumber = typeof from === 'string' ? from : from.msisdn;
    const toNumber = typeof to === 'string' ? to : to.msisdn;
    if (typeof from !== 'string') this.push(from, t, EVENT_SMS, 0, toNumber, 0, false, 0, ROUTE_NONE);
    if (typeof to !== 'string') this.push(to, t + 1000 + (t % 5000), EVENT_SMS, 1, fromNumber, 0, false, 0, ROUTE_NONE);
  }

  data(sim: Sim, t: number, bytes: number): void {
    this.push(sim, t, EVENT_DATA, 0, '', 0, false, Math.max(1, Math.round(bytes)), ROUTE_NONE);
  }
}
