import { digitString } from '../cdr/batch.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { FeatureStore, SimFeatures, SimState, SourceFeatures } from './features.ts';
import {
  type Contribution,
  contributions,
  type LinearModel,
  probabilities,
  standardise,
  type Transform,
} from './model.ts';
import { NumberTable } from './number-table.ts';
import {
  heldTraits,
  MODEL_TRAIT_FLOOR,
  simTraits,
  TRAIT_ALERT_THRESHOLD,
  TRAIT_IDS,
  type TraitVerdict,
  traitInputs,
} from './traits.ts';

/**
 * Detectors: pure functions of the feature windows. Each SIM is scored by the trained linear
 * model (SIM-box vs fraud caller vs none); rules decide which SIMs can be alerted at all
 * (enough traffic to judge, the behaviour's defining traits present) so that a model can never
 * flag a quiet subscriber or one who mostly receives calls. Wangiri sources are scored the same
 * way from the numbers that call in from abroad.
 */

export type AlertKind = 'simbox' | 'fraud_caller' | 'wangiri';

/** One alert, as written to alerts.jsonl (DESIGN.md §3); `anomaly` only from the backstop (anomaly.ts). */
export interface Alert {
  kind: AlertKind | 'anomaly';
  msisdn: string;
  imsi?: string;
  imei?: string;
  score: number;
  evidence: Evidence;
  firstSeen: string;
  lastSeen: string;
  device?: string;
}

export interface Evidence {
  /** Features that drove the score, with their value and contribution (model logit units). */
  features: Contribution[];
  /** Rules that held (the gates), in words. */
  rules: string[];
  /** Other SIMs of the same device / farm, when grouped. */
  deviceSims?: number;
  [key: string]: unknown;
}

/**
 * Inputs of the SIM model: the strengths of the defining traits (each in [0, 1]), not raw feature
 * values, so the model weighs what defines each behaviour and cannot key on one generator's numbers
 * (its answered share, its call lengths).
 */
export const SIM_MODEL_INPUTS: [string, Transform][] = TRAIT_IDS.map((id) => [id, 'identity']);

/** The model's input record of a SIM: its features plus its trait strengths. */
export function modelInputs(record: SimRecord, verdict: TraitVerdict = simTraits(record)): Record<string, number> {
  return { ...(record as unknown as Record<string, number>), ...traitInputs(verdict) };
}

export const SOURCE_MODEL_INPUTS: [keyof SourceFeatures, Transform][] = [
  ['calls', 'log1p'],
  ['distinctVictims', 'log1p'],
  ['victimsPerCall', 'identity'],
  ['answeredShare', 'identity'],
  ['zeroDurationShare', 'identity'],
  ['meanDurationS', 'log1p'],
  ['nightShare', 'identity'],
];

/**
 * SIM features plus the ones that need the whole population: bulk-calling SIMs sharing its main
 * cell, and the SIMs of its farm (SIMs linked through shared IMEIs, transitively).
 */
export type SimRecord = SimFeatures &
  FarmTraffic & { colocatedBulkSims: number; farmSims: number; siblingModules: number };

/** IMEI serials (the 6 digits after the TAC) this close are one batch of modules: the ports of one gateway. */
const SIBLING_SERIAL_DISTANCE = 1000;

/** Least outgoing calls before a SIM is judged at all: a handful of calls says nothing. */
export const MIN_OUT_CALLS = 10;
/** Least share of voice calls that are outgoing for a SIM to be judged, or counted as a bulk caller. */
const MOSTLY_OUTGOING = 0.6;

/**
 * A "bulk caller": the common trait of SIM-boxes and fraud call-centre SIMs — mostly outgoing
 * voice, spread over many different numbers. Used for co-location counts and as the gate.
 */
export function isBulkCaller(f: SimFeatures): boolean {
  return f.voiceOut >= MIN_OUT_CALLS && f.outShare >= MOSTLY_OUTGOING && f.calleesPerOutCall >= 0.5;
}

/** Features of every SIM, with the count of other bulk-calling SIMs sharing its main cell. */
export function simRecords(store: FeatureStore): Map<number, SimRecord> {
  return recordsOf(simPopulation(store));
}

/** Every record of a population (the passive SIMs' made now), by MSISDN. */
export function recordsOf(population: SimPopulation): Map<number, SimRecord> {
  const out = new Map<number, SimRecord>();
  for (let i = 0; i < population.sims.length; i++) out.set(population.sims[i].msisdn, population.record(i));
  return out;
}

/**
 * The records of a store's SIMs, in the store's order. A passive SIM — fewer than MIN_OUT_CALLS
 * outgoing calls, or mostly incoming voice, with no traffic in a farm: most of a population —
 * passes no gate and is no bulk caller, whatever its other features: its record is made only when
 * asked for (`record`), which spares making and keeping tens of thousands of feature objects that
 * the detectors never read.
 */
export interface SimPopulation {
  sims: SimState[];
  /** The gates SIM i passes when it is passive (its record not made up front); null for a SIM judged in full. */
  passiveGates(i: number): string[] | null;
  /** The record of SIM i, made when first asked for. */
  record(i: number): SimRecord;
}

export function simPopulation(store: FeatureStore): SimPopulation {
  // Per SIM in the store's order (arrays, not maps keyed by large numbers).
  const sims = [...store.sims.values()];
  // Made now for the SIMs that could pass the gates or be bulk callers on their own figures; the
  // others keep the gates they pass.
  const passiveGates: (string[] | null)[] = sims.map((sim) => {
    const f = store.gateFeatures(sim);
    return f.voiceOut < MIN_OUT_CALLS ? NO_GATES : f.outShare < MOSTLY_OUTGOING ? ENOUGH_CALLS_ONLY : null;
  });
  const raw = sims.map((sim, i) => (passiveGates[i] === null ? store.simFeatures(sim) : null));
  const topCells = Int32Array.from(sims, (sim) => sim.cellCounts.top());
  const farms = farmsOf(store);
  // Calls and SMS between SIMs of one farm are not traffic with the outside world: a box fakes
  // incoming calls among its own SIMs to look like people. The voice figures that judge a SIM
  // are those with the outside world; the farm's own traffic is kept apart (farmCalls…).
  const internal = farmTraffic(store, sims, raw, topCells, farms);
  // A SIM with traffic in its farm has its figures set apart now, as any other: without the
  // farm's own calls in, a box's SIM may well be mostly outgoing.
  for (let i = 0; i < sims.length; i++)
    if (raw[i] === null && hasFarmTraffic(internal[i])) {
      raw[i] = store.simFeatures(sims[i]);
      passiveGates[i] = null;
    }
  const base = raw.map((f, i) => (f === null ? null : outsideWorld(f, internal[i])));
  const bulkByCell = new Map<number, number>();
  // Bulk callers' devices by main cell: TAC and serial of each IMEI.
  const devicesByCell = new Map<number, { msisdn: number; tac: number; serial: number }[]>();
  for (let i = 0; i < sims.length; i++) {
    const sim = sims[i];
    const f = base[i];
    const cell = topCells[i];
    // A passive SIM is no bulk caller (without farm traffic, its figures are its outside-world ones).
    if (f !== null && cell >= 0 && isBulkCaller(f)) {
      bulkByCell.set(cell, (bulkByCell.get(cell) ?? 0) + 1);
      // Ports of a gateway have no life of their own (no SMS, no data): only such SIMs are compared.
      if (f.lifePerCall >= 0.3) continue;
      for (let k = 0; k < sim.imeis.length; k++) {
        const digits = sim.imeiDigits[k];
        if (digits < 14) continue;
        const body = Math.floor(sim.imeis[k] / 10 ** (digits - 14));
        const list = devicesByCell.get(cell) ?? [];
        list.push({ msisdn: sim.msisdn, tac: Math.floor(body / 1_000_000), serial: body % 1_000_000 });
        devicesByCell.set(cell, list);
      }
    }
  }
  const siblings = siblingModules(devicesByCell);
  const finish = (i: number, f: SimFeatures & Partial<FarmTraffic>): SimRecord => {
    const msisdn = sims[i].msisdn;
    const cell = topCells[i];
    const here = cell >= 0 ? (bulkByCell.get(cell) ?? 0) : 0;
    // The SIM's own features object becomes its record: the population figures are added to it,
    // in the order a copy would have them, instead of copying 44 fields.
    const record = f as SimRecord;
    record.farmCallsIn = f.farmCallsIn ?? 0;
    record.farmCallsOut = f.farmCallsOut ?? 0;
    record.farmSms = f.farmSms ?? 0;
    record.colocatedBulkSims = Math.max(0, here - (isBulkCaller(f) ? 1 : 0));
    record.farmSims = farms.get(msisdn)?.size ?? 1;
    record.siblingModules = siblings.get(msisdn) ?? 0;
    return record;
  };
  const records = base.map((f, i) => (f === null ? null : finish(i, f)));
  return {
    sims,
    passiveGates: (i) => passiveGates[i],
    // A passive SIM has no farm traffic (else it was made above): its features are its outside-world ones.
    record: (i) => {
      records[i] ??= finish(i, store.simFeatures(sims[i]));
      return records[i];
    },
  };
}

function hasFarmTraffic(farm: FarmTraffic | null): boolean {
  return farm !== null && farm.farmCallsIn + farm.farmCallsOut + farm.farmSms > 0;
}

/** A SIM's calls and SMS with other SIMs of its own farm (counted apart from its outside traffic). */
export interface FarmTraffic {
  /** Calls received from, and made to, SIMs of the same farm. */
  farmCallsIn: number;
  farmCallsOut: number;
  /** SMS exchanged with SIMs of the same farm. */
  farmSms: number;
}

interface FarmPeers extends FarmTraffic {
  /** Distinct farm SIMs called, and calling in. */
  callees: number;
  callers: number;
}

/**
 * Calls and SMS between SIMs of one farm, per SIM, from each SIM's counts of its callers and SMS
 * senders (so the calls a SIM made to a sibling are read from the sibling's counts). Two SIMs are
 * of one farm when they went through the same IMEIs (transitively), or when they share a place
 * (one's main cell among the other's cells) and either both sit in gateway-like devices (a gateway
 * TAC, SIMs sharing an IMEI or at the same hours in one, a SIM through several IMEIs: what a SIM
 * must have to be a SIM-box at all) or, both with little life of their own, their devices are
 * modules of one batch (same TAC, close serials). People calling their neighbours are neither.
 */
function farmTraffic(
  store: FeatureStore,
  sims: SimState[],
  raw: (SimFeatures | null)[],
  topCells: Int32Array,
  farms: Map<number, { root: number; size: number }>,
): (FarmPeers | null)[] {
  // What the relation needs of each SIM, gathered once; senders found without boxing their numbers.
  const peers: FarmPeer[] = [];
  const byNumber = new NumberTable<FarmPeer>(sims.length);
  for (let i = 0; i < sims.length; i++) {
    const f = raw[i];
    const peer: FarmPeer = {
      sim: sims[i],
      farm: farms.get(sims[i].msisdn)?.root ?? -1,
      cell: topCells[i],
      gatewayLike:
        f === null
          ? store.gatewayLike(sims[i])
          : f.gatewayTac > 0 || f.concurrentSimsOnImei >= 1 || f.simsPerImei >= 2 || f.imeisPerSim >= 3,
      // Ports of a gateway have little life of their own, even a box faking some.
      port: (f === null ? store.lifePerCall(sims[i]) : f.lifePerCall) < 0.3,
      bodies: null,
      traffic: null,
    };
    peers.push(peer);
    byNumber.add(sims[i].msisdn, peer);
  }
  const linked = (a: FarmPeer, b: FarmPeer) => {
    if (a.farm >= 0 && a.farm === b.farm) return true;
    const gateways = a.gatewayLike && b.gatewayLike;
    if (!gateways && !(a.port && b.port)) return false;
    if (!((b.cell >= 0 && a.sim.cells.has(b.cell)) || (a.cell >= 0 && b.sim.cells.has(a.cell)))) return false;
    return gateways || sameBatch(bodiesOf(a), bodiesOf(b));
  };
  const traffic = (p: FarmPeer) => {
    p.traffic ??= { farmCallsIn: 0, farmCallsOut: 0, farmSms: 0, callees: 0, callers: 0 };
    return p.traffic;
  };
  for (const receiver of peers) {
    if (receiver.farm < 0 && !receiver.gatewayLike && !receiver.port) continue;
    const calls = receiver.sim.callerCounts;
    const sms = receiver.sim.smsSenderCounts;
    if (calls.size === 0 && sms.size === 0) continue;
    for (let k = 0; k < calls.size; k++) {
      const key = calls.keyAt(k);
      const sender = byNumber.get(key);
      if (!sender || sender === receiver || !linked(sender, receiver)) continue;
      const n = calls.countAt(k);
      const r = traffic(receiver);
      r.farmCallsIn += n;
      r.callers++;
      const s = traffic(sender);
      s.farmCallsOut += n;
      s.callees++;
    }
    for (let k = 0; k < sms.size; k++) {
      const key = sms.keyAt(k);
      const sender = byNumber.get(key);
      if (!sender || sender === receiver || !linked(sender, receiver)) continue;
      const n = sms.countAt(k);
      traffic(receiver).farmSms += n;
      traffic(sender).farmSms += n;
    }
  }
  return peers.map((p) => p.traffic);
}

/** What the farm relation reads of one SIM. */
interface FarmPeer {
  sim: SimState;
  /** Its farm through shared IMEIs (-1 when it shared none). */
  farm: number;
  cell: number;
  gatewayLike: boolean;
  port: boolean;
  /** The 14-digit bodies (TAC + serial) of its IMEIs, when asked for. */
  bodies: number[] | null;
  traffic: FarmPeers | null;
}

function bodiesOf(p: FarmPeer): number[] {
  if (!p.bodies) {
    const sim = p.sim;
    p.bodies = [];
    for (let k = 0; k < sim.imeis.length; k++)
      if (sim.imeiDigits[k] >= 14) p.bodies.push(Math.floor(sim.imeis[k] / 10 ** (sim.imeiDigits[k] - 14)));
  }
  return p.bodies;
}

/** Whether two SIMs were seen in modules of one batch: IMEIs of the same TAC with close serials. */
function sameBatch(a: number[], b: number[]): boolean {
  for (const x of a)
    for (const y of b)
      if (
        Math.floor(x / 1_000_000) === Math.floor(y / 1_000_000) &&
        Math.abs((x % 1_000_000) - (y % 1_000_000)) <= SIBLING_SERIAL_DISTANCE
      )
        return true;
  return false;
}

/** A SIM's features with its farm's own calls and SMS set aside: its traffic with the outside world. */
function outsideWorld(
  f: SimFeatures,
  farm: (FarmTraffic & Partial<FarmPeers>) | null,
): SimFeatures & Partial<FarmTraffic> {
  if (!farm || !hasFarmTraffic(farm)) return f;
  // Counts of a Space-Saving counter can run over: never more than the SIM's own traffic.
  const callsIn = Math.min(farm.farmCallsIn, f.voiceIn);
  const callsOut = Math.min(farm.farmCallsOut, f.voiceOut);
  const sms = Math.min(farm.farmSms, f.smsCount);
  const voiceOut = f.voiceOut - callsOut;
  const voiceIn = f.voiceIn - callsIn;
  const distinctCallees = Math.max(0, f.distinctCallees - (farm.callees ?? 0));
  const callbacks = Math.max(0, f.callbackShare * f.voiceOut - callsOut);
  const smsCount = f.smsCount - sms;
  return {
    ...f,
    voiceOut,
    voiceIn,
    outShare: voiceOut + voiceIn > 0 ? voiceOut / (voiceOut + voiceIn) : 0,
    outPerActiveDay: f.voiceOut > 0 ? (f.outPerActiveDay * voiceOut) / f.voiceOut : 0,
    distinctCallees,
    calleesPerOutCall: voiceOut > 0 ? Math.min(1, distinctCallees / voiceOut) : 0,
    callbackShare: voiceOut > 0 ? callbacks / voiceOut : 0,
    distinctCallers: Math.max(0, f.distinctCallers - (farm.callers ?? 0)),
    smsCount,
    lifePerCall: (smsCount + f.dataEvents) / Math.max(1, voiceOut),
    farmCallsIn: callsIn,
    farmCallsOut: callsOut,
    farmSms: sms,
  };
}

/**
 * Per bulk-calling SIM, the other bulk callers of its cell in devices of the same TAC with serials
 * close to its own: modules made in one batch and run side by side — the ports of a multi-port
 * gateway, even when each port keeps its own SIM.
 */
function siblingModules(
  devicesByCell: Map<number, { msisdn: number; tac: number; serial: number }[]>,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const list of devicesByCell.values()) {
    if (list.length < 2) continue;
    list.sort((a, b) => a.tac - b.tac || a.serial - b.serial);
    for (let i = 0; i < list.length; i++) {
      const others = new Set<number>();
      for (let j = i - 1; j >= 0 && list[j].tac === list[i].tac; j--) {
        if (list[i].serial - list[j].serial > SIBLING_SERIAL_DISTANCE) break;
        if (list[j].msisdn !== list[i].msisdn) others.add(list[j].msisdn);
      }
      for (let j = i + 1; j < list.length && list[j].tac === list[i].tac; j++) {
        if (list[j].serial - list[i].serial > SIBLING_SERIAL_DISTANCE) break;
        if (list[j].msisdn !== list[i].msisdn) others.add(list[j].msisdn);
      }
      out.set(list[i].msisdn, Math.max(out.get(list[i].msisdn) ?? 0, others.size));
    }
  }
  return out;
}

/** SIMs linked through IMEIs they shared (a box's SIMs rotating through its modules): each SIM's farm and its size. */
function farmsOf(store: FeatureStore): Map<number, { root: number; size: number }> {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let root = x;
    for (let p = parent.get(root); p !== undefined && p !== root; p = parent.get(root)) root = p;
    for (let y = x, p = parent.get(y); p !== undefined && p !== root; p = parent.get(y)) {
      parent.set(y, root);
      y = p;
    }
    return root;
  };
  for (const device of store.imeis.values()) {
    if (device.simCount() < 2) continue;
    let first = -1;
    for (const sim of device.simList()) {
      if (!parent.has(sim)) parent.set(sim, sim);
      if (first < 0) first = find(sim);
      else {
        const root = find(sim);
        if (root !== first) parent.set(root, first);
      }
    }
  }
  const sizes = new Map<number, number>();
  for (const sim of parent.keys()) {
    const root = find(sim);
    sizes.set(root, (sizes.get(root) ?? 0) + 1);
  }
  const out = new Map<number, { root: number; size: number }>();
  for (const sim of parent.keys()) {
    const root = find(sim);
    out.set(sim, { root, size: sizes.get(root) ?? 1 });
  }
  return out;
}

export interface SimScore {
  msisdn: number;
  features: SimRecord;
  /** Probability per model class (classes of the model, class 0 = none). */
  probabilities: Float64Array;
  eligible: boolean;
  gates: string[];
  /** The defining traits of each kind. */
  traits: TraitVerdict;
  /** What the model read (features and trait strengths). */
  inputs: Record<string, number>;
}

/** The verdict of a SIM that does not pass the gates. */
const NO_TRAITS: TraitVerdict = {
  simbox: 0,
  fraudCaller: 0,
  simboxCore: false,
  fraudCore: false,
  simboxTraits: [],
  fraudTraits: [],
  gateway: 0,
  handsetCentre: false,
};

/** The gates passed by a passive SIM (`SimPopulation`): none, or the count of calls alone (shared, never written). */
const NO_GATES: string[] = Object.freeze(
  simGates({ voiceOut: 0, outShare: 0, calleesPerOutCall: 0 }).gates,
) as string[];
const ENOUGH_CALLS_ONLY: string[] = Object.freeze(
  simGates({ voiceOut: MIN_OUT_CALLS, outShare: 0, calleesPerOutCall: 0 }).gates,
) as string[];

/** Which gates a SIM passes: the traits without which no SIM-box or fraud-caller alert is raised. */
export function simGates(f: Pick<SimFeatures, 'voiceOut' | 'outShare' | 'calleesPerOutCall'>): {
  eligible: boolean;
  gates: string[];
} {
  const gates: string[] = [];
  if (f.voiceOut >= MIN_OUT_CALLS) gates.push(`at least ${MIN_OUT_CALLS} outgoing calls`);
  else return { eligible: false, gates };
  if (f.outShare >= MOSTLY_OUTGOING) gates.push('mostly outgoing voice');
  else return { eligible: false, gates };
  if (f.calleesPerOutCall >= 0.3) gates.push('calls spread over many numbers');
  else return { eligible: false, gates };
  return { eligible: true, gates };
}

/**
 * The score of a passive SIM (`SimPopulation`): it passes no gate, and its record is made when
 * its `features` are first read.
 */
class PassiveScore implements SimScore {
  readonly eligible = false;
  readonly gates: string[];
  readonly traits = NO_TRAITS;
  readonly inputs = {};
  readonly msisdn: number;
  readonly probabilities: Float64Array;
  private readonly population: SimPopulation;
  private readonly index: number;

  constructor(population: SimPopulation, index: number, gates: string[], probabilities: Float64Array) {
    this.population = population;
    this.index = index;
    this.msisdn = population.sims[index].msisdn;
    this.gates = gates;
    this.probabilities = probabilities;
  }

  get features(): SimRecord {
    return this.population.record(this.index);
  }
}

/** Scores every SIM with the model (no threshold applied): the base of alerts and of evaluation. */
export function scoreSims(population: SimPopulation, model: LinearModel): SimScore[] {
  const out: SimScore[] = [];
  const none = new Float64Array(model.classes.length);
  none[0] = 1;
  const onTraits = readsTraitsOnly(model);
  for (let i = 0; i < population.sims.length; i++) {
    const passed = population.passiveGates(i);
    if (passed !== null) {
      out.push(new PassiveScore(population, i, passed, none));
      continue;
    }
    const msisdn = population.sims[i].msisdn;
    const features = population.record(i);
    const { eligible, gates } = simGates(features);
    if (!eligible) {
      // Never alerted on its own: no traits or model needed (most SIMs of a population).
      out.push({ msisdn, features, probabilities: none, eligible, gates, traits: NO_TRAITS, inputs: {} });
      continue;
    }
    const traits = simTraits(features);
    // A model of trait strengths alone (the shipped one) reads them without the record's fields.
    const x = standardise(model, onTraits ? traitInputs(traits) : modelInputs(features, traits));
    out.push(new JudgedScore(msisdn, features, probabilities(model, x), gates, traits));
  }
  return out;
}

/** Whether a model reads trait strengths only (`traitInputs`), none of a record's own fields. */
function readsTraitsOnly(model: LinearModel): boolean {
  return model.features.every((name) => (TRAIT_IDS as readonly string[]).includes(name));
}

/**
 * The score of a SIM that passes the gates: judged on its traits by the model. Its `inputs` (the
 * record and the trait strengths in one object) are made when read: an alert's evidence and a
 * training set need them, the other SIMs' scores do not.
 */
class JudgedScore implements SimScore {
  readonly eligible = true;
  readonly msisdn: number;
  readonly features: SimRecord;
  readonly probabilities: Float64Array;
  readonly gates: string[];
  readonly traits: TraitVerdict;
  private read: Record<string, number> | null = null;

  constructor(msisdn: number, features: SimRecord, probabilities: Float64Array, gates: string[], traits: TraitVerdict) {
    this.msisdn = msisdn;
    this.features = features;
    this.probabilities = probabilities;
    this.gates = gates;
    this.traits = traits;
  }

  get inputs(): Record<string, number> {
    this.read ??= modelInputs(this.features, this.traits);
    return this.read;
  }
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
}

function simIdentity(sim: SimState | undefined): { imsi?: string; imei?: string } {
  if (!sim) return {};
  const out: { imsi?: string; imei?: string } = {};
  if (sim.imsi >= 0) out.imsi = digitString(sim.imsi, sim.imsiDigits);
  if (sim.imeis.length > 0) out.imei = digitString(sim.imeis[0], sim.imeiDigits[0]);
  return out;
}

/** Which model raised an alert, as the alert's evidence names it. */
export function modelName(model: LinearModel): string {
  const version = (model as { version?: string }).version;
  return version ? `sim-model ${version}` : 'sim-model (unversioned)';
}

/**
 * The kind a SIM is alerted as, if any, and on what basis. The defining traits come first: a
 * SIM whose SIM-box traits hold (gateway device, bypassed conversations, outgoing only…) is a
 * `simbox` even when it also dials many numbers; one whose call-centre traits hold is a
 * `fraud_caller`. The trained model adds SIMs whose traits are weaker but whose feature profile
 * it recognises; where its kind disagrees with the traits, the traits decide.
 */
export function decideKind(
  s: SimScore,
  model: LinearModel,
): { kind: AlertKind; score: number; basis: 'traits' | 'model' | 'traits+model' } | null {
  const t = s.traits;
  let modelKind: AlertKind | null = null;
  let best = 0;
  for (let c = 1; c < model.classes.length; c++) if (s.probabilities[c] > s.probabilities[best]) best = c;
  if (best === 0)
    for (let c = 1; c < model.classes.length; c++)
      if (s.probabilities[c] >= (model.thresholds[model.classes[c]] ?? 1)) best = c;
  if (best > 0 && s.probabilities[best] >= (model.thresholds[model.classes[best]] ?? 0.5))
    modelKind = model.classes[best] as AlertKind;
  const probabilityOf = (kind: AlertKind) => {
    const c = model.classes.indexOf(kind);
    return c >= 0 ? s.probabilities[c] : 0;
  };
  const simboxHolds = t.simboxCore && t.simbox >= TRAIT_ALERT_THRESHOLD;
  // A bulk SIM as strong as a box but in a call-centre's handsets: a call-centre that gets answered.
  const centreLikeBox = t.fraudCore && t.handsetCentre && t.simbox >= TRAIT_ALERT_THRESHOLD;
  const fraudHolds = t.fraudCore && (t.fraudCaller >= TRAIT_ALERT_THRESHOLD || centreLikeBox);
  let kind: AlertKind | null = simboxHolds ? 'simbox' : fraudHolds ? 'fraud_caller' : null;
  if (kind) {
    const traitScore = kind === 'simbox' ? t.simbox : Math.max(t.fraudCaller, centreLikeBox ? t.simbox : 0);
    return {
      kind,
      score: Math.max(traitScore, probabilityOf(kind)),
      basis: modelKind === kind ? 'traits+model' : 'traits',
    };
  }
  if (!modelKind) return null;
  kind = modelKind;
  // The model alone alerts only bulk, mostly outgoing callers with some of the kind's traits.
  const strength = (id: string) => t.simboxTraits.find((x) => x.id === id)?.strength ?? 0;
  if (strength('outgoing') < 0.5 || strength('volume') < 0.5) return null;
  if ((kind === 'simbox' ? t.simbox : t.fraudCaller) < MODEL_TRAIT_FLOOR) return null;
  // The model's kind against the traits: a box's bypassed conversations are not a call-centre's
  // failed calls, and the other way round.
  if (kind === 'fraud_caller' && t.simboxCore && t.simbox > t.fraudCaller) kind = 'simbox';
  else if (kind === 'simbox' && t.fraudCore && !t.simboxCore) kind = 'fraud_caller';
  return {
    kind,
    score: Math.max(probabilityOf(modelKind), kind === 'simbox' ? t.simbox : t.fraudCaller),
    basis: 'model',
  };
}

/**
 * Turns SIM scores into alerts: one per SIM, of the dominant kind (see `decideKind`), with the
 * traits of that kind that hold, the other kind's traits where they hold too, and the model's
 * feature contributions.
 */
export function simAlerts(store: FeatureStore, scores: SimScore[], model: LinearModel): Alert[] {
  const alerts: Alert[] = [];
  for (const s of scores) {
    if (!s.eligible) continue;
    const decision = decideKind(s, model);
    if (!decision) continue;
    const { kind } = decision;
    const c = Math.max(1, model.classes.indexOf(kind));
    const raw = s.inputs;
    const x = standardise(model, raw);
    const sim = store.sims.get(s.msisdn);
    const own = kind === 'simbox' ? s.traits.simboxTraits : s.traits.fraudTraits;
    const other = kind === 'simbox' ? s.traits.fraudTraits : s.traits.simboxTraits;
    const otherScore = kind === 'simbox' ? s.traits.fraudCaller : s.traits.simbox;
    const otherHeld = heldTraits(other);
    alerts.push({
      kind,
      msisdn: formatNumber(s.msisdn),
      ...simIdentity(sim),
      score: Math.round(Math.min(1, decision.score) * 1000) / 1000,
      evidence: {
        features: contributions(model, raw, x, c),
        rules: s.gates,
        traits: heldTraits(own),
        ...(otherScore >= 0.5 && otherHeld.length > 0
          ? {
              otherKind: {
                kind: kind === 'simbox' ? 'fraud_caller' : 'simbox',
                score: round3(otherScore),
                traits: otherHeld,
              },
            }
          : {}),
        traitScores: { simbox: round3(s.traits.simbox), fraud_caller: round3(s.traits.fraudCaller) },
        modelProbability: round3(s.probabilities[c]),
        // The trait strengths as the model read them: a confirmed or dismissed alert becomes a
        // training example (train --from-decisions) without the CDRs.
        inputs: traitInputs(s.traits),
        detector: decision.basis,
        model: modelName(model),
        // Every handset the SIM was seen in (a SIM-box's SIMs move between its modules): all of
        // them go on the device blocklist when the alert is confirmed.
        ...(sim && sim.imeis.length > 1
          ? { imeis: sim.imeis.map((imei, k) => digitString(imei, sim.imeiDigits[k])) }
          : {}),
      },
      firstSeen: iso(sim?.firstSeen ?? Number.NaN),
      lastSeen: iso(sim?.lastSeen ?? Number.NaN),
    });
  }
  return alerts;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Gates for a wangiri source: enough distinct victims, calls nobody answers, numbers from abroad. */
export function sourceGates(f: SourceFeatures, domestic: boolean): { eligible: boolean; gates: string[] } {
  const gates: string[] = [];
  if (domestic) return { eligible: false, gates };
  gates.push('international number calling in');
  if (f.distinctVictims >= 10) gates.push('rings at least 10 different subscribers');
  else return { eligible: false, gates };
  if (f.answeredShare <= 0.5) gates.push('most calls not answered');
  else return { eligible: false, gates };
  return { eligible: true, gates };
}

/**
 * Rule score of a wangiri source in [0, 1]: the mean of its defining traits — many victims
 * (saturating at 100), calls not answered, no conversation, each call to a new victim, at night.
 */
export function wangiriRuleScore(f: SourceFeatures): number {
  const victims = Math.min(1, Math.log10(Math.max(1, f.distinctVictims)) / 2);
  const silent = 1 - Math.min(1, f.meanDurationS / 10);
  return (victims + (1 - f.answeredShare) + f.zeroDurationShare + f.victimsPerCall + silent) / 5;
}

export interface SourceScore {
  number: number;
  features: SourceFeatures;
  probability: number;
  eligible: boolean;
  gates: string[];
}

/** Scores every international source (wangiri model: classes none / wangiri). */
export function scoreSources(store: FeatureStore, model: LinearModel): SourceScore[] {
  const out: SourceScore[] = [];
  for (const [number, source] of store.sources) {
    const features = store.sourceFeatures(source);
    const { eligible, gates } = sourceGates(features, store.plan.isDomestic(number));
    const x = standardise(model, features as unknown as Record<string, number>);
    // Wangiri sources are few in any training set, so a transparent rule score backs the model up.
    const probability = Math.max(probabilities(model, x)[1], wangiriRuleScore(features));
    out.push({ number, features, probability, eligible, gates });
  }
  return out;
}

/** Wangiri alerts: msisdn is the source number calling in. */
export function sourceAlerts(store: FeatureStore, scores: SourceScore[], model: LinearModel): Alert[] {
  const alerts: Alert[] = [];
  // The rule score alone reaches 0.8 only with every trait strongly present.
  const threshold = Math.min(model.thresholds.wangiri ?? 0.5, 0.8);
  for (const s of scores) {
    if (!s.eligible || s.probability < threshold) continue;
    const raw = s.features as unknown as Record<string, number>;
    const source = store.sources.get(s.number)!;
    alerts.push({
      kind: 'wangiri',
      msisdn: formatNumber(s.number),
      score: Math.round(s.probability * 1000) / 1000,
      evidence: { features: contributions(model, raw, standardise(model, raw), 1), rules: s.gates },
      firstSeen: iso(source.firstSeen),
      lastSeen: iso(source.lastSeen),
    });
  }
  return alerts;
}
