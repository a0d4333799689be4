import type { CdrBatch } from '../cdr/batch.ts';
import {
  ANSWERED_YES,
  DIRECTION_OUT,
  EVENT_DATA,
  EVENT_SMS,
  EVENT_VOICE,
  OTHER_E164,
  ROUTE_INTERNATIONAL,
} from '../cdr/types.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { NumberTable } from './number-table.ts';
import {
  BoundedSet,
  boundedAdd,
  DistinctCounter,
  distinctAdd,
  distinctCount,
  numbersHave,
  RecentNumbers,
  recentTouch,
  TopCounter,
  topAdd,
  topHas,
  wordsOfDistinctCounter,
  wordsOfNumbers,
  wordsOfTopCounter,
} from './sketch.ts';
import { defaultTacTable, type TacTable } from './tac.ts';

/**
 * Feature windows (DESIGN.md §5), folded one CDR at a time by event time. State is per entity —
 * SIM, IMEI, cell, and international source number (wangiri) — and each entity's state has a
 * fixed size (counters, small histograms, a HyperLogLog, a small top-k), so memory follows the
 * number of active entities and never the number of CDRs.
 */

const DAY_MS = 86_400_000;
/** Answered calls shorter than this are "short" (a hang-up, a probe, a one-line scam opener). */
export const SHORT_CALL_S = 10;
/** Local hours counted as night: 00:00–05:59. */
const NIGHT_END_HOUR = 6;
/** Duration histogram bin upper edges (seconds). */
const DURATION_EDGES = [1, 3, 6, 10, 20, 30, 60, 120, 300, 600, 1800, Number.POSITIVE_INFINITY];
const RECENT_CALLERS = 48;
/** Callers and SMS senders counted per SIM (Space-Saving): a box's SIMs call each other from few numbers. */
const PEER_COUNTERS = 16;
const MAX_IMEIS_PER_SIM = 8;
const MAX_CELLS_PER_SIM = 64;
const MAX_SIMS_PER_KEY = 256;
/** Two callees this close in number, dialled one after the other, are from a dialled list (a range). */
const SEQUENTIAL_DISTANCE = 100;
/** Hours of activity kept per SIM, as a ring of bits by absolute hour (32 days). */
const HOUR_RING = 768;
/** Two SIMs of one IMEI are in it at once when this share of the quieter one's hours are shared. */
const CONCURRENT_SHARE = 0.5;
/** Local hours counted as office hours: 09:00–18:59. */
const OFFICE_FROM_HOUR = 9;
const OFFICE_TO_HOUR = 19;
/** Answered calls at least this long are conversations (duration histogram bin edge). */
const CONVERSATION_S = 30;

/**
 * A SIM's windows, in one run of S_WORDS doubles (indexes below) in a block that holds many SIMs
 * (`SimBlocks`): counters, times, the last callee, IMEI and cell, the out-calls of the last days,
 * the hour and duration histograms, the ring of active hours, then its summaries (distinct
 * callees and callers, top contacts, recent callers, peers, cells). The fold writes numbers there
 * and allocates nothing: the garbage collector never copies a SIM's windows, however they grow.
 */
const S_IMSI = 0;
const S_IMSI_DIGITS = 1;
const S_FIRST_SEEN = 2;
const S_LAST_SEEN = 3;
const S_VOICE_OUT = 4;
const S_VOICE_IN = 5;
const S_SMS_OUT = 6;
const S_SMS_IN = 7;
const S_DATA_EVENTS = 8;
const S_DATA_BYTES = 9;
const S_OUT_ANSWERED = 10;
const S_OUT_SHORT = 11;
const S_OUT_DURATION_SUM = 12;
const S_OUT_TO_DOMESTIC = 13;
const S_OUT_TO_KNOWN_CALLER = 14;
const S_IN_ANSWERED = 15;
const S_IN_INTERNATIONAL = 16;
const S_IN_FROM_CONTACT = 17;
const S_LAST_CALLEE = 18;
const S_SEQUENTIAL_CALLEES = 19;
const S_LAST_OUT_AT = 20;
const S_GAP_COUNT = 21;
const S_GAP_LOG_SUM = 22;
const S_GAP_LOG_SQUARES = 23;
const S_GAPS_UNDER_60 = 24;
const S_ACTIVE_DAY_BITS = 25;
const S_FIRST_DAY = 26;
const S_LAST_IMEI = 27;
const S_LAST_DEVICE_GENERATION = 28;
const S_LAST_CELL = 29;
/** Days with out-calls held (at most OUT_DAYS), then their days and their counts, in no order. */
const S_DAYS_HELD = 30;
const OUT_DAYS = 14;
const S_DAY = 31;
const S_DAY_COUNT = S_DAY + OUT_DAYS + 1;
const S_HOURS = S_DAY_COUNT + OUT_DAYS + 1;
const S_DURATIONS = S_HOURS + 24;
const S_ACTIVE_HOURS = S_DURATIONS + DURATION_EDGES.length;
/** End of the numbers; the summaries follow. */
const S_SIZE = S_ACTIVE_HOURS + HOUR_RING / 32;
const CALLEES_EXACT = 32;
const CALLERS_EXACT = 16;
const CONTACTS = 16;
const TOP_CELLS = 8;
const S_CALLEES = S_SIZE;
const S_CALLERS = S_CALLEES + wordsOfDistinctCounter(CALLEES_EXACT);
const S_CONTACTS = S_CALLERS + wordsOfDistinctCounter(CALLERS_EXACT);
const S_RECENT_CALLERS = S_CONTACTS + wordsOfTopCounter(CONTACTS);
const S_CALLER_COUNTS = S_RECENT_CALLERS + wordsOfNumbers(RECENT_CALLERS);
const S_SMS_SENDER_COUNTS = S_CALLER_COUNTS + wordsOfTopCounter(PEER_COUNTERS);
const S_CELL_COUNTS = S_SMS_SENDER_COUNTS + wordsOfTopCounter(PEER_COUNTERS);
const S_CELLS = S_CELL_COUNTS + wordsOfTopCounter(TOP_CELLS);
const S_WORDS = S_CELLS + wordsOfNumbers(MAX_CELLS_PER_SIM);

/** A new SIM's words (the summaries start empty, at zero). */
const SIM_WORDS = new Float64Array(S_WORDS);
SIM_WORDS[S_IMSI] = -1;
SIM_WORDS[S_FIRST_SEEN] = Number.POSITIVE_INFINITY;
SIM_WORDS[S_LAST_SEEN] = Number.NEGATIVE_INFINITY;
SIM_WORDS[S_LAST_CALLEE] = -1;
SIM_WORDS[S_LAST_OUT_AT] = Number.NaN;
SIM_WORDS[S_FIRST_DAY] = Number.NaN;
SIM_WORDS[S_LAST_IMEI] = -1;
SIM_WORDS[S_LAST_DEVICE_GENERATION] = -1;
SIM_WORDS[S_LAST_CELL] = -1;

/** SIMs per block of `SimBlocks` (about 3.3 MB a block). */
export const SIMS_PER_BLOCK = 1024;

/**
 * The count of SIM blocks claimed, shared by the threads of `analyze` (an Int32Array of one over a
 * SharedArrayBuffer): each block is claimed by number (`Atomics.add`) and made by the thread that
 * claimed it — the reading thread for the SIMs it numbered, the folding thread while it waits —
 * and block b holds the SIMs numbered b × SIMS_PER_BLOCK on.
 */
export type SimBlockClaims = Int32Array;

/** Claims for the blocks of SIMs, to be shared with another thread. */
export function sharedSimBlockClaims(): SimBlockClaims {
  return new Int32Array(new SharedArrayBuffer(4));
}

/**
 * A block for SIMS_PER_BLOCK new SIMs, each SIM's words set as a new SIM's. Writing it is most of
 * the cost of a new SIM (the system's first touch of each page of fresh memory): the threaded
 * `analyze` has its threads make the blocks where they have time to spare (`SimBlockClaims`).
 */
export function newSimBlock(): Float64Array {
  const block = new Float64Array(SIMS_PER_BLOCK * S_WORDS);
  block.set(SIM_WORDS);
  for (let set = S_WORDS; set < block.length; set *= 2) block.copyWithin(set, 0, Math.min(set, block.length - set));
  return block;
}

/**
 * The windows of a store's SIMs, S_WORDS doubles each, in blocks of SIMS_PER_BLOCK SIMs outside
 * the garbage-collected heap. A SIM keeps its place for life; an evicted SIM's place is given to
 * the next new SIM.
 */
class SimBlocks {
  /** The blocks by number (block b holds places b × SIMS_PER_BLOCK on). */
  private readonly blocks: Float64Array[] = [];
  private readonly free: number[] = [];
  private next = 0;
  /** The blocks claimed so far, by this thread or one that makes blocks for it (`SimBlockClaims`). */
  private claims: SimBlockClaims = new Int32Array(1);

  /** A place for a new SIM, and its words, set as a new SIM's. */
  take(): { place: number; words: Float64Array } {
    let place = this.free.pop();
    const reused = place !== undefined;
    if (place === undefined) place = this.next++;
    const number = Math.floor(place / SIMS_PER_BLOCK);
    // A block nobody made: claimed and made here (each claim is the next block's number). One
    // claimed by another thread comes with the batch that needs it.
    while (this.blocks[number] === undefined) {
      if (this.claimed > number) throw new Error(`block ${number} of SIMs was made elsewhere and has not arrived`);
      this.makeNext();
    }
    const start = (place % SIMS_PER_BLOCK) * S_WORDS;
    const words = this.blocks[number].subarray(start, start + S_WORDS);
    if (reused) words.set(SIM_WORDS);
    return { place, words };
  }

  /** Claims the next block and makes it here; its number. */
  makeNext(): number {
    const number = Atomics.add(this.claims, 0, 1);
    this.blocks[number] = newSimBlock();
    return number;
  }

  /** Blocks claimed so far, here and elsewhere. */
  get claimed(): number {
    return Atomics.load(this.claims, 0);
  }

  /** Counts claims in `claims`, shared with a thread that makes blocks too (before any block is made). */
  share(claims: SimBlockClaims): void {
    if (this.claimed > 0) throw new Error('blocks of SIMs were made before their claims were shared');
    this.claims = claims;
  }

  /** Blocks made by `newSimBlock` on another thread, each with its number claimed there. */
  add(blocks: { number: number; block: Float64Array }[]): void {
    for (const { number, block } of blocks) {
      if (block.length !== SIMS_PER_BLOCK * S_WORDS) throw new Error('not a block of SIMs');
      this.blocks[number] = block;
    }
  }

  release(place: number): void {
    this.free.push(place);
  }
}

/** The IMEIs of a SIM seen with none (shared, never written: a SIM's first IMEI replaces it). */
const NO_IMEIS = Object.freeze([]) as unknown as number[];

/** Running state of one SIM (keyed by MSISDN). */
export class SimState {
  readonly msisdn: number;
  /** The words (S_… indexes); read the numbers through the named properties below. */
  readonly n: Float64Array;
  declare readonly imsi: number;
  declare readonly imsiDigits: number;
  declare readonly firstSeen: number;
  declare readonly lastSeen: number;
  declare readonly voiceOut: number;
  declare readonly voiceIn: number;
  declare readonly smsOut: number;
  declare readonly smsIn: number;
  declare readonly dataEvents: number;
  declare readonly dataBytes: number;
  declare readonly outAnswered: number;
  declare readonly outShort: number;
  declare readonly outDurationSum: number;
  declare readonly outToDomestic: number;
  declare readonly outToKnownCaller: number;
  declare readonly inAnswered: number;
  declare readonly inInternational: number;
  declare readonly inFromContact: number;
  /** Last callee dialled, and how many callees were within a short numeric distance of the one before. */
  declare readonly lastCallee: number;
  declare readonly sequentialCallees: number;
  /** Out-call gaps, by event time. */
  declare readonly lastOutAt: number;
  declare readonly gapCount: number;
  declare readonly gapLogSum: number;
  declare readonly gapLogSquares: number;
  declare readonly gapsUnder60: number;
  /** Active days as a bit set (day index from the first event, up to 31 days). */
  declare readonly activeDayBits: number;
  declare readonly firstDay: number;
  /** Its IMEIs (up to MAX_IMEIS_PER_SIM) and their digit counts: arrays of one until a second comes. */
  imeis: number[] = NO_IMEIS;
  imeiDigits: number[] = NO_IMEIS;
  /** The device of this SIM's last CDR with an IMEI, while it holds this SIM (skips the lookups). */
  lastDevice: ImeiState | null = null;
  /** The state of the cell of this SIM's last CDR: the SIM is already counted in it. */
  lastCellState: CellState | null = null;

  /** Order of creation in its store among the SIMs it holds (the SIM-by-SIM fold's order). */
  slot: number;
  /** Its place in its store's `SimBlocks`. */
  readonly place: number;

  /** A SIM's state over its words (by default, words of its own). */
  constructor(msisdn: number, slot = 0, words: Float64Array = SIM_WORDS.slice(), place = -1) {
    this.msisdn = msisdn;
    this.slot = slot;
    this.n = words;
    this.place = place;
  }

  // The summaries, as objects over the SIM's words made when asked for (the fold updates the
  // words through the summaries' functions and makes no object).
  get callees(): DistinctCounter {
    return new DistinctCounter(CALLEES_EXACT, this.n, S_CALLEES);
  }
  get callers(): DistinctCounter {
    return new DistinctCounter(CALLERS_EXACT, this.n, S_CALLERS);
  }
  /** The heaviest callees. */
  get contacts(): TopCounter {
    return new TopCounter(CONTACTS, this.n, S_CONTACTS);
  }
  /** Last callers, most recent last: to see call-backs. */
  get recentCallers(): RecentNumbers {
    return new RecentNumbers(RECENT_CALLERS, this.n, S_RECENT_CALLERS);
  }
  /**
   * Heaviest callers and SMS senders with their counts: calls and SMS from SIMs of this SIM's own
   * farm (a box faking incoming traffic among its SIMs) are told apart from the outside world's
   * once the population is known (detectors.ts), in both directions — the other SIM's counter holds
   * the calls this one made to it.
   */
  get callerCounts(): TopCounter {
    return new TopCounter(PEER_COUNTERS, this.n, S_CALLER_COUNTS);
  }
  get smsSenderCounts(): TopCounter {
    return new TopCounter(PEER_COUNTERS, this.n, S_SMS_SENDER_COUNTS);
  }
  get cellCounts(): TopCounter {
    return new TopCounter(TOP_CELLS, this.n, S_CELL_COUNTS);
  }
  get cells(): BoundedSet {
    return new BoundedSet(MAX_CELLS_PER_SIM, this.n, S_CELLS);
  }
}

for (const [name, index] of Object.entries({
  imsi: S_IMSI,
  imsiDigits: S_IMSI_DIGITS,
  firstSeen: S_FIRST_SEEN,
  lastSeen: S_LAST_SEEN,
  voiceOut: S_VOICE_OUT,
  voiceIn: S_VOICE_IN,
  smsOut: S_SMS_OUT,
  smsIn: S_SMS_IN,
  dataEvents: S_DATA_EVENTS,
  dataBytes: S_DATA_BYTES,
  outAnswered: S_OUT_ANSWERED,
  outShort: S_OUT_SHORT,
  outDurationSum: S_OUT_DURATION_SUM,
  outToDomestic: S_OUT_TO_DOMESTIC,
  outToKnownCaller: S_OUT_TO_KNOWN_CALLER,
  inAnswered: S_IN_ANSWERED,
  inInternational: S_IN_INTERNATIONAL,
  inFromContact: S_IN_FROM_CONTACT,
  lastCallee: S_LAST_CALLEE,
  sequentialCallees: S_SEQUENTIAL_CALLEES,
  lastOutAt: S_LAST_OUT_AT,
  gapCount: S_GAP_COUNT,
  gapLogSum: S_GAP_LOG_SUM,
  gapLogSquares: S_GAP_LOG_SQUARES,
  gapsUnder60: S_GAPS_UNDER_60,
  activeDayBits: S_ACTIVE_DAY_BITS,
  firstDay: S_FIRST_DAY,
}))
  Object.defineProperty(SimState.prototype, name, {
    get(this: SimState) {
      return this.n[index];
    },
  });

/** An ImeiState's firstRow until its batch's device pass finds its first row. */
const NEW_DEVICE = 2 ** 31;

/** Running state of one IMEI (device). */
export class ImeiState {
  readonly imei: number;
  digits = 15;
  /**
   * Its SIMs, in the order they joined: the first one alone (`firstSim`), the set made only once a
   * second one joins. Most devices hold one SIM all their life, and a set each is memory the fold
   * would otherwise make, and collect, tens of thousands of times. Read with `simCount`,
   * `hasSim` and `simList`.
   */
  private firstSim = -1;
  private moreSims: Set<number> | null = null;
  simsOverflow = 0;
  /** The SIM of the device's last CDR, and how often the SIM in the device changed (hand-overs). */
  lastSim = -1;
  handovers = 0;
  firstSeen = Number.POSITIVE_INFINITY;
  lastSeen = Number.NEGATIVE_INFINITY;
  /** Order of creation in its store among the devices it holds (the device-by-device fold's order). */
  slot: number;
  /** Whether `lastSim` is in `sims` (not one counted over the limit). */
  lastSimHeld = false;
  /** While the batch that made it is folded: its first row there (NEW_DEVICE until found; -1 after). */
  firstRow = -1;
  constructor(imei: number, slot = 0) {
    this.imei = imei;
    this.slot = slot;
  }

  /** SIMs held (not those counted over the limit). */
  simCount(): number {
    return this.moreSims !== null ? this.moreSims.size : this.firstSim >= 0 ? 1 : 0;
  }

  hasSim(msisdn: number): boolean {
    return this.moreSims !== null ? this.moreSims.has(msisdn) : this.firstSim === msisdn;
  }

  addSim(msisdn: number): void {
    if (this.moreSims !== null) this.moreSims.add(msisdn);
    else if (this.firstSim < 0) this.firstSim = msisdn;
    else if (this.firstSim !== msisdn) this.moreSims = new Set([this.firstSim, msisdn]);
  }

  /** The SIMs held, in the order they joined. */
  simList(): Iterable<number> {
    return this.moreSims ?? (this.firstSim >= 0 ? [this.firstSim] : []);
  }
}

/** Running state of one cell. */
export class CellState {
  readonly cell: number;
  readonly sims = new DistinctCounter(64);
  voiceOut = 0;
  voiceIn = 0;
  constructor(cell: number) {
    this.cell = cell;
  }
}

/** Running state of a number calling in from abroad (a wangiri source candidate). */
export class SourceState {
  readonly number: number;
  calls = 0;
  answered = 0;
  durationSum = 0;
  zeroDuration = 0;
  night = 0;
  readonly victims = new DistinctCounter(16);
  firstSeen = Number.POSITIVE_INFINITY;
  lastSeen = Number.NEGATIVE_INFINITY;
  constructor(number: number) {
    this.number = number;
  }
}

/** Per-SIM features as numbers, the detectors' input. Names are the evidence keys. */
export interface SimFeatures {
  voiceOut: number;
  voiceIn: number;
  outShare: number;
  outPerActiveDay: number;
  maxOutPerDay: number;
  distinctCallees: number;
  calleesPerOutCall: number;
  top5ContactShare: number;
  reciprocity: number;
  callbackShare: number;
  answeredShare: number;
  shortShare: number;
  unansweredShare: number;
  durationP10: number;
  durationMedian: number;
  durationP90: number;
  nightShare: number;
  hourlyEntropy: number;
  gapMedianS: number;
  gapLogSpread: number;
  burstShare: number;
  distinctCells: number;
  topCellShare: number;
  imeisPerSim: number;
  simsPerImei: number;
  smsCount: number;
  dataEvents: number;
  dataBytes: number;
  internationalInShare: number;
  domesticCalleeShare: number;
  distinctCallers: number;
  activeDays: number;
  simAgeDays: number;
  /** Share of outgoing calls placed 09:00–18:59 local. */
  officeHourShare: number;
  /** Share of answered outgoing calls lasting a conversation (≥ 30 s). */
  conversationShare: number;
  /** Share of outgoing calls to a number close to the previous callee's (dialling a list). */
  sequentialShare: number;
  /** Most hand-overs between SIMs on any of this SIM's IMEIs (in file order). */
  imeiHandovers: number;
  /** Most other SIMs in one of this SIM's IMEIs at the same hours (gateway slots). */
  concurrentSimsOnImei: number;
  /** Share of a shared IMEI's seen life this SIM covers (1 when not shared): a fresh SIM per day is small. */
  imeiLifeShare: number;
  /** 1 when one of the SIM's IMEIs has a gateway (SIM-box module) TAC. */
  gatewayTac: number;
  /** 1 when one of the SIM's IMEIs has an IoT-module or probe TAC. */
  moduleTac: number;
  /** SMS and data events per outgoing call: the traces of a person using the phone. */
  lifePerCall: number;
  /** Share of incoming calls that come from numbers this SIM calls (its contacts). */
  inFromContactShare: number;
}

/** Per-source features of a number calling in from abroad. */
export interface SourceFeatures {
  calls: number;
  distinctVictims: number;
  victimsPerCall: number;
  answeredShare: number;
  zeroDurationShare: number;
  meanDurationS: number;
  nightShare: number;
}

/**
 * The feature windows of every entity. Feed CDRs with `addBatch` (columnar);
 * read features with `simFeatures`. `evictIdle` drops entities not seen since a time, which is
 * how a long-running ingest keeps memory bounded to the active population.
 */
export class FeatureStore {
  readonly sims = new Map<number, SimState>();
  readonly imeis = new Map<number, ImeiState>();
  readonly cells = new Map<number, CellState>();
  readonly sources = new Map<number, SourceState>();
  readonly cellNames: string[] = [];
  private readonly cellIds = new Map<string, number>();
  // The maps above keyed by number, for lookups on the fold path that do not allocate.
  private readonly simTable = new NumberTable<SimState>();
  private readonly imeiTable = new NumberTable<ImeiState>();
  private readonly sourceTable = new NumberTable<SourceState>();
  /** Bumped by each eviction: cached device references of older generations are stale. */
  private generation = 0;
  /** SIMs made so far: each SIM's slot, the order of the SIM-by-SIM fold; the SIMs by slot. */
  private slots = 0;
  private readonly simsBySlot: SimState[] = [];
  private readonly simBlocks = new SimBlocks();
  /** Cell states by global cell id (cells are never evicted). */
  private readonly cellStates: CellState[] = [];
  /**
   * Per row of the batch being folded, by its place in the batch: its global cell id, its device,
   * its device's slot; the SIM pass's and the device pass's orders of the rows.
   */
  private rowCells = new Int32Array(0);
  private rowDevices: (ImeiState | null)[] = [];
  private rowDeviceSlots = new Int32Array(0);
  private simOrder = new Int32Array(0);
  private deviceOrder = new Int32Array(0);
  /** Devices made so far (each device's slot); those made by the batch being folded. */
  private deviceSlots = 0;
  private readonly newDevices: ImeiState[] = [];
  readonly plan: NumberingPlan;
  readonly tacs: TacTable;
  /** Latest event time seen (the window's "now"). */
  latest = Number.NEGATIVE_INFINITY;
  earliest = Number.POSITIVE_INFINITY;
  rows = 0;

  constructor(plan: NumberingPlan, tacs: TacTable = defaultTacTable()) {
    this.plan = plan;
    this.tacs = tacs;
  }

  /** Global id of a cell name. */
  cellId(name: string): number {
    let id = this.cellIds.get(name);
    if (id === undefined) {
      id = this.cellNames.length;
      this.cellNames.push(name);
      this.cellIds.set(name, id);
    }
    return id;
  }

  private isDomestic(number: number): boolean {
    return this.plan.isDomestic(number);
  }

  /** Folds every row of a batch in. */
  addBatch(batch: CdrBatch): void {
    this.addBatches([batch]);
  }

  /**
   * Folds every row of several batches in, as `addBatch` on each in turn would. `simIds`, when
   * given, numbers each row's SIM (one Int32Array per batch) 0, 1, 2… in the order the SIMs first
   * appear in all the rows this store is ever given — what a reader that sees every row can work
   * out on its own thread — and spares a lookup per row; they are ignored once SIMs were evicted.
   */
  addBatches(batches: CdrBatch[], simIds: Int32Array[] | null = null): void {
    const ids = simIds !== null && this.generation === 0 ? simIds : null;
    for (let b = 0; b < batches.length; b++)
      this.foldBatch(batches[b], ids === null ? this.slotsOf(batches[b]) : ids[b]);
  }

  /** Each row's SIM slot, the SIMs new to the store made in the order of their first rows. */
  private slotsOf(batch: CdrBatch): Int32Array {
    const slots = new Int32Array(batch.size);
    for (let i = 0; i < batch.size; i++) {
      const msisdn = batch.msisdn[i];
      let sim = this.simTable.get(msisdn);
      if (sim === undefined) sim = this.makeSim(msisdn);
      slots[i] = sim.slot;
    }
    return slots;
  }

  private makeSim(msisdn: number): SimState {
    const { place, words } = this.simBlocks.take();
    const sim = new SimState(msisdn, this.slots++, words, place);
    this.sims.set(msisdn, sim);
    this.simTable.add(msisdn, sim);
    this.simsBySlot.push(sim);
    return sim;
  }

  /** Blocks for the SIMs to come, made and claimed by number on another thread (`SimBlockClaims`). */
  addSimBlocks(blocks: { number: number; block: Float64Array }[]): void {
    this.simBlocks.add(blocks);
  }

  /** Counts the SIM blocks claimed in `claims`, shared with a thread that makes blocks for this store. */
  shareSimBlockClaims(claims: SimBlockClaims): void {
    this.simBlocks.share(claims);
  }

  /** Claims and makes the next block of SIMs ahead of need (work for a thread that would wait). */
  makeSimBlockAhead(): void {
    this.simBlocks.makeNext();
  }

  /** SIM blocks claimed so far, by this store's thread or another. */
  simBlocksClaimed(): number {
    return this.simBlocks.claimed;
  }

  /**
   * Folds a batch whose rows' SIMs its reader numbered, as `simIds` of `addBatches` (one number a
   * row). Only for a store that never evicted.
   */
  addBatchWithSimIds(batch: CdrBatch, simIds: Int32Array): void {
    if (this.generation > 0) throw new Error('SIM numbers of a reader cannot follow a store that evicted SIMs');
    this.foldBatch(batch, simIds);
  }

  /**
   * The fold of a batch whose rows' SIMs are numbered by `slotOf` (their slots, or the reader's
   * numbers of SIMs to be made in that order). First, in the order read: cells named and made
   * (the cells are listed in the order of their first rows), calls in from abroad (`foldSource`).
   * Then SIM by SIM, each SIM's rows in their order: its own windows (`foldSim`), cells
   * (`foldCell`) and IMEIs (`deviceOf`). Then device by device, each device's rows in their order
   * (`foldDevice`: its SIMs and hand-overs). A SIM's state depends only on its own rows and a
   * device's on its own, so the result is that of a fold row by row in the order read; but a
   * SIM's state is fetched from memory once per batch, not once per row (the rows of a file are in
   * time order, every SIM in turn): its few kilobytes are read once, and the batch's columns,
   * a few dozen bytes a row, are read out of order instead.
   */
  private foldBatch(batch: CdrBatch, slotOf: Int32Array): void {
    const size = batch.size;
    if (this.rowCells.length < size) {
      this.rowCells = new Int32Array(size);
      this.rowDeviceSlots = new Int32Array(size);
      this.simOrder = new Int32Array(size);
      this.deviceOrder = new Int32Array(size);
      this.rowDevices = new Array(size).fill(null);
    }
    const { rowCells, rowDeviceSlots, simOrder, deviceOrder, rowDevices } = this;
    const msisdns = batch.msisdn;
    const cells = batch.cell;
    const startedAt = batch.startedAt;
    const events = batch.event;
    const directions = batch.direction;
    const routes = batch.route;
    const otherKinds = batch.otherKind;
    const imeis = batch.imei;
    // Batch-local string ids → global cell ids, once per distinct string of the batch.
    const local = new Int32Array(batch.strings.length).fill(-2);
    for (let i = 0; i < size; i++) {
      const localCell = cells[i];
      let cell = -1;
      if (localCell >= 0) {
        cell = local[localCell];
        if (cell === -2) {
          cell = this.cellId(batch.strings[localCell]);
          local[localCell] = cell;
        }
        // A cell's state is made by its first row, as the cells are listed in that order.
        if (this.cellStates[cell] === undefined) {
          const state = new CellState(cell);
          this.cellStates[cell] = state;
          this.cells.set(cell, state);
        }
      }
      rowCells[i] = cell;
      if (
        routes[i] === ROUTE_INTERNATIONAL &&
        events[i] === EVENT_VOICE &&
        directions[i] !== DIRECTION_OUT &&
        otherKinds[i] === OTHER_E164 &&
        batch.otherParty[i] >= 0
      )
        this.foldSource(batch, i, msisdns[i]);
    }
    // SIM by SIM, the SIMs new to the store made in the order of their numbers.
    let slots = this.slots;
    for (let i = 0; i < size; i++) {
      simOrder[i] = i;
      if (slotOf[i] >= slots) slots = slotOf[i] + 1;
    }
    sortRows(simOrder, size, slotOf, slots);
    const bySlot = this.simsBySlot;
    for (let k = 0; k < size; k++) {
      const i = simOrder[k];
      const slot = slotOf[i];
      let sim = bySlot[slot];
      if (sim === undefined) {
        if (slot !== this.slots) throw new Error('SIM numbers out of order');
        sim = this.makeSim(msisdns[i]);
      }
      const at = startedAt[i];
      if (at > this.latest) this.latest = at;
      if (at < this.earliest) this.earliest = at;
      this.foldSim(sim, batch, i);
      const cell = rowCells[i];
      if (cell >= 0) this.foldCell(sim, cell, events[i], directions[i]);
      if (imeis[i] >= 0) rowDevices[i] = this.deviceOf(sim, batch, i);
    }
    // Then device by device, each device's rows in the order read: its SIMs, hand-overs and life span.
    let withDevice = 0;
    for (let i = 0; i < size; i++) {
      const device = rowDevices[i];
      if (device !== null) {
        deviceOrder[withDevice++] = i;
        rowDeviceSlots[i] = device.slot;
      }
    }
    sortRows(deviceOrder, withDevice, rowDeviceSlots, this.deviceSlots);
    for (let w = 0; w < withDevice; w++) {
      const i = deviceOrder[w];
      const device = rowDevices[i]!;
      if (device.firstRow === NEW_DEVICE) {
        // A device new in this batch is as its first row (in the order read) made it.
        device.firstRow = i;
        device.digits = batch.imeiDigits[i];
      }
      this.foldDevice(device, msisdns[i], startedAt[i]);
    }
    // Devices made by this batch, listed in the order of their first rows (as a row-by-row fold would).
    if (this.newDevices.length > 0) {
      this.newDevices.sort((a, b) => a.firstRow - b.firstRow);
      for (const device of this.newDevices) {
        this.imeis.set(device.imei, device);
        device.firstRow = -1;
      }
      this.newDevices.length = 0;
    }
    rowDevices.fill(null, 0, size);
    this.rows += size;
  }

  /** A SIM's own windows: activity, volumes, calls made and received, SMS, data. */
  private foldSim(sim: SimState, batch: CdrBatch, i: number): void {
    const n = sim.n;
    const at = batch.startedAt[i];
    if (at < n[S_FIRST_SEEN]) n[S_FIRST_SEEN] = at;
    if (at > n[S_LAST_SEEN]) n[S_LAST_SEEN] = at;
    const imsi = batch.imsi[i];
    if (imsi >= 0) {
      n[S_IMSI] = imsi;
      n[S_IMSI_DIGITS] = batch.imsiDigits[i];
    }
    const day = Math.floor(at / DAY_MS);
    const hourBit = Math.floor(at / 3_600_000) % HOUR_RING;
    if (hourBit >= 0) {
      const word = S_ACTIVE_HOURS + (hourBit >>> 5);
      n[word] = (n[word] | (1 << (hourBit & 31))) >>> 0;
    }
    if (Number.isNaN(n[S_FIRST_DAY])) n[S_FIRST_DAY] = day;
    const dayOffset = day - n[S_FIRST_DAY];
    if (dayOffset >= 0 && dayOffset < 31) n[S_ACTIVE_DAY_BITS] = n[S_ACTIVE_DAY_BITS] | (1 << dayOffset);
    const event = batch.event[i];
    const out = batch.direction[i] === DIRECTION_OUT;
    if (event === EVENT_VOICE) {
      const other = batch.otherKind[i] === OTHER_E164 ? batch.otherParty[i] : -1;
      const answered = batch.answered[i] === ANSWERED_YES;
      if (out) this.foldVoiceOut(sim, other, at, batch.localHour[i], batch.durationS[i], answered, day);
      else this.foldVoiceIn(sim, other, answered, batch.route[i]);
    } else if (event === EVENT_SMS) {
      if (out) n[S_SMS_OUT]++;
      else {
        n[S_SMS_IN]++;
        // Only E.164 senders with a known number count (not short codes or empty senders).
        if (batch.otherKind[i] === OTHER_E164 && batch.otherParty[i] >= 0)
          topAdd(n, S_SMS_SENDER_COUNTS, PEER_COUNTERS, batch.otherParty[i]);
      }
    } else if (event === EVENT_DATA) {
      n[S_DATA_EVENTS]++;
      n[S_DATA_BYTES] += batch.bytes[i];
    }
  }

  /**
   * The device of a SIM's row with an IMEI, made when new (listed in `imeis` once the batch is
   * folded); the SIM's list of IMEIs.
   */
  private deviceOf(sim: SimState, batch: CdrBatch, i: number): ImeiState {
    const imei = batch.imei[i];
    const n = sim.n;
    let device: ImeiState;
    if (n[S_LAST_IMEI] === imei && n[S_LAST_DEVICE_GENERATION] === this.generation) {
      // Same device as this SIM's last CDR: already in the SIM's list.
      device = sim.lastDevice!;
    } else {
      const imeiDigits = batch.imeiDigits[i];
      if (sim.imeis.length < MAX_IMEIS_PER_SIM && !sim.imeis.includes(imei)) {
        if (sim.imeis.length === 0) {
          sim.imeis = [imei];
          sim.imeiDigits = [imeiDigits];
        } else {
          sim.imeis.push(imei);
          sim.imeiDigits.push(imeiDigits);
        }
      }
      let found = this.imeiTable.get(imei);
      if (found === undefined) {
        found = new ImeiState(imei, this.deviceSlots++);
        found.digits = imeiDigits;
        found.firstRow = NEW_DEVICE;
        this.imeiTable.add(imei, found);
        this.newDevices.push(found);
      }
      device = found;
      n[S_LAST_IMEI] = imei;
      sim.lastDevice = device;
      n[S_LAST_DEVICE_GENERATION] = this.generation;
    }
    return device;
  }

  /**
   * A device's row: its SIMs (up to a limit, then counted over), hand-overs and life span. Its
   * cells are not kept: every reader takes a SIM's cells, never a device's.
   */
  private foldDevice(device: ImeiState, msisdn: number, at: number): void {
    if (device.lastSim !== msisdn) {
      // A SIM not in the device yet joins it, or is counted over the limit on each of its rows.
      if (device.hasSim(msisdn)) device.lastSimHeld = true;
      else if (device.simCount() < MAX_SIMS_PER_KEY) {
        device.addSim(msisdn);
        device.lastSimHeld = true;
      } else {
        device.simsOverflow++;
        device.lastSimHeld = false;
      }
      if (device.lastSim >= 0) device.handovers++;
      device.lastSim = msisdn;
    } else if (!device.lastSimHeld) device.simsOverflow++;
    if (at < device.firstSeen) device.firstSeen = at;
    if (at > device.lastSeen) device.lastSeen = at;
  }

  /** The cell of a row with one: the SIM's cells and the cell's SIMs and voice counts. */
  private foldCell(sim: SimState, cell: number, event: number, direction: number): void {
    const n = sim.n;
    topAdd(n, S_CELL_COUNTS, TOP_CELLS, cell);
    let cellState: CellState;
    if (cell === sim.n[S_LAST_CELL]) {
      // Same cell as this SIM's last CDR: already in its set and counted in the cell (cells are never evicted).
      cellState = sim.lastCellState!;
    } else {
      boundedAdd(n, S_CELLS, MAX_CELLS_PER_SIM, cell);
      cellState = this.cellStates[cell];
      cellState.sims.add(sim.msisdn);
      sim.n[S_LAST_CELL] = cell;
      sim.lastCellState = cellState;
    }
    if (event === EVENT_VOICE) {
      if (direction === DIRECTION_OUT) cellState.voiceOut++;
      else cellState.voiceIn++;
    }
  }

  /** A call in from abroad with a number: that number as a wangiri source candidate. */
  private foldSource(batch: CdrBatch, i: number, victim: number): void {
    const number = batch.otherParty[i];
    const at = batch.startedAt[i];
    const durationS = batch.durationS[i];
    let source = this.sourceTable.get(number);
    if (source === undefined) {
      source = new SourceState(number);
      this.sources.set(number, source);
      this.sourceTable.add(number, source);
    }
    source.calls++;
    if (batch.answered[i] === ANSWERED_YES) source.answered++;
    source.durationSum += durationS;
    if (durationS <= 1) source.zeroDuration++;
    if (batch.localHour[i] < NIGHT_END_HOUR) source.night++;
    source.victims.add(victim);
    if (at < source.firstSeen) source.firstSeen = at;
    if (at > source.lastSeen) source.lastSeen = at;
  }

  private foldVoiceOut(
    sim: SimState,
    other: number,
    at: number,
    localHour: number,
    durationS: number,
    answered: boolean,
    day: number,
  ): void {
    const n = sim.n;
    n[S_VOICE_OUT]++;
    n[S_HOURS + localHour]++;
    // Out-calls per day, two weeks of them: a new day past that drops the oldest.
    const held = n[S_DAYS_HELD];
    let k = 0;
    while (k < held && n[S_DAY + k] !== day) k++;
    if (k < held) n[S_DAY_COUNT + k]++;
    else {
      n[S_DAY + k] = day;
      n[S_DAY_COUNT + k] = 1;
      if (held + 1 > OUT_DAYS) {
        let oldest = 0;
        for (let j = 1; j <= held; j++) if (n[S_DAY + j] < n[S_DAY + oldest]) oldest = j;
        n[S_DAY + oldest] = n[S_DAY + held];
        n[S_DAY_COUNT + oldest] = n[S_DAY_COUNT + held];
      } else n[S_DAYS_HELD] = held + 1;
    }
    if (answered) {
      n[S_OUT_ANSWERED]++;
      n[S_OUT_DURATION_SUM] += durationS;
      if (durationS < SHORT_CALL_S) n[S_OUT_SHORT]++;
      let bin = 0;
      while (durationS >= DURATION_EDGES[bin]) bin++;
      n[S_DURATIONS + bin]++;
    }
    if (other >= 0) {
      const lastCallee = n[S_LAST_CALLEE];
      const step = other - lastCallee;
      if (lastCallee >= 0 && step !== 0 && step <= SEQUENTIAL_DISTANCE && step >= -SEQUENTIAL_DISTANCE)
        n[S_SEQUENTIAL_CALLEES]++;
      n[S_LAST_CALLEE] = other;
      distinctAdd(n, null, S_CALLEES, CALLEES_EXACT, other);
      topAdd(n, S_CONTACTS, CONTACTS, other);
      if (this.isDomestic(other)) n[S_OUT_TO_DOMESTIC]++;
      if (numbersHave(n, S_RECENT_CALLERS, other)) n[S_OUT_TO_KNOWN_CALLER]++;
    }
    const lastOutAt = n[S_LAST_OUT_AT];
    if (!Number.isNaN(lastOutAt) && at >= lastOutAt) {
      const gap = (at - lastOutAt) / 1000;
      n[S_GAP_COUNT]++;
      const logGap = Math.log1p(gap);
      n[S_GAP_LOG_SUM] += logGap;
      n[S_GAP_LOG_SQUARES] += logGap * logGap;
      if (gap < 60) n[S_GAPS_UNDER_60]++;
    }
    if (Number.isNaN(lastOutAt) || at > lastOutAt) n[S_LAST_OUT_AT] = at;
  }

  private foldVoiceIn(sim: SimState, other: number, answered: boolean, route: number): void {
    const n = sim.n;
    n[S_VOICE_IN]++;
    if (answered) n[S_IN_ANSWERED]++;
    if (route === ROUTE_INTERNATIONAL) n[S_IN_INTERNATIONAL]++;
    if (other >= 0) {
      distinctAdd(n, null, S_CALLERS, CALLERS_EXACT, other);
      topAdd(n, S_CALLER_COUNTS, PEER_COUNTERS, other);
      if (topHas(n, S_CONTACTS, other)) n[S_IN_FROM_CONTACT]++;
      recentTouch(n, S_RECENT_CALLERS, RECENT_CALLERS, other);
    }
  }

  /** Largest number of SIMs seen on any of this SIM's IMEIs. */
  simsPerImei(sim: SimState): number {
    let most = sim.imeis.length > 0 ? 1 : 0;
    for (const imei of sim.imeis) {
      const device = this.imeiTable.get(imei);
      if (device) most = Math.max(most, device.simCount() + device.simsOverflow);
    }
    return most;
  }

  /** Device traits of a SIM's IMEIs: most hand-overs, gateway TAC, module TAC. */
  deviceTraits(sim: SimState): {
    handovers: number;
    concurrent: number;
    lifeShare: number;
    gateway: number;
    module: number;
  } {
    let lifeShare = 1;
    let handovers = 0;
    let concurrent = 0;
    let gateway = 0;
    let module = 0;
    for (let k = 0; k < sim.imeis.length; k++) {
      const device = this.imeiTable.get(sim.imeis[k]);
      if (device && device.handovers > handovers) handovers = device.handovers;
      if (device && device.simCount() > 1) {
        // Other SIMs in this device at the same hours (a gateway's slots), whatever the order of
        // the CDR files: a phone taking SIMs one after another has none.
        let overlapping = 0;
        const n = sim.n;
        const mine = countBits(n, S_ACTIVE_HOURS, HOUR_RING / 32);
        for (const other of device.simList()) {
          if (other === sim.msisdn) continue;
          const o = this.simTable.get(other);
          if (!o) continue;
          // Same hours for most of the quieter SIM's life: slots of one gateway, not a desk phone
          // shared by shifts or a handset given a new SIM each day.
          const on = o.n;
          let both = 0;
          for (let w = S_ACTIVE_HOURS; w < S_SIZE; w++) both += popcount(on[w] & n[w]);
          const quieter = Math.min(mine, countBits(on, S_ACTIVE_HOURS, HOUR_RING / 32));
          if (quieter >= 2 && both >= CONCURRENT_SHARE * quieter) overlapping++;
        }
        if (overlapping > concurrent) concurrent = overlapping;
        const span = device.lastSeen - device.firstSeen;
        if (span > 0) lifeShare = Math.min(lifeShare, (n[S_LAST_SEEN] - n[S_FIRST_SEEN]) / span);
      }
      const family = this.tacs.familyOf(sim.imeis[k], sim.imeiDigits[k]);
      if (family === 'gateway') gateway = 1;
      else if (family === 'iot' || family === 'probe') module = 1;
    }
    return { handovers, concurrent, lifeShare, gateway, module };
  }

  /** The features of a passive SIM's gates (`simGates` stops at these two for it), without making the others. */
  gateFeatures(sim: SimState): Pick<SimFeatures, 'voiceOut' | 'outShare'> {
    return { voiceOut: sim.n[S_VOICE_OUT], outShare: outShareOf(sim.n) };
  }

  /**
   * Whether a SIM sits in a gateway-like device, as the farm relation of detectors.ts reads every
   * SIM: a gateway TAC, another SIM on one of its IMEIs (at the same hours or not), or three IMEIs
   * or more — `gatewayTac > 0 || concurrentSimsOnImei ≥ 1 || simsPerImei ≥ 2 || imeisPerSim ≥ 3`
   * of its features, read the short way (a SIM alone on its IMEIs has none at the same hours).
   */
  gatewayLike(sim: SimState): boolean {
    if (sim.imeis.length >= 3 || this.simsPerImei(sim) >= 2) return true;
    for (let k = 0; k < sim.imeis.length; k++)
      if (this.tacs.familyOf(sim.imeis[k], sim.imeiDigits[k]) === 'gateway') return true;
    return false;
  }

  /** SMS and data events per outgoing call (the feature `lifePerCall`), without making the others. */
  lifePerCall(sim: SimState): number {
    return lifePerCall(sim.n);
  }

  /** The features of one SIM at the window's current state. */
  simFeatures(sim: SimState): SimFeatures {
    // The numbers read straight from the SIM's array (S_… indexes), not through its properties.
    const n = sim.n;
    const distinctCallees = distinctCount(n, null, S_CALLEES);
    const contacts = sim.contacts;
    const cellCounts = sim.cellCounts;
    let activeDays = 0;
    for (let bits = n[S_ACTIVE_DAY_BITS]; bits !== 0; bits &= bits - 1) activeDays++;
    let maxOutPerDay = 0;
    for (let k = 0; k < n[S_DAYS_HELD]; k++) if (n[S_DAY_COUNT + k] > maxOutPerDay) maxOutPerDay = n[S_DAY_COUNT + k];
    // Reciprocity: of the heaviest contacts, how many also called this SIM.
    let reciprocal = 0;
    const contactCount = contacts.size;
    for (let k = 0; k < contactCount; k++) {
      const contact = contacts.keyAt(k);
      if (numbersHave(n, S_CALLERS, contact) || numbersHave(n, S_RECENT_CALLERS, contact)) reciprocal++;
    }
    const gapMean = n[S_GAP_COUNT] > 0 ? n[S_GAP_LOG_SUM] / n[S_GAP_COUNT] : 0;
    const gapVariance = n[S_GAP_COUNT] > 1 ? Math.max(0, n[S_GAP_LOG_SQUARES] / n[S_GAP_COUNT] - gapMean * gapMean) : 0;
    const topCell = cellCounts.top();
    const device = this.deviceTraits(sim);
    let office = 0;
    for (let h = OFFICE_FROM_HOUR; h < OFFICE_TO_HOUR; h++) office += n[S_HOURS + h];
    let conversations = 0;
    for (let b = 0; b < DURATION_EDGES.length; b++)
      if (b > 0 && DURATION_EDGES[b - 1] >= CONVERSATION_S) conversations += n[S_DURATIONS + b];
    return {
      voiceOut: n[S_VOICE_OUT],
      voiceIn: n[S_VOICE_IN],
      outShare: outShareOf(n),
      outPerActiveDay: activeDays > 0 ? n[S_VOICE_OUT] / activeDays : 0,
      maxOutPerDay,
      distinctCallees,
      calleesPerOutCall: calleesPerOutCallOf(n, distinctCallees),
      top5ContactShare: contacts.topShare(5),
      reciprocity: contactCount > 0 ? reciprocal / contactCount : 0,
      callbackShare: n[S_VOICE_OUT] > 0 ? n[S_OUT_TO_KNOWN_CALLER] / n[S_VOICE_OUT] : 0,
      answeredShare: n[S_VOICE_OUT] > 0 ? n[S_OUT_ANSWERED] / n[S_VOICE_OUT] : 0,
      shortShare: n[S_OUT_ANSWERED] > 0 ? n[S_OUT_SHORT] / n[S_OUT_ANSWERED] : 0,
      unansweredShare: n[S_VOICE_OUT] > 0 ? 1 - n[S_OUT_ANSWERED] / n[S_VOICE_OUT] : 0,
      durationP10: histogramQuantile(n, S_DURATIONS, 0.1),
      durationMedian: histogramQuantile(n, S_DURATIONS, 0.5),
      durationP90: histogramQuantile(n, S_DURATIONS, 0.9),
      nightShare: n[S_VOICE_OUT] > 0 ? nightCount(n, S_HOURS) / n[S_VOICE_OUT] : 0,
      hourlyEntropy: entropy(n, S_HOURS, 24),
      gapMedianS: n[S_GAP_COUNT] > 0 ? Math.expm1(gapMean) : 0,
      gapLogSpread: Math.sqrt(gapVariance),
      burstShare: n[S_GAP_COUNT] > 0 ? n[S_GAPS_UNDER_60] / n[S_GAP_COUNT] : 0,
      distinctCells: n[S_CELLS],
      topCellShare: topCell >= 0 ? cellCounts.get(topCell) / cellCounts.total : 0,
      imeisPerSim: sim.imeis.length,
      simsPerImei: this.simsPerImei(sim),
      smsCount: n[S_SMS_OUT] + n[S_SMS_IN],
      dataEvents: n[S_DATA_EVENTS],
      dataBytes: n[S_DATA_BYTES],
      internationalInShare: n[S_VOICE_IN] > 0 ? n[S_IN_INTERNATIONAL] / n[S_VOICE_IN] : 0,
      domesticCalleeShare: n[S_VOICE_OUT] > 0 ? n[S_OUT_TO_DOMESTIC] / n[S_VOICE_OUT] : 0,
      distinctCallers: distinctCount(n, null, S_CALLERS),
      activeDays,
      simAgeDays: Number.isFinite(this.latest) ? (this.latest - n[S_FIRST_SEEN]) / DAY_MS : 0,
      officeHourShare: n[S_VOICE_OUT] > 0 ? office / n[S_VOICE_OUT] : 0,
      conversationShare: n[S_OUT_ANSWERED] > 0 ? conversations / n[S_OUT_ANSWERED] : 0,
      sequentialShare: n[S_VOICE_OUT] > 1 ? n[S_SEQUENTIAL_CALLEES] / (n[S_VOICE_OUT] - 1) : 0,
      imeiHandovers: device.handovers,
      concurrentSimsOnImei: device.concurrent,
      imeiLifeShare: device.lifeShare,
      gatewayTac: device.gateway,
      moduleTac: device.module,
      lifePerCall: lifePerCall(n),
      inFromContactShare: n[S_VOICE_IN] > 0 ? n[S_IN_FROM_CONTACT] / n[S_VOICE_IN] : 0,
    };
  }

  /** The features of a number calling in from abroad. */
  sourceFeatures(source: SourceState): SourceFeatures {
    const victims = source.victims.count;
    return {
      calls: source.calls,
      distinctVictims: victims,
      victimsPerCall: source.calls > 0 ? Math.min(1, victims / source.calls) : 0,
      answeredShare: source.calls > 0 ? source.answered / source.calls : 0,
      zeroDurationShare: source.calls > 0 ? source.zeroDuration / source.calls : 0,
      meanDurationS: source.calls > 0 ? source.durationSum / source.calls : 0,
      nightShare: source.calls > 0 ? source.night / source.calls : 0,
    };
  }

  /** Drops every entity whose last event is older than `beforeMs` (the window slides on). */
  evictIdle(beforeMs: number): number {
    let dropped = 0;
    for (const [key, sim] of this.sims)
      if (sim.lastSeen < beforeMs) {
        this.sims.delete(key);
        this.simBlocks.release(sim.place);
        dropped++;
      }
    for (const [key, device] of this.imeis) if (device.lastSeen < beforeMs) this.imeis.delete(key);
    for (const [key, source] of this.sources) if (source.lastSeen < beforeMs) this.sources.delete(key);
    this.simTable.rebuild(this.sims);
    this.slots = 0;
    this.simsBySlot.length = 0;
    for (const sim of this.sims.values()) {
      sim.slot = this.slots++;
      this.simsBySlot.push(sim);
    }
    this.deviceSlots = 0;
    for (const device of this.imeis.values()) device.slot = this.deviceSlots++;
    this.imeiTable.rebuild(this.imeis);
    this.sourceTable.rebuild(this.sources);
    this.generation++;
    return dropped;
  }
}

/** Share of voice calls that are outgoing. */
function outShareOf(n: Float64Array): number {
  const voice = n[S_VOICE_OUT] + n[S_VOICE_IN];
  return voice > 0 ? n[S_VOICE_OUT] / voice : 0;
}

/** Distinct callees per outgoing call, at most 1. */
function calleesPerOutCallOf(n: Float64Array, distinctCallees: number): number {
  return n[S_VOICE_OUT] > 0 ? Math.min(1, distinctCallees / n[S_VOICE_OUT]) : 0;
}

/** SMS and data events per outgoing call. */
function lifePerCall(n: Float64Array): number {
  return (n[S_SMS_OUT] + n[S_SMS_IN] + n[S_DATA_EVENTS]) / Math.max(1, n[S_VOICE_OUT]);
}

function popcount(x: number): number {
  const v = x - ((x >>> 1) & 0x55555555);
  const w = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Set bits of the 32-bit words values[from, from + length). */
function countBits(values: ArrayLike<number>, from: number, length: number): number {
  let n = 0;
  for (let k = from; k < from + length; k++) n += popcount(values[k]);
  return n;
}

/** Out-calls placed at night, from the hour histogram at values[from, from + 24). */
function nightCount(values: ArrayLike<number>, from: number): number {
  let n = 0;
  for (let h = 0; h < NIGHT_END_HOUR; h++) n += values[from + h];
  return n;
}

/**
 * Shannon entropy (bits) of the hour-of-day histogram (values[from, from + length), by default
 * the whole of it); 0 for one busy hour, 4.58 for flat.
 */
export function entropy(histogram: ArrayLike<number>, from = 0, length = histogram.length - from): number {
  let total = 0;
  for (let k = from; k < from + length; k++) total += histogram[k];
  if (total === 0) return 0;
  let h = 0;
  for (let k = from; k < from + length; k++) {
    const v = histogram[k];
    if (v === 0) continue;
    const p = v / total;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * Quantile of answered durations from the duration histogram at values[from, from + bins), as the
 * bin's upper edge (capped at 3600 s).
 */
function histogramQuantile(values: ArrayLike<number>, from: number, q: number): number {
  const bins = DURATION_EDGES.length;
  let total = 0;
  for (let i = 0; i < bins; i++) total += values[from + i];
  if (total === 0) return 0;
  const target = q * total;
  let sum = 0;
  for (let i = 0; i < bins; i++) {
    sum += values[from + i];
    if (sum >= target) return Math.min(3600, DURATION_EDGES[i]);
  }
  return 3600;
}

/**
 * Sorts rows[0, count) by their entity's slot (slotOf[row], 0 ≤ slot < slots), rows of one entity
 * kept in their order: a counting sort when the rows are many against the slots, else a sort of
 * (slot, position) keys, so that a small batch into a large store costs no pass over every slot.
 */
function sortRows(rows: Int32Array, count: number, slotOf: Int32Array, slots: number): void {
  if (count === 0) return;
  const copy = rows.slice(0, count);
  if (count * 8 >= slots) {
    const starts = new Int32Array(slots + 1);
    for (let k = 0; k < count; k++) starts[slotOf[copy[k]] + 1]++;
    for (let k = 1; k <= slots; k++) starts[k] += starts[k - 1];
    for (let k = 0; k < count; k++) {
      const row = copy[k];
      rows[starts[slotOf[row]]++] = row;
    }
  } else {
    const keys = new Float64Array(count);
    for (let k = 0; k < count; k++) keys[k] = slotOf[copy[k]] * count + k;
    keys.sort();
    for (let k = 0; k < count; k++) rows[k] = copy[keys[k] % count];
  }
}
