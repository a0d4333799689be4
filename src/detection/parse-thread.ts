/**
 * The parsing half of the threaded `analyze`: reads CDR files in order and hands each batch over
 * to the folding thread as transferred buffers, with its rows' SIMs numbered, never more than
 * `window` batches ahead of it. The folding thread gives each batch's memory back once folded, and the
 * parsed batches are filled again once encoded: after the first few batches, the two threads pass
 * the same memory to and fro instead of asking the system for more (each fresh page a fault).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CdrBatch } from '../cdr/batch.ts';
import { encodeBatch } from '../ingest/codec.ts';
import { loadPlan } from '../numbering/plan.ts';
import { readCdrFileBytes } from './csv-bytes.ts';
import { newSimBlock, SIMS_PER_BLOCK, type SimBlockClaims } from './features.ts';
import { NumberTable } from './number-table.ts';

export interface ParseThreadData {
  planPath: string;
  paths: string[];
  batchSize: number;
  /** Batches sent and not yet folded, at most. */
  window: number;
  /** The SIM blocks claimed, by either thread (`SimBlockClaims`). */
  simBlockClaims: SimBlockClaims;
}

/** What the folding thread sends: a credit for one more batch, or a folded batch's memory back. */
export type FoldThreadMessage = number | ArrayBuffer;

export type ParseThreadMessage =
  | {
      type: 'batch';
      /** The batch (`encodeBatch`). */
      payload: Uint8Array;
      /** Each row's SIM numbered in order of first appearance in all the files (`FeatureStore.addBatchWithSimIds`). */
      simIds: Int32Array;
      /** Blocks for the SIMs new in this batch, claimed and made here (`FeatureStore.addSimBlocks`). */
      simBlocks: { number: number; block: Float64Array }[];
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
/** Encoded batches' memory given back by the folding thread, and parsed batches encoded already. */
const spareMemory: ArrayBuffer[] = [];
const spareBatches: CdrBatch[] = [];
port.on('message', (message: FoldThreadMessage) => {
  if (typeof message !== 'number') {
    spareMemory.push(message);
    return;
  }
  credits += message;
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
        const payload = encodeBatch(batch, null, spareMemory.pop() ?? null);
        // The blocks of the SIMs numbered so far that the folding thread did not make while it waited.
        const simBlocks: { number: number; block: Float64Array }[] = [];
        const claims = data.simBlockClaims;
        while (Atomics.load(claims, 0) * SIMS_PER_BLOCK < nextSimId)
          simBlocks.push({ number: Atomics.add(claims, 0, 1), block: newSimBlock() });
        const message: ParseThreadMessage = {
          type: 'batch',
          payload,
          simIds: ids,
          simBlocks,
          rows: batch.size,
          quarantine: batch.quarantine,
        };
        port.postMessage(message, [
          payload.buffer as ArrayBuffer,
          ids.buffer as ArrayBuffer,
          ...simBlocks.map(({ block }) => block.buffer as ArrayBuffer),
        ]);
        if (batch.capacity === data.batchSize) spareBatches.push(batch);
      },
      { batchSize: data.batchSize, spareBatch: () => spareBatches.pop() },
    );
    port.postMessage({ type: 'file', ...summary } satisfies ParseThreadMessage);
  }
  port.postMessage({ type: 'done' } satisfies ParseThreadMessage);
}

main().catch((error: unknown) => {
  port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) });
});
