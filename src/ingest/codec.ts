import { CdrBatch } from '../cdr/batch.ts';

/**
 * Binary form of a CdrBatch: its typed-array columns one after the other, behind a small JSON
 * header (row count, file, string dictionary). It is what the CDR journal stores and what crosses
 * to the detection thread, so it costs a memory copy, never a per-row object.
 */

const MAGIC = 0x31425343; // "CSB1", little-endian
type Column =
  | 'msisdn'
  | 'otherParty'
  | 'startedAt'
  | 'durationS'
  | 'bytes'
  | 'imsi'
  | 'imei'
  | 'cell'
  | 'operator'
  | 'line'
  | 'event'
  | 'direction'
  | 'route'
  | 'otherKind'
  | 'answered'
  | 'localHour'
  | 'imsiDigits'
  | 'imeiDigits';

/** Widest columns first, so that every column starts aligned to its element size. */
const COLUMNS: { name: Column; bytes: number }[] = [
  { name: 'msisdn', bytes: 8 },
  { name: 'otherParty', bytes: 8 },
  { name: 'startedAt', bytes: 8 },
  { name: 'durationS', bytes: 8 },
  { name: 'bytes', bytes: 8 },
  { name: 'imsi', bytes: 8 },
  { name: 'imei', bytes: 8 },
  { name: 'cell', bytes: 4 },
  { name: 'operator', bytes: 4 },
  { name: 'line', bytes: 4 },
  { name: 'event', bytes: 1 },
  { name: 'direction', bytes: 1 },
  { name: 'route', bytes: 1 },
  { name: 'otherKind', bytes: 1 },
  { name: 'answered', bytes: 1 },
  { name: 'localHour', bytes: 1 },
  { name: 'imsiDigits', bytes: 1 },
  { name: 'imeiDigits', bytes: 1 },
];

const align8 = (n: number) => (n + 7) & ~7;

type TypedColumn = Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * Encodes the rows of `batch` (all of them, or only those listed in `keep`, in that order), into
 * the start of `into` when it is large enough (else into new memory).
 */
export function encodeBatch(
  batch: CdrBatch,
  keep: Int32Array | null = null,
  into: ArrayBuffer | null = null,
): Uint8Array {
  const size = keep ? keep.length : batch.size;
  const header = Buffer.from(JSON.stringify({ size, file: batch.file, strings: batch.strings }), 'utf8');
  const headerEnd = align8(8 + header.length);
  let total = headerEnd;
  for (const c of COLUMNS) total += align8(size * c.bytes);
  const out = into !== null && into.byteLength >= total ? new Uint8Array(into, 0, total) : new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, header.length, true);
  out.set(header, 8);
  let offset = headerEnd;
  for (const c of COLUMNS) {
    const source = batch[c.name] as TypedColumn;
    const Type = source.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => TypedColumn;
    if (keep === null) new Type(out.buffer, offset, size).set(source.subarray(0, size));
    else gather(c.bytes, out.buffer, offset, source, keep);
    offset += align8(size * c.bytes);
  }
  return out;
}

/**
 * Writes `source[keep[i]]` for each i at `offset` of `buffer`, read as elements of `bytes` bytes
 * (each column as raw bits of its width): one loop per width, each of which only ever meets one
 * kind of typed array. One loop that met every column's kind took about a quarter longer on the
 * sorted batches of `analyze` (tens of ns a row, most of it waiting on memory).
 */
function gather(bytes: number, buffer: ArrayBuffer, offset: number, source: TypedColumn, keep: Int32Array): void {
  const size = keep.length;
  const from = source.byteOffset;
  if (bytes === 8)
    gather8(new Float64Array(buffer, offset, size), new Float64Array(source.buffer, from, source.length), keep);
  else if (bytes === 4)
    gather4(new Int32Array(buffer, offset, size), new Int32Array(source.buffer, from, source.length), keep);
  else gather1(new Uint8Array(buffer, offset, size), new Uint8Array(source.buffer, from, source.length), keep);
}

function gather8(target: Float64Array, source: Float64Array, keep: Int32Array): void {
  for (let i = 0; i < keep.length; i++) target[i] = source[keep[i]];
}

function gather4(target: Int32Array, source: Int32Array, keep: Int32Array): void {
  for (let i = 0; i < keep.length; i++) target[i] = source[keep[i]];
}

function gather1(target: Uint8Array, source: Uint8Array, keep: Int32Array): void {
  for (let i = 0; i < keep.length; i++) target[i] = source[keep[i]];
}

/**
 * Decodes a batch written by encodeBatch. Throws on a payload that is not one. With `share`, the
 * columns are views of the payload's memory instead of copies (no allocation per row: for a
 * payload its receiver owns, which must not change while the batch is in use).
 */
export function decodeBatch(payload: Uint8Array, options: { share?: boolean } = {}): CdrBatch {
  // Typed-array views need an aligned start: copy when the payload sits at an odd offset.
  const bytes = payload.byteOffset % 8 === 0 ? payload : new Uint8Array(payload);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not an encoded CDR batch');
  const headerLength = view.getUint32(4, true);
  const header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8')) as {
    size: number;
    file: string;
    strings: string[];
  };
  const size = header.size;
  const share = options.share === true;
  const batch = new CdrBatch(share ? 1 : Math.max(1, size));
  batch.size = size;
  batch.file = header.file;
  for (const s of header.strings) batch.intern(s);
  let offset = align8(8 + headerLength);
  for (const c of COLUMNS) {
    const target = batch[c.name] as TypedColumn;
    const Type = target.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => TypedColumn;
    if (offset + size * c.bytes > bytes.byteLength) throw new Error('truncated CDR batch');
    const column = new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset + offset, size);
    // The columns are readonly for the batch's users, not for the decoder that fills them in.
    if (share) (batch as unknown as Record<Column, TypedColumn>)[c.name] = column;
    else target.set(column);
    offset += align8(size * c.bytes);
  }
  if (share) (batch as unknown as { capacity: number }).capacity = size;
  return batch;
}
