import type { NumberingPlan } from '../numbering/plan.ts';
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
const MS_PER_DAY = 86_400_000;

/** Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm), no Date object. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

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

function digitValue(s: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Parses ISO 8601 with an offset into scratch.timeMs / localHour. The common
 * `YYYY-MM-DDTHH:MM:SS(.fff)?(Z|±HH:MM|±HHMM)` form is read digit by digit; anything else that
 * still carries an offset goes through Date.parse. Returns false when the value is not a time
 * with an offset (a time without one is ambiguous across the country's time zones).
 */
function parseTime(s: string, start: number, end: number, out: RowScratch): boolean {
  const length = end - start;
  if (length >= 20 && s.charCodeAt(start + 4) === 45 && s.charCodeAt(start + 7) === 45) {
    const sep = s.charCodeAt(start + 10);
    if ((sep === 84 || sep === 32) && s.charCodeAt(start + 13) === 58 && s.charCodeAt(start + 16) === 58 /* : */) {
      const year = digitValue(s, start, start + 4);
      const month = digitValue(s, start + 5, start + 7);
      const day = digitValue(s, start + 8, start + 10);
      const hour = digitValue(s, start + 11, start + 13);
      const minute = digitValue(s, start + 14, start + 16);
      const second = digitValue(s, start + 17, start + 19);
      if (
        year >= 0 &&
        month >= 1 &&
        month <= 12 &&
        day >= 1 &&
        day <= DAYS_IN_MONTH[month] &&
        (month !== 2 || day < 29 || isLeapYear(year)) &&
        hour >= 0 &&
        hour <= 23 &&
        minute >= 0 &&
        minute <= 59 &&
        second >= 0 &&
        second <= 60
      ) {
        let i = start + 19;
        let fraction = 0;
        if (s.charCodeAt(i) === 46 /* . */) {
          i++;
          let scale = 100;
          const fractionStart = i;
          while (i < end) {
            const d = s.charCodeAt(i) - 48;
            if (d < 0 || d > 9) break;
            fraction += d * scale;
            scale /= 10;
            i++;
          }
          if (i === fractionStart) return false;
        }
        let offsetMinutes = 0;
        const sign = s.charCodeAt(i);
        if (sign === 90 /* Z */ && i + 1 === end) {
          offsetMinutes = 0;
        } else if (sign === 43 || sign === 45) {
          const rest = end - i - 1;
          let offsetHours = -1;
          let offsetMins = -1;
          if (rest === 5 && s.charCodeAt(i + 3) === 58) {
            offsetHours = digitValue(s, i + 1, i + 3);
            offsetMins = digitValue(s, i + 4, i + 6);
          } else if (rest === 4) {
            offsetHours = digitValue(s, i + 1, i + 3);
            offsetMins = digitValue(s, i + 3, i + 5);
          } else if (rest === 2) {
            offsetHours = digitValue(s, i + 1, i + 3);
            offsetMins = 0;
          }
          if (offsetHours < 0 || offsetHours > 18 || offsetMins < 0 || offsetMins > 59) return false;
          offsetMinutes = (sign === 45 ? -1 : 1) * (offsetHours * 60 + offsetMins);
        } else {
          return false;
        }
        const days = daysFromCivil(year, month, day);
        out.timeMs =
          days * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + Math.round(fraction);
        out.localHour = hour;
        return true;
      }
      // The common shape with an impossible date or time (2025-02-30): Date.parse would roll it over.
      return false;
    }
  }
  return parseTimeSlow(s.slice(start, end), out);
}

const OFFSET_AT_END = /(?:Z|([+-])(\d\d):?(\d\d))$/;

function parseTimeSlow(value: string, out: RowScratch): boolean {
  const offset = OFFSET_AT_END.exec(value);
  if (!offset || !/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value)) return false;
  const ms = Date.parse(value.replace(' ', 'T'));
  if (!Number.isFinite(ms)) return false;
  const offsetMinutes = offset[1] ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  out.timeMs = ms;
  out.localHour = new Date(ms + offsetMinutes * 60_000).getUTCHours();
  return true;
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
    if (starts[C_STARTED] < 0 || !parseTime(s, starts[C_STARTED], ends[C_STARTED], scratch))
      return 'started_at is not ISO 8601 with an offset';
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
    if (this.lastOperatorBatch === batch && equalsAt(s, operatorStart, operatorEnd, this.lastOperatorText)) {
      batch.operator[i] = this.lastOperatorIndex;
    } else {
      const text = s.slice(operatorStart, operatorEnd);
      this.lastOperatorText = text;
      this.lastOperatorBatch = batch;
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
