/**
 * ISO 8601 times read digit by digit: the common `YYYY-MM-DDTHH:MM:SS(.fff)?(Z|±HH:MM|±HHMM)` form
 * costs a few dozen nanoseconds, against several hundred for Date.parse. Used by the CDR parser
 * (millions of rows) and by screening (every call's `at`).
 */

/** Where a parsed time lands: epoch milliseconds, and the hour of day as written (local time). */
export interface ParsedTime {
  timeMs: number;
  localHour: number;
}

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

/** The value of the decimal digits s[start, end), or -1 when one is not a digit. */
export function digitValue(s: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Parses ISO 8601 with an offset into out.timeMs / out.localHour. The common
 * `YYYY-MM-DDTHH:MM:SS(.fff)?(Z|±HH:MM|±HHMM)` form is read digit by digit; anything else that
 * still carries an offset goes through Date.parse. Returns false when the value is not a time
 * with an offset (a time without one is ambiguous across the country's time zones).
 */
export function parseOffsetTime(s: string, start: number, end: number, out: ParsedTime): boolean {
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

function parseTimeSlow(value: string, out: ParsedTime): boolean {
  const offset = OFFSET_AT_END.exec(value);
  if (!offset || !/^\d{4}-\d\d-\d\d[T ]\d\d:\d\d/.test(value)) return false;
  const ms = Date.parse(value.replace(' ', 'T'));
  if (!Number.isFinite(ms)) return false;
  const offsetMinutes = offset[1] ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
  out.timeMs = ms;
  out.localHour = new Date(ms + offsetMinutes * 60_000).getUTCHours();
  return true;
}

/**
 * parseOffsetTime with a memory of the last text: the decisions of one millisecond share their
 * `decidedAt` string, and calls of one second (a batch, a busy switch) their `at`, so a fold over
 * the decisions stream reads each text once. `read` returns false as parseOffsetTime does.
 */
export class OffsetTimeReader {
  readonly parsed: ParsedTime = { timeMs: 0, localHour: 0 };
  private text = '';
  private ok = false;

  read(s: string): boolean {
    if (s !== this.text) {
      this.text = s;
      this.ok = parseOffsetTime(s, 0, s.length, this.parsed);
    }
    return this.ok;
  }
}
