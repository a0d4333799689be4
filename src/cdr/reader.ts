import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, gunzipSync } from 'node:zlib';
import type { NumberingPlan } from '../numbering/plan.ts';
import { CdrBatch } from './batch.ts';
import {
  appendCsvRow,
  appendValues,
  COLUMN_COUNT,
  mapHeader,
  RowParser,
  splitQuotedCsv,
  valuesFromObject,
} from './parse.ts';

/** Longest raw text kept in a quarantine item, so one huge bad line cannot fill memory. */
const MAX_RAW = 1000;
/**
 * Bad rows a batch holds before it is handed over even if not full of good ones: a stretch of
 * nothing but bad rows (a wrong or hostile file) then costs a few megabytes, not its whole length.
 */
export const QUARANTINE_PER_BATCH = 4096;
const FORMAT_UNKNOWN = 0;
const FORMAT_CSV = 1;
const FORMAT_JSONL = 2;

export interface CdrParserOptions {
  /** Rows per batch (default 65 536). */
  batchSize?: number;
  /** Keep record_id strings in each batch (the ingest path de-duplicates on them). */
  recordIds?: boolean;
  /** Bad rows a batch holds before it is handed over (default and most QUARANTINE_PER_BATCH). */
  quarantinePerBatch?: number;
  /**
   * A batch handed over earlier that its receiver no longer uses, to be filled again instead of a
   * new one (undefined when there is none). It must hold `batchSize` rows and keep record ids as asked.
   */
  spareBatch?: () => CdrBatch | undefined;
}

/**
 * Incremental parser of one CDR text stream (CSV with a header, or JSON Lines): push text as it
 * arrives, get full batches back. Lines are split by hand and unquoted CSV fields are validated
 * in place in the chunk's string, with no per-row allocation beyond the cell id.
 */
export class CdrTextParser {
  readonly file: string;
  private readonly rowParser: RowParser;
  private readonly batchSize: number;
  private readonly keepRecordIds: boolean;
  private readonly spareBatch: (() => CdrBatch | undefined) | undefined;
  private readonly quarantinePerBatch: number;
  private batch: CdrBatch;
  private carry = '';
  private format: number = FORMAT_UNKNOWN;
  private lineNumber = 0;
  /** positions[k] = canonical column of the k-th CSV field (-1 = ignored). */
  private positions: Int32Array = new Int32Array(0);
  private readonly starts = new Int32Array(COLUMN_COUNT);
  private readonly ends = new Int32Array(COLUMN_COUNT);
  private headerError: string | null = null;
  rows = 0;
  bad = 0;

  constructor(file: string, plan: NumberingPlan, options: CdrParserOptions = {}) {
    this.file = file;
    this.rowParser = new RowParser(plan);
    this.batchSize = options.batchSize ?? 65536;
    this.keepRecordIds = options.recordIds ?? false;
    this.spareBatch = options.spareBatch;
    this.quarantinePerBatch = Math.max(
      1,
      Math.min(QUARANTINE_PER_BATCH, options.quarantinePerBatch ?? QUARANTINE_PER_BATCH),
    );
    this.batch = this.newBatch();
  }

  private newBatch(): CdrBatch {
    const batch = this.spareBatch?.() ?? new CdrBatch(this.batchSize, this.keepRecordIds);
    batch.reset(this.file);
    return batch;
  }

  /** Feeds text; returns the batches that became full (possibly none). */
  push(text: string): CdrBatch[] {
    const out: CdrBatch[] = [];
    let lineStart = 0;
    if (this.carry.length > 0) {
      // The line cut by the previous chunk is joined on its own: `carry + text` would be a
      // cons string, and reading characters out of one is several times slower than a flat one.
      const newline = text.indexOf('\n');
      if (newline < 0) {
        this.carry += text;
        return out;
      }
      const joined = this.carry + text.slice(0, newline);
      this.carry = '';
      this.line(joined, 0, joined.length, out);
      lineStart = newline + 1;
    }
    for (;;) {
      const newline = text.indexOf('\n', lineStart);
      if (newline < 0) break;
      this.line(text, lineStart, newline, out);
      lineStart = newline + 1;
    }
    this.carry = lineStart < text.length ? text.slice(lineStart) : '';
    return out;
  }

  /** Ends the stream: parses a last line without a newline and returns the last batch. */
  end(): CdrBatch[] {
    const out: CdrBatch[] = [];
    if (this.carry.length > 0) {
      const s = this.carry;
      this.carry = '';
      this.line(s, 0, s.length, out);
    }
    if (this.batch.size > 0 || this.batch.quarantine.length > 0) out.push(this.batch);
    this.batch = this.newBatch();
    return out;
  }

  private quarantine(s: string, start: number, end: number, reason: string): void {
    this.bad++;
    this.batch.quarantine.push({
      file: this.file,
      line: this.lineNumber,
      reason,
      raw: s.slice(start, Math.min(end, start + MAX_RAW)),
    });
  }

  private line(s: string, start: number, end: number, out: CdrBatch[]): void {
    this.lineNumber++;
    if (end > start && s.charCodeAt(end - 1) === 13) end--;
    // A UTF-8 byte order mark (written by Windows tools) is not part of the first header or row.
    if (this.lineNumber === 1 && start < end && s.charCodeAt(start) === 0xfeff) start++;
    if (end === start) return;
    if (this.format === FORMAT_UNKNOWN) {
      // The first line is a CSV header or already a JSON Lines row.
      if (this.detect(s, start, end) === FORMAT_CSV) return;
    }
    if (this.headerError !== null) this.quarantine(s, start, end, this.headerError);
    else {
      const reason = this.format === FORMAT_CSV ? this.csvRow(s, start, end) : this.jsonRow(s, start, end);
      if (reason !== null) this.quarantine(s, start, end, reason);
      else this.rows++;
    }
    if (this.batch.size >= this.batchSize || this.batch.quarantine.length >= this.quarantinePerBatch) {
      out.push(this.batch);
      this.batch = this.newBatch();
    }
  }

  private detect(s: string, start: number, end: number): number {
    let i = start;
    if (s.charCodeAt(i) === 0xfeff) i++;
    while (i < end && (s.charCodeAt(i) === 32 || s.charCodeAt(i) === 9)) i++;
    if (s.charCodeAt(i) === 123 /* { */) {
      this.format = FORMAT_JSONL;
      return this.format;
    }
    this.format = FORMAT_CSV;
    const cr = s.indexOf('\r', start);
    if (cr >= 0 && cr < end) {
      // Lines ended by a lone CR (classic Mac) make the whole file one header line: its rows would
      // vanish without a trace, so the line is quarantined with the reason instead.
      this.headerError = 'bad header: lines end with a lone CR; end them with LF or CRLF';
      return FORMAT_UNKNOWN;
    }
    const names = splitQuotedCsv(s.slice(start, end)) ?? [];
    const mapped = mapHeader(names);
    if (typeof mapped === 'string') this.headerError = `bad header: ${mapped}`;
    else this.positions = Int32Array.from(mapped);
    return this.format;
  }

  private csvRow(s: string, start: number, end: number): string | null {
    return appendCsvRow(
      this.rowParser,
      this.batch,
      s,
      start,
      end,
      this.positions,
      this.lineNumber,
      this.starts,
      this.ends,
    );
  }

  private jsonRow(s: string, start: number, end: number): string | null {
    let object: unknown;
    try {
      object = JSON.parse(s.slice(start, end));
    } catch {
      return 'not valid JSON';
    }
    const values = valuesFromObject(object);
    if (typeof values === 'string') return values;
    return appendValues(this.rowParser, this.batch, values, this.lineNumber, this.starts, this.ends);
  }
}

export interface ReadSummary {
  file: string;
  rows: number;
  bad: number;
  bytes: number;
}

/** Called with each batch; may return a promise to slow the reader down (back-pressure). */
export type BatchHandler = (batch: CdrBatch) => void | Promise<void>;

/** Whether a file is gzip, by its magic bytes (not its name). */
export async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a CDR file (CSV or JSON Lines, gzip detected by its magic bytes, not its name) in large
 * chunks and hands over batches of validated rows; each batch also carries the quarantined rows
 * of its stretch of the file. Memory is bounded by the batch size, not by the file.
 */
export async function readCdrFile(
  path: string,
  plan: NumberingPlan,
  onBatch: BatchHandler,
  options: CdrParserOptions = {},
): Promise<ReadSummary> {
  const parser = new CdrTextParser(path, plan, options);
  const gzip = await isGzip(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (const batch of parser.push(decoder.write(chunk))) await onBatch(batch);
  }
  const tail = decoder.end();
  if (tail) for (const batch of parser.push(tail)) await onBatch(batch);
  for (const batch of parser.end()) await onBatch(batch);
  return { file: path, rows: parser.rows, bad: parser.bad, bytes };
}

/** The same as readCdrFile, as an async iterator of batches. */
export async function* cdrBatches(
  path: string,
  plan: NumberingPlan,
  options: CdrParserOptions = {},
): AsyncGenerator<CdrBatch> {
  const parser = new CdrTextParser(path, plan, options);
  const gzip = await isGzip(path);
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  const decoder = new StringDecoder('utf8');
  for await (const chunk of stream as AsyncIterable<Buffer>) yield* parser.push(decoder.write(chunk));
  const tail = decoder.end();
  if (tail) yield* parser.push(tail);
  yield* parser.end();
}

/**
 * Parses a whole in-memory body (an HTTP upload): every valid row and every quarantined one.
 * Gzip bodies are recognised by their magic bytes.
 */
export function parseCdrText(body: string | Buffer, file: string, plan: NumberingPlan, options: CdrParserOptions = {}) {
  const parser = new CdrTextParser(file, plan, { recordIds: true, ...options });
  let text: string;
  if (typeof body === 'string') text = body;
  else if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) text = gunzipSync(body).toString('utf8');
  else text = body.toString('utf8');
  const batches = [...parser.push(text), ...parser.end()];
  return { batches, rows: parser.rows, bad: parser.bad };
}
