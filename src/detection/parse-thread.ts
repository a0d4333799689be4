/**
 * The parsing half of the threaded `analyze`: reads CDR files in order and hands each batch over
 * to the folding thread as transferred buffers, its rows in SIM order, never more than `window`
 * batches ahead of it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadPlan } from '../numbering/plan.ts';
import { readCdrFileBytes } from './csv-bytes.ts';
import { inSimOrder } from './features.ts';
import { NumberTable } from './number-table.ts';

export interface ParseThreadData {
  planPath: string;
  paths: string[];
  batchSize: number;
  /** Batches sent and not yet folded, at most. */
  window: number;
}

export type ParseThreadMessage =
  | {
      type: 'batch';
      /** The batch's rows in SIM order (`inSimOrder`). */
      payload: Uint8Array;
      /** Each row's SIM numbered in order of first appearance in all the files (`FeatureStore.addBatches`). */
      simIds: Int32Array;
      /** Each row's position in the order read (`FeatureStore.addBatchInSimOrder`). */
      rowOf: Int32Array;
      rows: number;
      quarantine: { file: string; line: number; reason: string; raw: string }[];
    }
  | { type: 'file'; file: string; rows: number; bad: number; bytes: number }
  | { type: 'done' }
  | { type: 'error'; message: string };

const data = workerData as ParseThreadData;
const port = parentPort!;
const plan = loadPlan(data.planPath);
let credits = data.window;
// SIM numbers by MSISDN, given in order of first appearance: the folding thread's SIMs, in order.
const simIds = new NumberTable<number>(1 << 16);
let nextSimId = 0;
let wake: (() => void) | null = null;
port.on('message', () => {
  credits++;
  wake?.();
  wake = null;
});

async function main(): Promise<void> {
  for (const path of data.paths) {
    const summary = await readCdrFileBytes(
      path,
      plan,
      async (batch) => {
        while (credits <= 0) await new Promise<void>((resolve) => (wake = resolve));
        credits--;
        const ids = new Int32Array(batch.size);
        for (let i = 0; i < batch.size; i++) {
          const msisdn = batch.msisdn[i];
          let id = simIds.get(msisdn);
          if (id === undefined) {
            id = nextSimId++;
            simIds.add(msisdn, id);
          }
          ids[i] = id;
        }
        // Sorted here, for the fold to read SIM by SIM (on the fold's thread it measured no faster).
        const { payload, slots, rowOf } = inSimOrder(batch, ids);
        const message: ParseThreadMessage = {
          type: 'batch',
          payload,
          simIds: slots,
          rowOf,
          rows: batch.size,
          quarantine: batch.quarantine,
        };
        port.postMessage(message, [
          payload.buffer as ArrayBuffer,
          slots.buffer as ArrayBuffer,
          rowOf.buffer as ArrayBuffer,
        ]);
      },
      { batchSize: data.batchSize },
    );
    port.postMessage({ type: 'file', ...summary } satisfies ParseThreadMessage);
  }
  port.postMessage({ type: 'done' } satisfies ParseThreadMessage);
}

main().catch((error: unknown) => {
  port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
});
