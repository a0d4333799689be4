import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { QuarantineItem } from '../cdr/types.ts';
import { decodeBatch } from '../ingest/codec.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { FeatureStore, SIMS_PER_BLOCK, sharedSimBlockClaims } from './features.ts';
import type { FoldThreadMessage, ParseThreadData, ParseThreadMessage } from './parse-thread.ts';
import { type AnalyzeProgress, type AnalyzeResult, analyzeFiles, type DetectionModels, detect } from './pipeline.ts';

/**
 * Rows per batch. The fold reads a batch SIM by SIM, so a SIM's state is fetched from memory once
 * a batch; but the batches in flight are memory too, and fresh memory costs a page fault a page on
 * this kind of machine. On the bench's 2.9 M-row set, 65 536 rows with four batches in flight
 * measured about 5 % faster end to end than 262 144 with three (and 32 768 no faster), the first
 * batch reaching the fold a fifth of a second sooner.
 */
const BATCH_ROWS = 65_536;
/**
 * Parsed batches waiting to be folded, at most: bounds memory to a few batches. The credit for a
 * batch goes back before it is folded, so the parser keeps parsing meanwhile.
 */
const WINDOW = 4;

/**
 * `analyze` on two threads: a parsing thread reads the files (text → columnar batches) while this
 * thread folds each batch into the feature windows, so the two halves of the work run side by
 * side on two cores. The parser also numbers each row's SIM (`FeatureStore.addBatchWithSimIds`) and
 * makes the memory of the SIMs to come (`newSimBlock`); batches are folded in file order, so the
 * result is the same as `analyzeFiles` on one thread (which it falls back to on a single core).
 */
export async function analyzeFilesThreaded(
  paths: string[],
  planPath: string,
  plan: NumberingPlan,
  models: DetectionModels,
  options: {
    onProgress?: (p: AnalyzeProgress) => void;
    keepQuarantine?: number;
    threads?: number;
    /** Rows per batch handed over (default BATCH_ROWS). */
    batchRows?: number;
    /** Blocks of SIMs this thread makes while it waits for the first batch, at most (default: what the files could need). */
    blocksAhead?: number;
    anomalies?: boolean;
  } = {},
): Promise<AnalyzeResult> {
  const threads = options.threads ?? availableParallelism();
  if (threads < 2) return analyzeFiles(paths, plan, models, options);
  const store = new FeatureStore(plan);
  const quarantine: QuarantineItem[] = [];
  const keep = options.keepQuarantine ?? 1000;
  let rows = 0;
  let bad = 0;
  let file = paths[0] ?? '';
  const simBlockClaims = sharedSimBlockClaims();
  store.shareSimBlockClaims(simBlockClaims);
  const data: ParseThreadData = {
    planPath,
    paths,
    batchSize: options.batchRows ?? BATCH_ROWS,
    window: WINDOW,
    simBlockClaims,
  };
  const worker = new Worker(new URL('./parse-thread.ts', import.meta.url), { workerData: data });
  let waiting = true;
  try {
    const done = new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new Error(`the parsing thread stopped (exit ${code})`)));
      worker.on('message', (message: ParseThreadMessage) => {
        try {
          if (message.type === 'batch') {
            waiting = false;
            // The parser may run ahead again (the batch is no longer its).
            worker.postMessage(1);
            store.addSimBlocks(message.simBlocks);
            store.addBatchWithSimIds(decodeBatch(message.payload, { share: true }), message.simIds);
            // Its memory back, to encode another batch into.
            const memory = message.payload.buffer as ArrayBuffer;
            worker.postMessage(memory satisfies FoldThreadMessage, [memory]);
            rows += message.rows;
            bad += message.quarantine.length;
            for (const item of message.quarantine) if (quarantine.length < keep) quarantine.push(item);
            options.onProgress?.({ rows, bad, file });
          } else if (message.type === 'file') {
            file = paths[paths.indexOf(message.file) + 1] ?? message.file;
          } else if (message.type === 'done') {
            resolve();
          } else if (message.type === 'error') reject(new Error(message.message));
        } catch (error) {
          reject(error);
        }
      });
    });
    // Seen to before it is awaited: it may fail while this thread makes blocks below.
    done.catch(() => {});
    // While the reading thread starts and reads its first batch, this thread makes the first blocks
    // of SIMs, one at a time between turns of the event loop: memory the fold needs at once, and
    // that the reading thread would otherwise make before handing the first batch over. No more
    // than the files could need, at about a hundred bytes a row and 32 rows a SIM (the reading
    // thread makes the blocks of more SIMs than that).
    const most = options.blocksAhead ?? Math.floor(inputBytes(paths) / (100 * 32 * SIMS_PER_BLOCK));
    while (waiting && store.simBlocksClaimed() < most) {
      store.makeSimBlockAhead();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;
  } finally {
    await worker.terminate();
  }
  return { ...detect(store, models, { anomalies: options.anomalies }), store, rows, bad, quarantine };
}

/** The files' size on disk, in bytes (0 for a file that cannot be read: the reader says why). */
function inputBytes(paths: string[]): number {
  let bytes = 0;
  for (const path of paths) {
    try {
      bytes += statSync(path).size;
    } catch {
      // The reading thread reports it.
    }
  }
  return bytes;
}
