/**
 * The contact index's blocks as stored (before sealing): the rows of one flush sorted into callee
 * buckets, each bucket's rows encoded column-wise and gzipped. Pure, so that a flush can run here
 * on a thread of its own (contact-blocks-thread.ts) while the event loop goes on screening.
 */
import { gzipSync } from 'node:zlib';

/** Callee buckets: a trail decodes 1/BUCKETS of the window's contacts. */
export const BUCKETS = 256;

/** A flush's contacts, column-wise (see ContactColumns in contacts.ts). */
export interface ContactRows {
  size: number;
  callee: Float64Array;
  caller: Float64Array;
  at: Float64Array;
  flags: Uint8Array;
  reasons: Uint32Array;
  /** Index in `texts` of a caller that is not a number, or -1. */
  textOf: Int32Array;
  texts: string[];
}

/** One bucket's block: its rows' time span and the gzipped encoding, not yet sealed. */
export interface PackedBlock {
  bucket: number;
  from: number;
  to: number;
  rows: number;
  packed: Uint8Array;
}

/** A keyed mix of the callee's number: its bucket says nothing without the seed. */
export function bucketOf(callee: number, seed: number): number {
  const low = (callee % 4294967296) >>> 0;
  const high = Math.floor(callee / 4294967296) >>> 0;
  let h = Math.imul(low ^ seed, 0x9e3779b1);
  h = Math.imul(h ^ high ^ (h >>> 15), 0x85ebca6b);
  return ((h ^ (h >>> 13)) >>> 0) >>> 24;
}

/**
 * A block as stored (before gzip and sealing): a JSON header (`n`, the reason names, the caller
 * texts of the block), then the columns: callee, caller, time (float64), reasons (bits), caller
 * text (its index in the header's texts, or -1) and flags. Blocks written before caller texts were
 * a column carry the texts in the header as `callers` (row → text) and no text column; both read.
 */
export function encodeBlock(columns: ContactRows, rows: ArrayLike<number>, reasonNames: string[]): Buffer {
  const n = rows.length;
  const texts: string[] = [];
  const local = new Int32Array(columns.texts.length).fill(-1);
  const body = Buffer.alloc(n * (8 + 8 + 8 + 4 + 4 + 1));
  const callee = new Float64Array(body.buffer, body.byteOffset, n);
  const caller = new Float64Array(body.buffer, body.byteOffset + n * 8, n);
  const at = new Float64Array(body.buffer, body.byteOffset + n * 16, n);
  const reasons = new Uint32Array(body.buffer, body.byteOffset + n * 24, n);
  const textOf = new Int32Array(body.buffer, body.byteOffset + n * 28, n);
  const flags = new Uint8Array(body.buffer, body.byteOffset + n * 32, n);
  for (let k = 0; k < n; k++) {
    const i = rows[k];
    callee[k] = columns.callee[i];
    caller[k] = columns.caller[i];
    at[k] = columns.at[i];
    reasons[k] = columns.reasons[i];
    flags[k] = columns.flags[i];
    const text = columns.textOf[i];
    if (text >= 0 && local[text] < 0) {
      local[text] = texts.length;
      texts.push(columns.texts[text]);
    }
    textOf[k] = text >= 0 ? local[text] : -1;
  }
  const header = Buffer.from(JSON.stringify({ n, reasons: reasonNames, texts }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  return Buffer.concat([length, header, body]);
}

/** The rows sorted into their callee buckets (in row order within each), one gzipped block a bucket. */
export function packBlocks(columns: ContactRows, reasonNames: string[], seed: number): PackedBlock[] {
  const n = columns.size;
  const bucketOfRow = new Uint8Array(n);
  const counts = new Uint32Array(BUCKETS);
  for (let i = 0; i < n; i++) {
    const bucket = bucketOf(columns.callee[i], seed);
    bucketOfRow[i] = bucket;
    counts[bucket]++;
  }
  const starts = new Uint32Array(BUCKETS + 1);
  for (let b = 0; b < BUCKETS; b++) starts[b + 1] = starts[b] + counts[b];
  const next = starts.slice(0, BUCKETS);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[bucketOfRow[i]]++] = i;
  const blocks: PackedBlock[] = [];
  for (let bucket = 0; bucket < BUCKETS; bucket++) {
    if (counts[bucket] === 0) continue;
    const rows = order.subarray(starts[bucket], starts[bucket + 1]);
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < rows.length; k++) {
      const at = columns.at[rows[k]];
      if (at < from) from = at;
      if (at > to) to = at;
    }
    // Copied out of zlib's buffer (which may be a slice of a shared pool) so that it can be transferred.
    const packed = new Uint8Array(gzipSync(encodeBlock(columns, rows, reasonNames), { level: 1 }));
    blocks.push({ bucket, from, to, rows: rows.length, packed });
  }
  return blocks;
}
