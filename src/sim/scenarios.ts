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
  };
  fraudCentres: {
    simsPerThousand: number;
    simsPerCentre: number;
    callsPerSimPerDay: number;
    evasion: number;
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
