/**
 * Named scenarios: the knobs of a simulated country. Rates are per subscriber per day unless
 * named otherwise; shares are fractions of the subscriber count. Fraud sizes scale with the
 * population but never drop below a minimum, so a 5 000-subscriber run still has every kind.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Share of mobile numbers ported to another operator. */
  portedShare: number;
  /** Share of ordinary subscribers on Kazakhtelecom fixed lines. */
  fixedLineShare: number;
  /** Ordinary subscriber's mean outgoing calls, SMS and data sessions a day. */
  callsPerDay: number;
  smsPerDay: number;
  dataSessionsPerDay: number;
  /** Legitimate heavy users, as shares of the subscriber count. */
  taxiShare: number;
  courierShare: number;
  roamerShare: number;
  iotShare: number;
  businessAgentShare: number;
  /** Network test probes (absolute count, at least one site of two). */
  probes: number;
  simbox: {
    /** SIMs in SIM-boxes per 1 000 subscribers (at least one box). */
    simsPerThousand: number;
    simsPerBox: number;
    modulesPerBox: number;
    callsPerSimPerDay: number;
    /** 0 = textbook box; 1 = fakes incoming calls, sends SMS, rotates SIMs and IMEIs, moves, uses aged SIMs. */
    evasion: number;
    /** Behaviour drawn for randomised runs; absent in the named scenarios (evasion decides). */
    variation?: SimboxVariation;
  };
  fraudCentres: {
    simsPerThousand: number;
    simsPerCentre: number;
    callsPerSimPerDay: number;
    evasion: number;
    variation?: CentreVariation;
  };
  spoofing: {
    /** Spoofed calls from abroad per subscriber per day. */
    callsPerSubscriberPerDay: number;
    centres: number;
    evasion: number;
  };
  wangiri: {
    sourcesPerHundredThousand: number;
    /** Victims rung by each source per night. */
    victimsPerSourcePerNight: number;
    callBackShare: number;
  };
}

/** Hours profile names (src/sim/traffic.ts). */
export type HoursProfile = 'human' | 'office' | 'flat' | 'evening';

/**
 * How one run's SIM-boxes behave, drawn from wide ranges by `randomScenario`, so that a model
 * trained over many runs cannot learn one simulator's numbers.
 */
export interface SimboxVariation {
  answerRate: number;
  /** Median conversation length (s) of answered calls. */
  medianDurationS: number;
  /** How SIMs and IMEIs rotate: never, a new SIM per slot each day, per shift of some hours,
   * or each call through a random module of the box. */
  rotation: 'none' | 'daily' | 'shift' | 'per-call';
  shiftHours: number;
  /** TACs of the box's modules; `handset` boxes also get new IMEIs every day when `newImeisDaily`. */
  tacFamily: 'gateway' | 'handset' | 'iot';
  newImeisDaily: boolean;
  cells: number;
  hours: HoursProfile;
  /** Share of calls placed to the box's own SIMs, to fake incoming calls. */
  mimicryShare: number;
  smsPerDay: number;
  dataPerDay: number;
  /** Aged SIMs that keep a few contacts calling back. */
  borrowedLife: boolean;
  /** A multi-port gateway: one module per SIM, consecutive module IMEIs, SIMs never moved. */
  staticSlots?: boolean;
}

export interface CentreVariation {
  answerRate: number;
  /** Answered calls last up to this many seconds, except the hooked ones. */
  shortMaxS: number;
  hookedShare: number;
  hours: HoursProfile;
  /** Dials a list: consecutive numbers of one range. */
  listDialling: boolean;
  /** A fresh SIM in each handset every day (else one SIM for the whole run). */
  freshSimDaily: boolean;
  cells: number;
  smsPerDay: number;
  dataPerDay: number;
  callbackRate: number;
}

const baseline: Scenario = {
  name: 'baseline',
  description: 'ordinary country: modest fraud of every kind with little evasion, a normal mix of heavy users',
  portedShare: 0.04,
  fixedLineShare: 0.04,
  callsPerDay: 5,
  smsPerDay: 1.2,
  dataSessionsPerDay: 8,
  taxiShare: 0.004,
  courierShare: 0.003,
  roamerShare: 0.008,
  iotShare: 0.015,
  businessAgentShare: 0.003,
  probes: 6,
  simbox: { simsPerThousand: 2, simsPerBox: 16, modulesPerBox: 4, callsPerSimPerDay: 90, evasion: 0 },
  fraudCentres: { simsPerThousand: 1, simsPerCentre: 12, callsPerSimPerDay: 140, evasion: 0 },
  spoofing: { callsPerSubscriberPerDay: 0.035, centres: 3, evasion: 0.2 },
  wangiri: { sourcesPerHundredThousand: 4, victimsPerSourcePerNight: 400, callBackShare: 0.04 },
};

export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  baseline,
  evasive: {
    ...baseline,
    name: 'evasive',
    description:
      'fraudsters who know the detectors: SIM-boxes fake incoming calls, send SMS, rotate SIMs and IMEIs, move; call-centres spread out and slow down',
    simbox: { ...baseline.simbox, evasion: 0.85, callsPerSimPerDay: 60 },
    fraudCentres: { ...baseline.fraudCentres, evasion: 0.85, callsPerSimPerDay: 70 },
    spoofing: { ...baseline.spoofing, evasion: 0.9 },
  },
  'heavy-legit': {
    ...baseline,
    name: 'heavy-legit',
    description:
      'many legitimate heavy users that look like fraud to a naive detector (taxis, couriers, call-centres, IoT, probes)',
    taxiShare: 0.03,
    courierShare: 0.02,
    iotShare: 0.05,
    businessAgentShare: 0.02,
    roamerShare: 0.02,
    probes: 24,
  },
  'spoofing-wave': {
    ...baseline,
    name: 'spoofing-wave',
    description:
      'a campaign of calls from abroad with Kazakh caller IDs (bank hotlines, real subscribers): about 5 % of calls spoofed',
    spoofing: { callsPerSubscriberPerDay: 0.3, centres: 8, evasion: 0.7 },
  },
  'wangiri-night': {
    ...baseline,
    name: 'wangiri-night',
    description: 'a wangiri wave: many premium-rate sources ringing subscribers at night',
    wangiri: { sourcesPerHundredThousand: 30, victimsPerSourcePerNight: 1500, callBackShare: 0.06 },
  },
  clean: {
    ...baseline,
    name: 'clean',
    description: 'no fraud at all, only ordinary and heavy legitimate users: measures false positives',
    simbox: { ...baseline.simbox, simsPerThousand: 0 },
    fraudCentres: { ...baseline.fraudCentres, simsPerThousand: 0 },
    spoofing: { ...baseline.spoofing, callsPerSubscriberPerDay: 0, centres: 0 },
    wangiri: { ...baseline.wangiri, sourcesPerHundredThousand: 0 },
  },
};

/** The scenario with every fraud evasion level replaced, for `--evasion`. */
export function withEvasion(scenario: Scenario, evasion: number): Scenario {
  return {
    ...scenario,
    simbox: { ...scenario.simbox, evasion },
    fraudCentres: { ...scenario.fraudCentres, evasion },
    spoofing: { ...scenario.spoofing, evasion },
  };
}

/** Behaviour families of fraud, the units left out of training by `eval --leave-out`. */
export const FAMILIES = [
  'simbox-plain',
  'simbox-static-slots',
  'simbox-rotating',
  'simbox-mimicry',
  'simbox-handset-imei',
  'centre-plain',
  'centre-evasive',
] as const;
export type Family = (typeof FAMILIES)[number];

/** A small seeded generator (independent of the simulation's own streams). */
function drawer(seed: number) {
  let a = (seed ^ 0x9e3779b9) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (lo: number, hi: number) => lo + next() * (hi - lo),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
  };
}

/** Draws SIM-box behaviour of one family. */
export function simboxOfFamily(family: Family, seed: number): SimboxVariation {
  const d = drawer(seed);
  const plain: SimboxVariation = {
    answerRate: d.range(0.45, 0.8),
    medianDurationS: d.range(60, 240),
    rotation: 'none',
    shiftHours: 24,
    tacFamily: 'gateway',
    newImeisDaily: false,
    cells: 1,
    hours: d.pick(['human', 'human', 'flat', 'evening'] as const),
    mimicryShare: 0,
    smsPerDay: 0,
    dataPerDay: 0,
    borrowedLife: false,
  };
  if (family === 'simbox-static-slots')
    return { ...plain, staticSlots: true, tacFamily: d.pick(['gateway', 'handset'] as const), cells: 1 };
  if (family === 'simbox-rotating')
    return {
      ...plain,
      rotation: d.pick(['daily', 'shift', 'per-call'] as const),
      shiftHours: Math.round(d.range(4, 14)),
      cells: d.pick([1, 1, 2]),
    };
  if (family === 'simbox-mimicry')
    return {
      ...plain,
      mimicryShare: d.range(0.1, 0.4),
      smsPerDay: d.range(0.5, 6),
      dataPerDay: d.range(0.5, 4),
      borrowedLife: d.next() < 0.5,
      cells: d.pick([1, 2, 3]),
      rotation: d.pick(['none', 'daily'] as const),
    };
  if (family === 'simbox-handset-imei')
    return {
      ...plain,
      tacFamily: d.pick(['handset', 'iot'] as const),
      newImeisDaily: d.next() < 0.6,
      rotation: d.pick(['none', 'daily', 'shift'] as const),
      shiftHours: Math.round(d.range(6, 14)),
    };
  return plain;
}

/** Draws call-centre behaviour of one family. */
export function centreOfFamily(family: Family, seed: number): CentreVariation {
  const d = drawer(seed + 7);
  const plain: CentreVariation = {
    answerRate: d.range(0.15, 0.45),
    shortMaxS: d.range(12, 35),
    hookedShare: d.range(0.02, 0.15),
    hours: d.pick(['office', 'office', 'human'] as const),
    listDialling: d.next() < 0.5,
    freshSimDaily: d.next() < 0.6,
    cells: 1,
    smsPerDay: 0,
    dataPerDay: 0,
    callbackRate: d.range(0, 0.06),
  };
  if (family === 'centre-evasive')
    return {
      ...plain,
      answerRate: d.range(0.3, 0.5),
      shortMaxS: d.range(20, 50),
      cells: d.pick([2, 3, 4]),
      smsPerDay: d.range(0.5, 5),
      dataPerDay: d.range(0.5, 5),
      callbackRate: d.range(0.03, 0.1),
    };
  return plain;
}

/**
 * A randomised scenario: the baseline country with this run's fraud behaviour drawn from the
 * families given (a SIM-box family and a call-centre family each), volumes from wide ranges.
 */
export function randomScenario(seed: number, families: readonly Family[] = FAMILIES): Scenario {
  const d = drawer(seed * 31 + 3);
  const boxFamilies = families.filter((f) => f.startsWith('simbox'));
  const centreFamilies = families.filter((f) => f.startsWith('centre'));
  const boxFamily = boxFamilies.length > 0 ? d.pick(boxFamilies) : null;
  const centreFamily = centreFamilies.length > 0 ? d.pick(centreFamilies) : null;
  const modules = d.pick([2, 4, 8]);
  return {
    ...baseline,
    name: `random-${seed}[${[boxFamily, centreFamily].filter(Boolean).join(',')}]`,
    description: 'randomised fraud behaviour for training and evaluation',
    taxiShare: d.range(0.002, 0.02),
    courierShare: d.range(0.002, 0.015),
    businessAgentShare: d.range(0.002, 0.015),
    iotShare: d.range(0.01, 0.04),
    probes: d.pick([4, 8, 12]),
    simbox: {
      simsPerThousand: boxFamily ? d.range(1.5, 4) : 0,
      simsPerBox: modules * d.pick([1, 2, 4]),
      modulesPerBox: modules,
      callsPerSimPerDay: d.range(30, 180),
      evasion: 0,
      ...(boxFamily ? { variation: simboxOfFamily(boxFamily, seed) } : {}),
    },
    fraudCentres: {
      simsPerThousand: centreFamily ? d.range(1, 3) : 0,
      simsPerCentre: d.pick([6, 12, 20]),
      callsPerSimPerDay: d.range(50, 220),
      evasion: 0,
      ...(centreFamily ? { variation: centreOfFamily(centreFamily, seed) } : {}),
    },
  };
}
