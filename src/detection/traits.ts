import type { SimRecord } from './detectors.ts';

/**
 * The defining traits of a SIM-box and of a fraud call-centre SIM (DESIGN.md §5), each a number
 * in [0, 1] computed from one SIM's features with thresholds taken from what the behaviour is, not
 * from any generator's numbers. They are the first basis of an alert and its explanation: the
 * evidence lists every trait with its strength and the feature values behind it.
 *
 * A SIM-box re-originates calls through gateway modules: its SIMs sit in few devices (a gateway
 * TAC, several SIMs per IMEI, hand-overs between SIMs in one device, or one SIM through several
 * devices), in one place, with no human life (no SMS, no data, no incoming calls), calling
 * numbers it has no relation with, and the calls it carries are real conversations.
 * A fraud call-centre dials lists: many never-seen numbers, often in ranges, short and mostly
 * unanswered calls, in office hours, from SIMs that live nowhere else.
 */

export interface Trait {
  /** Short identifier: the model input name. */
  id: string;
  name: string;
  /** Strength in [0, 1]. */
  strength: number;
  /** The feature values it rests on. */
  values: Record<string, number>;
}

export interface TraitVerdict {
  simbox: number;
  fraudCaller: number;
  /** Whether the traits without which the kind cannot be claimed hold. */
  simboxCore: boolean;
  fraudCore: boolean;
  simboxTraits: Trait[];
  fraudTraits: Trait[];
  /** Strength of a gateway proper (gateway TAC, SIMs active in one device together). */
  gateway: number;
  /** Handsets taking bulk SIMs in turn, in office hours: a call-centre, whatever its calls sound like. */
  handsetCentre: boolean;
}

/** A trait score (weighted mean of traits) from which an alert is raised on traits alone. */
export const TRAIT_ALERT_THRESHOLD = 0.72;
/** Below this trait score of its kind, the model alone raises no alert: some defining traits must hold. */
export const MODEL_TRAIT_FLOOR = 0.6;

/** 0 at or below `lo`, 1 at or above `hi`, linear between. */
export function ramp(x: number, lo: number, hi: number): number {
  if (!(x > lo)) return 0;
  if (x >= hi) return 1;
  return (x - lo) / (hi - lo);
}

/** The traits, in the order of their strengths in a `SimTraits`: id, name, the record's fields each rests on. */
const TRAITS: { id: string; name: string; keys: readonly (keyof SimRecord)[] }[] = [
  { id: 'volume', name: 'bulk volume', keys: ['outPerActiveDay'] },
  { id: 'outgoing', name: 'outgoing only', keys: ['outShare', 'voiceIn', 'farmCallsIn', 'farmCallsOut'] },
  {
    id: 'noLife',
    name: 'no human life (SMS, data, contacts calling in)',
    keys: ['smsCount', 'dataEvents', 'lifePerCall', 'farmSms'],
  },
  {
    id: 'strangers',
    name: 'calls numbers with no prior relationship',
    keys: ['calleesPerOutCall', 'distinctCallees', 'callbackShare'],
  },
  { id: 'onePlace', name: 'one place (no mobility)', keys: ['distinctCells', 'topCellShare'] },
  {
    id: 'device',
    name: 'gateway device (gateway TAC, SIMs sharing an IMEI, IMEI changes, sibling modules)',
    keys: [
      'gatewayTac',
      'simsPerImei',
      'concurrentSimsOnImei',
      'imeiHandovers',
      'imeisPerSim',
      'imeiLifeShare',
      'siblingModules',
    ],
  },
  {
    id: 'conversations',
    name: 'bypassed calls of conversation length',
    keys: ['answeredShare', 'conversationShare', 'durationMedian'],
  },
  { id: 'colocated', name: 'co-located bulk SIMs / farm', keys: ['colocatedBulkSims', 'farmSims'] },
  {
    id: 'failed',
    name: 'short and mostly unanswered calls',
    keys: ['unansweredShare', 'shortShare', 'conversationShare', 'durationMedian'],
  },
  { id: 'dialledList', name: 'dialled list (consecutive numbers)', keys: ['sequentialShare'] },
  { id: 'office', name: 'office hours', keys: ['officeHourShare', 'nightShare'] },
];
const VOLUME = 0;
const OUTGOING = 1;
const NO_LIFE = 2;
const STRANGERS = 3;
const ONE_PLACE = 4;
const DEVICE = 5;
const CONVERSATIONS = 6;
const COLOCATED = 7;
const FAILED = 8;
const DIALLED_LIST = 9;
const OFFICE = 10;
/** A SIM-box's traits (the evidence's order), and their weights in its trait score. */
const SIMBOX_TRAITS = [VOLUME, OUTGOING, NO_LIFE, STRANGERS, ONE_PLACE, DEVICE, CONVERSATIONS, COLOCATED];
const SIMBOX_WEIGHTS = [1, 1.5, 1.5, 1, 1, 2, 1.5, 0.5];
/** A fraud call-centre SIM's traits (the evidence's order). */
const FRAUD_TRAITS = [VOLUME, OUTGOING, STRANGERS, FAILED, NO_LIFE, COLOCATED, DEVICE, DIALLED_LIST, OFFICE];
/** The traits of a call-centre's trait score and their weights (the list and the hours are added apart). */
const FRAUD_SCORED = [VOLUME, OUTGOING, STRANGERS, FAILED, NO_LIFE, COLOCATED, DEVICE];
// Bulk SIMs swapped through the centre's handsets weigh in too (the device, 0.5).
const FRAUD_WEIGHTS = [1, 1, 1.5, 2, 1, 0.5, 0.5];

/** A trait of one SIM; its `values` are read from the SIM's record when first asked for. */
class RecordTrait implements Trait {
  readonly id: string;
  readonly name: string;
  readonly strength: number;
  private readonly record: SimRecord;
  private readonly keys: readonly (keyof SimRecord)[];
  private read: Record<string, number> | null = null;

  constructor(index: number, strength: number, record: SimRecord) {
    this.id = TRAITS[index].id;
    this.name = TRAITS[index].name;
    this.strength = strength;
    this.record = record;
    this.keys = TRAITS[index].keys;
  }

  get values(): Record<string, number> {
    if (this.read === null) {
      const values: Record<string, number> = {};
      for (const key of this.keys) values[key] = this.record[key];
      this.read = values;
    }
    return this.read;
  }
}

/** The weighted mean of some of the strengths. */
function weightedMean(strengths: Float64Array, traits: number[], weights: number[]): number {
  let sum = 0;
  let total = 0;
  for (let k = 0; k < traits.length; k++) {
    sum += strengths[traits[k]] * weights[k];
    total += weights[k];
  }
  return total > 0 ? sum / total : 0;
}

/**
 * Both kinds' traits of one SIM. Its strengths are numbers, each rounded to three decimals; the
 * `Trait` objects of each kind (with the values they rest on, for an alert's evidence) are made
 * when first read: of the thousands of SIMs judged, a few become alerts.
 */
class SimTraits implements TraitVerdict {
  readonly simbox: number;
  readonly fraudCaller: number;
  readonly simboxCore: boolean;
  readonly fraudCore: boolean;
  readonly gateway: number;
  readonly handsetCentre: boolean;
  /** By index of TRAITS. */
  readonly strengths: Float64Array;
  private readonly record: SimRecord;
  private made: Trait[] | null = null;

  constructor(f: SimRecord) {
    this.record = f;
    const t = new Float64Array(TRAITS.length);
    this.strengths = t;
    t[VOLUME] = ramp(f.outPerActiveDay, 8, 35);
    t[OUTGOING] = ramp(f.outShare, 0.6, 0.95);
    t[NO_LIFE] = 1 - ramp(f.lifePerCall, 0.05, 0.6);
    t[STRANGERS] = ramp(f.calleesPerOutCall, 0.3, 0.8) * (1 - 0.5 * ramp(f.callbackShare, 0.05, 0.3));
    t[ONE_PLACE] = Math.max(1 - ramp(f.distinctCells, 2, 6), ramp(f.topCellShare, 0.6, 0.95));
    // A gateway: a module TAC, or SIMs active in one device over the same hours (its slots). A
    // handset taking SIMs one after another, or a SIM going through several IMEIs, is weaker:
    // call-centre phones get a fresh SIM each day too.
    // (Two SIMs alternating may also be a dual-SIM phone: the other traits tell a person from a box.)
    const gateway = Math.max(f.gatewayTac, ramp(f.concurrentSimsOnImei, 0, 1));
    this.gateway = gateway;
    t[DEVICE] = Math.max(
      gateway,
      0.6 * ramp(f.simsPerImei, 1, 2),
      0.6 * ramp(f.imeisPerSim, 1, 3),
      // Co-located bulk SIMs in modules of one batch (same TAC, near serials): a multi-port gateway.
      0.6 * ramp(f.siblingModules, 1, 3),
    );
    t[CONVERSATIONS] = ramp(f.answeredShare, 0.2, 0.4) * ramp(f.conversationShare, 0.45, 0.7);
    t[COLOCATED] = Math.max(ramp(f.colocatedBulkSims, 0, 3), ramp(f.farmSims, 1, 4));
    t[FAILED] = ramp(f.unansweredShare + 0.5 * f.answeredShare * (1 - f.conversationShare), 0.45, 0.75);
    t[DIALLED_LIST] = ramp(f.sequentialShare, 0.05, 0.3);
    t[OFFICE] = ramp(f.officeHourShare, 0.6, 0.9) * (1 - ramp(f.nightShare, 0.02, 0.1));
    for (let i = 0; i < t.length; i++) t[i] = Math.round(t[i] * 1000) / 1000;
    this.simbox = weightedMean(t, SIMBOX_TRAITS, SIMBOX_WEIGHTS);
    // The list and the hours add to the score but are not required: not every centre dials ranges.
    this.fraudCaller = Math.min(
      1,
      weightedMean(t, FRAUD_SCORED, FRAUD_WEIGHTS) + 0.08 * t[DIALLED_LIST] + 0.04 * t[OFFICE],
    );
    const device = t[DEVICE];
    const outgoing = t[OUTGOING];
    const conversations = t[CONVERSATIONS];
    const failed = t[FAILED];
    const office = t[OFFICE];
    // Handsets taking bulk SIMs in turn, in office hours: a call-centre.
    this.handsetCentre = device >= 0.5 && gateway < 0.5 && office >= 0.5 && f.imeiLifeShare <= 0.6;
    // What the answered calls are decides between the two kinds: conversations (a box carries
    // real calls, however many go unanswered) or hang-ups and one-line openers (a call-centre).
    // Where calls look like conversations in office hours on devices that are not gateways proper,
    // it is a call-centre (whose SIMs get answered too), not a gateway: handsets taking SIMs in
    // turn, or a business's phones bought in one batch. One SIM through three IMEIs or more that no
    // other SIM used is neither: a handset does not change its IMEI, a module made to evade does.
    const imeisOfItsOwn = f.imeisPerSim >= 3 && f.simsPerImei < 2;
    this.simboxCore =
      device >= 0.5 &&
      outgoing >= 0.5 &&
      conversations >= 0.4 &&
      (f.conversationShare >= 0.6 || conversations >= failed) &&
      !(gateway < 0.5 && office >= 0.5 && !imeisOfItsOwn);
    this.fraudCore =
      t[STRANGERS] >= 0.5 &&
      outgoing >= 0.5 &&
      ((failed >= 0.5 && f.conversationShare < 0.6 && failed > conversations) || this.handsetCentre);
  }

  /** Each trait, made once. */
  private traits(): Trait[] {
    this.made ??= TRAITS.map((_, i) => new RecordTrait(i, this.strengths[i], this.record));
    return this.made;
  }

  get simboxTraits(): Trait[] {
    const traits = this.traits();
    return SIMBOX_TRAITS.map((i) => traits[i]);
  }

  get fraudTraits(): Trait[] {
    const traits = this.traits();
    return FRAUD_TRAITS.map((i) => traits[i]);
  }
}

/** Both kinds' traits of one SIM. */
export function simTraits(f: SimRecord): TraitVerdict {
  return new SimTraits(f);
}

/** Trait ids, the inputs of the trained model (each in [0, 1]). */
export const TRAIT_IDS = [
  'volume',
  'outgoing',
  'noLife',
  'strangers',
  'onePlace',
  'device',
  'gateway',
  'conversations',
  'colocated',
  'failed',
  'dialledList',
  'office',
] as const;

/** Every trait's strength by id: what the model reads and what an alert's evidence keeps for retraining. */
export function traitInputs(v: TraitVerdict): Record<string, number> {
  const out: Record<string, number> = { gateway: Math.round(v.gateway * 1000) / 1000 };
  if (v instanceof SimTraits) {
    // The same keys in the same order, from the strengths.
    for (const i of SIMBOX_TRAITS) out[TRAITS[i].id] = v.strengths[i];
    for (const i of FRAUD_TRAITS) out[TRAITS[i].id] = v.strengths[i];
    return out;
  }
  for (const t of v.simboxTraits) out[t.id] = t.strength;
  for (const t of v.fraudTraits) out[t.id] = t.strength;
  return out;
}

/** Traits that hold (strength ≥ 0.5), as evidence lines. */
export function heldTraits(traits: Trait[]): { trait: string; strength: number; values: Record<string, number> }[] {
  return traits
    .filter((t) => t.strength >= 0.5)
    .map((t) => ({ trait: t.name, strength: t.strength, values: roundValues(t.values) }));
}

function roundValues(values: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(values)) out[k] = Math.round(v * 1000) / 1000;
  return out;
}
