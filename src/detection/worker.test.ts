import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { CdrLines, victim } from '../datapath/test-support.ts';
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
