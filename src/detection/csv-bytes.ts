import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { CdrBatch } from '../cdr/batch.ts';
import {
  appendCsvRow,
  COLUMN_COUNT,
  EARLIEST_STARTED_AT_MS,
  mapHeader,
  RowParser,
  splitQuotedCsv,
} from '../cdr/parse.ts';
import {
  type BatchHandler,
  type CdrParserOptions,
  CdrTextParser,
  isGzip,
  QUARANTINE_PER_BATCH,
  type ReadSummary,
} from '../cdr/reader.ts';
import {
  ANSWERED_NO,
  ANSWERED_UNKNOWN,
  ANSWERED_YES,
  DIRECTION_IN,
  DIRECTION_OUT,
  EVENT_DATA,
  EVENT_SMS,
  EVENT_VOICE,
  OTHER_E164,
  OTHER_NONE,
  OTHER_SHORT_CODE,
  ROUTE_DOMESTIC,
  ROUTE_INTERNATIONAL,
  ROUTE_NONE,
  ROUTE_ON_NET,
} from '../cdr/types.ts';
import type { NumberingPlan } from '../numbering/plan.ts';

/**
 * `analyze`'s CSV reader: the canonical CDR CSV parsed from the file's bytes, with no string per
 * line and none per numeric field — only operator and cell names become strings, once per
 * distinct name. It accepts exactly the rows `CdrTextParser` (src/cdr/reader.ts) accepts, with the
 * same values: a row the byte path is not sure of (quotes, national-format numbers, other time
 * spellings, anything invalid, non-ASCII names) is decoded and handed to the text parser's own
 * row validator, so refusals keep their reasons, line numbers and raw text. A file that is not
 * CSV with a valid header (JSON Lines, a bad header) is read by `CdrTextParser` whole.
 */

const MAX_RAW = 1000;
const MAX_SAFE_DIGITS = 15;
const SHORT_CODE_MAX_DIGITS = 6;
const SHORT_CODE_MIN_DIGITS = 2;
const MS_PER_DAY = 86_400_000;
const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// Canonical column indexes (src/cdr/parse.ts CDR_COLUMNS).
const C_RECORD_ID = 0;
const C_OPERATOR = 1;
const C_EVENT = 2;
const C_DIRECTION = 3;
const C_MSISDN = 4;
const C_OTHER = 5;
const C_IMSI = 6;
const C_IMEI = 7;
const C_CELL = 8;
const C_STARTED = 9;
const C_DURATION = 10;
const C_ANSWERED = 11;
const C_BYTES = 12;
const C_ROUTE = 13;

/** The narrowest field `CdrByteParser.split` skips over. */
const MIN_SKIP = 5;

/** The fast path cannot decide this row: the text parser reads it. */
const UNSURE = 1;
const ADDED = 0;

const COMMA = 44;
const QUOTE = 34;
const NEWLINE = 10;
const CR = 13;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function digitsAt(b: Uint8Array, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function holdsNul(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === 0) return true;
  return false;
}

function bytesEqual(b: Uint8Array, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (b[start + i] !== word[i]) return false;
  return true;
}

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const W_VOICE = ascii('voice');
const W_SMS = ascii('sms');
const W_DATA = ascii('data');
const W_OUT = ascii('out');
const W_IN = ascii('in');
const W_TRUE = ascii('true');
const W_FALSE = ascii('false');
const W_INTERNATIONAL = ascii('international');
const W_DOMESTIC = ascii('domestic');
const W_ON_NET = ascii('on-net');

/** A name (operator, cell) seen before: its bytes, its string, and its index in the current batch. */
interface Name {
  bytes: Uint8Array;
  text: string;
  /** The batch, and its fill (`CdrBatch.fill`), whose dictionary holds the name at `index`. */
  batch: CdrBatch | null;
  fill: number;
  index: number;
}

/** Names by their bytes: an open-addressed table, looked up without making a string. */
class NameTable {
  private slots: (Name | undefined)[] = new Array(1024);
  private hashes = new Int32Array(1024);
  private count = 0;

  /** The index of the name in `batch`'s dictionary (interned there on first use), or -1 when not ASCII or holding a comma, newline or NUL. */
  index(b: Uint8Array, start: number, end: number, batch: CdrBatch): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) {
      const c = b[i];
      // A comma or newline in a name is a field `split` skipped wrongly: the line is read again;
      // a NUL quarantines it there (PostgreSQL text cannot keep one).
      if (c >= 0x80 || c === COMMA || c === NEWLINE || c === 0) return -1;
      h = Math.imul(h ^ c, 0x01000193);
    }
    const mask = this.slots.length - 1;
    let i = h & mask;
    for (;;) {
      const name = this.slots[i];
      if (name === undefined) break;
      if (this.hashes[i] === h && bytesEqual(b, start, end, name.bytes)) {
        if (name.batch !== batch || name.fill !== batch.fill) {
          name.batch = batch;
          name.fill = batch.fill;
          name.index = batch.intern(name.text);
        }
        return name.index;
      }
      i = (i + 1) & mask;
    }
    const bytes = new Uint8Array(b.subarray(start, end));
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
    const name: Name = { bytes, text, batch, fill: batch.fill, index: batch.intern(text) };
    this.slots[i] = name;
    this.hashes[i] = h;
    if (++this.count * 2 > this.slots.length) this.grow();
    return name.index;
  }

  private grow(): void {
    const old = this.slots;
    const oldHashes = this.hashes;
    this.slots = new Array(old.length * 2);
    this.hashes = new Int32Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (let k = 0; k < old.length; k++) {
      const name = old[k];
      if (name === undefined) continue;
      let i = oldHashes[k] & mask;
      while (this.slots[i] !== undefined) i = (i + 1) & mask;
      this.slots[i] = name;
      this.hashes[i] = oldHashes[k];
    }
  }
}

/** Where a phone number lands. */
class Scratch {
  number = 0;
  digits = 0;
  timeMs = 0;
  localHour = 0;
}

/**
 * Canonical CSV rows (after the header) from bytes into batches. `line` is called for each line
 * without its newline.
 */
export class CdrByteParser {
  readonly file: string;
  private readonly plan: NumberingPlan;
  private readonly rowParser: RowParser;
  private readonly batchSize: number;
  private readonly spareBatch: (() => CdrBatch | undefined) | undefined;
  private readonly quarantinePerBatch: number;
  private readonly positions: Int32Array;
  private readonly starts = new Int32Array(COLUMN_COUNT);
  private readonly ends = new Int32Array(COLUMN_COUNT);
  private readonly textStarts = new Int32Array(COLUMN_COUNT);
  private readonly textEnds = new Int32Array(COLUMN_COUNT);
  private readonly scratch = new Scratch();
  /** Where the commas of the current line are (a longer line goes to the text parser). */
  private readonly commas = new Int32Array(64);
  /** Per field of a line: its width in the last line that had it non-empty, and whether `split` may skip it. */
  private readonly widths = new Int32Array(64);
  private readonly skippable = new Uint8Array(64);
  private splitCount = 0;
  /** The first 13 bytes (date and hour) of the last time read with a valid date, and what they gave. */
  private readonly timeHead = new Uint8Array(13);
  private timeHeadValid = false;
  private timeDays = 0;
  private timeHour = 0;
  private readonly names = new NameTable();
  private batch: CdrBatch;
  lineNumber: number;
  rows = 0;
  bad = 0;

  constructor(
    file: string,
    plan: NumberingPlan,
    positions: Int32Array,
    linesBefore: number,
    options: CdrParserOptions = {},
  ) {
    this.file = file;
    this.plan = plan;
    this.rowParser = new RowParser(plan);
    this.positions = positions;
    for (let field = 0; field < positions.length && field < this.skippable.length; field++)
      this.skippable[field] = positions[field] >= 0 && positions[field] !== C_RECORD_ID ? 1 : 0;
    this.starts.fill(-1);
    this.ends.fill(-1);
    this.lineNumber = linesBefore;
    this.batchSize = options.batchSize ?? 65536;
    this.spareBatch = options.spareBatch;
    this.quarantinePerBatch = Math.max(
      1,
      Math.min(QUARANTINE_PER_BATCH, options.quarantinePerBatch ?? QUARANTINE_PER_BATCH),
    );
    this.batch = this.newBatch();
  }

  private newBatch(): CdrBatch {
    const batch = this.spareBatch?.() ?? new CdrBatch(this.batchSize);
    batch.reset(this.file);
    return batch;
  }

  /** Ends the stream: the last batch, if it holds anything. */
  end(out: CdrBatch[]): void {
    if (this.batch.size > 0 || this.batch.quarantine.length > 0) out.push(this.batch);
    this.batch = this.newBatch();
  }

  /**
   * Reads the lines of b from `from` on, each up to its newline; returns where the last line
   * without a newline starts (b.length when there is none).
   *
   * A line is first split where the last lines' fields were (`split`): a field whose width is
   * known is skipped over when a comma stands right after it, so most bytes of a row are read
   * once, by the field's own parsing, not also to find commas. That split is kept only when the
   * row is added from bytes: every skipped field is then one `append` has read through and found
   * to hold no comma and no newline, so the commas found are the line's commas and the newline
   * its end. Otherwise the line is read the careful way: its end found, its commas counted one by
   * one, as before the split existed.
   */
  scan(b: Buffer, from: number, out: CdrBatch[]): number {
    const n = b.length;
    let lineStart = from;
    while (lineStart < n) {
      const newline = this.split(b, lineStart, n);
      if (newline >= 0) {
        let end = newline;
        if (end > lineStart && b[end - 1] === CR) end--;
        // The row is numbered before it is appended (`append` writes its line).
        this.lineNumber++;
        if (end > lineStart && this.bytesRow(b, lineStart, end, this.splitCount) === ADDED) {
          this.rows++;
          this.handOverWhenFull(out);
          lineStart = newline + 1;
          continue;
        }
        this.lineNumber--;
        // Widths learnt from a wrong split would mislead the next lines: learnt again from the next.
        this.widths.fill(0);
      }
      const real = b.indexOf(NEWLINE, lineStart);
      if (real < 0) return lineStart;
      let count = 0;
      for (let i = lineStart; i < real; i++)
        if (b[i] === COMMA) {
          if (count < this.commas.length) this.commas[count] = i;
          count++;
        }
      this.line(b, lineStart, real, count, out);
      lineStart = real + 1;
    }
    return lineStart;
  }

  /**
   * The commas of the line from `start` as the last lines' field widths foretell them (into
   * this.commas, their number into this.splitCount), and the newline that ends it; -1 when b ends
   * first or the line has more commas than are kept. Fields that `append` does not read through
   * (record IDs, columns it ignores) and the last field are always read byte by byte.
   */
  private split(b: Buffer, start: number, n: number): number {
    const commas = this.commas;
    const most = commas.length;
    const widths = this.widths;
    const skippable = this.skippable;
    const last = this.positions.length - 1;
    let i = start;
    let count = 0;
    for (;;) {
      if (count < last && skippable[count] === 1) {
        const j = i + widths[count];
        // An empty field is not skipped: the width of a full one would reach into the next fields.
        if (j > i && j < n && b[j] === COMMA && b[i] !== COMMA) {
          commas[count++] = j;
          i = j + 1;
          continue;
        }
      }
      let k = i;
      for (; k < n; k++) {
        const c = b[k];
        if (c <= COMMA && (c === COMMA || c === NEWLINE)) break;
      }
      if (k >= n) return -1;
      if (b[k] === NEWLINE) {
        this.splitCount = count;
        return k;
      }
      if (count >= most) return -1;
      commas[count] = k;
      // Narrow fields (durations, flags, enums) change width from row to row: not worth skipping.
      if (k > i) widths[count] = k - i >= MIN_SKIP ? k - i : 0;
      count++;
      i = k + 1;
    }
  }

  /** One line, b[start, end) without its newline, with `count` commas at this.commas. */
  private line(b: Buffer, start: number, end: number, count: number, out: CdrBatch[]): void {
    this.lineNumber++;
    if (end > start && b[end - 1] === CR) end--;
    if (end === start) return;
    let reason: string | null = null;
    const added = count < this.commas.length ? this.bytesRow(b, start, end, count) : UNSURE;
    if (added !== ADDED) {
      // Decided the way the text parser decides: the same reasons for the same rows.
      const text = b.toString('utf8', start, end);
      reason = this.textRow(text);
      if (reason !== null) {
        this.bad++;
        this.batch.quarantine.push({
          file: this.file,
          line: this.lineNumber,
          reason,
          raw: text.slice(0, Math.min(text.length, MAX_RAW)),
        });
      }
    }
    if (reason === null) this.rows++;
    this.handOverWhenFull(out);
  }

  /** Hands the batch over once it holds as many rows, or quarantined rows, as it may. */
  private handOverWhenFull(out: CdrBatch[]): void {
    if (this.batch.size >= this.batchSize || this.batch.quarantine.length >= this.quarantinePerBatch) {
      out.push(this.batch);
      this.batch = this.newBatch();
    }
  }

  /** A row left to text: read as the upload parser reads it. */
  private textRow(s: string): string | null {
    return appendCsvRow(
      this.rowParser,
      this.batch,
      s,
      0,
      s.length,
      this.positions,
      this.lineNumber,
      this.textStarts,
      this.textEnds,
    );
  }

  /** Takes the row's fields from its commas and appends it when every one is plainly valid; UNSURE otherwise. */
  private bytesRow(b: Buffer, start: number, end: number, count: number): number {
    const positions = this.positions;
    const fieldCount = positions.length;
    if (count + 1 !== fieldCount) return UNSURE;
    // Every column of the header is set below; those it lacks stay -1 (set once, in the constructor).
    const starts = this.starts;
    const ends = this.ends;
    const commas = this.commas;
    let fieldStart = start;
    for (let field = 0; field < fieldCount; field++) {
      if (b[fieldStart] === QUOTE && fieldStart < end) return UNSURE;
      const fieldEnd = field < count ? commas[field] : end;
      const column = positions[field];
      if (column >= 0) {
        starts[column] = fieldStart;
        ends[column] = fieldEnd;
      }
      fieldStart = fieldEnd + 1;
    }
    return this.append(b, starts, ends);
  }

  /**
   * A phone number written "+digits" or as plain digits that cannot be the national format, into
   * scratch.number / digits; false when the plan's parser is needed (or the value is invalid).
   */
  private phone(b: Uint8Array, start: number, end: number): boolean {
    if (start === end) return false;
    let i = start;
    const plus = b[i] === 43;
    if (plus) i++;
    let value = 0;
    let digits = 0;
    for (; i < end; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) return false;
      value = value * 10 + d;
      digits++;
    }
    if (digits === 0 || digits > MAX_SAFE_DIGITS) return false;
    const plan = this.plan;
    if (
      !plus &&
      digits === plan.nationalPrefix.length + plan.nationalNumberLength &&
      b[start] === plan.nationalPrefix.charCodeAt(0)
    )
      return false;
    this.scratch.number = value;
    this.scratch.digits = digits;
    return digits >= 7 || !plus;
  }

  /** src/cdr/parse.ts parseIdentifier on bytes. */
  private identifier(b: Uint8Array, start: number, end: number, keepDigits: number): boolean {
    const length = end - start;
    if (length === 0 || length > 16) return false;
    const used = length > MAX_SAFE_DIGITS ? keepDigits : length;
    let value = 0;
    for (let i = start; i < end; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) return false;
      if (i - start < used) value = value * 10 + d;
    }
    this.scratch.number = value;
    this.scratch.digits = used;
    return true;
  }

  /** The common `YYYY-MM-DD[T ]HH:MM:SS(.f+)?(Z|±HH:MM|±HHMM|±HH)` form (src/platform/iso-time.ts). */
  private time(b: Uint8Array, start: number, end: number): boolean {
    if (end - start < 20 || b[start + 4] !== 45 || b[start + 7] !== 45) return false;
    const sep = b[start + 10];
    if ((sep !== 84 && sep !== 32) || b[start + 13] !== 58 || b[start + 16] !== 58) return false;
    // Rows come in time order: the date and hour are most often the last row's (13 bytes).
    const head = this.timeHead;
    let same = this.timeHeadValid;
    for (let k = 0; same && k < 13; k++) same = b[start + k] === head[k];
    let days: number;
    let hour: number;
    if (same) {
      days = this.timeDays;
      hour = this.timeHour;
    } else {
      const year = digitsAt(b, start, start + 4);
      const month = digitsAt(b, start + 5, start + 7);
      const day = digitsAt(b, start + 8, start + 10);
      hour = digitsAt(b, start + 11, start + 13);
      if (
        !(
          year >= 0 &&
          month >= 1 &&
          month <= 12 &&
          day >= 1 &&
          day <= DAYS_IN_MONTH[month] &&
          (month !== 2 || day < 29 || isLeapYear(year)) &&
          hour >= 0 &&
          hour <= 23
        )
      )
        return false;
      days = daysFromCivil(year, month, day);
      for (let k = 0; k < 13; k++) head[k] = b[start + k];
      this.timeHeadValid = true;
      this.timeDays = days;
      this.timeHour = hour;
    }
    const minute = digitsAt(b, start + 14, start + 16);
    const second = digitsAt(b, start + 17, start + 19);
    if (!(minute >= 0 && minute <= 59 && second >= 0 && second <= 60)) return false;
    let i = start + 19;
    let fraction = 0;
    if (b[i] === 46) {
      i++;
      let scale = 100;
      const fractionStart = i;
      while (i < end) {
        const d = b[i] - 48;
        if (d < 0 || d > 9) break;
        fraction += d * scale;
        scale /= 10;
        i++;
      }
      if (i === fractionStart) return false;
    }
    let offsetMinutes = 0;
    const sign = i < end ? b[i] : -1;
    if (sign === 90 && i + 1 === end) {
      offsetMinutes = 0;
    } else if (sign === 43 || sign === 45) {
      const rest = end - i - 1;
      let offsetHours = -1;
      let offsetMins = -1;
      if (rest === 5 && b[i + 3] === 58) {
        offsetHours = digitsAt(b, i + 1, i + 3);
        offsetMins = digitsAt(b, i + 4, i + 6);
      } else if (rest === 4) {
        offsetHours = digitsAt(b, i + 1, i + 3);
        offsetMins = digitsAt(b, i + 3, i + 5);
      } else if (rest === 2) {
        offsetHours = digitsAt(b, i + 1, i + 3);
        offsetMins = 0;
      }
      if (offsetHours < 0 || offsetHours > 18 || offsetMins < 0 || offsetMins > 59) return false;
      offsetMinutes = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMins);
    } else {
      return false;
    }
    this.scratch.timeMs =
      days * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + Math.round(fraction);
    this.scratch.localHour = hour;
    return true;
  }

  /** src/cdr/parse.ts RowParser.append for rows whose every field is plainly valid; UNSURE otherwise. */
  private append(b: Buffer, starts: Int32Array, ends: Int32Array): number {
    const scratch = this.scratch;
    if (starts[C_RECORD_ID] < 0 || starts[C_RECORD_ID] === ends[C_RECORD_ID]) return UNSURE;
    const operatorStart = starts[C_OPERATOR];
    if (operatorStart < 0 || operatorStart === ends[C_OPERATOR]) return UNSURE;
    // A NUL in a kept text field quarantines the row (src/cdr/parse.ts): the text reader says why.
    // Names (operator, cell) are read for one by `NameTable.index`.
    if (holdsNul(b, starts[C_RECORD_ID], ends[C_RECORD_ID])) return UNSURE;
    const evStart = starts[C_EVENT];
    if (evStart < 0) return UNSURE;
    const evEnd = ends[C_EVENT];
    let event: number;
    if (bytesEqual(b, evStart, evEnd, W_VOICE)) event = EVENT_VOICE;
    else if (bytesEqual(b, evStart, evEnd, W_SMS)) event = EVENT_SMS;
    else if (bytesEqual(b, evStart, evEnd, W_DATA)) event = EVENT_DATA;
    else return UNSURE;
    let direction: number;
    const dStart = starts[C_DIRECTION];
    if (dStart < 0) return UNSURE;
    if (bytesEqual(b, dStart, ends[C_DIRECTION], W_OUT)) direction = DIRECTION_OUT;
    else if (bytesEqual(b, dStart, ends[C_DIRECTION], W_IN)) direction = DIRECTION_IN;
    else if (dStart === ends[C_DIRECTION] && event === EVENT_DATA) direction = DIRECTION_OUT;
    else return UNSURE;
    if (starts[C_MSISDN] < 0 || !this.phone(b, starts[C_MSISDN], ends[C_MSISDN]) || scratch.digits < 7) return UNSURE;
    const msisdn = scratch.number;
    let otherKind = OTHER_NONE;
    let otherParty = -1;
    const oStart = starts[C_OTHER];
    if (oStart >= 0 && oStart !== ends[C_OTHER]) {
      if (!this.phone(b, oStart, ends[C_OTHER])) return UNSURE;
      if (scratch.digits >= 7) otherKind = OTHER_E164;
      else if (scratch.digits >= SHORT_CODE_MIN_DIGITS && scratch.digits <= SHORT_CODE_MAX_DIGITS)
        otherKind = OTHER_SHORT_CODE;
      else return UNSURE;
      otherParty = scratch.number;
    } else if (event !== EVENT_DATA) return UNSURE;
    let imsi = -1;
    let imsiDigits = 0;
    const iStart = starts[C_IMSI];
    if (iStart >= 0 && iStart !== ends[C_IMSI]) {
      const length = ends[C_IMSI] - iStart;
      if (length < 5 || length > 15 || !this.identifier(b, iStart, ends[C_IMSI], 15)) return UNSURE;
      imsi = scratch.number;
      imsiDigits = scratch.digits;
    }
    let imei = -1;
    let imeiDigits = 0;
    const eStart = starts[C_IMEI];
    if (eStart >= 0 && eStart !== ends[C_IMEI]) {
      if (ends[C_IMEI] - eStart < 14 || !this.identifier(b, eStart, ends[C_IMEI], 14)) return UNSURE;
      imei = scratch.number;
      imeiDigits = scratch.digits;
    }
    if (starts[C_STARTED] < 0 || !this.time(b, starts[C_STARTED], ends[C_STARTED])) return UNSURE;
    // Too old: the text reader quarantines it with its reason.
    if (scratch.timeMs < EARLIEST_STARTED_AT_MS) return UNSURE;
    let duration = 0;
    const durStart = starts[C_DURATION];
    if (durStart >= 0 && durStart !== ends[C_DURATION]) {
      duration = amount(b, durStart, ends[C_DURATION]);
      if (Number.isNaN(duration)) return UNSURE;
    } else if (event === EVENT_VOICE) return UNSURE;
    let answered = ANSWERED_UNKNOWN;
    const aStart = starts[C_ANSWERED];
    if (aStart >= 0 && aStart !== ends[C_ANSWERED]) {
      const aEnd = ends[C_ANSWERED];
      const c = b[aStart];
      if (aEnd - aStart === 1 && c === 49) answered = ANSWERED_YES;
      else if (aEnd - aStart === 1 && c === 48) answered = ANSWERED_NO;
      else if (bytesEqual(b, aStart, aEnd, W_TRUE)) answered = ANSWERED_YES;
      else if (bytesEqual(b, aStart, aEnd, W_FALSE)) answered = ANSWERED_NO;
      else return UNSURE;
    } else if (event === EVENT_VOICE) {
      answered = duration > 0 ? ANSWERED_YES : ANSWERED_NO;
    }
    let bytes = 0;
    const bStart = starts[C_BYTES];
    if (bStart >= 0 && bStart !== ends[C_BYTES]) {
      bytes = amount(b, bStart, ends[C_BYTES]);
      if (Number.isNaN(bytes)) return UNSURE;
    }
    let route = ROUTE_NONE;
    const rStart = starts[C_ROUTE];
    if (rStart >= 0 && rStart !== ends[C_ROUTE]) {
      const rEnd = ends[C_ROUTE];
      if (bytesEqual(b, rStart, rEnd, W_INTERNATIONAL)) route = ROUTE_INTERNATIONAL;
      else if (bytesEqual(b, rStart, rEnd, W_DOMESTIC)) route = ROUTE_DOMESTIC;
      else if (bytesEqual(b, rStart, rEnd, W_ON_NET)) route = ROUTE_ON_NET;
      else return UNSURE;
    }
    const batch = this.batch;
    const operator = this.names.index(b, operatorStart, ends[C_OPERATOR], batch);
    if (operator < 0) return UNSURE;
    let cell = -1;
    const cStart = starts[C_CELL];
    if (cStart >= 0 && cStart !== ends[C_CELL]) {
      cell = this.names.index(b, cStart, ends[C_CELL], batch);
      if (cell < 0) return UNSURE;
    }
    const i = batch.size++;
    batch.line[i] = this.lineNumber;
    batch.event[i] = event;
    batch.direction[i] = direction;
    batch.route[i] = route;
    batch.otherKind[i] = otherKind;
    batch.otherParty[i] = otherParty;
    batch.answered[i] = answered;
    batch.localHour[i] = scratch.localHour;
    batch.startedAt[i] = scratch.timeMs;
    batch.msisdn[i] = msisdn;
    batch.durationS[i] = duration;
    batch.bytes[i] = bytes;
    batch.imsi[i] = imsi;
    batch.imsiDigits[i] = imsiDigits;
    batch.imei[i] = imei;
    batch.imeiDigits[i] = imeiDigits;
    batch.operator[i] = operator;
    batch.cell[i] = cell;
    return ADDED;
  }
}

/** src/cdr/parse.ts parseAmount on bytes: a non-negative decimal number, NaN when not one. */
function amount(b: Uint8Array, start: number, end: number): number {
  if (start === end) return Number.NaN;
  let value = 0;
  let i = start;
  for (; i < end; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (i === end) return value;
  if (b[i] === 46 && i > start) {
    let scale = 0.1;
    i++;
    if (i === end) return Number.NaN;
    for (; i < end; i++) {
      const d = b[i] - 48;
      if (d < 0 || d > 9) return Number.NaN;
      value += d * scale;
      scale /= 10;
    }
    return value;
  }
  return Number.NaN;
}

/**
 * The header line's column positions when the file is CSV with a valid CDR header; null when the
 * text parser must read it (JSON Lines, or a header it refuses).
 */
function csvPositions(header: string): Int32Array | null {
  let i = 0;
  if (header.charCodeAt(i) === 0xfeff) i++;
  while (i < header.length && (header.charCodeAt(i) === 32 || header.charCodeAt(i) === 9)) i++;
  if (header.charCodeAt(i) === 123) return null;
  const mapped = mapHeader(splitQuotedCsv(header) ?? []);
  return typeof mapped === 'string' ? null : Int32Array.from(mapped);
}

/**
 * The bytes of a file in chunks of up to `chunkSize`, unzipped when `gzip`. A plain file is read
 * into one buffer over and over (fresh memory for every chunk costs the system more than the
 * copy out of the page cache): a chunk is only valid until the next one is asked for.
 */
async function* chunksOf(path: string, gzip: boolean, chunkSize: number): AsyncGenerator<Buffer> {
  if (gzip) {
    yield* createReadStream(path, { highWaterMark: chunkSize }).pipe(
      createGunzip({ chunkSize: Math.max(64, chunkSize) }),
    ) as AsyncIterable<Buffer>;
    return;
  }
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, chunkSize, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/**
 * Reads a CDR file as `readCdrFile` (src/cdr/reader.ts) does — the same batches, quarantined
 * rows and summary — parsing canonical CSV from bytes.
 */
export async function readCdrFileBytes(
  path: string,
  plan: NumberingPlan,
  onBatch: BatchHandler,
  options: CdrParserOptions & { chunkSize?: number } = {},
): Promise<ReadSummary> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  const gzip = await isGzip(path);
  let bytes = 0;
  // Until the header is found: the bytes read, and the lines before it.
  let head: Buffer | null = Buffer.alloc(0);
  let text: CdrTextParser | null = null;
  let decoder: StringDecoder | null = null;
  let parser: CdrByteParser | null = null;
  let carry: Buffer | null = null;
  const out: CdrBatch[] = [];

  /** Looks for the first non-empty line in `head`; decides who reads the file once found. */
  const findHeader = (final: boolean): void => {
    const b = head!;
    let lineStart = 0;
    let lines = 0;
    for (;;) {
      let newline = b.indexOf(NEWLINE, lineStart);
      if (newline < 0) {
        if (!final || lineStart >= b.length) return;
        newline = b.length;
      }
      lines++;
      let end = newline;
      if (end > lineStart && b[end - 1] === CR) end--;
      if (end > lineStart) {
        const positions = csvPositions(b.toString('utf8', lineStart, end));
        head = null;
        if (positions === null || options.recordIds) {
          text = new CdrTextParser(path, plan, options);
          decoder = new StringDecoder('utf8');
          out.push(...text.push(decoder.write(b)));
        } else {
          parser = new CdrByteParser(path, plan, positions, lines, options);
          if (newline < b.length) feed(b.subarray(newline + 1));
        }
        return;
      }
      lineStart = newline + 1;
    }
  };

  const feed = (chunk: Buffer): void => {
    const p = parser!;
    let from = 0;
    if (carry !== null) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline < 0) {
        carry = Buffer.concat([carry, chunk]);
        return;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, newline + 1)]);
      carry = null;
      p.scan(joined, 0, out);
      from = newline + 1;
    }
    const rest = p.scan(chunk, from, out);
    if (rest < chunk.length) carry = Buffer.from(chunk.subarray(rest));
  };

  const flush = async (): Promise<void> => {
    for (let k = 0; k < out.length; k++) await onBatch(out[k]);
    out.length = 0;
  };

  for await (const chunk of chunksOf(path, gzip, chunkSize)) {
    bytes += chunk.length;
    if (head !== null) {
      // A copy: the chunk's memory is read into again.
      head = Buffer.concat([head, chunk]);
      findHeader(false);
    } else if (parser !== null) feed(chunk);
    else out.push(...text!.push(decoder!.write(chunk)));
    await flush();
  }
  if (head !== null) findHeader(true);
  if (head !== null) {
    // Nothing but empty lines: the text parser says what it says of them.
    text = new CdrTextParser(path, plan, options);
    decoder = new StringDecoder('utf8');
    out.push(...text.push(decoder.write(head)));
  }
  if (parser !== null) {
    const p = parser as CdrByteParser;
    if (carry !== null) {
      const last = Buffer.concat([carry as Buffer, Buffer.of(NEWLINE)]);
      carry = null;
      p.scan(last, 0, out);
    }
    p.end(out);
    await flush();
    return { file: path, rows: p.rows, bad: p.bad, bytes };
  }
  const t = text as unknown as CdrTextParser;
  const tail = decoder!.end();
  if (tail) out.push(...t.push(tail));
  out.push(...t.end());
  await flush();
  return { file: path, rows: t.rows, bad: t.bad, bytes };
}
