/**
 * The CDR stream in distributed mode: each committed batch is split by served subscriber into
 * partitions (subject `cdr.<partition>`, partition = hash(msisdn) mod N), so that every CDR of a
 * subscriber reaches the same detect worker and its features live in one place. Messages carry
 * the columnar batch as it is (src/ingest/codec.ts) behind a small JSON header: no per-row object.
 */
import { decodeBatch, encodeBatch } from '../ingest/codec.ts';
import type { CdrBatchEvent } from '../ingest/types.ts';
import type { Partitioning, SubjectCodec } from '../platform/nats.ts';

/** A part of a committed batch: the rows of one partition (a batch id spans partitions). */
export interface CdrPartEvent extends CdrBatchEvent {
  partition?: number;
}

/**
 * Partition of a served subscriber: a multiplicative hash of the E.164 number, so consecutive
 * numbers (a SIM-box's block of SIMs) spread evenly, and every producer computes the same one.
 */
export function partitionOf(msisdn: number, partitions: number): number {
  const low = (msisdn % 4294967296) >>> 0;
  const high = Math.floor(msisdn / 4294967296) >>> 0;
  const mixed = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0;
  return ((mixed ^ (mixed >>> 16)) >>> 0) % partitions;
}

/** Rows per message part: ~76 bytes a row keeps a part well under NATS's default 1 MB payload. */
const ROWS_PER_PART = 8192;

export function cdrPartitioning(partitions: number): Partitioning<CdrBatchEvent> {
  return {
    count: partitions,
    split(event) {
      const batch = decodeBatch(event.payload);
      const rowsOf: number[][] = Array.from({ length: partitions }, () => []);
      for (let i = 0; i < batch.size; i++) rowsOf[partitionOf(batch.msisdn[i], partitions)].push(i);
      const parts: { partition: number; event: CdrPartEvent }[] = [];
      rowsOf.forEach((rows, partition) => {
        for (let start = 0; start < rows.length; start += ROWS_PER_PART) {
          const slice = rows.slice(start, start + ROWS_PER_PART);
          parts.push({
            partition,
            event: {
              batchId: event.batchId,
              operator: event.operator,
              uploadId: event.uploadId,
              rows: slice.length,
              payload: encodeBatch(batch, Int32Array.from(slice)),
              partition,
            },
          });
        }
      });
      return parts;
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One message a part: 4-byte header length, JSON header, then the encoded batch. */
export const cdrCodec: SubjectCodec<CdrPartEvent> = {
  encode(events) {
    return events.map((event) => {
      const header = encoder.encode(
        JSON.stringify({
          batchId: event.batchId,
          operator: event.operator,
          uploadId: event.uploadId,
          rows: event.rows,
          partition: event.partition,
        }),
      );
      const body = new Uint8Array(4 + header.byteLength + event.payload.byteLength);
      new DataView(body.buffer).setUint32(0, header.byteLength, true);
      body.set(header, 4);
      body.set(event.payload, 4 + header.byteLength);
      return body;
    });
  },
  decode(body) {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const length = view.getUint32(0, true);
    const header = JSON.parse(decoder.decode(body.subarray(4, 4 + length))) as Omit<CdrPartEvent, 'payload'>;
    // A copy at offset 0: the detection thread takes the payload's memory over.
    return [{ ...header, payload: body.slice(4 + length) }];
  },
};
