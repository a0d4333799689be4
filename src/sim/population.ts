/**
 * The simulated population: every SIM (and fixed line) with its number, operator, device, cells
 * and role, held in flat typed arrays indexed by subscriber, so a million subscribers cost tens
 * of megabytes and the traffic loop reads them without chasing objects.
 *
 * Index layout (chosen so the social graph needs no adjacency lists):
 *   [0, socialCount)       people: ordinary subscribers, fixed lines, taxi drivers, couriers,
 *                          roamers, laid out city by city; close contacts are the other members of
 *                          the block of six an index falls in, wider contacts sit at fixed offsets,
 *                          so every relation is mutual by construction.
 *   [socialCount, size)    business call-centre agents, IoT devices, test probes, SIM-box SIMs and
 *                          fraud call-centre SIMs, each group a contiguous range.
 */
import type { NumberingPlan } from '../numbering/plan.ts';
import {
  CITIES,
  COUNTRIES,
  GATEWAY_TACS,
  HANDSET_TACS,
  IOT_TACS,
  imeiWithSerial,
  makeImei,
  PREMIUM_PREFIXES,
  PROBE_TACS,
  randomDigits,
} from './geography.ts';
import { cumulate, type Random } from './random.ts';
import type { Scenario } from './scenarios.ts';

const FAMILY_TACS = { gateway: GATEWAY_TACS, handset: HANDSET_TACS, iot: IOT_TACS } as const;

export const KIND_NORMAL = 0;
export const KIND_TAXI = 1;
export const KIND_COURIER = 2;
export const KIND_ROAMER = 3;
export const KIND_BUSINESS = 4;
export const KIND_IOT = 5;
export const KIND_PROBE = 6;
export const KIND_SIMBOX = 7;
export const KIND_FRAUD_CALLER = 8;
/** Truth names of the kinds above, as written to truth.csv. */
export const KIND_NAMES = [
  'normal',
  'taxi',
  'courier',
  'roamer',
  'business_callcentre',
  'iot',
  'probe',
  'simbox',
  'fraud_caller',
] as const;

/** Size of the close-contact blocks: each person has five close contacts. */
export const CLOSE_BLOCK = 6;
/** Offsets of wider contacts; symmetric, so i↔i+k holds both ways. */
export const WIDE_OFFSETS = [7, 19, 43, 101, 263, 617, 1409, 3001, 7919, 15013, 40009, 100003].flatMap((k) => [k, -k]);

/** Mobile network codes (MCC 401 = Kazakhstan) used in IMSIs. */
const MOBILE_NETWORK_CODES: Record<string, string> = {
  BEELINE: '01',
  KCELL: '02',
  ALTEL: '07',
  KAZAKHTELECOM: '08',
  TELE2: '77',
};
/** Approximate subscriber shares of the Kazakh mobile market. */
const MARKET_SHARE: Record<string, number> = { BEELINE: 0.4, KCELL: 0.33, TELE2: 0.18, ALTEL: 0.09 };

export interface Cells {
  id: string[];
  lat: number[];
  lon: number[];
  region: string[];
  /** First cell index and cell count of each city (CITIES order). */
  cityFirst: Int32Array;
  cityCount: Int32Array;
  /** Cell of each roaming country (COUNTRIES order). */
  roamingCell: Int32Array;
}

/** A set of SIMs acting together: a SIM-box, a call-centre, an IoT fleet, a probe site, a taxi pool. */
export interface Group {
  name: string;
  kind: number;
  city: number;
  operator: number;
  /** Members' index range [first, end); empty for groups of people spread over the social range. */
  first: number;
  end: number;
  /** Cells the group works from (several when the group moves). */
  cells: number[];
  /** Device IMEIs: per day, per module / handset (a SIM-box rotating IMEIs gets new ones daily). */
  imeisByDay: string[][];
  /** SIM-box slots or call-centre handsets: how many SIMs are on air at once. */
  slots: number;
  /** Hours a SIM stays in a slot before the next one replaces it. */
  shiftHours: number;
  evasion: number;
}

export interface SpoofingCentre {
  name: string;
  /** Caller IDs it puts on its calls: indexes into Population.spoofNumbers. */
  pool: number[];
}

export interface Population {
  size: number;
  socialCount: number;
  operators: string[];
  /** Operator index by id. */
  mobileOperators: number[];
  msisdn: string[];
  /** Serving operator (after porting) and the numbering plan's range owner. */
  operator: Uint8Array;
  rangeOperator: Uint8Array;
  kind: Uint8Array;
  /** 1 for Kazakhtelecom fixed lines: no IMSI, IMEI, SMS or data. */
  fixedLine: Uint8Array;
  /** 1 for SIMs that move between random cells of their city all day (taxis, couriers, trackers). */
  mover: Uint8Array;
  group: Int32Array;
  city: Uint8Array;
  homeCell: Int32Array;
  workCell: Int32Array;
  activity: Float32Array;
  /** ",IMSI,IMEI," as it sits between other_party and cell_id in a CDR row (",,," for fixed lines). */
  device: string[];
  /** Slot (SIM-box) or handset (call-centre) of a group member; for roamers, the visited country. */
  unit: Int32Array;
  /** Absolute simulation hours [from, to) the SIM is on air (rotation); people are always on. */
  activeFrom: Int32Array;
  activeTo: Int32Array;
  /** SIM activation date (days before the simulation starts). */
  simAgeDays: Int32Array;
  groups: Group[];
  businessFirst: number;
  businessEnd: number;
  /** Numbers only ever seen as caller IDs: spoofed from abroad (random unassigned, bank hotlines). */
  spoofNumbers: string[];
  spoofGroup: Int32Array;
  spoofCentres: SpoofingCentre[];
  /** Real subscribers whose numbers spoofers also borrow (indexes into the population). */
  spoofedSubscribers: number[];
  dno: { number: string; reason: string }[];
  wangiriSources: string[];
  cells: Cells;
}

function buildCells(random: Random, subscribers: number): Cells {
  const total = Math.max(CITIES.length * 4, Math.round(subscribers / 250));
  const populationSum = CITIES.reduce((s, c) => s + c.population, 0);
  const cells: Cells = {
    id: [],
    lat: [],
    lon: [],
    region: [],
    cityFirst: new Int32Array(CITIES.length),
    cityCount: new Int32Array(CITIES.length),
    roamingCell: new Int32Array(COUNTRIES.length),
  };
  CITIES.forEach((city, c) => {
    const count = Math.max(3, Math.round((total * city.population) / populationSum));
    cells.cityFirst[c] = cells.id.length;
    cells.cityCount[c] = count;
    for (let k = 0; k < count; k++) {
      cells.id.push(`KZ-${city.code}-${String(k + 1).padStart(4, '0')}`);
      // Denser near the centre, like a real network: normal spread around the city centre.
      cells.lat.push(round5(city.lat + city.spread * random.normal() * 0.6));
      cells.lon.push(round5(city.lon + city.spread * 1.4 * random.normal() * 0.6));
      cells.region.push(city.region);
    }
  });
  COUNTRIES.forEach((country, k) => {
    cells.roamingCell[k] = cells.id.length;
    cells.id.push(`ROAM-${country.iso}-0001`);
    cells.lat.push(country.lat);
    cells.lon.push(country.lon);
    cells.region.push(`abroad:${country.iso}`);
  });
  return cells;
}

function round5(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

/** Builds the population of a scenario; everything drawn from `random`, in a fixed order. */
export function buildPopulation(
  plan: NumberingPlan,
  scenario: Scenario,
  subscribers: number,
  days: number,
  random: Random,
): Population {
  const operators = plan.operators.map((o) => o.id);
  const operatorIndex = new Map(operators.map((id, i) => [id, i]));
  const mobilePrefixes: string[][] = operators.map(() => []);
  const fixedPrefixes = new Map<string, { prefix: string; operator: number }>();
  for (const a of plan.allocations) {
    const op = operatorIndex.get(a.operator)!;
    if (a.type === 'mobile') mobilePrefixes[op].push(a.prefix);
    else if (a.type === 'fixed' && !fixedPrefixes.has(a.prefix.slice(0, 3)))
      fixedPrefixes.set(a.prefix.slice(0, 3), { prefix: a.prefix, operator: op });
  }
  const mobileOperators = operators.map((_, i) => i).filter((i) => mobilePrefixes[i].length > 0);
  if (mobileOperators.length === 0) throw new Error('numbering plan has no mobile allocations');
  const marketCumulative = cumulate(mobileOperators.map((i) => MARKET_SHARE[operators[i]] ?? 0.05));
  const fixedList = [...fixedPrefixes.values()];
  const cc = plan.countryCode;
  const nationalLength = plan.nationalNumberLength;
  const taken = new Set<number>();
  const cells = buildCells(random, subscribers);

  function newNumber(prefix: string): string {
    for (;;) {
      const digits = prefix + randomDigits(random, nationalLength - prefix.length);
      const value = Number(cc + digits);
      if (!taken.has(value)) {
        taken.add(value);
        return `+${cc}${digits}`;
      }
    }
  }
  const newMobileNumber = (op: number) => newNumber(random.pick(mobilePrefixes[op]));
  const pickMobileOperator = () => mobileOperators[random.weighted(marketCumulative)];
  function fixedPrefixForCity(city: number): { prefix: string; operator: number } | undefined {
    return fixedPrefixes.get(CITIES[city].areaCode) ?? fixedList[0];
  }
  function imsiFor(op: number): string {
    const code = MOBILE_NETWORK_CODES[operators[op]] ?? String(90 + (op % 10));
    return `401${code}${randomDigits(random, 10)}`;
  }

  // Growable columns while building; frozen into typed arrays at the end.
  const msisdn: string[] = [];
  const device: string[] = [];
  const operator: number[] = [];
  const rangeOperator: number[] = [];
  const kind: number[] = [];
  const fixedLine: number[] = [];
  const mover: number[] = [];
  const group: number[] = [];
  const city: number[] = [];
  const homeCell: number[] = [];
  const workCell: number[] = [];
  const activity: number[] = [];
  const unit: number[] = [];
  const activeFrom: number[] = [];
  const activeTo: number[] = [];
  const simAge: number[] = [];
  const groups: Group[] = [];
  const hours = days * 24;
  const cityCell = (c: number) => cells.cityFirst[c] + random.int(cells.cityCount[c]);
  const cityCumulative = cumulate(CITIES.map((c) => c.population));

  function add(fields: {
    number: string;
    op: number;
    rangeOp: number;
    kind: number;
    fixed?: boolean;
    mover?: boolean;
    group?: number;
    city: number;
    home: number;
    work?: number;
    activity?: number;
    tacs?: readonly string[];
    imei?: string;
    unit?: number;
    from?: number;
    to?: number;
    ageDays: number;
  }): number {
    msisdn.push(fields.number);
    operator.push(fields.op);
    rangeOperator.push(fields.rangeOp);
    kind.push(fields.kind);
    fixedLine.push(fields.fixed ? 1 : 0);
    mover.push(fields.mover ? 1 : 0);
    group.push(fields.group ?? -1);
    city.push(fields.city);
    homeCell.push(fields.home);
    workCell.push(fields.work ?? fields.home);
    activity.push(fields.activity ?? 1);
    // One flat string per SIM for both identifiers: join() copies the pieces into one sequential
    // string, where a template literal would keep a tree of pieces alive (3x the memory).
    device.push(
      fields.fixed
        ? ',,,'
        : [
            ',',
            imsiFor(fields.op),
            ',',
            fields.imei ?? makeImei(random, random.pick(fields.tacs ?? HANDSET_TACS)),
            ',',
          ].join(''),
    );
    unit.push(fields.unit ?? 0);
    activeFrom.push(fields.from ?? 0);
    activeTo.push(fields.to ?? hours);
    simAge.push(fields.ageDays);
    return msisdn.length - 1;
  }

  /** A mobile subscription, ported with the scenario's probability. */
  function mobileLine(portable: boolean): { number: string; op: number; rangeOp: number } {
    const rangeOp = pickMobileOperator();
    const number = newMobileNumber(rangeOp);
    let op = rangeOp;
    if (portable && mobileOperators.length > 1 && random.chance(scenario.portedShare)) {
      while (op === rangeOp) op = random.pick(mobileOperators);
    }
    return { number, op, rangeOp };
  }

  // Bank hotlines and state numbers that never call out: the DNO list; spoofers love them.
  const dno: { number: string; reason: string }[] = [];
  for (let k = 0; k < 12; k++) {
    const fixed = fixedPrefixForCity(k % 3 === 0 ? 1 : 0);
    if (!fixed) break;
    dno.push({ number: newNumber(fixed.prefix), reason: k < 9 ? 'bank hotline (inbound only)' : 'state service line' });
  }

  // People, city by city.
  const businessAgents = Math.round(subscribers * scenario.businessAgentShare);
  const iotDevices = Math.round(subscribers * scenario.iotShare);
  const probes = Math.max(2, scenario.probes - (scenario.probes % 2));
  const socialCount = Math.max(CLOSE_BLOCK, subscribers - businessAgents - iotDevices - probes);
  const citySocial = CITIES.map((c) => c.population);
  const citySum = citySocial.reduce((a, b) => a + b, 0);
  const shareTaxi = scenario.taxiShare * (subscribers / socialCount);
  const shareCourier = scenario.courierShare * (subscribers / socialCount);
  const shareRoamer = scenario.roamerShare * (subscribers / socialCount);
  const countryCumulative = cumulate(COUNTRIES.map((c) => c.weight));
  const peopleGroups = new Map<string, number>();
  const groupOfPeople = (name: string, kindOf: number, c: number): number => {
    let g = peopleGroups.get(name);
    if (g === undefined) {
      g = groups.length;
      peopleGroups.set(name, g);
      groups.push(emptyGroup(name, kindOf, c, -1));
    }
    return g;
  };
  let assigned = 0;
  for (let c = 0; c < CITIES.length; c++) {
    const count =
      c === CITIES.length - 1 ? socialCount - assigned : Math.round((socialCount * citySocial[c]) / citySum);
    for (let k = 0; k < count && assigned < socialCount; k++, assigned++) {
      const r = random.next();
      const home = cityCell(c);
      const work = random.chance(0.65) ? cityCell(c) : home;
      const activityLevel = random.logNormal(0.85, 0.6);
      const age = random.between(60, 3650);
      if (r < shareTaxi || r < shareTaxi + shareCourier) {
        const isTaxi = r < shareTaxi;
        const line = mobileLine(true);
        add({
          ...line,
          kind: isTaxi ? KIND_TAXI : KIND_COURIER,
          mover: true,
          group: groupOfPeople(
            `${isTaxi ? 'taxi' : 'courier'}-${CITIES[c].code}`,
            isTaxi ? KIND_TAXI : KIND_COURIER,
            c,
          ),
          city: c,
          home,
          work,
          activity: activityLevel,
          ageDays: age,
        });
      } else if (r < shareTaxi + shareCourier + shareRoamer) {
        const line = mobileLine(true);
        const country = random.weighted(countryCumulative);
        const roaming = cells.roamingCell[country];
        add({
          ...line,
          kind: KIND_ROAMER,
          group: groupOfPeople(`roaming-${COUNTRIES[country].iso}`, KIND_ROAMER, c),
          city: c,
          home: roaming,
          activity: activityLevel,
          unit: country,
          ageDays: age,
        });
      } else if (random.chance(scenario.fixedLineShare) && fixedPrefixForCity(c)) {
        const fixed = fixedPrefixForCity(c)!;
        add({
          number: newNumber(fixed.prefix),
          op: fixed.operator,
          rangeOp: fixed.operator,
          kind: KIND_NORMAL,
          fixed: true,
          city: c,
          home,
          activity: activityLevel,
          ageDays: age,
        });
      } else {
        add({ ...mobileLine(true), kind: KIND_NORMAL, city: c, home, work, activity: activityLevel, ageDays: age });
      }
    }
  }

  // Business call-centres: registered corporate SIMs of one operator in one office, one phone each.
  const businessFirst = msisdn.length;
  for (let left = businessAgents, k = 1; left > 0; k++) {
    const size = Math.min(left, random.between(8, 30));
    const c = random.weighted(cityCumulative);
    const op = pickMobileOperator();
    const office = cityCell(c);
    const g = groups.length;
    groups.push({ ...emptyGroup(`callcentre-${CITIES[c].code}-${k}`, KIND_BUSINESS, c, op), first: msisdn.length });
    groups[g].cells = [office];
    for (let a = 0; a < size; a++) {
      add({
        number: newMobileNumber(op),
        op,
        rangeOp: op,
        kind: KIND_BUSINESS,
        group: g,
        city: c,
        home: office,
        activity: random.logNormal(1, 0.3),
        ageDays: random.between(365, 3650),
      });
    }
    groups[g].end = msisdn.length;
    left -= size;
  }
  const businessEnd = msisdn.length;

  // IoT fleets: meters sit still, trackers move; data only.
  for (let left = iotDevices, k = 1; left > 0; k++) {
    const size = Math.min(left, random.between(20, 400));
    const c = random.weighted(cityCumulative);
    const op = pickMobileOperator();
    const trackers = random.chance(0.4);
    const g = groups.length;
    groups.push({
      ...emptyGroup(`iot-${trackers ? 'trackers' : 'meters'}-${k}`, KIND_IOT, c, op),
      first: msisdn.length,
    });
    for (let a = 0; a < size; a++) {
      add({
        number: newMobileNumber(op),
        op,
        rangeOp: op,
        kind: KIND_IOT,
        mover: trackers,
        group: g,
        city: c,
        home: cityCell(c),
        activity: trackers ? 2 : 0.5,
        tacs: IOT_TACS,
        ageDays: random.between(30, 2000),
      });
    }
    groups[g].end = msisdn.length;
    left -= size;
  }

  // Test probes: pairs at one site calling each other around the clock, one pair per site.
  for (let p = 0, k = 1; p < probes; p += 2, k++) {
    const c = k % CITIES.length;
    const op = mobileOperators[k % mobileOperators.length];
    const site = cityCell(c);
    const g = groups.length;
    groups.push({ ...emptyGroup(`probe-site-${k}`, KIND_PROBE, c, op), first: msisdn.length, cells: [site] });
    for (let a = 0; a < 2; a++) {
      add({
        number: newMobileNumber(op),
        op,
        rangeOp: op,
        kind: KIND_PROBE,
        group: g,
        city: c,
        home: site,
        tacs: PROBE_TACS,
        unit: p / 2,
        ageDays: random.between(100, 1500),
      });
    }
    groups[g].end = msisdn.length;
  }

  // SIM-boxes.
  const box = scenario.simbox;
  const boxSims =
    box.simsPerThousand > 0 ? Math.max(box.simsPerBox, Math.round((subscribers * box.simsPerThousand) / 1000)) : 0;
  const boxes = Math.ceil(boxSims / box.simsPerBox);
  for (let b = 1; b <= boxes; b++) {
    const c = random.weighted(cityCumulative);
    const op = pickMobileOperator();
    const evasion = box.evasion;
    const v = box.variation;
    // Evasive boxes swap SIMs every few hours so no SIM builds a long record; plain ones never do.
    let shiftHours = evasion > 0.2 ? Math.max(6, Math.round(24 * (1 - 0.7 * evasion))) : hours;
    if (v) shiftHours = v.rotation === 'daily' ? 24 : v.rotation === 'shift' ? Math.max(1, v.shiftHours) : hours;
    const moves = evasion > 0.5;
    const cellCount = v ? Math.max(1, v.cells) : moves ? 3 : 1;
    const groupCells = Array.from({ length: cellCount }, () => cityCell(c));
    const modules = v?.staticSlots ? box.simsPerBox : box.modulesPerBox;
    const rotateImeis = v ? v.newImeisDaily : evasion > 0.3;
    const moduleTacs = v ? FAMILY_TACS[v.tacFamily] : GATEWAY_TACS;
    const laterTacs = v ? moduleTacs : HANDSET_TACS;
    let firstDayImeis: string[];
    if (v?.staticSlots) {
      // The ports of one gateway: modules of one batch, consecutive serials.
      const tac = random.pick(moduleTacs);
      const base = random.int(900_000);
      firstDayImeis = Array.from({ length: modules }, (_, k) => imeiWithSerial(tac, String(base + k).padStart(6, '0')));
    } else firstDayImeis = Array.from({ length: modules }, () => makeImei(random, random.pick(moduleTacs)));
    const imeisByDay = [firstDayImeis];
    for (let d = 1; d < days; d++)
      imeisByDay.push(rotateImeis ? firstDayImeis.map(() => makeImei(random, random.pick(laterTacs))) : firstDayImeis);
    const g = groups.length;
    groups.push({
      ...emptyGroup(`simbox-${b}`, KIND_SIMBOX, c, op),
      first: msisdn.length,
      cells: groupCells,
      imeisByDay,
      slots: box.simsPerBox,
      shiftHours,
      evasion,
    });
    for (let slot = 0; slot < box.simsPerBox; slot++) {
      // Staggered shifts: slot s changes SIM at hours s·k + n·shift, so the box never goes dark.
      const phase = shiftHours >= hours ? 0 : Math.floor((slot * shiftHours) / box.simsPerBox);
      for (let from = -phase; from < hours; from += shiftHours) {
        add({
          ...simboxLine(op),
          kind: KIND_SIMBOX,
          group: g,
          city: c,
          home: groupCells[0],
          tacs: GATEWAY_TACS,
          imei: firstDayImeis[slot % modules],
          unit: slot,
          from: Math.max(0, from),
          to: Math.min(hours, from + shiftHours),
          // Aged SIMs (bought from people) for evasive boxes; fresh bulk SIMs otherwise.
          ageDays: evasion > 0.5 || v?.borrowedLife ? random.between(200, 2000) : random.between(1, 30),
        });
      }
    }
    groups[g].end = msisdn.length;
  }
  function simboxLine(op: number) {
    return { number: newMobileNumber(op), op, rangeOp: op };
  }

  // Domestic fraud call-centres: handsets with a fresh bulk SIM each day, high fan-out.
  const centre = scenario.fraudCentres;
  const fraudSims =
    centre.simsPerThousand > 0
      ? Math.max(centre.simsPerCentre, Math.round((subscribers * centre.simsPerThousand) / 1000))
      : 0;
  const centres = Math.ceil(fraudSims / centre.simsPerCentre);
  for (let k = 1; k <= centres; k++) {
    const c = random.weighted(cityCumulative);
    const evasion = centre.evasion;
    const cv = centre.variation;
    const spread = cv ? Math.max(1, cv.cells) : evasion > 0.5 ? 4 : 1;
    const groupCells = Array.from({ length: spread }, () => cityCell(c));
    const handsets = Array.from({ length: centre.simsPerCentre }, () => makeImei(random, random.pick(HANDSET_TACS)));
    const g = groups.length;
    const shiftHours = cv && !cv.freshSimDaily ? hours : 24;
    groups.push({
      ...emptyGroup(`fraud-centre-${k}`, KIND_FRAUD_CALLER, c, -1),
      first: msisdn.length,
      cells: groupCells,
      imeisByDay: [handsets],
      slots: centre.simsPerCentre,
      shiftHours,
      evasion,
    });
    for (let handset = 0; handset < centre.simsPerCentre; handset++) {
      for (let from = 0; from < hours; from += shiftHours) {
        add({
          ...mobileLine(false),
          kind: KIND_FRAUD_CALLER,
          group: g,
          city: c,
          home: groupCells[handset % spread],
          imei: handsets[handset],
          unit: handset,
          from,
          to: Math.min(hours, from + shiftHours),
          ageDays: random.between(0, evasion > 0.5 ? 90 : 10),
        });
      }
    }
    groups[g].end = msisdn.length;
  }

  // Spoofing call-centres abroad: pools of Kazakh caller IDs. Evasive centres rotate through far more.
  const spoofNumbers: string[] = [];
  const spoofGroupList: number[] = [];
  const spoofCentres: SpoofingCentre[] = [];
  const spoofedSubscribers: number[] = [];
  const spoofing = scenario.spoofing;
  const spoofCentreCount = spoofing.callsPerSubscriberPerDay > 0 ? Math.max(1, spoofing.centres) : 0;
  const poolSize = Math.round(10 + 400 * spoofing.evasion * Math.min(1, subscribers / 50000) + 40 * spoofing.evasion);
  const dnoSpoofIndex = dno.map(() => -1);
  for (let k = 0; k < spoofCentreCount; k++) {
    const pool: number[] = [];
    for (let p = 0; p < poolSize; p++) {
      const r = random.next();
      if (r < 0.2 && dno.length > 0) {
        const d = random.int(dno.length);
        if (dnoSpoofIndex[d] < 0) {
          dnoSpoofIndex[d] = spoofNumbers.length;
          spoofNumbers.push(dno[d].number);
          spoofGroupList.push(k);
        }
        pool.push(dnoSpoofIndex[d]);
      } else if (r < 0.32) {
        // A real subscriber's number: encoded as -(index + 1) so truth keeps them as who they are.
        const victim = random.int(socialCount);
        if (fixedLine[victim] === 0) {
          spoofedSubscribers.push(victim);
          pool.push(-(victim + 1));
        }
      } else {
        spoofNumbers.push(newMobileNumber(pickMobileOperator()));
        spoofGroupList.push(k);
        pool.push(spoofNumbers.length - 1);
      }
    }
    spoofCentres.push({ name: `spoof-centre-${k + 1}`, pool });
  }

  // Wangiri sources: premium numbers abroad.
  const wangiri = scenario.wangiri;
  const wangiriCount =
    wangiri.sourcesPerHundredThousand > 0
      ? Math.max(2, Math.round((subscribers * wangiri.sourcesPerHundredThousand) / 100000))
      : 0;
  const wangiriSources: string[] = [];
  for (let k = 0; k < wangiriCount; k++) {
    const range = PREMIUM_PREFIXES[k % PREMIUM_PREFIXES.length];
    wangiriSources.push(`+${range.prefix}${randomDigits(random, range.length - range.prefix.length)}`);
  }

  return {
    size: msisdn.length,
    socialCount,
    operators,
    mobileOperators,
    msisdn,
    operator: Uint8Array.from(operator),
    rangeOperator: Uint8Array.from(rangeOperator),
    kind: Uint8Array.from(kind),
    fixedLine: Uint8Array.from(fixedLine),
    mover: Uint8Array.from(mover),
    group: Int32Array.from(group),
    city: Uint8Array.from(city),
    homeCell: Int32Array.from(homeCell),
    workCell: Int32Array.from(workCell),
    activity: Float32Array.from(activity),
    device,
    unit: Int32Array.from(unit),
    activeFrom: Int32Array.from(activeFrom),
    activeTo: Int32Array.from(activeTo),
    simAgeDays: Int32Array.from(simAge),
    groups,
    businessFirst,
    businessEnd,
    spoofNumbers,
    spoofGroup: Int32Array.from(spoofGroupList),
    spoofCentres,
    spoofedSubscribers,
    dno,
    wangiriSources,
    cells,
  };
}

function emptyGroup(name: string, kind: number, city: number, operator: number): Group {
  return {
    name,
    kind,
    city,
    operator,
    first: 0,
    end: 0,
    cells: [],
    imeisByDay: [],
    slots: 0,
    shiftHours: 0,
    evasion: 0,
  };
}
