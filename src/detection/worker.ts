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
   * another process and the stream does not reach here). A stream-fed worker still reads the
   * journal before each run and every minute while idle, for the batches committed but never
   * published (each batch is folded once, whichever way it comes first).
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
/**
 * A stream-fed worker reads the journal before each run and at least this often while idle, for
 * the batches the stream never brought (their ingest killed between commit and publish, or their
 * event dropped from a full NATS publish buffer).
 */
const STREAM_CATCH_UP_MS = 60_000;
/**
 * How far below the last read's mark (`checked`) a journal read starts again, for late commits:
 * batch ids are taken at the start of concurrent transactions, not at their commits, so a batch
 * may appear in the journal after a read that already passed higher ids.
 */
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
 * as it is committed (from the stream, and from the journal what the stream did not bring), runs
 * the detectors periodically, after enough new CDRs, and on demand, and hands the alerts to the
 * alerts service.
 */
export function createDetectionWorker(options: DetectionWorkerOptions) {
  const { store, stream } = options;
  let thread: Worker | null = null;
  let nextId = 1;
  const waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  /** Highest journal batch id folded, from either source. */
  let cursor = 0;
  /**
   * Where the journal reads stand: every batch with a lower or equal id that was committed when
   * the last complete read began has been folded (from the journal or the stream). Only a read
   * moves it. In journal mode it equals the cursor; in stream mode the stream moves the cursor
   * ahead of it, and a read starts from here, not from the cursor, so a batch the stream never
   * brought is found however many later batches the stream brought since.
   */
  let checked = 0;
  /**
   * Ids folded, from either source, above `checked - LATE_COMMITS`: the ids a read skips (and a
   * batch of a page found here was brought by the stream while the page was read). Pruned after
   * each read: it holds what came since the last read, and LATE_COMMITS ids.
   */
  const recent = new Set<number>();
  /**
   * Stream mode: batches folded from the journal, with when (the clock's ms): their stream event
   * may still come (a replayed batch redelivered, a publish held while NATS was away), and is
   * then skipped. Kept for the window: a batch older than the window is not replayed either.
   */
  const fromJournal = new Map<number, number>();
  const seenParts = new Set<string>();
  let replayed: Promise<void> = Promise.resolve();
  let replaying = false;
  /**
   * While the start-up replay runs, stream events wait here. The windows died with the last
   * thread, so the replay must fold every batch of the window whole: a batch part of which the
   * stream redelivers (unacknowledged when the last worker stopped) had its other parts folded by
   * that worker only. Once the replay is done, the events of the batches it folded are skipped.
   */
  let booting = false;
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
    // The stream brought this batch (or a part of it) while the page was read.
    if (recent.has(batch.id) || fromJournal.has(batch.id)) return;
    if (options.replayFilter) {
      const decoded = decodeBatch(batch.payload);
      const keep: number[] = [];
      for (let i = 0; i < decoded.size; i++) if (options.replayFilter(decoded.msisdn[i])) keep.push(i);
      if (keep.length > 0) send(encodeBatch(decoded, Int32Array.from(keep)), keep.length, true);
    } else {
      // A journal payload is ours alone: hand its memory over instead of copying it.
      send(batch.payload, batch.rows, batch.payload.byteOffset === 0);
    }
    recent.add(batch.id);
    if (options.source === 'stream') fromJournal.set(batch.id, options.clock());
    cursor = Math.max(cursor, batch.id);
  }

  /**
   * Folds every journal batch not folded yet: the whole window at start, then those after the
   * last read's mark and the few just below it that committed late, but the ones the stream or
   * an earlier read brought. A batch of which the stream brought any part counts as brought: on
   * a partitioned stream a batch whose parts for this worker were only partly delivered keeps
   * the missing parts out until the worker restarts (the journal does not say which partitions a
   * batch spans, and reading every streamed batch back would double the journal's reads).
   */
  async function catchUp(): Promise<void> {
    const since = new Date(options.clock() - options.windowMs);
    // Every batch folded so far was committed before this read began.
    const reached = cursor;
    let after = Math.max(0, checked - LATE_COMMITS);
    const skip = [...recent].filter((id) => id > after);
    for (;;) {
      const page = await store.journal(after, since, JOURNAL_PAGE, skip);
      for (const batch of page) {
        after = batch.id;
        fold(batch);
      }
      if (closed) return;
      if (page.length < JOURNAL_PAGE) break;
      // Read on once the thread has folded this page: memory holds one page, however long the journal.
      if (thread) await ask({ type: 'status', id: nextId++ });
    }
    checked = Math.max(checked, reached, after);
    // Ids far below the mark cannot come back from a read: forget them (the set stays the size of
    // what came since the last read).
    for (const id of recent) if (id <= checked - LATE_COMMITS) recent.delete(id);
    // Oldest first (insertion order, the clock's order): those past the window go.
    const oldest = options.clock() - options.windowMs;
    for (const [id, at] of fromJournal) {
      if (at > oldest) break;
      fromJournal.delete(id);
    }
  }

  function onEvents(events: CdrBatchEvent[]): void {
    for (const event of events) {
      if (booting) {
        pending.push(event);
        continue;
      }
      if (fromJournal.has(event.batchId)) continue;
      const key = partKey(event);
      if (seenParts.has(key)) continue;
      seenParts.add(key);
      if (seenParts.size > REMEMBERED_PARTS) seenParts.delete(seenParts.values().next().value as string);
      send(event.payload, event.rows, false);
      recent.add(event.batchId);
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
    // A read already under way may have started before the newest commits. In stream mode the
    // read brings the batches committed but never published.
    await tail();
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
    checked = 0;
    recent.clear();
    fromJournal.clear();
    seenParts.clear();
    cdrsSent = 0;
    cdrsSinceRun = 0;
    thread = spawn();
    replaying = true;
    booting = true;
    replayed = catchUp()
      .catch((error) => options.onError(error, 'journal replay'))
      .finally(() => {
        replaying = false;
        booting = false;
        onEvents(pending.splice(0));
      });
  }

  return {
    /** Starts the thread and the journal replay (in the background: `run` waits for it). */
    start(): void {
      boot();
      const poll = setInterval(
        () => {
          if (!closed) void tail();
        },
        options.source === 'journal' ? TAIL_POLL_MS : STREAM_CATCH_UP_MS,
      );
      poll.unref();
      timers.push(poll);
      if (options.source === 'stream') {
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
