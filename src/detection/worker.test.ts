import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CdrLines, victim } from '../datapath/test-support.ts';
import { decodeBatch, encodeBatch } from '../ingest/codec.ts';
import { createIngestService } from '../ingest/service.ts';
import { createIngestStore } from '../ingest/store.ts';
import type { CdrBatchEvent } from '../ingest/types.ts';
import { loadPlan } from '../numbering/plan.ts';
import { migrate, openPglite } from '../platform/sql.ts';
import { createMemoryStream } from '../platform/stream.ts';
import { createDetectionWorker } from './worker.ts';

const planPath = join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json');
const plan = loadPlan(planPath);

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

test('the detection worker folds each batch once: journal replay, stream, redeliveries, partitions', async () => {
  const sql = await openPglite('memory://');
  await migrate(sql);
  const store = createIngestStore(sql);
  const quiet = createMemoryStream(() => {});
  const ingest = createIngestService({ plan, store, stream: quiet });
  // Ten SIMs, ten CDRs each, already committed before the worker starts.
  const file = (first: number) => {
    const lines = new CdrLines('KCELL', first);
    for (let k = 0; k < 100; k++) lines.voice(`+770110000${10 + (k % 10)}`, 'out', victim(k), k, 30, 'A-1');
    return lines.text();
  };
  await ingest.ingest(once(file(1)), { operator: 'KCELL', file: 'a.csv' });

  const stream = createMemoryStream(() => {});
  const errors: unknown[] = [];
  const options = {
    planPath,
    store,
    stream,
    intervalMs: 86_400_000,
    afterCdrs: 1e9,
    windowMs: 10 * 365 * 86_400_000,
    clock: Date.now,
    onRun: async () => ({ created: 0, updated: 0 }),
    onError: (error: unknown) => void errors.push(error),
  };
  // A worker owning the SIMs with an even number replays only their rows.
  const even = createDetectionWorker({ ...options, source: 'journal', replayFilter: (m) => m % 2 === 0 });
  even.start();
  assert.equal((await even.run()).cdrs, 50);
  await even.close();

  const worker = createDetectionWorker({ ...options, source: 'stream' });
  worker.start();
  assert.equal((await worker.run()).cdrs, 100, 'the journal replayed');
  // A new batch arrives on the stream, twice (a redelivery), and an old one comes again.
  const events: CdrBatchEvent[] = [];
  const capture = createMemoryStream(() => {});
  capture.subscribe<CdrBatchEvent>('cdr', (e) => void events.push(...e));
  await createIngestService({ plan, store, stream: capture }).ingest(once(file(1001)), {
    operator: 'KCELL',
    file: 'b.csv',
  });
  await capture.drain();
  assert.equal(events.length, 1);
  const [journalled] = await store.journal(0, new Date(0), 1);
  for (const event of [events[0], events[0], { ...events[0], batchId: journalled.id }]) stream.publish('cdr', event);
  assert.equal((await worker.run()).cdrs, 200);
  assert.equal((await worker.status()).cdrsReceived, 200);
  await worker.close();
  assert.deepEqual(errors, []);
  await sql.close();
});

/** `count` voice CDRs of ten SIMs (+77011000010…19, one in turn), record ids from `first`. */
function calls(first: number, count: number): string {
  const lines = new CdrLines('KCELL', first);
  for (let k = 0; k < count; k++) lines.voice(`+770110000${10 + (k % 10)}`, 'out', victim(k), k, 30, 'A-1');
  return lines.text();
}

type Stream = ReturnType<typeof createMemoryStream>;

/**
 * A stream that hands every CDR event on to the given workers' streams, each event cut to the
 * rows a worker owns (as the partitioned stream of distributed mode does).
 */
function relayTo(...targets: { stream: Stream; owns?: (msisdn: number) => boolean }[]): Stream {
  const relay = createMemoryStream(() => {});
  relay.subscribe<CdrBatchEvent>('cdr', (events) => {
    for (const event of events)
      for (const { stream, owns } of targets) {
        if (!owns) {
          stream.publish('cdr', event);
          continue;
        }
        const batch = decodeBatch(event.payload);
        const rows: number[] = [];
        for (let i = 0; i < batch.size; i++) if (owns(batch.msisdn[i])) rows.push(i);
        if (rows.length > 0)
          stream.publish('cdr', { ...event, rows: rows.length, payload: encodeBatch(batch, Int32Array.from(rows)) });
      }
  });
  return relay;
}

async function openStore() {
  const sql = await openPglite('memory://');
  await migrate(sql);
  return { sql, store: createIngestStore(sql) };
}

function workerOptions(store: ReturnType<typeof createIngestStore>, errors: unknown[]) {
  return {
    planPath,
    store,
    intervalMs: 86_400_000,
    afterCdrs: 1e9,
    windowMs: 10 * 365 * 86_400_000,
    clock: Date.now,
    onRun: async () => ({ created: 0, updated: 0 }),
    onError: (error: unknown) => void errors.push(error),
  };
}

/** Kcell's rows committed to the journal, their event published to no worker. */
function ingestUnpublished(store: ReturnType<typeof createIngestStore>, rows: string, file: string) {
  return createIngestService({ plan, store, stream: createMemoryStream(() => {}) }).ingest(once(rows), {
    operator: 'KCELL',
    file,
  });
}

test('a stream-fed worker folds at its next run a batch committed but never published, however far the stream has moved on', async (t) => {
  const { sql, store } = await openStore();
  await ingestUnpublished(store, calls(1, 100), 'a.csv');
  const errors: unknown[] = [];
  const allStream = createMemoryStream(() => {});
  const evenStream = createMemoryStream(() => {});
  const all = createDetectionWorker({ ...workerOptions(store, errors), stream: allStream, source: 'stream' });
  // A worker owning the SIMs with an even number: the stream brings it only theirs.
  const isEven = (msisdn: number) => msisdn % 2 === 0;
  const even = createDetectionWorker({
    ...workerOptions(store, errors),
    stream: evenStream,
    source: 'stream',
    replayFilter: isEven,
  });
  all.start();
  even.start();
  t.after(async () => {
    await all.close();
    await even.close();
    await sql.close();
  });
  assert.equal((await all.run()).cdrs, 100);
  assert.equal((await even.run()).cdrs, 50);

  // Committed to the journal, its event lost (the ingest process killed before publishing it).
  await ingestUnpublished(store, calls(1001, 100), 'lost.csv');
  // Then another upload, one batch a row, reaches the workers on the stream: their highest folded
  // batch id moves 80 past the lost batch's, further than a read looks back for late commits.
  const relay = relayTo({ stream: allStream }, { stream: evenStream, owns: isEven });
  const relayed = createIngestService({ plan, store, stream: relay, batchRows: 1 });
  assert.equal((await relayed.ingest(once(calls(2001, 80)), { operator: 'KCELL', file: 'b.csv' })).accepted, 80);
  await relay.drain();

  assert.equal((await all.run()).cdrs, 100 + 100 + 80, 'the lost batch is folded, the streamed ones once');
  assert.equal((await even.run()).cdrs, 50 + 50 + 40, 'with its share of the lost batch only');
  // A later run finds nothing more to fold.
  assert.equal((await all.run()).cdrs, 280);
  assert.equal((await all.status()).cdrsReceived, 280);
  assert.deepEqual(errors, []);
});

test('a batch that reaches a stream-fed worker both from the stream and from the journal is counted once', async (t) => {
  const { sql, store } = await openStore();
  await ingestUnpublished(store, calls(1, 100), 'a.csv');
  const errors: unknown[] = [];
  const stream = createMemoryStream(() => {});
  const worker = createDetectionWorker({ ...workerOptions(store, errors), stream, source: 'stream' });
  worker.start();
  t.after(async () => {
    await worker.close();
    await sql.close();
  });
  assert.equal((await worker.run()).cdrs, 100);

  // Journal first: the event is held back (a NATS outage) while a run reads the journal…
  const held: CdrBatchEvent[] = [];
  const holding = createMemoryStream(() => {});
  holding.subscribe<CdrBatchEvent>('cdr', (events) => void held.push(...events));
  await createIngestService({ plan, store, stream: holding }).ingest(once(calls(1001, 100)), {
    operator: 'KCELL',
    file: 'held.csv',
  });
  await holding.drain();
  assert.equal(held.length, 1);
  assert.equal((await worker.run()).cdrs, 200, 'folded from the journal');
  // …then it arrives, late, and again (a redelivery).
  for (const event of [held[0], held[0]]) stream.publish('cdr', event);
  assert.equal((await worker.run()).cdrs, 200, 'its late stream event is not folded again');

  // Stream first: the run's journal read finds the batch already folded.
  const relay = relayTo({ stream });
  await createIngestService({ plan, store, stream: relay }).ingest(once(calls(2001, 100)), {
    operator: 'KCELL',
    file: 'b.csv',
  });
  await relay.drain();
  assert.equal((await worker.run()).cdrs, 300, 'folded from the stream, not again from the journal');
  assert.equal((await worker.run()).cdrs, 300);
  assert.equal((await worker.status()).cdrsReceived, 300);
  assert.deepEqual(errors, []);
});
