import type { CdrBatch } from '../cdr/batch.ts';
import { DIRECTION_IN, EVENT_VOICE, OTHER_E164, ROUTE_INTERNATIONAL } from '../cdr/types.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Alert } from './detectors.ts';
import { FeatureStore } from './features.ts';
import { type DetectionModels, detect } from './pipeline.ts';

/** An alert of the live pipeline: the batch alert plus the operators whose CDRs raised it. */
export interface LiveAlert extends Alert {
  reporters: string[];
}

export interface LiveRun {
  alerts: LiveAlert[];
  /** CDRs folded since the store was created. */
  cdrs: number;
  sims: number;
  imeis: number;
  sources: number;
  /** SIMs dropped after the run for being idle longer than the window. */
  evicted: number;
  tookMs: number;
}

const MAX_OPERATOR_BITS = 30;

/**
 * The serve-mode detection state: one long-lived FeatureStore fed batch by batch, plus which
 * operators reported each SIM and each international source (so an alert can be shown to the
 * operators whose data raised it). `run` detects on the current windows and then evicts
 * entities idle for longer than the window, which keeps memory bounded by the active population.
 */
export class LiveDetection {
  readonly store: FeatureStore;
  private readonly models: DetectionModels;
  private readonly idleMs: number;
  private readonly operatorNames: string[] = [];
  private readonly simReporters = new Map<number, number>();
  private readonly sourceReporters = new Map<number, number>();

  constructor(plan: NumberingPlan, models: DetectionModels, idleMs: number) {
    this.store = new FeatureStore(plan);
    this.models = models;
    this.idleMs = idleMs;
  }

  private operatorBit(name: string): number {
    let index = this.operatorNames.indexOf(name);
    if (index < 0) {
      if (this.operatorNames.length >= MAX_OPERATOR_BITS) return 0;
      index = this.operatorNames.push(name) - 1;
    }
    return 1 << index;
  }

  /** Folds a batch of accepted CDRs into the windows. */
  add(batch: CdrBatch): void {
    this.store.addBatch(batch);
    const bits = new Int32Array(batch.strings.length);
    for (let s = 0; s < bits.length; s++) bits[s] = -1;
    for (let i = 0; i < batch.size; i++) {
      const local = batch.operator[i];
      if (local < 0) continue;
      let bit = bits[local];
      if (bit < 0) {
        bit = this.operatorBit(batch.strings[local]);
        bits[local] = bit;
      }
      const msisdn = batch.msisdn[i];
      const known = this.simReporters.get(msisdn) ?? 0;
      if ((known & bit) !== bit) this.simReporters.set(msisdn, known | bit);
      if (
        batch.event[i] === EVENT_VOICE &&
        batch.direction[i] === DIRECTION_IN &&
        batch.route[i] === ROUTE_INTERNATIONAL &&
        batch.otherKind[i] === OTHER_E164
      ) {
        const source = batch.otherParty[i];
        const seen = this.sourceReporters.get(source) ?? 0;
        if ((seen & bit) !== bit) this.sourceReporters.set(source, seen | bit);
      }
    }
  }

  private names(mask: number): string[] {
    const out: string[] = [];
    for (let k = 0; k < this.operatorNames.length; k++) if (mask & (1 << k)) out.push(this.operatorNames[k]);
    return out;
  }

  /** Runs every detector on the current windows, then evicts idle entities. */
  run(): LiveRun {
    const started = performance.now();
    // Population outliers no detector foresaw reach analysts too, as low-priority `anomaly` alerts.
    const { alerts, anomalies } = detect(this.store, this.models, { anomalies: true });
    const live: LiveAlert[] = [...alerts, ...anomalies].map((alert) => {
      const number = Number(alert.msisdn.slice(1));
      const mask =
        alert.kind === 'wangiri' ? (this.sourceReporters.get(number) ?? 0) : (this.simReporters.get(number) ?? 0);
      return { ...alert, reporters: this.names(mask) };
    });
    const evicted = this.evict();
    return {
      alerts: live,
      cdrs: this.store.rows,
      sims: this.store.sims.size,
      imeis: this.store.imeis.size,
      sources: this.store.sources.size,
      evicted,
      tookMs: Math.round(performance.now() - started),
    };
  }

  /** Drops entities idle longer than the window, by event time. */
  evict(): number {
    if (!Number.isFinite(this.store.latest)) return 0;
    const evicted = this.store.evictIdle(this.store.latest - this.idleMs);
    if (this.simReporters.size > this.store.sims.size)
      for (const key of this.simReporters.keys()) if (!this.store.sims.has(key)) this.simReporters.delete(key);
    if (this.sourceReporters.size > this.store.sources.size)
      for (const key of this.sourceReporters.keys()) if (!this.store.sources.has(key)) this.sourceReporters.delete(key);
    return evicted;
  }

  status() {
    return {
      cdrs: this.store.rows,
      sims: this.store.sims.size,
      imeis: this.store.imeis.size,
      cells: this.store.cells.size,
      sources: this.store.sources.size,
      earliest: Number.isFinite(this.store.earliest) ? new Date(this.store.earliest).toISOString() : null,
      latest: Number.isFinite(this.store.latest) ? new Date(this.store.latest).toISOString() : null,
    };
  }
}
