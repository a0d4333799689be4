/**
 * The detection thread of `serve`: holds the live feature windows and runs the detectors, so
 * that folding CDRs and scoring every SIM never stall the call path on the main thread.
 * Messages are handled in order, so a run sees every batch sent before it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { decodeBatch } from '../ingest/codec.ts';
import { loadPlan } from '../numbering/plan.ts';
import { LiveDetection } from './live.ts';
import { loadModels } from './pipeline.ts';

export type ThreadRequest =
  | { type: 'batch'; payload: Uint8Array }
  | { type: 'run'; id: number }
  | { type: 'status'; id: number };

export interface ThreadData {
  planPath: string;
  modelPath?: string;
  idleMs: number;
}

const data = workerData as ThreadData;
const live = new LiveDetection(loadPlan(data.planPath), loadModels(data.modelPath), data.idleMs);
const port = parentPort!;

port.on('message', (message: ThreadRequest) => {
  try {
    if (message.type === 'batch') live.add(decodeBatch(message.payload, { share: true }));
    else if (message.type === 'run') port.postMessage({ type: 'run', id: message.id, result: live.run() });
    else if (message.type === 'status') port.postMessage({ type: 'status', id: message.id, status: live.status() });
  } catch (error) {
    port.postMessage({
      type: 'error',
      id: 'id' in message ? message.id : undefined,
      message: error instanceof Error ? error.message : String(error),
    });
  }
});
