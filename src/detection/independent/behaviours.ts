/**
 * The behaviours of the independent generator, each written from the textbook description of
 * the behaviour (see README.md in this folder), each in several variants with wide ranges.
 * Every class builds its SIMs into the population, produces a day of events through the
 * emitter, and says where its SIMs are (cell) and in which device (IMEI) at a given moment.
 */
import {
  type Behaviour,
  DAY_MS,
  dayStart,
  type Emitter,
  HOUR_MS,
  OFFICE_HOURS,
  PEOPLE_HOURS,
  type Place,
  type Population,
  type Sim,
  START_MS,
  talk,
  timeIn,
  weekday,
} from './population.ts';
import { cumulative, pickCumulative, Rng } from './rng.ts';
import {
  DIASPORA_PREFIXES,
  foreignNumber,
  GATEWAY_TACS,
  handsetImei,
  MODULE_TACS,
  makeImei,
  REGIONS,
  WANGIRI_COUNTRY_CODES,
} from './world.ts';

const MINUTE_MS = 60_000;
/** Service short codes (balance, bank notices, information lines). */
const SHORT_CODES = ['1414', '7575', '2525', '9999', '102', '103', '160'];
/** Short codes that send notices (banks, the operator, government services). */
const NOTICE_SENDERS = ['1414', '7575', '2525', '9999', '160'];

function dayOf(t: number): number {
  return Math.floor((t - START_MS) / DAY_MS);
}

function hashKey(a: number, b: number): number {
  let h = Math.imul(a ^ 0x5bd1e995, 0x27d4eb2d) ^ Math.imul(b ^ 0x165667b1, 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

/** Zipf-like popularity over n items (a few regulars, a long tail). */
function zipf(n: number, exponent: number): Float64Array {
  const weights: number[] = [];
  for (let i = 0; i < n; i++) weights.push(1 / (i + 1) ** exponent);
  return cumulative(weights);
}

/** A callee among the population's ordinary subscribers or the wider country. */
function someone(rng: Rng, population: Population, insideShare: number): Sim | string {
  if (population.normals.length > 0 && rng.chance(insideShare)) return rng.pick(population.normals);
  return population.externalNumber(rng);
}

// ---------------------------------------------------------------- ordinary subscribers

interface NormalProfile {
  family: string;
  share: number;
  calls: [number, number];
  sms: [number, number];
  data: [number, number];
  degree: [number, number];
  answer: [number, number];
}

const NORMAL_PROFILES: NormalProfile[] = [
  {
    family: 'normal_social',
    share: 0.6,
    calls: [1.5, 9],
    sms: [0.2, 4],
    data: [3, 20],
    degree: [6, 30],
    answer: [0.7, 0.9],
  },
  {
    family: 'normal_light',
    share: 0.25,
    calls: [0.1, 1.5],
    sms: [0, 1],
    data: [0, 8],
    degree: [3, 10],
    answer: [0.6, 0.85],
  },
  {
    family: 'normal_heavy',
    share: 0.07,
    calls: [10, 30],
    sms: [1, 6],
    data: [8, 30],
    degree: [40, 110],
    answer: [0.75, 0.92],
  },
  {
    family: 'normal_elderly',
    share: 0.08,
    calls: [0.3, 2],
    sms: [0, 0.2],
    data: [0, 0],
    degree: [3, 8],
    answer: [0.65, 0.9],
  },
];

/**
 * Ordinary subscribers: a social graph of communities (family, neighbours, colleagues in one
 * region) with ties of unequal strength, so that calls are reciprocal and repeated; SMS, data,
 * home and work cells, service short codes, relatives abroad, now and then a new handset.
 */
export class OrdinaryPeople implements Behaviour {
  readonly members: Sim[] = [];
  private readonly profile: number[] = [];
  private readonly rates: { calls: number; sms: number; data: number; answer: number }[] = [];
  private readonly seed: number;
  private readonly population: Population;

  constructor(seed: number, population: Population, count: number, days: number) {
    this.seed = seed;
    this.population = population;
    const rng = new Rng(seed, 0x1001);
    const cdf = cumulative(NORMAL_PROFILES.map((p) => p.share));
    for (let i = 0; i < count; i++) {
      const p = pickCumulative(cdf, rng.next());
      const profile = NORMAL_PROFILES[p];
      const sim = population.add(rng, { kind: 'normal', family: profile.family });
      if (rng.chance(0.04) && days > 1) {
        sim.newImeiDay = rng.intIn(1, days - 1);
        sim.newImei = handsetImei(rng);
      }
      const externals = rng.intIn(1, 8);
      for (let k = 0; k < externals; k++) sim.external.push(population.externalNumber(rng));
      if (rng.chance(0.25)) sim.abroad = foreignNumber(rng, rng.pick(DIASPORA_PREFIXES));
      this.members.push(sim);
      this.profile.push(p);
      this.rates.push({
        calls: rng.range(profile.calls[0], profile.calls[1]),
        sms: rng.range(profile.sms[0], profile.sms[1]),
        data: rng.range(profile.data[0], profile.data[1]),
        answer: rng.range(profile.answer[0], profile.answer[1]),
      });
      population.normals.push(sim);
    }
    this.link(rng);
  }

  /** Communities of neighbours in one region, plus a few ties across the country. */
  private link(rng: Rng): void {
    const byRegion: Sim[][] = REGIONS.map(() => []);
    for (const sim of this.members) byRegion[this.population.network.sites[sim.home].region].push(sim);
    const community = new Map<number, Sim[]>();
    for (const list of byRegion) {
      rng.shuffle(list);
      for (let start = 0; start < list.length; start += 60) {
        const group = list.slice(start, start + 60);
        for (const sim of group) community.set(sim.id, group);
      }
    }
    const contactSets = new Map<number, Set<number>>();
    for (const sim of this.members) contactSets.set(sim.id, new Set());
    this.members.forEach((sim, i) => {
      const profile = NORMAL_PROFILES[this.profile[i]];
      const degree = rng.intIn(profile.degree[0], profile.degree[1]);
      const own = contactSets.get(sim.id)!;
      const group = community.get(sim.id)!;
      for (let tries = 0; own.size < degree && tries < degree * 3; tries++) {
        const other = rng.chance(0.75) && group.length > 1 ? rng.pick(group) : rng.pick(this.members);
        if (other.id === sim.id) continue;
        own.add(other.id);
        contactSets.get(other.id)!.add(sim.id);
      }
    });
    for (const sim of this.members) {
      const ids = rng.shuffle([...contactSets.get(sim.id)!]);
      sim.contacts = ids;
      sim.contactCdf = ids.length > 0 ? zipf(ids.length, 1.1) : null;
    }
  }

  locate(sim: Sim, t: number, out: Place): void {
    this.population.personPlace(sim, t, out);
  }

  private callee(rng: Rng, sim: Sim): Sim | string {
    const u = rng.next();
    if (u < 0.84 && sim.contactCdf)
      return this.population.sims[sim.contacts[pickCumulative(sim.contactCdf, rng.next())]];
    if (u < 0.94 && sim.external.length > 0) return rng.pick(sim.external);
    if (u < 0.96) return rng.pick(SHORT_CODES);
    if (u < 0.975 && sim.abroad) return sim.abroad;
    return this.population.externalNumber(rng);
  }

  day(day: number, emit: Emitter): void {
    const weekend = weekday(day) >= 5;
    for (let i = 0; i < this.members.length; i++) {
      const sim = this.members[i];
      const rate = this.rates[i];
      const rng = new Rng(this.seed, 0x1002, sim.id, day);
      const calls = rng.poisson(rate.calls * (weekend ? 0.8 : 1));
      for (let k = 0; k < calls; k++) {
        const to = this.callee(rng, sim);
        const answered = rng.chance(rate.answer);
        const international = typeof to === 'string' && !to.startsWith('+7');
        emit.voice(
          sim,
          to,
          timeIn(rng, day, PEOPLE_HOURS),
          answered ? talk(rng, international ? 240 : 55, 1.05) : 0,
          answered,
        );
      }
      // Calls from people outside the population: shops, doctors, relatives abroad.
      const incoming = rng.poisson(0.25 * rate.calls);
      for (let k = 0; k < incoming && sim.external.length > 0; k++) {
        const answered = rng.chance(rate.answer);
        emit.voice(
          rng.pick(sim.external),
          sim,
          timeIn(rng, day, PEOPLE_HOURS),
          answered ? talk(rng, 50, 1) : 0,
          answered,
        );
      }
      if (sim.abroad && rng.chance(0.2)) {
        const answered = rng.chance(0.8);
        emit.voice(sim.abroad, sim, timeIn(rng, day, PEOPLE_HOURS), answered ? talk(rng, 300, 0.8) : 0, answered);
      }
      const sms = rng.poisson(rate.sms);
      for (let k = 0; k < sms; k++) {
        const to =
          sim.contactCdf && rng.chance(0.85)
            ? this.population.sims[sim.contacts[pickCumulative(sim.contactCdf, rng.next())]]
            : this.callee(rng, sim);
        emit.sms(sim, to, timeIn(rng, day, PEOPLE_HOURS));
      }
      const notices = rng.poisson(0.4);
      for (let k = 0; k < notices; k++) emit.sms(rng.pick(NOTICE_SENDERS), sim, timeIn(rng, day, PEOPLE_HOURS));
      const sessions = rng.poisson(rate.data);
      for (let k = 0; k < sessions; k++) emit.data(sim, timeIn(rng, day, PEOPLE_HOURS), rng.logNormal(1_500_000, 1.6));
    }
  }
}

// ---------------------------------------------------------------- SIM-box farms

type Rotation = 'static' | 'per_day' | 'per_call' | 'random';

interface FarmSpec {
  family: string;
  rotation: Rotation;
  /** SIMs per slot (a SIM bank larger than the gateway takes turns). */
  banks: [number, number];
  calls: [number, number];
  fakeIncoming: boolean;
  humanLife: boolean;
  pauses: boolean;
  twoSites: boolean;
  handsetImei: boolean;
}

/**
 * SIM-box (interconnect bypass) farms as the fraud-management literature describes them: GSM
 * gateways of 8–64 modules re-originate international calls as local mobile calls; the SIMs
 * rotate through the modules (static, per day, per call, at random), the gateway sits in one
 * place, calls go to many unrelated domestic numbers and are real conversations.
 */
export const FARM_SPECS: FarmSpec[] = [
  {
    family: 'simbox_plain',
    rotation: 'per_day',
    banks: [1, 1],
    calls: [80, 250],
    fakeIncoming: false,
    humanLife: false,
    pauses: false,
    twoSites: false,
    handsetImei: false,
  },
  {
    family: 'simbox_static_slots',
    rotation: 'static',
    banks: [1, 1],
    calls: [60, 200],
    fakeIncoming: false,
    humanLife: false,
    pauses: false,
    twoSites: false,
    handsetImei: false,
  },
  {
    family: 'simbox_rotation_per_call',
    rotation: 'per_call',
    banks: [2, 3],
    calls: [40, 150],
    fakeIncoming: false,
    humanLife: false,
    pauses: false,
    twoSites: false,
    handsetImei: false,
  },
  {
    family: 'simbox_rotation_random',
    rotation: 'random',
    banks: [1, 2],
    calls: [50, 180],
    fakeIncoming: false,
    humanLife: false,
    pauses: false,
    twoSites: false,
    handsetImei: false,
  },
  {
    family: 'simbox_evasive_fake_incoming',
    rotation: 'per_day',
    banks: [1, 1],
    calls: [30, 80],
    fakeIncoming: true,
    humanLife: false,
    pauses: true,
    twoSites: false,
    handsetImei: false,
  },
  {
    family: 'simbox_evasive_human',
    rotation: 'random',
    banks: [1, 1],
    calls: [30, 80],
    fakeIncoming: true,
    humanLife: true,
    pauses: true,
    twoSites: false,
    handsetImei: false,
  },
  {
    family: 'simbox_two_sites',
    rotation: 'per_day',
    banks: [1, 1],
    calls: [50, 150],
    fakeIncoming: false,
    humanLife: false,
    pauses: false,
    twoSites: true,
    handsetImei: false,
  },
  {
    family: 'simbox_handset_imei',
    rotation: 'per_day',
    banks: [1, 1],
    calls: [40, 120],
    fakeIncoming: false,
    humanLife: true,
    pauses: true,
    twoSites: false,
    handsetImei: true,
  },
];

export const GATEWAY_SIZES = [8, 16, 32, 64];

export class SimboxFarm implements Behaviour {
  readonly sims: Sim[] = [];
  readonly spec: FarmSpec;
  private readonly seed: number;
  private readonly index: number;
  private readonly population: Population;
  /** IMEI of each module slot, and the gateway each slot belongs to. */
  private readonly imeis: string[] = [];
  private readonly gatewayOfSlot: number[] = [];
  private readonly sectorKeys: number[] = [];
  private readonly sites: number[];
  private readonly sitePeriod: number;
  private readonly banks: number;
  private readonly answerRate: number;
  private readonly medianTalk: number;
  private readonly windowStart: number;
  private readonly windowEnd: number;
  private readonly insideShare: number;
  /** Share of missed callees who ring the SIM back (the box never answers). */
  private readonly callbackRate: number;
  private stateDay = -1;
  private readonly slotOf: Int32Array;
  private readonly shiftOf: Int32Array;
  private switches: { t: number; slot: number }[][] = [];

  constructor(
    seed: number,
    index: number,
    population: Population,
    spec: FarmSpec,
    gateways: number,
    slotsPerGateway: number,
    banks: number,
  ) {
    this.seed = seed;
    this.index = index;
    this.population = population;
    this.spec = spec;
    this.banks = banks;
    const rng = new Rng(seed, 0x2001, index);
    const network = population.network;
    const region = network.randomRegion(rng);
    this.sites = [network.randomSite(rng, region)];
    if (spec.twoSites) this.sites.push(network.randomSite(rng, rng.chance(0.7) ? region : network.randomRegion(rng)));
    this.sitePeriod = rng.intIn(1, 2);
    // The gateways of a farm share one site and hear one or two of its cells.
    const sectorBase = rng.int(1 << 30);
    for (let g = 0; g < gateways; g++) {
      const tac = rng.pick(GATEWAY_TACS).tac;
      const base = rng.int(900_000);
      this.sectorKeys.push(sectorBase + (g % 2));
      for (let s = 0; s < slotsPerGateway; s++) {
        this.imeis.push(spec.handsetImei ? handsetImei(rng) : makeImei(tac, base + s));
        this.gatewayOfSlot.push(g);
      }
    }
    const singleOperator = rng.chance(0.7) ? population.randomOperator(rng) : -1;
    const count = gateways * slotsPerGateway * banks;
    for (let i = 0; i < count; i++) {
      const sim = population.add(rng, {
        kind: 'simbox',
        family: spec.family,
        operator: singleOperator >= 0 ? singleOperator : population.randomOperator(rng),
        region,
        imei: '',
      });
      sim.owner = this;
      sim.group = `simbox_farm_${index}`;
      this.sims.push(sim);
    }
    this.slotOf = new Int32Array(count);
    this.shiftOf = new Int32Array(count);
    this.answerRate = rng.range(0.4, 0.75);
    this.medianTalk = rng.range(90, 300);
    const evasive = spec.pauses || spec.humanLife;
    this.windowStart = evasive ? rng.intIn(7, 9) : rng.intIn(6, 10);
    this.windowEnd = evasive ? rng.intIn(21, 23) : rng.intIn(21, 24);
    this.insideShare = rng.range(0.3, 0.6);
    this.callbackRate = spec.family === 'simbox_plain' ? 0 : rng.range(0.005, 0.04);
  }

  private memberIndex(sim: Sim): number {
    return sim.id - this.sims[0].id;
  }

  /** Which slot each SIM sits in today, in which shift it works, and (random rotation) when it moves. */
  private state(day: number): void {
    if (day === this.stateDay) return;
    this.stateDay = day;
    const rng = new Rng(this.seed, 0x2002, this.index, day);
    const slots = this.imeis.length;
    const order = this.sims.map((_, i) => i);
    if (this.spec.rotation !== 'static') rng.shuffle(order);
    order.forEach((member, position) => {
      this.slotOf[member] = position % slots;
      this.shiftOf[member] = Math.floor(position / slots);
    });
    this.switches = [];
    if (this.spec.rotation === 'random') {
      for (let m = 0; m < this.sims.length; m++) {
        const moves: { t: number; slot: number }[] = [];
        const n = rng.intIn(1, 4);
        for (let k = 0; k < n; k++) moves.push({ t: dayStart(day) + rng.int(DAY_MS), slot: rng.int(slots) });
        moves.sort((a, b) => a.t - b.t);
        this.switches.push(moves);
      }
    }
  }

  private slotAt(member: number, t: number): number {
    this.state(dayOf(t));
    if (this.spec.rotation === 'per_call') return hashKey(member, Math.floor(t / 1000)) % this.imeis.length;
    let slot = this.slotOf[member];
    if (this.spec.rotation === 'random') for (const move of this.switches[member]) if (move.t <= t) slot = move.slot;
    return slot;
  }

  private siteOn(day: number): number {
    return this.sites[Math.floor(day / this.sitePeriod) % this.sites.length];
  }

  locate(sim: Sim, t: number, out: Place): void {
    const slot = this.slotAt(this.memberIndex(sim), t);
    out.imei = this.imeis[slot];
    out.cell = this.population.network.cellAt(
      this.siteOn(dayOf(t)),
      sim.operator,
      this.sectorKeys[this.gatewayOfSlot[slot]],
    );
  }

  day(day: number, emit: Emitter): void {
    this.state(day);
    const spec = this.spec;
    const windowStart = dayStart(day) + this.windowStart * HOUR_MS;
    const shiftLength = ((this.windowEnd - this.windowStart) * HOUR_MS) / this.banks;
    for (let m = 0; m < this.sims.length; m++) {
      const sim = this.sims[m];
      const rng = new Rng(this.seed, 0x2003, sim.id, day);
      const start = windowStart + this.shiftOf[m] * shiftLength;
      const end = start + shiftLength;
      const n = rng.intIn(spec.calls[0], spec.calls[1]);
      const meanCallMs = (this.answerRate * this.medianTalk * 1.3 + (1 - this.answerRate) * 30) * 1000;
      const gapMean = Math.max(3000, shiftLength / n - meanCallMs);
      let t = start + rng.exponential(gapMean);
      for (let k = 0; k < n && t < end; k++) {
        const answered = rng.chance(this.answerRate);
        const duration = answered ? talk(rng, this.medianTalk, 0.85, 3600) : 0;
        const callee = someone(rng, this.population, this.insideShare);
        emit.voice(sim, callee, Math.round(t), duration, answered);
        if (!answered && rng.chance(this.callbackRate))
          emit.voice(callee, sim, Math.round(t + rng.range(2, 120) * MINUTE_MS), 0, false);
        t += (answered ? duration * 1000 : rng.intIn(15, 45) * 1000) + rng.exponential(gapMean);
        if (spec.pauses && rng.chance(0.04)) t += rng.range(10, 50) * MINUTE_MS;
      }
      if (spec.fakeIncoming && this.sims.length > 1) {
        const fakes = rng.poisson(rng.range(2, 7));
        for (let k = 0; k < fakes; k++) {
          let other = this.sims[rng.int(this.sims.length)];
          if (other === sim) other = this.sims[(m + 1) % this.sims.length];
          emit.voice(other, sim, Math.round(start + rng.next() * shiftLength), talk(rng, 70, 0.6, 600), true);
        }
      }
      if (spec.humanLife) {
        const sms = rng.poisson(1);
        for (let k = 0; k < sms; k++) {
          const to = rng.chance(0.5) ? this.sims[rng.int(this.sims.length)] : this.population.externalNumber(rng);
          if (to !== sim) emit.sms(sim, to, Math.round(start + rng.next() * shiftLength));
        }
        const sessions = rng.poisson(1.5);
        for (let k = 0; k < sessions; k++)
          emit.data(sim, Math.round(start + rng.next() * shiftLength), rng.range(5_000, 400_000));
      }
    }
  }
}

// ---------------------------------------------------------------- fraud call-centres

interface CentreSpec {
  family: string;
  size: [number, number];
  calls: [number, number];
  answer: [number, number];
  /** Share of answered calls where the victim stays on the line. */
  longShare: number;
  list: 'range' | 'random';
  handsets: boolean;
  callbacks: number;
  life: boolean;
  roving: boolean;
  burners: boolean;
}

/**
 * Domestic fraud call-centres ("bank security service", "police" scams): rooms of SIMs dialling
 * lists of numbers (consecutive ranges or leaked databases) in office hours; most calls are
 * unanswered or cut within seconds; the SIMs of one centre sit together and move together.
 */
export const CENTRE_SPECS: CentreSpec[] = [
  {
    family: 'fraud_cc_list_dialer',
    size: [6, 30],
    calls: [100, 300],
    answer: [0.06, 0.22],
    longShare: 0.2,
    list: 'range',
    handsets: false,
    callbacks: 0.01,
    life: false,
    roving: false,
    burners: false,
  },
  {
    family: 'fraud_cc_random_list',
    size: [6, 25],
    calls: [60, 200],
    answer: [0.1, 0.3],
    longShare: 0.25,
    list: 'random',
    handsets: false,
    callbacks: 0.02,
    life: false,
    roving: false,
    burners: false,
  },
  {
    family: 'fraud_cc_evasive',
    size: [5, 20],
    calls: [25, 70],
    answer: [0.25, 0.45],
    longShare: 0.45,
    list: 'random',
    handsets: true,
    callbacks: 0.05,
    life: true,
    roving: false,
    burners: false,
  },
  {
    family: 'fraud_cc_roving',
    size: [6, 20],
    calls: [60, 180],
    answer: [0.08, 0.25],
    longShare: 0.25,
    list: 'range',
    handsets: true,
    callbacks: 0.02,
    life: false,
    roving: true,
    burners: true,
  },
];

export class FraudCentre implements Behaviour {
  readonly sims: Sim[] = [];
  readonly spec: CentreSpec;
  private readonly seed: number;
  private readonly index: number;
  private readonly population: Population;
  private readonly region: number;
  private readonly homeSite: number;
  private readonly movedSite: number;
  private readonly moveDay: number;
  private readonly sectorKey: number;
  private readonly answerRate: number;
  private readonly startHour: number;
  private readonly endHour: number;
  private readonly saturday: boolean;
  private readonly activeFrom: Int32Array;
  private readonly activeTo: Int32Array;

  constructor(seed: number, index: number, population: Population, spec: CentreSpec, size: number, days: number) {
    this.seed = seed;
    this.index = index;
    this.population = population;
    this.spec = spec;
    const rng = new Rng(seed, 0x3001, index);
    const network = population.network;
    this.region = network.randomRegion(rng);
    this.homeSite = network.randomSite(rng, this.region);
    this.movedSite = network.randomSite(rng, this.region);
    this.moveDay = rng.chance(0.5) ? rng.intIn(1, Math.max(1, days - 1)) : days + 1;
    this.sectorKey = rng.u32();
    const modules = !spec.handsets && rng.chance(0.5);
    const tac = rng.pick(MODULE_TACS).tac;
    const base = rng.int(900_000);
    // Burner SIMs: a larger pool of SIMs each used for a day or three.
    const pool = spec.burners ? size * Math.max(1, Math.ceil(days / 2)) : size;
    this.activeFrom = new Int32Array(pool);
    this.activeTo = new Int32Array(pool);
    for (let i = 0; i < pool; i++) {
      const sim = population.add(rng, {
        kind: 'fraud_caller',
        family: spec.family,
        region: this.region,
        imei: modules ? makeImei(tac, base + i) : handsetImei(rng),
      });
      sim.owner = this;
      sim.group = `fraud_centre_${index}`;
      this.sims.push(sim);
      if (spec.burners) {
        this.activeFrom[i] = Math.min(days - 1, Math.floor(i / size) * 2 + rng.int(2));
        this.activeTo[i] = this.activeFrom[i] + rng.intIn(1, 3);
      } else {
        this.activeFrom[i] = 0;
        this.activeTo[i] = days;
      }
    }
    this.answerRate = rng.range(spec.answer[0], spec.answer[1]);
    this.startHour = rng.intIn(8, 10);
    this.endHour = rng.intIn(18, 20);
    this.saturday = rng.chance(0.5);
  }

  private siteOn(day: number): number {
    if (this.spec.roving) {
      const rng = new Rng(this.seed, 0x3002, this.index, day);
      return this.population.network.randomSite(rng, this.region);
    }
    return day >= this.moveDay ? this.movedSite : this.homeSite;
  }

  locate(sim: Sim, t: number, out: Place): void {
    out.imei = sim.imei;
    out.cell = this.population.network.cellAt(this.siteOn(dayOf(t)), sim.operator, this.sectorKey + (sim.id & 1));
  }

  private victim(rng: Rng, cursor: { prefix: number; number: number }): Sim | string {
    if (this.spec.list === 'range') {
      cursor.number += rng.chance(0.15) ? 2 : 1;
      const number = `+7${cursor.prefix}${String(cursor.number % 10_000_000).padStart(7, '0')}`;
      return this.population.byNumber.get(number) ?? number;
    }
    return someone(rng, this.population, 0.45);
  }

  day(day: number, emit: Emitter): void {
    const wd = weekday(day);
    if (wd === 6 || (wd === 5 && !this.saturday)) return;
    const endHour = wd === 5 ? Math.min(this.endHour, 15) : this.endHour;
    const spec = this.spec;
    for (let m = 0; m < this.sims.length; m++) {
      if (day < this.activeFrom[m] || day >= this.activeTo[m]) continue;
      const sim = this.sims[m];
      const rng = new Rng(this.seed, 0x3003, sim.id, day);
      const block = this.population.randomBlock(rng);
      const cursor = { prefix: block.prefix, number: block.block * 10_000 + rng.int(5_000) };
      const start = dayStart(day) + this.startHour * HOUR_MS + rng.int(20 * MINUTE_MS);
      const end = dayStart(day) + endHour * HOUR_MS;
      const n = rng.intIn(spec.calls[0], spec.calls[1]);
      const meanCallMs = (this.answerRate * 60 + 30) * 1000;
      const gapMean = Math.max(2000, (end - start) / n - meanCallMs);
      let t = start + rng.exponential(gapMean);
      for (let k = 0; k < n && t < end; k++) {
        const answered = rng.chance(this.answerRate);
        const long = answered && rng.chance(spec.longShare);
        const duration = answered ? (long ? talk(rng, 240, 0.8, 2400) : talk(rng, 12, 0.7, 60)) : 0;
        const to = this.victim(rng, cursor);
        emit.voice(sim, to, Math.round(t), duration, answered);
        if (rng.chance(spec.callbacks)) {
          const back = rng.chance(0.6);
          emit.voice(to, sim, Math.round(t + rng.range(5, 90) * MINUTE_MS), back ? talk(rng, 40, 0.8) : 0, back);
        }
        t += (answered ? duration * 1000 : rng.intIn(20, 40) * 1000) + rng.exponential(gapMean);
        const hour = Math.floor((t - dayStart(day)) / HOUR_MS);
        if (hour === 13 && rng.chance(0.05)) t += rng.range(20, 50) * MINUTE_MS; // lunch
      }
      if (spec.life) {
        const sms = rng.poisson(1.2);
        for (let k = 0; k < sms; k++)
          emit.sms(sim, this.population.externalNumber(rng), Math.round(start + rng.next() * (end - start)));
        const sessions = rng.poisson(4);
        for (let k = 0; k < sessions; k++) emit.data(sim, timeIn(rng, day, PEOPLE_HOURS), rng.logNormal(800_000, 1.2));
        const incoming = rng.poisson(2);
        for (let k = 0; k < incoming; k++) {
          const answered = rng.chance(0.8);
          emit.voice(
            this.population.externalNumber(rng),
            sim,
            timeIn(rng, day, OFFICE_HOURS),
            answered ? talk(rng, 60, 0.8) : 0,
            answered,
          );
        }
      }
    }
  }
}

// ---------------------------------------------------------------- wangiri

/**
 * Wangiri ("one ring and cut"): a foreign premium-rate number rings many subscribers once, at
 * night, so that some call back; the call is dropped before or just after it is answered.
 */
export class Wangiri implements Behaviour {
  readonly number: string;
  readonly family: string;
  private readonly seed: number;
  private readonly index: number;
  private readonly population: Population;
  private readonly nights: Set<number>;
  private readonly perNight: number;
  private readonly burstMinutes: number;

  constructor(seed: number, index: number, population: Population, family: string, days: number) {
    this.seed = seed;
    this.index = index;
    this.population = population;
    this.family = family;
    const rng = new Rng(seed, 0x4001, index);
    const code = rng.pick(WANGIRI_COUNTRY_CODES);
    let number = `+${code}`;
    while (number.length < 12) number += rng.int(10);
    this.number = number;
    this.nights = new Set();
    if (family === 'wangiri_slow') for (let d = 0; d < days; d++) this.nights.add(d);
    else {
      this.nights.add(rng.int(days));
      if (rng.chance(0.4)) this.nights.add(rng.int(days));
    }
    const reach = Math.max(40, Math.floor(population.normals.length * 0.3));
    this.perNight =
      family === 'wangiri_slow' ? rng.intIn(20, 70) : rng.intIn(Math.min(80, reach), Math.min(400, reach));
    this.burstMinutes = family === 'wangiri_slow' ? 360 : rng.intIn(10, 90);
  }

  locate(_sim: Sim, _t: number, out: Place): void {
    out.cell = -1;
    out.imei = '';
  }

  day(day: number, emit: Emitter): void {
    if (!this.nights.has(day)) return;
    const rng = new Rng(this.seed, 0x4002, this.index, day);
    const normals = this.population.normals;
    if (normals.length === 0) return;
    const start = dayStart(day) + rng.range(0, this.family === 'wangiri_slow' ? 0.5 : 4.5) * HOUR_MS;
    const span = this.burstMinutes * MINUTE_MS;
    let victims: Sim[];
    if (this.family === 'wangiri_sequential') {
      const sorted = [...normals].sort((a, b) => (a.msisdn < b.msisdn ? -1 : 1));
      const from = rng.int(Math.max(1, sorted.length - this.perNight));
      victims = sorted.slice(from, from + this.perNight);
    } else {
      victims = [];
      for (let k = 0; k < this.perNight; k++) victims.push(rng.pick(normals));
    }
    victims.forEach((victim, k) => {
      const t = Math.round(start + (span * (k + rng.next())) / victims.length);
      const answered = rng.chance(0.04);
      emit.voice(this.number, victim, t, answered ? rng.intIn(1, 3) : 0, answered);
      if (rng.chance(0.05))
        emit.voice(victim, this.number, t + Math.round(rng.range(10, 600) * MINUTE_MS), talk(rng, 45, 0.7, 600), true);
    });
  }
}

// ---------------------------------------------------------------- legitimate heavy users

/** A pool of customers: a few regulars, a long tail; part of them in the population. */
class CustomerBase {
  readonly numbers: (Sim | string)[] = [];
  private readonly cdf: Float64Array;

  constructor(rng: Rng, population: Population, size: number, insideShare: number, exponent: number) {
    for (let i = 0; i < size; i++) this.numbers.push(someone(rng, population, insideShare));
    this.cdf = zipf(size, exponent);
  }

  pick(rng: Rng): Sim | string {
    return this.numbers[pickCumulative(this.cdf, rng.next())];
  }
}

/**
 * Taxi dispatch: customers ring the dispatcher to order a car, the dispatcher calls back to
 * confirm and rings drivers; regular customers call again and again. Some dispatch offices
 * terminate their lines on a GSM gateway, which makes them a SIM-box look-alike with one
 * decisive difference: the traffic is mostly incoming, from repeat callers.
 */
export class TaxiDispatch implements Behaviour {
  readonly sims: Sim[] = [];
  private readonly seed: number;
  private readonly population: Population;
  private readonly site: number;
  private readonly sectorKey: number;
  private readonly customers: CustomerBase;
  private readonly drivers: string[] = [];
  private readonly orders: number;

  constructor(seed: number, index: number, population: Population, family: string, size: number) {
    this.seed = seed;
    this.population = population;
    const rng = new Rng(seed, 0x5001, index);
    const region = population.network.randomRegion(rng);
    this.site = population.network.randomSite(rng, region);
    this.sectorKey = rng.u32();
    const gateway = family === 'legit_taxi_gateway';
    const tac = rng.pick(GATEWAY_TACS).tac;
    const base = rng.int(900_000);
    const operator = population.randomOperator(rng);
    for (let i = 0; i < size; i++) {
      const sim = population.add(rng, {
        kind: 'taxi',
        family,
        operator,
        region,
        imei: gateway ? makeImei(tac, base + i) : handsetImei(rng),
      });
      sim.owner = this;
      sim.group = `taxi_company_${index}`;
      this.sims.push(sim);
    }
    this.customers = new CustomerBase(rng, population, rng.intIn(300, 1500), 0.35, 0.9);
    const driverCount = rng.intIn(15, 50);
    for (let i = 0; i < driverCount; i++) this.drivers.push(population.externalNumber(rng));
    this.orders = rng.range(40, 120);
  }

  locate(sim: Sim, _t: number, out: Place): void {
    out.imei = sim.imei;
    out.cell = this.population.network.cellAt(this.site, sim.operator, this.sectorKey);
  }

  day(day: number, emit: Emitter): void {
    this.sims.forEach((sim, m) => {
      const rng = new Rng(this.seed, 0x5002, sim.id, day);
      // Day shift 08–20 for even SIMs, night shift 20–08 for odd ones.
      const night = m % 2 === 1;
      const orders = rng.poisson(this.orders * (night ? 0.6 : 1));
      for (let k = 0; k < orders; k++) {
        const hour = night ? (rng.chance(0.33) ? rng.intIn(20, 23) : rng.intIn(0, 7)) : rng.intIn(8, 19);
        const t = dayStart(day) + hour * HOUR_MS + rng.int(HOUR_MS);
        const customer = this.customers.pick(rng);
        const took = rng.chance(0.93);
        emit.voice(customer, sim, t, took ? talk(rng, 35, 0.5, 300) : 0, took);
        if (!took) continue;
        if (rng.chance(0.55)) {
          const ok = rng.chance(0.85);
          emit.voice(sim, customer, t + Math.round(rng.range(3, 15) * MINUTE_MS), ok ? talk(rng, 15, 0.5, 120) : 0, ok);
        }
        if (rng.chance(0.7)) {
          const ok = rng.chance(0.9);
          emit.voice(
            sim,
            rng.pick(this.drivers),
            t + Math.round(rng.range(0.5, 3) * MINUTE_MS),
            ok ? talk(rng, 20, 0.5, 180) : 0,
            ok,
          );
        }
        if (rng.chance(0.15)) emit.sms(sim, customer, t + 4 * MINUTE_MS);
      }
      const sessions = rng.poisson(5);
      for (let k = 0; k < sessions; k++) emit.data(sim, timeIn(rng, day, PEOPLE_HOURS), rng.logNormal(300_000, 1));
    });
  }
}

/**
 * Couriers: on the move all day through many cells, calling each customer before arriving,
 * called back by some, in touch with the office, and with a private life of their own.
 */
export class Couriers implements Behaviour {
  readonly sims: Sim[] = [];
  private readonly seed: number;
  private readonly population: Population;
  private readonly office: string[] = [];
  private readonly regulars: string[][] = [];

  constructor(seed: number, population: Population, count: number) {
    this.seed = seed;
    this.population = population;
    const rng = new Rng(seed, 0x6001);
    for (let i = 0; i < count; i++) {
      const sim = population.add(rng, { kind: 'courier', family: 'legit_courier' });
      sim.owner = this;
      // A few friends and family among ordinary subscribers.
      const friends = rng.intIn(3, 10);
      for (let k = 0; k < friends && population.normals.length > 0; k++)
        sim.contacts.push(rng.pick(population.normals).id);
      this.sims.push(sim);
      this.office.push(population.externalNumber(rng));
      const regulars: string[] = [];
      for (let k = rng.intIn(5, 15); k > 0; k--) regulars.push(population.externalNumber(rng));
      this.regulars.push(regulars);
    }
  }

  locate(sim: Sim, t: number, out: Place): void {
    const hour = Math.floor(((t - START_MS) % DAY_MS) / HOUR_MS);
    const network = this.population.network;
    if (hour < 9 || hour >= 20) {
      out.cell = network.cellAt(sim.home, sim.operator, sim.id);
    } else {
      // A new stop every ~40 minutes, anywhere in the home region.
      const stop = hashKey(sim.id, Math.floor((t - START_MS) / (40 * MINUTE_MS)));
      const sites = network.sitesByRegion[network.sites[sim.home].region];
      out.cell = network.cellAt(sites[stop % sites.length], sim.operator, stop >>> 4);
    }
    out.imei = sim.imei;
  }

  day(day: number, emit: Emitter): void {
    if (weekday(day) === 6) return;
    this.sims.forEach((sim, m) => {
      const rng = new Rng(this.seed, 0x6002, sim.id, day);
      const start = dayStart(day) + 9 * HOUR_MS;
      const customers = rng.intIn(15, 45);
      for (let k = 0; k < customers; k++) {
        const t = Math.round(start + (11 * HOUR_MS * (k + rng.next())) / customers);
        const customer = rng.chance(0.15) ? rng.pick(this.regulars[m]) : someone(rng, this.population, 0.3);
        const ok = rng.chance(0.75);
        emit.voice(sim, customer, t, ok ? talk(rng, 30, 0.5, 180) : 0, ok);
        if (!ok && rng.chance(0.5)) emit.voice(sim, customer, t + 3 * MINUTE_MS, talk(rng, 25, 0.5, 120), true);
        if (rng.chance(0.4))
          emit.voice(
            customer,
            sim,
            t - Math.round(rng.range(5, 60) * MINUTE_MS),
            talk(rng, 30, 0.6, 180),
            rng.chance(0.9),
          );
        if (rng.chance(0.2)) emit.sms(sim, customer, t + MINUTE_MS);
      }
      for (let k = rng.intIn(3, 8); k > 0; k--) {
        const t = start + rng.int(11 * HOUR_MS);
        if (rng.chance(0.5)) emit.voice(sim, this.office[m], t, talk(rng, 60, 0.6), true);
        else emit.voice(this.office[m], sim, t, talk(rng, 60, 0.6), rng.chance(0.9));
      }
      for (let k = rng.intIn(0, 4); k > 0 && sim.contacts.length > 0; k--) {
        const friend = this.population.sims[rng.pick(sim.contacts)];
        const ok = rng.chance(0.8);
        if (rng.chance(0.5)) emit.voice(sim, friend, timeIn(rng, day, PEOPLE_HOURS), ok ? talk(rng, 90, 1) : 0, ok);
        else emit.voice(friend, sim, timeIn(rng, day, PEOPLE_HOURS), ok ? talk(rng, 90, 1) : 0, ok);
      }
      for (let k = rng.intIn(15, 40); k > 0; k--)
        emit.data(sim, start + rng.int(12 * HOUR_MS), rng.logNormal(900_000, 1.2));
    });
  }
}

/**
 * Business call-centres (sales, collections, a helpdesk): many outbound calls from one office,
 * but to the company's own customers, answered and of business length, in office hours, from
 * handsets, with customers calling in as well.
 */
export class BusinessCentre implements Behaviour {
  readonly sims: Sim[] = [];
  private readonly seed: number;
  private readonly population: Population;
  private readonly site: number;
  private readonly sectorKey: number;
  private readonly customers: CustomerBase;
  private readonly helpdesk: boolean;
  private readonly answerRate: number;
  private readonly outbound: [number, number];
  private readonly inbound: [number, number];

  constructor(seed: number, index: number, population: Population, family: string, size: number) {
    this.seed = seed;
    this.population = population;
    const rng = new Rng(seed, 0x7001, index);
    const region = population.network.randomRegion(rng);
    this.site = population.network.randomSite(rng, region);
    this.sectorKey = rng.u32();
    this.helpdesk = family === 'legit_business_helpdesk';
    const operator = population.randomOperator(rng);
    for (let i = 0; i < size; i++) {
      const sim = population.add(rng, { kind: 'business_callcentre', family, operator, region });
      sim.owner = this;
      sim.group = `business_centre_${index}`;
      this.sims.push(sim);
    }
    this.customers = new CustomerBase(rng, population, rng.intIn(1500, 8000), 0.4, 0.6);
    this.answerRate = rng.range(0.55, 0.8);
    this.outbound = this.helpdesk ? [5, 25] : [40, 110];
    this.inbound = this.helpdesk ? [60, 150] : [8, 35];
  }

  locate(sim: Sim, _t: number, out: Place): void {
    out.imei = sim.imei;
    out.cell = this.population.network.cellAt(this.site, sim.operator, this.sectorKey);
  }

  day(day: number, emit: Emitter): void {
    const wd = weekday(day);
    if (wd === 6 || (wd === 5 && !this.helpdesk)) return;
    for (const sim of this.sims) {
      const rng = new Rng(this.seed, 0x7002, sim.id, day);
      for (let k = rng.intIn(this.outbound[0], this.outbound[1]); k > 0; k--) {
        const ok = rng.chance(this.answerRate);
        emit.voice(
          sim,
          this.customers.pick(rng),
          timeIn(rng, day, OFFICE_HOURS),
          ok ? talk(rng, 150, 0.7, 2400) : 0,
          ok,
        );
      }
      for (let k = rng.intIn(this.inbound[0], this.inbound[1]); k > 0; k--) {
        const ok = rng.chance(0.95);
        emit.voice(
          this.customers.pick(rng),
          sim,
          timeIn(rng, day, OFFICE_HOURS),
          ok ? talk(rng, 200, 0.7, 2400) : 0,
          ok,
        );
      }
      for (let k = rng.poisson(2); k > 0; k--) emit.sms(sim, this.customers.pick(rng), timeIn(rng, day, OFFICE_HOURS));
      for (let k = rng.poisson(3); k > 0; k--)
        emit.data(sim, timeIn(rng, day, OFFICE_HOURS), rng.logNormal(500_000, 1));
    }
  }
}

/**
 * M2M devices: smart meters (fixed, periodic small data), vehicle trackers (moving, frequent
 * data) and alarm panels (heartbeats, SMS and now and then a voice call to the owner); all on
 * industrial modules, whose TACs overlap those of gateways.
 */
export class IotFleet implements Behaviour {
  readonly sims: Sim[] = [];
  private readonly seed: number;
  private readonly population: Population;
  private readonly family: string;
  private readonly intervalMin: number;
  private readonly owners: (Sim | string)[] = [];
  private readonly server: string;

  constructor(seed: number, index: number, population: Population, family: string, size: number) {
    this.seed = seed;
    this.population = population;
    this.family = family;
    const rng = new Rng(seed, 0x8001, index);
    const operator = population.randomOperator(rng);
    const region = population.network.randomRegion(rng);
    const tac = rng.pick(MODULE_TACS).tac;
    const base = rng.int(900_000);
    for (let i = 0; i < size; i++) {
      const sim = population.add(rng, { kind: 'iot', family, operator, region, imei: makeImei(tac, base + i) });
      sim.owner = this;
      sim.group = `iot_fleet_${index}`;
      this.sims.push(sim);
      this.owners.push(someone(rng, population, 0.6));
    }
    this.intervalMin =
      family === 'legit_iot_meter'
        ? rng.range(30, 240)
        : family === 'legit_iot_tracker'
          ? rng.range(15, 40)
          : rng.range(60, 120);
    this.server = rng.pick(['7100', '1515', '4040']);
  }

  locate(sim: Sim, t: number, out: Place): void {
    const network = this.population.network;
    out.imei = sim.imei;
    if (this.family === 'legit_iot_tracker') {
      const hour = Math.floor(((t - START_MS) % DAY_MS) / HOUR_MS);
      if (hour >= 6 && hour < 22) {
        const leg = hashKey(sim.id, Math.floor((t - START_MS) / (50 * MINUTE_MS)));
        const sites = network.sitesByRegion[network.sites[sim.home].region];
        out.cell = network.cellAt(sites[leg % sites.length], sim.operator, leg >>> 5);
        return;
      }
    }
    out.cell = network.cellAt(sim.home, sim.operator, sim.id);
  }

  day(day: number, emit: Emitter): void {
    const interval = this.intervalMin * MINUTE_MS;
    this.sims.forEach((sim, m) => {
      const rng = new Rng(this.seed, 0x8002, sim.id, day);
      const tracker = this.family === 'legit_iot_tracker';
      for (let t = dayStart(day) + rng.int(interval); t < dayStart(day) + DAY_MS; t += interval * rng.range(0.9, 1.1)) {
        const hour = Math.floor((t - dayStart(day)) / HOUR_MS);
        if (tracker && (hour < 6 || hour >= 22) && rng.chance(0.7)) continue; // parked, fewer reports
        const bytes =
          this.family === 'legit_iot_meter'
            ? rng.range(200, 4000)
            : tracker
              ? rng.range(1000, 20_000)
              : rng.range(100, 1000);
        emit.data(sim, Math.round(t), bytes);
      }
      for (let k = rng.poisson(this.family === 'legit_iot_meter' ? 1 : 0.3); k > 0; k--)
        emit.sms(sim, this.server, dayStart(day) + rng.int(DAY_MS));
      if (this.family === 'legit_iot_alarm') {
        for (let k = rng.poisson(0.8); k > 0; k--) emit.sms(sim, this.owners[m], dayStart(day) + rng.int(DAY_MS));
        if (rng.chance(0.1)) {
          const ok = rng.chance(0.8);
          emit.voice(sim, this.owners[m], dayStart(day) + rng.int(DAY_MS), ok ? talk(rng, 20, 0.4, 90) : 0, ok);
        }
      }
    });
  }
}

/**
 * Network probes (active test systems): fixed pairs of test SIMs call each other on a timer,
 * day and night, with a fixed call length; interconnect probes pair two operators.
 */
export class ProbePair implements Behaviour {
  readonly sims: Sim[] = [];
  private readonly seed: number;
  private readonly index: number;
  private readonly population: Population;
  private readonly intervalMin: number;
  private readonly length: number;
  private readonly sms: boolean;

  constructor(seed: number, index: number, population: Population, family: string) {
    this.seed = seed;
    this.index = index;
    this.population = population;
    const rng = new Rng(seed, 0x9001, index);
    const first = population.randomOperator(rng);
    const second = family === 'legit_probe_interconnect' ? (first + 1 + rng.int(3)) % 4 : first;
    const module = rng.chance(0.5);
    const tac = rng.pick(MODULE_TACS).tac;
    for (const operator of [first, second]) {
      const sim = population.add(rng, {
        kind: 'probe',
        family,
        operator,
        imei: module ? makeImei(tac, rng.int(1_000_000)) : handsetImei(rng),
      });
      sim.owner = this;
      sim.group = `probe_pair_${index}`;
      this.sims.push(sim);
    }
    this.intervalMin = rng.pick([15, 20, 30, 60]);
    this.length = rng.pick([30, 60, 90, 120]);
    this.sms = rng.chance(0.5);
  }

  locate(sim: Sim, _t: number, out: Place): void {
    out.imei = sim.imei;
    out.cell = this.population.network.cellAt(sim.home, sim.operator, sim.id);
  }

  day(day: number, emit: Emitter): void {
    const rng = new Rng(this.seed, 0x9002, this.index, day);
    const [a, b] = this.sims;
    const slots = Math.floor((24 * 60) / this.intervalMin);
    for (let k = 0; k < slots; k++) {
      const t = dayStart(day) + k * this.intervalMin * MINUTE_MS + rng.int(20_000);
      const ok = rng.chance(0.985);
      emit.voice(k % 2 === 0 ? a : b, k % 2 === 0 ? b : a, t, ok ? this.length + rng.int(2) : 0, ok);
      if (this.sms && k % Math.max(1, Math.round(60 / this.intervalMin)) === 0) emit.sms(a, b, t + 5000);
    }
  }
}

const ROAMING_HOMES = [
  { prefix: '+79', mccMnc: '25001' },
  { prefix: '+99890', mccMnc: '43405' },
  { prefix: '+8613', mccMnc: '46000' },
  { prefix: '+90532', mccMnc: '28601' },
  { prefix: '+4915', mccMnc: '26201' },
  { prefix: '+99655', mccMnc: '43701' },
];

/**
 * Inbound roamers: foreign SIMs on a Kazakh network for part of the period, calling home and
 * called from home (international), calling hotels and partners locally, using data heavily;
 * tourists travel between cities, business visitors shuttle between hotel and office.
 */
export class Roamers implements Behaviour {
  readonly sims: Sim[] = [];
  private readonly seed: number;
  private readonly population: Population;
  private readonly stays: { from: number; to: number; regions: number[]; home: string[] }[] = [];

  constructor(seed: number, population: Population, count: number, days: number) {
    this.seed = seed;
    this.population = population;
    const rng = new Rng(seed, 0xa001);
    for (let i = 0; i < count; i++) {
      const family = i % 2 === 0 ? 'legit_roamer_tourist' : 'legit_roamer_business';
      const origin = rng.pick(ROAMING_HOMES);
      const sim = population.add(rng, {
        kind: 'roamer',
        family,
        msisdn: foreignNumber(rng, origin.prefix),
        imsi: `${origin.mccMnc}${String(rng.int(1e9)).padStart(9, '0')}${rng.int(10)}`,
      });
      sim.owner = this;
      if (family === 'legit_roamer_business')
        for (let k = rng.intIn(2, 6); k > 0 && population.normals.length > 0; k--)
          sim.contacts.push(rng.pick(population.normals).id);
      this.sims.push(sim);
      const from = rng.int(days);
      const regions = [population.network.sites[sim.home].region];
      if (family === 'legit_roamer_tourist')
        for (let k = rng.intIn(1, 2); k > 0; k--) regions.push(population.network.randomRegion(rng));
      const home: string[] = [];
      for (let k = rng.intIn(2, 6); k > 0; k--) home.push(foreignNumber(rng, origin.prefix));
      this.stays.push({ from, to: from + rng.intIn(1, days), regions, home });
    }
  }

  locate(sim: Sim, t: number, out: Place): void {
    const stay = this.stays[sim.id - this.sims[0].id];
    const day = dayOf(t);
    const network = this.population.network;
    out.imei = sim.imei;
    const region = stay.regions[Math.max(0, day - stay.from) % stay.regions.length];
    if (sim.family === 'legit_roamer_business') {
      this.population.personPlace(sim, t, out);
      return;
    }
    const spot = hashKey(sim.id, Math.floor((t - START_MS) / (2 * HOUR_MS)));
    const sites = network.sitesByRegion[region];
    out.cell = network.cellAt(sites[spot % sites.length], sim.operator, spot >>> 4);
  }

  day(day: number, emit: Emitter): void {
    this.sims.forEach((sim, m) => {
      const stay = this.stays[m];
      if (day < stay.from || day >= stay.to) return;
      const rng = new Rng(this.seed, 0xa002, sim.id, day);
      for (let k = rng.poisson(3); k > 0; k--) {
        const ok = rng.chance(0.8);
        emit.voice(sim, rng.pick(stay.home), timeIn(rng, day, PEOPLE_HOURS), ok ? talk(rng, 150, 0.9) : 0, ok);
      }
      for (let k = rng.poisson(2); k > 0; k--) {
        const ok = rng.chance(0.75);
        emit.voice(rng.pick(stay.home), sim, timeIn(rng, day, PEOPLE_HOURS), ok ? talk(rng, 180, 0.9) : 0, ok);
      }
      for (let k = rng.poisson(1.5); k > 0; k--) {
        const local =
          sim.contacts.length > 0 && rng.chance(0.6)
            ? this.population.sims[rng.pick(sim.contacts)]
            : this.population.externalNumber(rng);
        const ok = rng.chance(0.8);
        emit.voice(sim, local, timeIn(rng, day, PEOPLE_HOURS), ok ? talk(rng, 60, 0.8) : 0, ok);
      }
      for (let k = rng.poisson(1); k > 0; k--) emit.sms(sim, rng.pick(stay.home), timeIn(rng, day, PEOPLE_HOURS));
      for (let k = rng.poisson(15); k > 0; k--)
        emit.data(sim, timeIn(rng, day, PEOPLE_HOURS), rng.logNormal(2_500_000, 1.3));
    });
  }
}
