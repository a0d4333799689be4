/**
 * The contact index's packing thread: each message is a flush's contacts, answered with their
 * blocks (bucketed, encoded and gzipped; contact-blocks.ts). Sealing and storing stay with the
 * index, which holds the key and the store.
 */
import { parentPort } from 'node:worker_threads';
import { type ContactRows, packBlocks } from './contact-blocks.ts';

export interface PackRequest {
  id: number;
  rows: ContactRows;
  reasonNames: string[];
  seed: number;
}

export type PackAnswer =
  | { id: number; blocks: import('./contact-blocks.ts').PackedBlock[] }
  | { id: number; error: string };

parentPort?.on('message', (request: PackRequest) => {
  try {
    const blocks = packBlocks(request.rows, request.reasonNames, request.seed);
    parentPort?.postMessage(
      { id: request.id, blocks } satisfies PackAnswer,
      blocks.map((b) => b.packed.buffer as ArrayBuffer),
    );
  } catch (error) {
    parentPort?.postMessage({ id: request.id, error: String(error) } satisfies PackAnswer);
  }
});
