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

function trait(id: string, name: string, strength: number, values: Record<string, number>): Trait {
  return { id, name, strength: Math.round(strength * 1000) / 1000, values };
}

function weightedMean(parts: [Trait, number][]): number {
  let sum = 0;
  let weights = 0;
  for (const [t, w] of parts) {
    sum += t.strength * w;
    weights += w;
  }
  return weights > 0 ? sum / weights : 0;
}

/** Both kinds' traits of one SIM. */
export function simTraits(f: SimRecord): TraitVerdict {
  const volume = trait('volume', 'bulk volume', ramp(f.outPerActiveDay, 8, 35), { outPerActiveDay: f.outPerActiveDay });
  const outgoing = trait('outgoing', 'outgoing only', ramp(f.outShare, 0.6, 0.95), {
    outShare: f.outShare,
    voiceIn: f.voiceIn,
    farmCallsIn: f.farmCallsIn,
    farmCallsOut: f.farmCallsOut,
  });
  const noLife = trait('noLife', 'no human life (SMS, data, contacts calling in)', 1 - ramp(f.lifePerCall, 0.05, 0.6), {
    smsCount: f.smsCount,
    dataEvents: f.dataEvents,
    lifePerCall: f.lifePerCall,
    farmSms: f.farmSms,
  });
  const strangers = trait(
    'strangers',
    'calls numbers with no prior relationship',
    ramp(f.calleesPerOutCall, 0.3, 0.8) * (1 - 0.5 * ramp(f.callbackShare, 0.05, 0.3)),
    { calleesPerOutCall: f.calleesPerOutCall, distinctCallees: f.distinctCallees, callbackShare: f.callbackShare },
  );
  const onePlace = trait(
    'onePlace',
    'one place (no mobility)',
    Math.max(1 - ramp(f.distinctCells, 2, 6), ramp(f.topCellShare, 0.6, 0.95)),
    { distinctCells: f.distinctCells, topCellShare: f.topCellShare },
  );
  // A gateway: a module TAC, or SIMs active in one device over the same hours (its slots). A handset taking SIMs one after another, or a SIM going through several IMEIs, is
  // weaker: call-centre phones get a fresh SIM each day too.
  // (Two SIMs alternating may also be a dual-SIM phone: the other traits tell a person from a box.)
  const gateway = Math.max(f.gatewayTac, ramp(f.concurrentSimsOnImei, 0, 1));
  const device = trait(
    'device',
    'gateway device (gateway TAC, SIMs sharing an IMEI, IMEI changes, sibling modules)',
    Math.max(
      gateway,
      0.6 * ramp(f.simsPerImei, 1, 2),
      0.6 * ramp(f.imeisPerSim, 1, 3),
      // Co-located bulk SIMs in modules of one batch (same TAC, near serials): a multi-port gateway.
      0.6 * ramp(f.siblingModules, 1, 3),
    ),
    {
      gatewayTac: f.gatewayTac,
      simsPerImei: f.simsPerImei,
      concurrentSimsOnImei: f.concurrentSimsOnImei,
      imeiHandovers: f.imeiHandovers,
      imeisPerSim: f.imeisPerSim,
      imeiLifeShare: f.imeiLifeShare,
      siblingModules: f.siblingModules,
    },
  );
  const conversations = trait(
    'conversations',
    'bypassed calls of conversation length',
    ramp(f.answeredShare, 0.2, 0.4) * ramp(f.conversationShare, 0.45, 0.7),
    { answeredShare: f.answeredShare, conversationShare: f.conversationShare, durationMedian: f.durationMedian },
  );
  const colocated = trait(
    'colocated',
    'co-located bulk SIMs / farm',
    Math.max(ramp(f.colocatedBulkSims, 0, 3), ramp(f.farmSims, 1, 4)),
    { colocatedBulkSims: f.colocatedBulkSims, farmSims: f.farmSims },
  );
  const failed = trait(
    'failed',
    'short and mostly unanswered calls',
    ramp(f.unansweredShare + 0.5 * f.answeredShare * (1 - f.conversationShare), 0.45, 0.75),
    {
      unansweredShare: f.unansweredShare,
      shortShare: f.shortShare,
      conversationShare: f.conversationShare,
      durationMedian: f.durationMedian,
    },
  );
  const dialledList = trait('dialledList', 'dialled list (consecutive numbers)', ramp(f.sequentialShare, 0.05, 0.3), {
    sequentialShare: f.sequentialShare,
  });
  const office = trait(
    'office',
    'office hours',
    ramp(f.officeHourShare, 0.6, 0.9) * (1 - ramp(f.nightShare, 0.02, 0.1)),
    {
      officeHourShare: f.officeHourShare,
      nightShare: f.nightShare,
    },
  );
  const simboxTraits = [volume, outgoing, noLife, strangers, onePlace, device, conversations, colocated];
  const simbox = weightedMean([
    [volume, 1],
    [outgoing, 1.5],
    [noLife, 1.5],
    [strangers, 1],
    [onePlace, 1],
    [device, 2],
    [conversations, 1.5],
    [colocated, 0.5],
  ]);
  const fraudTraits = [volume, outgoing, strangers, failed, noLife, colocated, device, dialledList, office];
  // The list and the hours add to the score but are not required: not every centre dials ranges.
  const fraudCaller = Math.min(
    1,
    weightedMean([
      [volume, 1],
      [outgoing, 1],
      [strangers, 1.5],
      [failed, 2],
      [noLife, 1],
      [colocated, 0.5],
      // Bulk SIMs swapped through the centre's handsets.
      [device, 0.5],
    ]) +
      0.08 * dialledList.strength +
      0.04 * office.strength,
  );
  return {
    simbox,
    fraudCaller,
    // What the answered calls are decides between the two kinds: conversations (a box carries
    // real calls, however many go unanswered) or hang-ups and one-line openers (a call-centre).
    // Where calls look like conversations on handsets that take SIMs in turn, in office hours, it is
    // a call-centre (whose SIMs get answered too), not a gateway.
    simboxCore:
      device.strength >= 0.5 &&
      outgoing.strength >= 0.5 &&
      conversations.strength >= 0.4 &&
      (f.conversationShare >= 0.6 || conversations.strength >= failed.strength) &&
      !(gateway < 0.5 && office.strength >= 0.5),
    fraudCore:
      strangers.strength >= 0.5 &&
      outgoing.strength >= 0.5 &&
      ((failed.strength >= 0.5 && f.conversationShare < 0.6 && failed.strength > conversations.strength) ||
        (device.strength >= 0.5 && gateway < 0.5 && office.strength >= 0.5 && f.imeiLifeShare <= 0.6)),
    simboxTraits,
    fraudTraits,
    gateway,
    handsetCentre: device.strength >= 0.5 && gateway < 0.5 && office.strength >= 0.5 && f.imeiLifeShare <= 0.6,
  };
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
