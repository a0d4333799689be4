import { Worker } from 'node:worker_threads';
import { decodeBatch, encodeBatch } from '../ingest/codec.ts';
import type { IngestStore, JournalBatch } from '../ingest/store.ts';
import type { CdrBatchEvent } from '../ingest/types.ts';
import type { EventStream } from '../platform/stream.ts';
import type { LiveRun } from './live.ts';
import type { ThreadData, ThreadRequest } from './worker-thread.ts';

export interface DetectionWorkerOptions {
  planPath: string;
  modelPath?: string;
  store: IngestStore;
  stream: EventStream;
  /**
   * Where new batches come from after the start-up replay: the 'cdr' stream (ingestion in this
   * process, or a stream that crosses processes), or the journal, polled (ingestion runs in
   * another process and the stream does not reach here).
   */
  source: 'stream' | 'journal';
  /**
   * Rows of replayed journal batches this worker keeps (its share of the subscribers when the
   * CDR stream is partitioned across workers); all when not set.
   */
  replayFilter?: (msisdn: number) => boolean;
  /** Run the detectors this often when new CDRs arrived… */
  intervalMs: number;
  /** …or as soon as this many new CDRs arrived. */
  afterCdrs: number;
  /** Window of the features: entities idle longer are evicted, and the journal is replayed this far back. */
  windowMs: number;
  clock: () => number;
  /** Stores the alerts of a run (idempotent per kind and number); returns how many were new and updated. */
  onRun(run: LiveRun): Promise<{ created: number; updated: number }>;
  onError(error: unknown, what: string): void;
}

export interface RunSummary {
  cdrs: number;
  sims: number;
  imeis: number;
  alerts: number;
  created: number;
  updated: number;
  evicted: number;
  tookMs: number;
  at: string;
}

const JOURNAL_PAGE = 8;
const MAX_RESTARTS = 3;
const RESTART_PERIOD_MS = 600_000;
const TAIL_POLL_MS = 2000;
/** How far below the highest folded batch id a tailing worker looks again for late commits. */
const LATE_COMMITS = 64;
/** Stream parts remembered to recognise a redelivery (a message whose acknowledgement was lost). */
const REMEMBERED_PARTS = 100_000;

/** A stream part's identity: its batch, partition and rows (a batch may come in several parts). */
function partKey(event: CdrBatchEvent & { partition?: number }): string {
  const payload = event.payload;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  // The first and last served numbers of the part (the first column after the header).
  const columns = (8 + view.getUint32(4, true) + 7) & ~7;
  const first = event.rows > 0 ? view.getFloat64(columns, true) : 0;
  const last = event.rows > 0 ? view.getFloat64(columns + (event.rows - 1) * 8, true) : 0;
  return `${event.batchId}:${event.partition ?? ''}:${event.rows}:${first}:${last}`;
}

/**
 * The detection worker of `serve` (roles ingest/detect): replays the CDR journal of the window
 * into a detection thread at start (so a restart loses nothing), then folds every accepted batch
 * as it is committed, runs the detectors periodically, after enough new CDRs, and on demand, and
 * hands the alerts to the alerts service.
 */
export function createDetectionWorker(options: DetectionWorkerOptions) {
  const { store, stream } = options;
  let thread: Worker | null = null;
  let nextId = 1;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  /** Highest journal batch id folded. */
  let cursor = 0;
  /**
   * Batches folded from the journal: the stream may bring them again (sent before the replay
   * read them), and a batch committed late may sit below the cursor (ids are taken at the start
   * of concurrent transactions, not at their commits).
   */
  const fromJournal = new Set<number>();
  const seenParts = new Set<string>();
  let replayed: Promise<void> = Promise.resolve();
  let replaying = false;
  const pending: CdrBatchEvent[] = [];
  let cdrsSent = 0;
  let cdrsSinceRun = 0;
  let running: Promise<RunSummary> | null = null;
  let lastRun: RunSummary | null = null;
  let closed = false;
  let restarts: number[] = [];
  const timers: NodeJS.Timeout[] = [];
  let unsubscribe: (() => void) | null = null;

  function spawn(): Worker {
    const data: ThreadData = { planPath: options.planPath, modelPath: options.modelPath, idleMs: options.windowMs };
    const worker = new Worker(new URL('./worker-thread.ts', import.meta.url), { workerData: data });
    worker.on(
      'message',
      (message: { type: string; id?: number; message?: string; result?: unknown; status?: unknown }) => {
        if (message.type === 'error') {
          const error = new Error(message.message ?? 'detection thread error');
          if (message.id !== undefined && waiting.has(message.id)) {
            waiting.get(message.id)!.reject(error);
            waiting.delete(message.id);
          } else options.onError(error, 'detection thread');
          return;
        }
        const handler = message.id === undefined ? undefined : waiting.get(message.id);
        if (!handler) return;
        waiting.delete(message.id!);
        handler.resolve(message.type === 'run' ? message.result : message.status);
      },
    );
    worker.on('error', (error) => options.onError(error, 'detection thread'));
    worker.on('exit', () => {
      for (const w of waiting.values()) w.reject(new Error('the detection thread stopped'));
      waiting.clear();
      if (thread !== worker) return;
      thread = null;
      // The windows died with the thread: a new one rebuilds them from the journal, a few times at most.
      const now = options.clock();
      restarts = restarts.filter((at) => at > now - RESTART_PERIOD_MS);
      if (!closed && restarts.length < MAX_RESTARTS) {
        restarts.push(now);
        options.onError(new Error('the detection thread stopped; restarting it from the journal'), 'detection thread');
        boot();
      }
    });
    return worker;
  }

  function ask<T>(request: ThreadRequest & { id: number }): Promise<T> {
    if (!thread) return Promise.reject(new Error('the detection thread is not running'));
    return new Promise<T>((resolve, reject) => {
      waiting.set(request.id, { resolve: resolve as (value: unknown) => void, reject });
      thread!.postMessage(request);
    });
  }

  function send(payload: Uint8Array, rows: number, transfer: boolean): void {
    if (!thread) return;
    const message: ThreadRequest = { type: 'batch', payload };
    if (transfer) thread.postMessage(message, [payload.buffer as ArrayBuffer]);
    else thread.postMessage(message);
    cdrsSent += rows;
    cdrsSinceRun += rows;
    if (cdrsSinceRun >= options.afterCdrs && !running) void runSafely();
  }

  function fold(batch: JournalBatch): void {
    if (options.replayFilter) {
      const decoded = decodeBatch(batch.payload);
      const keep: number[] = [];
      for (let i = 0; i < decoded.size; i++) if (options.replayFilter(decoded.msisdn[i])) keep.push(i);
      if (keep.length > 0) send(encodeBatch(decoded, Int32Array.from(keep)), keep.length, true);
    } else {
      // A journal payload is ours alone: hand its memory over instead of copying it.
      send(batch.payload, batch.rows, batch.payload.byteOffset === 0);
    }
    fromJournal.add(batch.id);
    cursor = Math.max(cursor, batch.id);
  }

  /**
   * Folds every journal batch not folded yet: the whole window at start, then (tailing) those
   * after the cursor and the few just below it that committed late.
   */
  async function catchUp(): Promise<void> {
    const since = new Date(options.clock() - options.windowMs);
    let after = Math.max(0, cursor - LATE_COMMITS);
    const recent = [...fromJournal].filter((id) => id > after);
    for (;;) {
      const page = await store.journal(after, since, JOURNAL_PAGE, recent);
      for (const batch of page) {
        after = batch.id;
        fold(batch);
      }
      if (page.length < JOURNAL_PAGE || closed) break;
      // Read on once the thread has folded this page: memory holds one page, however long the journal.
      if (thread) await ask({ type: 'status', id: nextId++ });
    }
    // Ids far below the cursor cannot come back: forget them (the set stays the size of the window).
    if (options.source === 'journal')
      for (const id of fromJournal) if (id <= cursor - LATE_COMMITS) fromJournal.delete(id);
  }

  function onEvents(events: CdrBatchEvent[]): void {
    for (const event of events) {
      if (replaying) {
        pending.push(event);
        continue;
      }
      if (fromJournal.has(event.batchId)) continue;
      const key = partKey(event);
      if (seenParts.has(key)) continue;
      seenParts.add(key);
      if (seenParts.size > REMEMBERED_PARTS) seenParts.delete(seenParts.values().next().value as string);
      send(event.payload, event.rows, false);
      cursor = Math.max(cursor, event.batchId);
    }
  }

  /** Reads the journal for batches not folded yet (one read at a time). */
  function tail(): Promise<void> {
    if (replaying) return replayed;
    replaying = true;
    replayed = catchUp()
      .catch((error) => options.onError(error, 'journal tail'))
      .finally(() => {
        replaying = false;
      });
    return replayed;
  }

  async function runOnce(): Promise<RunSummary> {
    if (options.source === 'stream') await stream.drain();
    await replayed;
    // A read already under way may have started before the newest commits.
    if (options.source === 'journal') await tail();
    if (!thread) throw new Error('the detection thread is not running');
    cdrsSinceRun = 0;
    const run = await ask<LiveRun>({ type: 'run', id: nextId++ });
    const stored = await options.onRun(run);
    lastRun = {
      cdrs: run.cdrs,
      sims: run.sims,
      imeis: run.imeis,
      alerts: run.alerts.length,
      created: stored.created,
      updated: stored.updated,
      evicted: run.evicted,
      tookMs: run.tookMs,
      at: new Date(options.clock()).toISOString(),
    };
    return lastRun;
  }

  function runSafely(): Promise<RunSummary | null> {
    return run().catch((error) => {
      options.onError(error, 'detection run');
      return null;
    });
  }

  /** One run at a time; a request during a run waits for it and then runs again. */
  function run(): Promise<RunSummary> {
    const previous = running ?? Promise.resolve(null);
    const next: Promise<RunSummary> = previous
      .catch(() => null)
      .then(() => runOnce())
      .finally(() => {
        if (running === next) running = null;
      });
    running = next;
    return next;
  }

  /** A new thread with empty windows, filled from the journal of the window. */
  function boot(): void {
    cursor = 0;
    fromJournal.clear();
    seenParts.clear();
    cdrsSent = 0;
    cdrsSinceRun = 0;
    thread = spawn();
    replaying = true;
    replayed = catchUp()
      .catch((error) => options.onError(error, 'journal replay'))
      .finally(() => {
        replaying = false;
        const events = pending.splice(0);
        onEvents(events);
      });
  }

  return {
    /** Starts the thread and the journal replay (in the background: `run` waits for it). */
    start(): void {
      boot();
      if (options.source === 'journal') {
        const poll = setInterval(() => {
          if (!closed) void tail();
        }, TAIL_POLL_MS);
        poll.unref();
        timers.push(poll);
      } else {
        // A consumer group: across processes each part of the CDR stream goes to one detect worker
        // (the one owning its partition), acknowledged once folded, redelivered if it dies first.
        unsubscribe = stream.subscribe<CdrBatchEvent>('cdr', onEvents, { group: 'detect' });
      }
      const tick = setInterval(() => {
        if (cdrsSinceRun > 0 && !running && !closed) void runSafely();
      }, options.intervalMs);
      tick.unref();
      timers.push(tick);
    },

    /** Runs the detectors now (after every CDR accepted so far is folded in). */
    run,

    async status() {
      const windows = thread ? await ask<Record<string, unknown>>({ type: 'status', id: nextId++ }) : null;
      return {
        running: thread !== null,
        replaying,
        journalCursor: cursor,
        cdrsReceived: cdrsSent,
        cdrsSinceRun,
        windows,
        lastRun,
      };
    },

    async close(): Promise<void> {
      closed = true;
      for (const t of timers) clearInterval(t);
      unsubscribe?.();
      await replayed.catch(() => {});
      await running?.catch(() => {});
      const t = thread;
      thread = null;
      await t?.terminate();
    },
  };
}

export type DetectionWorker = ReturnType<typeof createDetectionWorker>;
