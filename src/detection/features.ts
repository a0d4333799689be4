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
import { DistinctCounter, RecentNumbers, TopCounter } from './sketch.ts';
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

/** Running state of one SIM (keyed by MSISDN). */
export class SimState {
  readonly msisdn: number;
  imsi = -1;
  imsiDigits = 0;
  firstSeen = Number.POSITIVE_INFINITY;
  lastSeen = Number.NEGATIVE_INFINITY;
  voiceOut = 0;
  voiceIn = 0;
  smsOut = 0;
  smsIn = 0;
  dataEvents = 0;
  dataBytes = 0;
  outAnswered = 0;
  outShort = 0;
  outDurationSum = 0;
  outToDomestic = 0;
  outToKnownCaller = 0;
  inAnswered = 0;
  inInternational = 0;
  inFromContact = 0;
  /** Last callee dialled, and how many callees were within a short numeric distance of the one before. */
  lastCallee = -1;
  sequentialCallees = 0;
  readonly durationHistogram = new Uint32Array(DURATION_EDGES.length);
  readonly hourHistogram = new Uint32Array(24);
  readonly callees = new DistinctCounter(32);
  readonly callers = new DistinctCounter(16);
  readonly contacts = new TopCounter(16);
  /** Last callers, most recent last: to see call-backs. */
  readonly recentCallers = new RecentNumbers(RECENT_CALLERS);
  /**
   * Heaviest callers and SMS senders with their counts: calls and SMS from SIMs of this SIM's own
   * farm (a box faking incoming traffic among its SIMs) are told apart from the outside world's
   * once the population is known (detectors.ts), in both directions — the other SIM's counter holds
   * the calls this one made to it.
   */
  readonly callerCounts = new TopCounter(PEER_COUNTERS);
  readonly smsSenderCounts = new TopCounter(PEER_COUNTERS);
  readonly cellCounts = new TopCounter(8);
  readonly cells = new Set<number>();
  readonly imeis: number[] = [];
  imeiDigits: number[] = [];
  /** Out-call gaps, by event time. */
  lastOutAt = Number.NaN;
  gapCount = 0;
  gapLogSum = 0;
  gapLogSquares = 0;
  gapsUnder60 = 0;
  /** Hours with any event, a ring of bits by absolute hour: SIMs in one device at the same hours. */
  readonly activeHours = new Uint32Array(HOUR_RING / 32);
  /** Active days as a bit set (day index from the first event, up to 31 days). */
  activeDayBits = 0;
  firstDay = Number.NaN;
  readonly outPerDay = new Map<number, number>();
  /** The device of this SIM's last CDR with an IMEI, while it holds this SIM (skips the lookups). */
  lastImei = -1;
  lastDevice: ImeiState | null = null;
  lastDeviceGeneration = -1;
  /** The cell of this SIM's last CDR and its state: the SIM is already counted in it. */
  lastCell = -1;
  lastCellState: CellState | null = null;

  constructor(msisdn: number) {
    this.msisdn = msisdn;
  }
}

/** Running state of one IMEI (device). */
export class ImeiState {
  readonly imei: number;
  digits = 15;
  readonly sims = new Set<number>();
  simsOverflow = 0;
  readonly cells = new Set<number>();
  /** The last cell added: the same cell again changes nothing. */
  lastCell = -1;
  /** The SIM of the device's last CDR, and how often the SIM in the device changed (hand-overs). */
  lastSim = -1;
  handovers = 0;
  firstSeen = Number.POSITIVE_INFINITY;
  lastSeen = Number.NEGATIVE_INFINITY;
  constructor(imei: number) {
    this.imei = imei;
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

  /**
   * Folds every row of a batch in: per row, the SIM's own windows (`foldSim`), its device
   * (`foldDevice`), its cell (`foldCell`) and, for a call in from abroad, the calling number
   * (`foldSource`). Each touches only its entity's state, so their order within a row is free.
   */
  addBatch(batch: CdrBatch): void {
    // Batch-local string ids → global cell ids, once per distinct string of the batch.
    const local = new Int32Array(batch.strings.length).fill(-2);
    const size = batch.size;
    const msisdns = batch.msisdn;
    const cells = batch.cell;
    const startedAt = batch.startedAt;
    const imeis = batch.imei;
    const events = batch.event;
    const directions = batch.direction;
    const routes = batch.route;
    const otherKinds = batch.otherKind;
    const simTable = this.simTable;
    for (let i = 0; i < size; i++) {
      const localCell = cells[i];
      let cell = -1;
      if (localCell >= 0) {
        cell = local[localCell];
        if (cell === -2) {
          cell = this.cellId(batch.strings[localCell]);
          local[localCell] = cell;
        }
      }
      const at = startedAt[i];
      this.rows++;
      if (at > this.latest) this.latest = at;
      if (at < this.earliest) this.earliest = at;
      const msisdn = msisdns[i];
      let sim = simTable.get(msisdn);
      if (sim === undefined) {
        sim = new SimState(msisdn);
        this.sims.set(msisdn, sim);
        simTable.add(msisdn, sim);
      }
      this.foldSim(sim, batch, i);
      if (imeis[i] >= 0) this.foldDevice(sim, batch, i, cell);
      if (cell >= 0) this.foldCell(sim, cell, events[i], directions[i]);
      if (
        events[i] === EVENT_VOICE &&
        directions[i] !== DIRECTION_OUT &&
        routes[i] === ROUTE_INTERNATIONAL &&
        otherKinds[i] === OTHER_E164 &&
        batch.otherParty[i] >= 0
      )
        this.foldSource(batch, i, msisdn);
    }
  }

  /** A SIM's own windows: activity, volumes, calls made and received, SMS, data. */
  private foldSim(sim: SimState, batch: CdrBatch, i: number): void {
    const at = batch.startedAt[i];
    if (at < sim.firstSeen) sim.firstSeen = at;
    if (at > sim.lastSeen) sim.lastSeen = at;
    const imsi = batch.imsi[i];
    if (imsi >= 0) {
      sim.imsi = imsi;
      sim.imsiDigits = batch.imsiDigits[i];
    }
    const day = Math.floor(at / DAY_MS);
    const hourBit = Math.floor(at / 3_600_000) % HOUR_RING;
    if (hourBit >= 0) sim.activeHours[hourBit >>> 5] |= 1 << (hourBit & 31);
    if (Number.isNaN(sim.firstDay)) sim.firstDay = day;
    const dayOffset = day - sim.firstDay;
    if (dayOffset >= 0 && dayOffset < 31) sim.activeDayBits |= 1 << dayOffset;
    const event = batch.event[i];
    const out = batch.direction[i] === DIRECTION_OUT;
    if (event === EVENT_VOICE) {
      const other = batch.otherKind[i] === OTHER_E164 ? batch.otherParty[i] : -1;
      const answered = batch.answered[i] === ANSWERED_YES;
      if (out) this.foldVoiceOut(sim, other, at, batch.localHour[i], batch.durationS[i], answered, day);
      else this.foldVoiceIn(sim, other, answered, batch.route[i]);
    } else if (event === EVENT_SMS) {
      if (out) sim.smsOut++;
      else {
        sim.smsIn++;
        // Only E.164 senders with a known number count (not short codes or empty senders).
        if (batch.otherKind[i] === OTHER_E164 && batch.otherParty[i] >= 0) sim.smsSenderCounts.add(batch.otherParty[i]);
      }
    } else if (event === EVENT_DATA) {
      sim.dataEvents++;
      sim.dataBytes += batch.bytes[i];
    }
  }

  /** The device (IMEI) of a row with one: its SIMs, hand-overs, cells and life span. */
  private foldDevice(sim: SimState, batch: CdrBatch, i: number, cell: number): void {
    const imei = batch.imei[i];
    const msisdn = sim.msisdn;
    const at = batch.startedAt[i];
    let device: ImeiState;
    if (sim.lastImei === imei && sim.lastDeviceGeneration === this.generation) {
      // Same device as this SIM's last CDR: it is in the SIM's list and the SIM in its set.
      device = sim.lastDevice!;
    } else {
      const imeiDigits = batch.imeiDigits[i];
      if (sim.imeis.length < MAX_IMEIS_PER_SIM && !sim.imeis.includes(imei)) {
        sim.imeis.push(imei);
        sim.imeiDigits.push(imeiDigits);
      }
      let found = this.imeiTable.get(imei);
      if (found === undefined) {
        found = new ImeiState(imei);
        found.digits = imeiDigits;
        this.imeis.set(imei, found);
        this.imeiTable.add(imei, found);
      }
      device = found;
      if (!device.sims.has(msisdn)) {
        if (device.sims.size < MAX_SIMS_PER_KEY) device.sims.add(msisdn);
        else device.simsOverflow++;
      }
      // A SIM past the device's limit is counted again on each CDR, so it is never cached.
      if (device.sims.has(msisdn)) {
        sim.lastImei = imei;
        sim.lastDevice = device;
        sim.lastDeviceGeneration = this.generation;
      }
    }
    if (device.lastSim !== msisdn) {
      if (device.lastSim >= 0) device.handovers++;
      device.lastSim = msisdn;
    }
    if (cell >= 0 && cell !== device.lastCell) {
      if (device.cells.size < MAX_CELLS_PER_SIM) device.cells.add(cell);
      device.lastCell = cell;
    }
    if (at < device.firstSeen) device.firstSeen = at;
    if (at > device.lastSeen) device.lastSeen = at;
  }

  /** The cell of a row with one: the SIM's cells and the cell's SIMs and voice counts. */
  private foldCell(sim: SimState, cell: number, event: number, direction: number): void {
    sim.cellCounts.add(cell);
    let cellState: CellState;
    if (cell === sim.lastCell) {
      // Same cell as this SIM's last CDR: already in its set and counted in the cell (cells are never evicted).
      cellState = sim.lastCellState!;
    } else {
      if (sim.cells.size < MAX_CELLS_PER_SIM) sim.cells.add(cell);
      let found = this.cells.get(cell);
      if (found === undefined) {
        found = new CellState(cell);
        this.cells.set(cell, found);
      }
      cellState = found;
      cellState.sims.add(sim.msisdn);
      sim.lastCell = cell;
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
    sim.voiceOut++;
    sim.hourHistogram[localHour]++;
    sim.outPerDay.set(day, (sim.outPerDay.get(day) ?? 0) + 1);
    if (sim.outPerDay.size > 14) {
      // Keep two weeks of daily counts: drop the oldest day.
      const oldest = Math.min(...sim.outPerDay.keys());
      sim.outPerDay.delete(oldest);
    }
    if (answered) {
      sim.outAnswered++;
      sim.outDurationSum += durationS;
      if (durationS < SHORT_CALL_S) sim.outShort++;
      let bin = 0;
      while (durationS >= DURATION_EDGES[bin]) bin++;
      sim.durationHistogram[bin]++;
    }
    if (other >= 0) {
      const step = other - sim.lastCallee;
      if (sim.lastCallee >= 0 && step !== 0 && step <= SEQUENTIAL_DISTANCE && step >= -SEQUENTIAL_DISTANCE)
        sim.sequentialCallees++;
      sim.lastCallee = other;
      sim.callees.add(other);
      sim.contacts.add(other);
      if (this.isDomestic(other)) sim.outToDomestic++;
      if (sim.recentCallers.has(other)) sim.outToKnownCaller++;
    }
    if (!Number.isNaN(sim.lastOutAt) && at >= sim.lastOutAt) {
      const gap = (at - sim.lastOutAt) / 1000;
      sim.gapCount++;
      const logGap = Math.log1p(gap);
      sim.gapLogSum += logGap;
      sim.gapLogSquares += logGap * logGap;
      if (gap < 60) sim.gapsUnder60++;
    }
    if (Number.isNaN(sim.lastOutAt) || at > sim.lastOutAt) sim.lastOutAt = at;
  }

  private foldVoiceIn(sim: SimState, other: number, answered: boolean, route: number): void {
    sim.voiceIn++;
    if (answered) sim.inAnswered++;
    if (route === ROUTE_INTERNATIONAL) sim.inInternational++;
    if (other >= 0) {
      sim.callers.add(other);
      sim.callerCounts.add(other);
      if (sim.contacts.has(other)) sim.inFromContact++;
      sim.recentCallers.touch(other);
    }
  }

  /** Largest number of SIMs seen on any of this SIM's IMEIs. */
  simsPerImei(sim: SimState): number {
    let most = sim.imeis.length > 0 ? 1 : 0;
    for (const imei of sim.imeis) {
      const device = this.imeis.get(imei);
      if (device) most = Math.max(most, device.sims.size + device.simsOverflow);
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
      const device = this.imeis.get(sim.imeis[k]);
      if (device && device.handovers > handovers) handovers = device.handovers;
      if (device && device.sims.size > 1) {
        // Other SIMs in this device at the same hours (a gateway's slots), whatever the order of
        // the CDR files: a phone taking SIMs one after another has none.
        let overlapping = 0;
        const mine = countBits(sim.activeHours);
        for (const other of device.sims) {
          if (other === sim.msisdn) continue;
          const o = this.sims.get(other);
          if (!o) continue;
          // Same hours for most of the quieter SIM's life: slots of one gateway, not a desk phone
          // shared by shifts or a handset given a new SIM each day.
          let both = 0;
          for (let w = 0; w < o.activeHours.length; w++) both += popcount(o.activeHours[w] & sim.activeHours[w]);
          const quieter = Math.min(mine, countBits(o.activeHours));
          if (quieter >= 2 && both >= CONCURRENT_SHARE * quieter) overlapping++;
        }
        if (overlapping > concurrent) concurrent = overlapping;
        const span = device.lastSeen - device.firstSeen;
        if (span > 0) lifeShare = Math.min(lifeShare, (sim.lastSeen - sim.firstSeen) / span);
      }
      const family = this.tacs.familyOf(sim.imeis[k], sim.imeiDigits[k]);
      if (family === 'gateway') gateway = 1;
      else if (family === 'iot' || family === 'probe') module = 1;
    }
    return { handovers, concurrent, lifeShare, gateway, module };
  }

  /** The features of one SIM at the window's current state. */
  simFeatures(sim: SimState): SimFeatures {
    const voice = sim.voiceOut + sim.voiceIn;
    const distinctCallees = sim.callees.count;
    let activeDays = 0;
    for (let bits = sim.activeDayBits; bits !== 0; bits &= bits - 1) activeDays++;
    let maxOutPerDay = 0;
    for (const n of sim.outPerDay.values()) if (n > maxOutPerDay) maxOutPerDay = n;
    // Reciprocity: of the heaviest contacts, how many also called this SIM.
    let reciprocal = 0;
    for (const contact of sim.contacts.keyList())
      if (sim.callers.has(contact) || sim.recentCallers.has(contact)) reciprocal++;
    const contactCount = sim.contacts.size;
    const gapMean = sim.gapCount > 0 ? sim.gapLogSum / sim.gapCount : 0;
    const gapVariance = sim.gapCount > 1 ? Math.max(0, sim.gapLogSquares / sim.gapCount - gapMean * gapMean) : 0;
    const topCell = sim.cellCounts.top();
    const device = this.deviceTraits(sim);
    let office = 0;
    for (let h = OFFICE_FROM_HOUR; h < OFFICE_TO_HOUR; h++) office += sim.hourHistogram[h];
    let conversations = 0;
    for (let b = 0; b < DURATION_EDGES.length; b++)
      if (b > 0 && DURATION_EDGES[b - 1] >= CONVERSATION_S) conversations += sim.durationHistogram[b];
    return {
      voiceOut: sim.voiceOut,
      voiceIn: sim.voiceIn,
      outShare: voice > 0 ? sim.voiceOut / voice : 0,
      outPerActiveDay: activeDays > 0 ? sim.voiceOut / activeDays : 0,
      maxOutPerDay,
      distinctCallees,
      calleesPerOutCall: sim.voiceOut > 0 ? Math.min(1, distinctCallees / sim.voiceOut) : 0,
      top5ContactShare: sim.contacts.topShare(5),
      reciprocity: contactCount > 0 ? reciprocal / contactCount : 0,
      callbackShare: sim.voiceOut > 0 ? sim.outToKnownCaller / sim.voiceOut : 0,
      answeredShare: sim.voiceOut > 0 ? sim.outAnswered / sim.voiceOut : 0,
      shortShare: sim.outAnswered > 0 ? sim.outShort / sim.outAnswered : 0,
      unansweredShare: sim.voiceOut > 0 ? 1 - sim.outAnswered / sim.voiceOut : 0,
      durationP10: histogramQuantile(sim.durationHistogram, 0.1),
      durationMedian: histogramQuantile(sim.durationHistogram, 0.5),
      durationP90: histogramQuantile(sim.durationHistogram, 0.9),
      nightShare: sim.voiceOut > 0 ? nightCount(sim.hourHistogram) / sim.voiceOut : 0,
      hourlyEntropy: entropy(sim.hourHistogram),
      gapMedianS: sim.gapCount > 0 ? Math.expm1(gapMean) : 0,
      gapLogSpread: Math.sqrt(gapVariance),
      burstShare: sim.gapCount > 0 ? sim.gapsUnder60 / sim.gapCount : 0,
      distinctCells: sim.cells.size,
      topCellShare: topCell >= 0 ? sim.cellCounts.get(topCell) / sim.cellCounts.total : 0,
      imeisPerSim: sim.imeis.length,
      simsPerImei: this.simsPerImei(sim),
      smsCount: sim.smsOut + sim.smsIn,
      dataEvents: sim.dataEvents,
      dataBytes: sim.dataBytes,
      internationalInShare: sim.voiceIn > 0 ? sim.inInternational / sim.voiceIn : 0,
      domesticCalleeShare: sim.voiceOut > 0 ? sim.outToDomestic / sim.voiceOut : 0,
      distinctCallers: sim.callers.count,
      activeDays,
      simAgeDays: Number.isFinite(this.latest) ? (this.latest - sim.firstSeen) / DAY_MS : 0,
      officeHourShare: sim.voiceOut > 0 ? office / sim.voiceOut : 0,
      conversationShare: sim.outAnswered > 0 ? conversations / sim.outAnswered : 0,
      sequentialShare: sim.voiceOut > 1 ? sim.sequentialCallees / (sim.voiceOut - 1) : 0,
      imeiHandovers: device.handovers,
      concurrentSimsOnImei: device.concurrent,
      imeiLifeShare: device.lifeShare,
      gatewayTac: device.gateway,
      moduleTac: device.module,
      lifePerCall: (sim.smsOut + sim.smsIn + sim.dataEvents) / Math.max(1, sim.voiceOut),
      inFromContactShare: sim.voiceIn > 0 ? sim.inFromContact / sim.voiceIn : 0,
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
        dropped++;
      }
    for (const [key, device] of this.imeis) if (device.lastSeen < beforeMs) this.imeis.delete(key);
    for (const [key, source] of this.sources) if (source.lastSeen < beforeMs) this.sources.delete(key);
    this.simTable.rebuild(this.sims);
    this.imeiTable.rebuild(this.imeis);
    this.sourceTable.rebuild(this.sources);
    this.generation++;
    return dropped;
  }
}

function popcount(x: number): number {
  const v = x - ((x >>> 1) & 0x55555555);
  const w = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

function countBits(words: Uint32Array): number {
  let n = 0;
  for (let k = 0; k < words.length; k++) n += popcount(words[k]);
  return n;
}

function nightCount(hours: Uint32Array): number {
  let n = 0;
  for (let h = 0; h < NIGHT_END_HOUR; h++) n += hours[h];
  return n;
}

/** Shannon entropy (bits) of the hour-of-day histogram; 0 for one busy hour, 4.58 for flat. */
export function entropy(histogram: Uint32Array): number {
  let total = 0;
  for (const v of histogram) total += v;
  if (total === 0) return 0;
  let h = 0;
  for (const v of histogram) {
    if (v === 0) continue;
    const p = v / total;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Quantile of answered durations from the histogram, as the bin's upper edge (capped at 3600 s). */
function histogramQuantile(histogram: Uint32Array, q: number): number {
  let total = 0;
  for (const v of histogram) total += v;
  if (total === 0) return 0;
  const target = q * total;
  let sum = 0;
  for (let i = 0; i < histogram.length; i++) {
    sum += histogram[i];
    if (sum >= target) return Math.min(3600, DURATION_EDGES[i]);
  }
  return 3600;
}
