import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { type CdrBatch, digitString } from '../cdr/batch.ts';
import { CdrTextParser, QUARANTINE_PER_BATCH } from '../cdr/reader.ts';
import { DIRECTION_NAMES, EVENT_NAMES, OTHER_NONE, ROUTE_NAMES } from '../cdr/types.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { EventStream } from '../platform/stream.ts';
import { encodeBatch } from './codec.ts';
import { createSubscriberOwnership, type SubscriberOwnership } from './ownership.ts';
import type { IngestStore, QuarantineRow } from './store.ts';
import type { CdrBatchEvent, IngestResult } from './types.ts';

/** Rows per committed batch: one transaction, one journal row, one event. */
const DEFAULT_BATCH_ROWS = 65_536;
/** A line longer than this is not a CDR: the body is refused rather than buffered without end. */
const MAX_LINE_CHARS = 1 << 20;
/**
 * Records stamped further ahead than this are refused: a wrong clock or offset, not a call. (The
 * earliest time is absolute, checked by both CDR readers: EARLIEST_STARTED_AT_MS in src/cdr/parse.ts.)
 */
const FUTURE_TOLERANCE_MS = 86_400_000;
/**
 * Bad rows stored per upload: a file of nothing but garbage is counted in full but stored only
 * this far, so that one wrong file cannot fill the records store.
 */
export const MAX_STORED_QUARANTINE = 100_000;
/** Inflated bytes below which the compression ratio is not judged (a small file's header and first rows). */
const RATIO_FLOOR_BYTES = 1 << 20;
/** Gzip layers unwrapped (a .gz file sent with Content-Encoding gzip); a third is refused. */
const MAX_GZIP_LAYERS = 2;

/** Bounds on the work one upload may cause, whatever its body. */
export interface IngestLimits {
  /** Bytes a gzip body may inflate to. */
  inflatedBytes: number;
  /** Largest inflated/compressed ratio of a gzip body (0: not checked). */
  maxCompressionRatio: number;
  /** Bad rows an upload may have before it is stopped (0: no limit). */
  maxBadRows: number;
}

export const defaultIngestLimits: IngestLimits = {
  inflatedBytes: 4 * 1024 * 1024 * 1024,
  maxCompressionRatio: 100,
  maxBadRows: 100_000,
};

/**
 * An upload stopped part-way by a limit: the client sees the code and message, and what the
 * upload kept (every batch committed before the stop stays; sending the file again after fixing
 * it counts those rows as duplicates).
 */
export class IngestStopped extends AppError {
  readonly kept: IngestResult;
  constructor(code: ErrorCode, message: string, kept: IngestResult) {
    super(code, message);
    this.kept = kept;
  }
}

export interface IngestRequest {
  /** The uploading operator; null for an admin import that takes each row's operator column as given. */
  operator: string | null;
  /** Name the quarantine shows for the rows' origin (the uploaded file's name). */
  file: string;
  /** Lines of the original file before this body's first line (a file sent in parts). */
  lineOffset?: number;
}

export type IngestBody = AsyncIterable<Uint8Array | string>;

/** The row of a parsed batch as canonical JSON, for quarantining a row that parsed but was refused. */
function renderRow(batch: CdrBatch, i: number): string {
  const row: Record<string, string | number> = {
    record_id: batch.recordIds?.[i] ?? '',
    operator: batch.operator[i] >= 0 ? batch.strings[batch.operator[i]] : '',
    event: EVENT_NAMES[batch.event[i]],
    direction: DIRECTION_NAMES[batch.direction[i]],
    msisdn: formatNumber(batch.msisdn[i]),
    started_at: new Date(batch.startedAt[i]).toISOString(),
  };
  if (batch.otherKind[i] !== OTHER_NONE) row.other_party = batch.otherParty[i];
  if (batch.imsi[i] >= 0) row.imsi = digitString(batch.imsi[i], batch.imsiDigits[i]);
  if (batch.imei[i] >= 0) row.imei = digitString(batch.imei[i], batch.imeiDigits[i]);
  if (batch.cell[i] >= 0) row.cell_id = batch.strings[batch.cell[i]];
  row.duration_s = batch.durationS[i];
  if (batch.route[i] !== 0) row.route = ROUTE_NAMES[batch.route[i]];
  return JSON.stringify(row);
}

/**
 * The body, gunzipped when it starts with gzip's magic bytes (whatever its headers said).
 * `gzip.layers` tells the consumer how many layers were unwrapped, so it can bound the output.
 */
async function* decompressed(
  body: IngestBody,
  gzip: { layers: number; compressedRead: () => number },
): AsyncGenerator<Uint8Array | string> {
  const iterator = body[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headBytes = 0;
  let ended = false;
  while (headBytes < 2) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : Buffer.from(next.value);
    head.push(chunk);
    headBytes += chunk.length;
  }
  const prefix = Buffer.concat(head);
  async function* rest(): AsyncGenerator<Uint8Array | string> {
    try {
      if (prefix.length > 0) yield prefix;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Stopped early: let go of the body (its reader lets the route answer and drop the rest).
      if (!ended) await iterator.return?.();
    }
  }
  if (prefix.length >= 2 && prefix[0] === 0x1f && prefix[1] === 0x8b) {
    if (gzip.layers >= MAX_GZIP_LAYERS)
      throw new AppError('BAD_REQUEST', `the body is gzip inside gzip more than ${MAX_GZIP_LAYERS} times`);
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    // The ratio is judged on the body's bytes the outer layer has really inflated, not on those read ahead.
    if (gzip.layers++ === 0) gzip.compressedRead = () => gunzip.bytesWritten;
    pipeline(Readable.from(rest(), { objectMode: false, highWaterMark: 1 << 16 }), gunzip, () => {});
    try {
      // A gzip body inside gzip (Content-Encoding over a .gz file) is unwrapped once more.
      yield* decompressed(gunzip, gzip);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('BAD_REQUEST', 'the body is not valid gzip');
    }
    return;
  }
  yield* rest();
}

/**
 * CDR ingestion: parse (CSV or JSON Lines, gzip), refuse rows that fail validation or belong to
 * another operator (quarantine with line and reason), de-duplicate by (operator, record_id)
 * against the records store, commit each batch in one transaction and hand accepted batches to
 * detection on the 'cdr' stream. Memory is one batch, whatever the body's size.
 */
export function createIngestService(deps: {
  plan: NumberingPlan;
  store: IngestStore;
  stream: EventStream;
  /** Whose subscriber each row's served number is (default: the numbering plan's ranges only). */
  ownership?: SubscriberOwnership;
  limits?: Partial<IngestLimits>;
  metrics?: Metrics;
  clock?: () => number;
  batchRows?: number;
}) {
  const { plan, store, stream } = deps;
  const ownership = deps.ownership ?? createSubscriberOwnership({ plan });
  const limits: IngestLimits = { ...defaultIngestLimits, ...deps.limits };
  const clock = deps.clock ?? Date.now;
  const batchRows = deps.batchRows ?? DEFAULT_BATCH_ROWS;
  const rowsCounter = deps.metrics?.counter('callshield_cdr_rows_total', 'CDR rows received by outcome', [
    'outcome',
    'operator',
  ]);

  async function commit(
    batch: CdrBatch,
    request: IngestRequest,
    uploadId: string,
    uploadOperator: string,
    bytes: number,
    upload: { stored: number },
  ): Promise<{ accepted: number; duplicates: number; quarantined: number }> {
    const lineOffset = request.lineOffset ?? 0;
    const quarantine: QuarantineRow[] = batch.quarantine.map((q) => ({
      line: q.line + lineOffset,
      reason: q.reason,
      raw: q.raw,
    }));
    // Which of the batch's strings is an operator this upload may send records for.
    const allowed = new Uint8Array(batch.strings.length);
    for (let s = 0; s < batch.strings.length; s++)
      allowed[s] = request.operator === null || batch.strings[s] === request.operator ? 1 : 0;
    const latest = clock() + FUTURE_TOLERANCE_MS;
    const recordIds = batch.recordIds ?? [];
    // Rows whose served subscriber the (row's) operator did not serve at the row's time.
    const candidates: number[] = [];
    for (let i = 0; i < batch.size; i++) if (allowed[batch.operator[i]] === 1) candidates.push(i);
    const foreign = new Map<number, string>();
    for (const f of await ownership.foreignRows(
      candidates,
      batch.msisdn,
      batch.startedAt,
      (i) => batch.strings[batch.operator[i]],
    ))
      foreign.set(f.row, f.reason);
    const keep: number[] = [];
    const operators: string[] = [];
    const ids: string[] = [];
    const inBatch = new Set<string>();
    let duplicatesInBatch = 0;
    for (let i = 0; i < batch.size; i++) {
      const operator = batch.strings[batch.operator[i]];
      if (allowed[batch.operator[i]] === 0) {
        quarantine.push({
          line: batch.line[i] + lineOffset,
          reason: `operator ${operator.slice(0, 40)} is not the uploading operator ${request.operator}`,
          raw: renderRow(batch, i),
        });
        continue;
      }
      const notOurs = foreign.get(i);
      if (notOurs !== undefined) {
        quarantine.push({ line: batch.line[i] + lineOffset, reason: notOurs, raw: renderRow(batch, i) });
        continue;
      }
      if (batch.startedAt[i] > latest) {
        quarantine.push({
          line: batch.line[i] + lineOffset,
          reason: 'started_at is more than a day in the future',
          raw: renderRow(batch, i),
        });
        continue;
      }
      const key = request.operator === null ? `${operator}\u0000${recordIds[i]}` : recordIds[i];
      if (inBatch.has(key)) {
        duplicatesInBatch++;
        continue;
      }
      inBatch.add(key);
      keep.push(i);
      operators.push(operator);
      ids.push(recordIds[i]);
    }
    const room = Math.max(0, MAX_STORED_QUARANTINE - upload.stored);
    const stored = quarantine.length > room ? quarantine.slice(0, room) : quarantine;
    upload.stored += stored.length;
    const committed = await store.commitBatch({
      uploadId,
      operator: uploadOperator,
      operators,
      recordIds: ids,
      quarantine: stored,
      quarantined: quarantine.length,
      file: request.file,
      duplicatesInBatch,
      bytes,
      encodeRows(candidates) {
        const rows = new Int32Array(candidates.length);
        for (let k = 0; k < candidates.length; k++) rows[k] = keep[candidates[k]];
        return encodeBatch(batch, rows);
      },
    });
    for (const part of committed.parts) {
      stream.publish<CdrBatchEvent>('cdr', {
        batchId: part.batchId,
        operator: uploadOperator,
        uploadId,
        rows: part.rows,
        payload: part.payload,
      });
    }
    if (rowsCounter) {
      rowsCounter.inc({ outcome: 'accepted', operator: uploadOperator }, committed.accepted);
      rowsCounter.inc({ outcome: 'duplicate', operator: uploadOperator }, committed.duplicates);
      rowsCounter.inc({ outcome: 'quarantined', operator: uploadOperator }, committed.quarantined);
    }
    return committed;
  }

  async function ingest(body: IngestBody, request: IngestRequest): Promise<IngestResult> {
    const uploadId = `upl_${randomBytes(9).toString('base64url')}`;
    const uploadOperator = request.operator ?? '*';
    const file = request.file.slice(0, 200) || uploadId;
    await store.beginUpload({ id: uploadId, operator: uploadOperator, file });
    const result: IngestResult = { uploadId, file, accepted: 0, duplicates: 0, quarantined: 0, bytes: 0 };
    const upload = { stored: 0 };
    const parser = new CdrTextParser(file, plan, {
      recordIds: true,
      batchSize: batchRows,
      // A batch is handed over once it holds one bad row past the limit, so the stop comes there.
      quarantinePerBatch: limits.maxBadRows > 0 ? Math.min(QUARANTINE_PER_BATCH, limits.maxBadRows + 1) : undefined,
    });
    const decoder = new StringDecoder('utf8');
    const gzip = { layers: 0, compressedRead: () => result.bytes };
    let inflated = 0;
    let lineChars = 0;
    const add = (counts: { accepted: number; duplicates: number; quarantined: number }) => {
      result.accepted += counts.accepted;
      result.duplicates += counts.duplicates;
      result.quarantined += counts.quarantined;
      if (limits.maxBadRows > 0 && result.quarantined > limits.maxBadRows)
        throw new IngestStopped(
          'TOO_MANY_BAD_ROWS',
          `the upload stopped after more than ${limits.maxBadRows} bad rows (see the quarantine); ` +
            `kept ${result.accepted} accepted rows before the stop`,
          { ...result },
        );
    };
    /** Bounds the work of a gzip body: its inflated size and its ratio to the bytes received. */
    function bound(bytes: number): void {
      inflated += bytes;
      if (gzip.layers === 0) return;
      if (inflated > limits.inflatedBytes)
        throw new IngestStopped(
          'INFLATED_TOO_LARGE',
          `the gzip body inflates past ${limits.inflatedBytes} bytes; send the file in parts ` +
            `(kept ${result.accepted} accepted rows before the stop)`,
          { ...result },
        );
      if (
        limits.maxCompressionRatio > 0 &&
        inflated > RATIO_FLOOR_BYTES &&
        inflated > limits.maxCompressionRatio * gzip.compressedRead()
      )
        throw new IngestStopped(
          'COMPRESSION_RATIO_TOO_HIGH',
          `the gzip body inflates more than ${limits.maxCompressionRatio} times its size: not a CDR file ` +
            `(kept ${result.accepted} accepted rows before the stop)`,
          { ...result },
        );
    }
    async function counted(): Promise<void> {
      for await (const chunk of decompressed(measured(body), gzip)) {
        bound(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength);
        const text = typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
        const newline = text.lastIndexOf('\n');
        lineChars = newline < 0 ? lineChars + text.length : text.length - newline - 1;
        if (lineChars > MAX_LINE_CHARS)
          throw new AppError('BAD_REQUEST', `a line is longer than ${MAX_LINE_CHARS} characters: not a CDR file`);
        for (const batch of parser.push(text))
          add(await commit(batch, request, uploadId, uploadOperator, result.bytes, upload));
      }
      const tail = decoder.end();
      if (tail)
        for (const batch of parser.push(tail))
          add(await commit(batch, request, uploadId, uploadOperator, result.bytes, upload));
      for (const batch of parser.end())
        add(await commit(batch, request, uploadId, uploadOperator, result.bytes, upload));
    }
    async function* measured(source: IngestBody): AsyncGenerator<Uint8Array | string> {
      for await (const chunk of source) {
        result.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
        yield chunk;
      }
    }
    try {
      await counted();
    } catch (error) {
      await store.finishUpload(uploadId, 'failed', result.bytes).catch(() => {});
      // A body refused part-way (bad gzip, a line too long, past the size limit) has kept the
      // batches committed before: the answer says so, as for a stop by a limit.
      if (error instanceof AppError && !(error instanceof IngestStopped))
        throw new IngestStopped(error.code, error.message, { ...result });
      throw error;
    }
    await store.finishUpload(uploadId, 'complete', result.bytes);
    return result;
  }

  return {
    ingest,
    /** Ingests a file from disk (the CLI without a server). */
    ingestFile(path: string, request: Omit<IngestRequest, 'file'> & { file?: string }): Promise<IngestResult> {
      return ingest(createReadStream(path, { highWaterMark: 1 << 20 }), { ...request, file: request.file ?? path });
    },
  };
}

export type IngestService = ReturnType<typeof createIngestService>;
