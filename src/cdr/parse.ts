import type { NumberingPlan } from '../numbering/plan.ts';
import { parseOffsetTime } from '../platform/iso-time.ts';
import { CdrBatch } from './batch.ts';
import {
  ANSWERED_NO,
  ANSWERED_UNKNOWN,
  ANSWERED_YES,
  type Cdr,
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
} from './types.ts';

/** The canonical columns, in the order used for column indexes below. */
export const CDR_COLUMNS = [
  'record_id',
  'operator',
  'event',
  'direction',
  'msisdn',
  'other_party',
  'imsi',
  'imei',
  'cell_id',
  'started_at',
  'duration_s',
  'answered',
  'bytes',
  'route',
] as const;
export type CdrColumn = (typeof CDR_COLUMNS)[number];
export const COLUMN_COUNT = CDR_COLUMNS.length;

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

/** Columns a row cannot do without; the others may be absent from a file and empty in a row. */
export const REQUIRED_COLUMNS: readonly CdrColumn[] = [
  'record_id',
  'operator',
  'event',
  'direction',
  'msisdn',
  'started_at',
];

const MAX_SAFE_DIGITS = 15;

/**
 * The earliest `started_at` a CDR may carry, 2000-01-01T00:00:00Z: older is a wrong clock or a
 * placeholder (`0001-01-01`), not a call, and the records store cannot even fold such a date. The
 * latest is relative to the clock: FUTURE_TOLERANCE_MS in src/ingest/service.ts.
 */
export const EARLIEST_STARTED_AT_MS = Date.UTC(2000, 0, 1);

/**
 * The parser's scratch state for one row: its outputs land here and are copied into the batch
 * only when the whole row is valid, so a bad row leaves no trace in the batch.
 */
class RowScratch {
  timeMs = 0;
  localHour = 0;
  number = 0;
  digits = 0;
}

/** A non-negative decimal number ("12", "12.5"); NaN when the text is not one. */
function parseAmount(s: string, start: number, end: number): number {
  if (start === end) return Number.NaN;
  let value = 0;
  let i = start;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
  }
  if (i === end) return value;
  if (s.charCodeAt(i) === 46 && i > start) {
    let scale = 0.1;
    i++;
    if (i === end) return Number.NaN;
    for (; i < end; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return Number.NaN;
      value += d * scale;
      scale /= 10;
    }
    return value;
  }
  return Number.NaN;
}

/** Digits-only identifier (IMSI, IMEI) into scratch.number / digits; false when not digits. */
function parseIdentifier(s: string, start: number, end: number, out: RowScratch, keepDigits: number): boolean {
  const length = end - start;
  if (length === 0 || length > 16) return false;
  const used = length > MAX_SAFE_DIGITS ? keepDigits : length;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (i - start < used) value = value * 10 + d;
  }
  out.number = value;
  out.digits = used;
  return true;
}

/**
 * Phone number into scratch.number: "+digits" is read directly; any other spelling (national
 * format, separators) goes through the numbering plan's parser. Sets digits to the digit count
 * so a caller can accept short codes.
 */
function parsePhone(s: string, start: number, end: number, plan: NumberingPlan, out: RowScratch): boolean {
  if (start === end) return false;
  let i = start;
  const plus = s.charCodeAt(i) === 43;
  if (plus) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    digits++;
  }
  if (i === end && digits > 0 && digits <= MAX_SAFE_DIGITS) {
    // Plain digits that could be the national format (8 7xx…) need the plan's rules.
    const nationalCandidate =
      !plus &&
      digits === plan.nationalPrefix.length + plan.nationalNumberLength &&
      s.charCodeAt(start) === plan.nationalPrefix.charCodeAt(0);
    if (!nationalCandidate) {
      out.number = value;
      out.digits = digits;
      return digits >= 7 || !plus;
    }
  }
  const parsed = plan.parse(s.slice(start, end));
  if (parsed < 0) return false;
  out.number = parsed;
  out.digits = String(parsed).length;
  return true;
}

/** Whether s[start, end) holds U+0000, which PostgreSQL text cannot keep (the row is quarantined). */
function holdsNul(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (s.charCodeAt(i) === 0) return true;
  return false;
}

function equalsAt(s: string, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (s.charCodeAt(start + i) !== word.charCodeAt(i)) return false;
  return true;
}

/** Lower-cases nothing and trims nothing: the canonical format's enums are exact lowercase words. */
function parseEvent(s: string, start: number, end: number): number {
  if (equalsAt(s, start, end, 'voice')) return EVENT_VOICE;
  if (equalsAt(s, start, end, 'sms')) return EVENT_SMS;
  if (equalsAt(s, start, end, 'data')) return EVENT_DATA;
  return -1;
}

function parseRoute(s: string, start: number, end: number): number {
  if (start === end) return ROUTE_NONE;
  if (equalsAt(s, start, end, 'international')) return ROUTE_INTERNATIONAL;
  if (equalsAt(s, start, end, 'domestic')) return ROUTE_DOMESTIC;
  if (equalsAt(s, start, end, 'on-net')) return ROUTE_ON_NET;
  return -1;
}

/** Short codes (service numbers like 102, 1414) allowed as other_party. */
const SHORT_CODE_MAX_DIGITS = 6;
const SHORT_CODE_MIN_DIGITS = 2;

/**
 * Validates one row given as field positions in a string and appends it to the batch.
 * `starts[c]`/`ends[c]` bound column c's text in `s` (start = -1: column absent).
 * Returns null when the row was added, else the reason it was refused.
 */
export class RowParser {
  private readonly scratch = new RowScratch();
  private lastOperatorText = '';
  private lastOperatorBatch: CdrBatch | null = null;
  private lastOperatorFill = 0;
  private lastOperatorIndex = -1;

  private readonly plan: NumberingPlan;

  constructor(plan: NumberingPlan) {
    this.plan = plan;
  }

  append(batch: CdrBatch, s: string, starts: Int32Array, ends: Int32Array, line: number): string | null {
    const scratch = this.scratch;
    const plan = this.plan;
    // record_id and operator
    const recordStart = starts[C_RECORD_ID];
    if (recordStart < 0 || recordStart === ends[C_RECORD_ID]) return 'record_id is empty';
    const operatorStart = starts[C_OPERATOR];
    const operatorEnd = ends[C_OPERATOR];
    if (operatorStart < 0 || operatorStart === operatorEnd) return 'operator is empty';
    if (holdsNul(s, recordStart, ends[C_RECORD_ID])) return 'record_id holds a NUL character';
    if (holdsNul(s, operatorStart, operatorEnd)) return 'operator holds a NUL character';
    const event = starts[C_EVENT] < 0 ? -1 : parseEvent(s, starts[C_EVENT], ends[C_EVENT]);
    if (event < 0) return 'event is not voice, sms or data';
    let direction = -1;
    const dStart = starts[C_DIRECTION];
    if (dStart >= 0) {
      if (equalsAt(s, dStart, ends[C_DIRECTION], 'out')) direction = DIRECTION_OUT;
      else if (equalsAt(s, dStart, ends[C_DIRECTION], 'in')) direction = DIRECTION_IN;
      else if (dStart === ends[C_DIRECTION] && event === EVENT_DATA) direction = DIRECTION_OUT;
    }
    if (direction < 0) return 'direction is not out or in';
    if (starts[C_MSISDN] < 0 || !parsePhone(s, starts[C_MSISDN], ends[C_MSISDN], plan, scratch) || scratch.digits < 7)
      return 'msisdn is not an E.164 number';
    const msisdn = scratch.number;
    let otherKind = OTHER_NONE;
    let otherParty = -1;
    const oStart = starts[C_OTHER];
    if (oStart >= 0 && oStart !== ends[C_OTHER]) {
      if (!parsePhone(s, oStart, ends[C_OTHER], plan, scratch)) return 'other_party is not a number or short code';
      if (scratch.digits >= 7) otherKind = OTHER_E164;
      else if (scratch.digits >= SHORT_CODE_MIN_DIGITS && scratch.digits <= SHORT_CODE_MAX_DIGITS)
        otherKind = OTHER_SHORT_CODE;
      else return 'other_party is not a number or short code';
      otherParty = scratch.number;
    } else if (event !== EVENT_DATA) {
      return 'other_party is empty';
    }
    let imsi = -1;
    let imsiDigits = 0;
    const iStart = starts[C_IMSI];
    if (iStart >= 0 && iStart !== ends[C_IMSI]) {
      if (
        ends[C_IMSI] - iStart < 5 ||
        ends[C_IMSI] - iStart > 15 ||
        !parseIdentifier(s, iStart, ends[C_IMSI], scratch, 15)
      )
        return 'imsi is not 5 to 15 digits';
      imsi = scratch.number;
      imsiDigits = scratch.digits;
    }
    let imei = -1;
    let imeiDigits = 0;
    const eStart = starts[C_IMEI];
    if (eStart >= 0 && eStart !== ends[C_IMEI]) {
      if (ends[C_IMEI] - eStart < 14 || !parseIdentifier(s, eStart, ends[C_IMEI], scratch, 14))
        return 'imei is not 14 to 16 digits';
      imei = scratch.number;
      imeiDigits = scratch.digits;
    }
    if (starts[C_STARTED] < 0 || !parseOffsetTime(s, starts[C_STARTED], ends[C_STARTED], scratch))
      return 'started_at is not ISO 8601 with an offset';
    if (scratch.timeMs < EARLIEST_STARTED_AT_MS) return 'started_at is before the year 2000';
    let duration = 0;
    const durStart = starts[C_DURATION];
    if (durStart >= 0 && durStart !== ends[C_DURATION]) {
      duration = parseAmount(s, durStart, ends[C_DURATION]);
      if (Number.isNaN(duration)) return 'duration_s is not a non-negative number';
    } else if (event === EVENT_VOICE) {
      return 'duration_s is empty for a voice record';
    }
    let answered = ANSWERED_UNKNOWN;
    const aStart = starts[C_ANSWERED];
    if (aStart >= 0 && aStart !== ends[C_ANSWERED]) {
      if (equalsAt(s, aStart, ends[C_ANSWERED], '1') || equalsAt(s, aStart, ends[C_ANSWERED], 'true'))
        answered = ANSWERED_YES;
      else if (equalsAt(s, aStart, ends[C_ANSWERED], '0') || equalsAt(s, aStart, ends[C_ANSWERED], 'false'))
        answered = ANSWERED_NO;
      else return 'answered is not 1 or 0';
    } else if (event === EVENT_VOICE) {
      answered = duration > 0 ? ANSWERED_YES : ANSWERED_NO;
    }
    let bytes = 0;
    const bStart = starts[C_BYTES];
    if (bStart >= 0 && bStart !== ends[C_BYTES]) {
      bytes = parseAmount(s, bStart, ends[C_BYTES]);
      if (Number.isNaN(bytes)) return 'bytes is not a non-negative number';
    }
    const route = starts[C_ROUTE] < 0 ? ROUTE_NONE : parseRoute(s, starts[C_ROUTE], ends[C_ROUTE]);
    if (route < 0) return 'route is not international, domestic or on-net';
    if (starts[C_CELL] >= 0 && holdsNul(s, starts[C_CELL], ends[C_CELL])) return 'cell_id holds a NUL character';

    // The row is valid: copy it in.
    const i = batch.size++;
    batch.line[i] = line;
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
    // Operator: nearly always the same as the previous row, so compare before slicing.
    if (
      this.lastOperatorBatch === batch &&
      this.lastOperatorFill === batch.fill &&
      equalsAt(s, operatorStart, operatorEnd, this.lastOperatorText)
    ) {
      batch.operator[i] = this.lastOperatorIndex;
    } else {
      const text = s.slice(operatorStart, operatorEnd);
      this.lastOperatorText = text;
      this.lastOperatorBatch = batch;
      this.lastOperatorFill = batch.fill;
      this.lastOperatorIndex = batch.intern(text);
      batch.operator[i] = this.lastOperatorIndex;
    }
    const cStart = starts[C_CELL];
    batch.cell[i] = cStart >= 0 && cStart !== ends[C_CELL] ? batch.intern(s.slice(cStart, ends[C_CELL])) : -1;
    if (batch.recordIds) batch.recordIds.push(s.slice(recordStart, ends[C_RECORD_ID]));
    return null;
  }
}

/**
 * Maps a header line's column names to canonical column indexes: `positions[k]` is the
 * canonical column of the k-th field, or -1 for a column callshield does not use.
 * Returns a reason instead when a required column is missing or named twice.
 */
export function mapHeader(names: string[]): number[] | string {
  const positions: number[] = [];
  const seen = new Set<number>();
  for (const raw of names) {
    const name = raw
      .trim()
      .replace(/^\uFEFF/, '')
      .toLowerCase();
    const column = (CDR_COLUMNS as readonly string[]).indexOf(name);
    if (column >= 0 && seen.has(column)) return `column ${name} appears twice`;
    if (column >= 0) seen.add(column);
    positions.push(column);
  }
  const missing = REQUIRED_COLUMNS.filter((c) => !seen.has(CDR_COLUMNS.indexOf(c)));
  if (missing.length > 0) return `missing columns: ${missing.join(', ')}`;
  return positions;
}

/**
 * Splits one CSV line with quotes (RFC 4180) into its fields; the fast path in the reader handles
 * lines without quotes. Returns null when a quote is left open.
 */
export function splitQuotedCsv(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line.charCodeAt(i) === 34) {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 34) {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
      if (i < line.length && line.charCodeAt(i) !== 44) return null;
      i++;
    } else {
      let comma = line.indexOf(',', i);
      if (comma < 0) comma = line.length;
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
  return fields;
}

/**
 * Appends one CSV row of s[start, end) to the batch; a reason when it is not a row of the header.
 * Fields are found by searching for commas (a native scan) rather than reading each character; a
 * field starting with a quote sends the row to the quote-aware split (a quote elsewhere in a field
 * is an ordinary character). `positions[k]` is the column of the k-th field (-1: ignored);
 * `starts` and `ends` are scratch space of COLUMN_COUNT. The upload parser and analyze's byte
 * reader (for the rows it leaves to text) both read CSV rows here.
 */
export function appendCsvRow(
  parser: RowParser,
  batch: CdrBatch,
  s: string,
  start: number,
  end: number,
  positions: Int32Array,
  lineNumber: number,
  starts: Int32Array,
  ends: Int32Array,
): string | null {
  starts.fill(-1);
  ends.fill(-1);
  const fieldCount = positions.length;
  let field = 0;
  let fieldStart = start;
  for (;;) {
    if (s.charCodeAt(fieldStart) === 34 /* " */ && fieldStart < end) {
      const fields = splitQuotedCsv(s.slice(start, end));
      if (fields === null) return 'unbalanced quotes';
      if (fields.length !== fieldCount) return `expected ${fieldCount} fields, found ${fields.length}`;
      const values: (string | undefined)[] = new Array(COLUMN_COUNT).fill(undefined);
      for (let k = 0; k < fields.length; k++) if (positions[k] >= 0) values[positions[k]] = fields[k];
      return appendValues(parser, batch, values, lineNumber, starts, ends);
    }
    let comma = s.indexOf(',', fieldStart);
    if (comma < 0 || comma > end) comma = end;
    if (field < fieldCount) {
      const column = positions[field];
      if (column >= 0) {
        starts[column] = fieldStart;
        ends[column] = comma;
      }
    }
    field++;
    if (comma === end) break;
    fieldStart = comma + 1;
  }
  if (field !== fieldCount) return `expected ${fieldCount} fields, found ${field}`;
  return parser.append(batch, s, starts, ends, lineNumber);
}

/**
 * Parses values already split out (a JSON Lines object, a quoted CSV line, an HTTP body item)
 * by joining them into one string with separators and running the same validator as the fast
 * path, so both paths accept and refuse exactly the same rows.
 */
export function appendValues(
  parser: RowParser,
  batch: CdrBatch,
  values: (string | undefined)[],
  line: number,
  starts: Int32Array,
  ends: Int32Array,
): string | null {
  let text = '';
  for (let c = 0; c < COLUMN_COUNT; c++) {
    const value = values[c];
    if (value === undefined) {
      starts[c] = -1;
      ends[c] = -1;
    } else {
      starts[c] = text.length;
      text += value;
      ends[c] = text.length;
      text += '\u0000';
    }
  }
  return parser.append(batch, text, starts, ends, line);
}

/** Turns a JSON value of a CDR object into the text the validator reads (numbers as digits). */
export function jsonFieldText(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  return null;
}

/** Extracts the canonical columns from a parsed JSON object; a reason string when a value has the wrong type. */
export function valuesFromObject(object: unknown): (string | undefined)[] | string {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return 'not a JSON object';
  const record = object as Record<string, unknown>;
  const values: (string | undefined)[] = [];
  for (const column of CDR_COLUMNS) {
    const text = jsonFieldText(record[column]);
    if (text === null) return `${column} has the wrong type`;
    values.push(text);
  }
  return values;
}

/** Result of parsing a single row: the CDR, or the reason it is refused. */
export type ParsedRow = { ok: true; cdr: Cdr } | { ok: false; reason: string };

/**
 * Validates one CDR given as an object with the canonical keys (a JSON Lines row, a CSV row
 * turned into an object, an item of `POST /v1/cdr`). For many rows prefer the batch reader.
 */
export function parseCdrRow(row: Record<string, unknown>, plan: NumberingPlan): ParsedRow {
  const values = valuesFromObject(row);
  if (typeof values === 'string') return { ok: false, reason: values };
  const batch = new CdrBatch(1, true);
  const reason = appendValues(
    new RowParser(plan),
    batch,
    values,
    0,
    new Int32Array(COLUMN_COUNT),
    new Int32Array(COLUMN_COUNT),
  );
  if (reason !== null) return { ok: false, reason };
  return { ok: true, cdr: batch.row(0) };
}
