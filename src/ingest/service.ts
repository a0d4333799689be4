import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { type CdrBatch, digitString } from '../cdr/batch.ts';
import { CdrTextParser } from '../cdr/reader.ts';
import { DIRECTION_NAMES, EVENT_NAMES, OTHER_NONE, ROUTE_NAMES } from '../cdr/types.ts';
import { AppError } from '../errors.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { EventStream } from '../platform/stream.ts';
import { encodeBatch } from './codec.ts';
import type { IngestStore, QuarantineRow } from './store.ts';
import type { CdrBatchEvent, IngestResult } from './types.ts';

/** Rows per committed batch: one transaction, one journal row, one event. */
const DEFAULT_BATCH_ROWS = 65_536;
/** A line longer than this is not a CDR: the body is refused rather than buffered without end. */
const MAX_LINE_CHARS = 1 << 20;
/** Records stamped further ahead than this are refused: a wrong clock or offset, not a call. */
const FUTURE_TOLERANCE_MS = 86_400_000;
/**
 * Bad rows stored per upload: a file of nothing but garbage is counted in full but stored only
 * this far, so that one wrong file cannot fill the records store.
 */
export const MAX_STORED_QUARANTINE = 100_000;

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

/** The body, gunzipped when it starts with gzip's magic bytes (whatever its headers said). */
async function* decompressed(body: IngestBody): AsyncGenerator<Uint8Array | string> {
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
    if (prefix.length > 0) yield prefix;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (prefix.length >= 2 && prefix[0] === 0x1f && prefix[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: 1 << 20 });
    pipeline(Readable.from(rest()), gunzip, () => {});
    try {
      // A gzip body inside gzip (Content-Encoding over a .gz file) is unwrapped once more.
      yield* decompressed(gunzip);
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
  metrics?: Metrics;
  clock?: () => number;
  batchRows?: number;
}) {
  const { plan, store, stream } = deps;
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
    const parser = new CdrTextParser(file, plan, { recordIds: true, batchSize: batchRows });
    const decoder = new StringDecoder('utf8');
    let lineChars = 0;
    const add = (counts: { accepted: number; duplicates: number; quarantined: number }) => {
      result.accepted += counts.accepted;
      result.duplicates += counts.duplicates;
      result.quarantined += counts.quarantined;
    };
    async function counted(): Promise<void> {
      for await (const chunk of decompressed(measured(body))) {
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
