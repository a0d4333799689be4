import { Worker } from 'node:worker_threads';
import type { IngestStore } from '../ingest/store.ts';
import type { CdrBatchEvent } from '../ingest/types.ts';
import type { EventStream } from '../platform/stream.ts';
import type { LiveRun } from './live.ts';
import type { ThreadData, ThreadRequest } from './worker-thread.ts';

export interface DetectionWorkerOptions {
  planPath: string;
  modelPath?: string;
  store: IngestStore;
  stream: EventStream;
  /** Read new batches from the journal (ingestion runs in another process); else take them from the stream. */
  tailJournal: boolean;
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
const TAIL_POLL_MS = 2000;

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
  let replayed: Promise<void> = Promise.resolve();
  let replaying = false;
  const pending: CdrBatchEvent[] = [];
  let cdrsSent = 0;
  let cdrsSinceRun = 0;
  let running: Promise<RunSummary> | null = null;
  let lastRun: RunSummary | null = null;
  let closed = false;
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
      if (thread === worker) thread = null;
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

  /** Folds every journal batch after the cursor (the whole window at start). */
  async function catchUp(): Promise<void> {
    const since = new Date(options.clock() - options.windowMs);
    for (;;) {
      const page = await store.journal(cursor, since, JOURNAL_PAGE);
      for (const batch of page) {
        // A journal payload is ours alone: hand its memory over instead of copying it.
        send(batch.payload, batch.rows, batch.payload.byteOffset === 0);
        cursor = batch.id;
      }
      if (page.length < JOURNAL_PAGE || closed) return;
    }
  }

  function onEvents(events: CdrBatchEvent[]): void {
    for (const event of events) {
      if (replaying) pending.push(event);
      else if (event.batchId > cursor) {
        send(event.payload, event.rows, false);
        cursor = event.batchId;
      }
    }
  }

  async function runOnce(): Promise<RunSummary> {
    if (!options.tailJournal) await stream.drain();
    await replayed;
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

  return {
    /** Starts the thread and the journal replay (in the background: `run` waits for it). */
    start(): void {
      thread = spawn();
      replaying = true;
      replayed = catchUp()
        .catch((error) => options.onError(error, 'journal replay'))
        .finally(() => {
          replaying = false;
          const events = pending.splice(0);
          onEvents(events);
        });
      if (options.tailJournal) {
        const poll = setInterval(() => {
          if (!replaying && !closed) {
            replaying = true;
            replayed = catchUp()
              .catch((error) => options.onError(error, 'journal tail'))
              .finally(() => {
                replaying = false;
              });
          }
        }, TAIL_POLL_MS);
        poll.unref();
        timers.push(poll);
      } else {
        unsubscribe = stream.subscribe<CdrBatchEvent>('cdr', onEvents);
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
