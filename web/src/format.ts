/**
 * Numbers, shares, durations, sizes and dates in a console language's conventions: one set of
 * `Intl` formatters per language, built once and shared by every page (through i18n.tsx), so that
 * Russian and Kazakh show "86,7" and "69,5 %" and English "86.7" and "69.5%" everywhere.
 */

import { TRAIT_IDS } from '../../src/detection/traits.ts';
import type { Language } from './messages.ts';

export const locales: Record<Language, string> = { ru: 'ru-RU', kk: 'kk-KZ', en: 'en-GB' };

/**
 * The locale a language's figures and dates are written in. Debian's Chromium carries no Kazakh
 * formats: kk-KZ falls back to ICU's root (0.96, 1,034, 2026-12-06, "5 sec"). Kazakh writes numbers
 * and dates as Russian does (0,96, 1 034, 06.12.2026), so ru-KZ stands in where kk-KZ is missing.
 */
function formatLocale(language: Language): string {
  const locale = locales[language];
  if (language === 'kk' && new Intl.NumberFormat(locale).format(1.5) !== '1,5') return 'ru-KZ';
  return locale;
}

/**
 * The platform's time zone (data/calendar/kz.json). The server cuts the days of `/v1/stats` at
 * Almaty midnight, so the console counts "today" and "this year" and names days on that clock too:
 * an analyst whose browser is set to another zone still sees the day the figures belong to.
 */
export const platformTimeZone = 'Asia/Almaty';

const DAY_MS = 86_400_000;
const platformClock = new Intl.DateTimeFormat('en-GB', {
  timeZone: platformTimeZone,
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hourCycle: 'h23',
});

/** What the platform's clock reads at an instant, written as if that reading were UTC (whole seconds). */
function platformWallClock(ms: number): number {
  const parts: Record<string, number> = {};
  for (const part of platformClock.formatToParts(ms)) parts[part.type] = Number(part.value);
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** How far the platform's clock is ahead of UTC at an instant. */
const platformOffsetAt = (ms: number) => platformWallClock(ms) - Math.floor(ms / 1000) * 1000;

/** The instant at which the platform's clock reads `wall` (a reading written as if it were UTC). */
function fromPlatformWallClock(wall: number): number {
  // The offset is the one in force at the instant found, not at `wall` read as UTC.
  return wall - platformOffsetAt(wall - platformOffsetAt(wall));
}

/** The platform's date of an instant, "2026-03-10". */
export function platformDate(ms: number): string {
  return new Date(platformWallClock(ms)).toISOString().slice(0, 10);
}

/** The instant the platform's day holding `ms` begins: Almaty midnight, as the server's day buckets. */
export function startOfPlatformDay(ms: number): Date {
  return new Date(fromPlatformWallClock(Math.floor(platformWallClock(ms) / DAY_MS) * DAY_MS));
}

/** The instant the platform's year holding `ms` begins: 1 January, 00:00 in Almaty. */
export function startOfPlatformYear(ms: number): Date {
  return new Date(fromPlatformWallClock(Date.UTC(new Date(platformWallClock(ms)).getUTCFullYear(), 0, 1)));
}

export interface Formatters {
  locale: string;
  /** A count or measure; fractions keep at most `digits` places (2 unless told). */
  number(n: number, digits?: number): string;
  /** A detection score (0 to 1) with two decimals: "0,90". */
  score(n: number): string;
  /** A share (0.695) as a percentage: "69,5 %". */
  percent(share: number): string;
  /** Seconds with their units: "45 с", "3 мин 20 с", "2 ч 5 мин". */
  duration(seconds: number): string;
  /** Milliseconds with their unit: "1,25 мс". */
  milliseconds(ms: number): string;
  /** A number of bytes in the largest unit that keeps it above 1: "3,2 МБ". */
  bytes(n: number): string;
  /** Date and time, to the second: "04.12.2026, 14:51:03". */
  dateTime(iso: string): string;
  /** A date alone: "04.12.2026". */
  date(iso: string): string;
  /**
   * A calendar day the server names as "2026-12-04" (a day of the platform's calendar, not an
   * instant): "04.12.2026", the same day in every browser's time zone.
   */
  calendarDay(ymd: string): string;
  /** A time of day: "14:51:03". */
  time(iso: string): string;
  /** A time of day to the minute: "14:51". */
  hourMinute(iso: string): string;
  /** A time of day to the minute on the platform's clock (Almaty), whatever the browser's zone: "14:51". */
  platformHourMinute(iso: string): string;
  /** The platform's (Almaty) day and month of an instant, as a chart names a day: "10.03". */
  platformDayMonth(iso: string): string;
}

type DurationFormatConstructor = new (
  locale: string,
  options: { style: 'short' },
) => { format(duration: { hours: number; minutes: number; seconds: number }): string };

const cache = new Map<Language, Formatters>();

/** The formatters of a language (built on first use, then reused). */
export function formatters(language: Language): Formatters {
  const known = cache.get(language);
  if (known) return known;
  const locale = formatLocale(language);
  const numbers = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number) => {
    let format = numbers.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(locale, { maximumFractionDigits: digits });
      numbers.set(digits, format);
    }
    return format;
  };
  const scoreFormat = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const percentFormat = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
  const unit = (name: string, digits = 1) =>
    new Intl.NumberFormat(locale, { style: 'unit', unit: name, unitDisplay: 'short', maximumFractionDigits: digits });
  const seconds = unit('second');
  const ms = unit('millisecond', 2);
  const byteUnits = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'].map((name) => unit(name));
  // Intl.DurationFormat is in Chromium and Node 24 but not yet in TypeScript's DOM types.
  const DurationFormat = (Intl as unknown as { DurationFormat?: DurationFormatConstructor }).DurationFormat;
  const durationFormat = DurationFormat ? new DurationFormat(locale, { style: 'short' }) : undefined;
  const hourMinuteUnits = { hour: unit('hour', 0), minute: unit('minute', 0), second: unit('second', 0) };
  // Day first in every language (04.12.2026, 04/12/2026), never the US month first.
  const dateTimeFormat = new Intl.DateTimeFormat(locale, {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const dateFormat = new Intl.DateTimeFormat(locale, { day: '2-digit', month: '2-digit', year: 'numeric' });
  const dayFormat = new Intl.DateTimeFormat(locale, {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: 'UTC',
  });
  const timeFormat = new Intl.DateTimeFormat(locale, { timeStyle: 'medium' });
  const hourMinuteFormat = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' });
  const platformHourMinuteFormat = new Intl.DateTimeFormat(locale, {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: platformTimeZone,
  });
  const platformDayMonthFormat = new Intl.DateTimeFormat(locale, {
    day: '2-digit',
    month: '2-digit',
    timeZone: platformTimeZone,
  });
  const valid = (iso: string, format: (d: Date) => string) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : format(d);
  };

  const value: Formatters = {
    locale,
    number: (n, digits = 2) => numberFormat(digits).format(n),
    score: (n) => scoreFormat.format(n),
    percent: (share) => percentFormat.format(share),
    duration(total) {
      if (!Number.isFinite(total)) return String(total);
      if (Math.abs(total) < 60) return seconds.format(total);
      const rounded = Math.round(total);
      const parts = {
        hours: Math.floor(rounded / 3600),
        minutes: Math.floor((rounded % 3600) / 60),
        seconds: rounded % 60,
      };
      if (parts.hours >= 1) parts.seconds = 0;
      if (durationFormat) return durationFormat.format(parts);
      return [
        parts.hours ? hourMinuteUnits.hour.format(parts.hours) : '',
        parts.minutes ? hourMinuteUnits.minute.format(parts.minutes) : '',
        parts.seconds ? hourMinuteUnits.second.format(parts.seconds) : '',
      ]
        .filter(Boolean)
        .join(' ');
    },
    milliseconds: (n) => ms.format(n),
    bytes(n) {
      let size = n;
      let i = 0;
      while (Math.abs(size) >= 1000 && i < byteUnits.length - 1) {
        size /= 1000;
        i++;
      }
      return byteUnits[i].format(size);
    },
    dateTime: (iso) => valid(iso, (d) => dateTimeFormat.format(d)),
    date: (iso) => valid(iso, (d) => dateFormat.format(d)),
    calendarDay: (ymd) =>
      /^\d{4}-\d{2}-\d{2}$/.test(ymd) ? valid(`${ymd}T00:00:00Z`, (d) => dayFormat.format(d)) : ymd,
    time: (iso) => valid(iso, (d) => timeFormat.format(d)),
    hourMinute: (iso) => valid(iso, (d) => hourMinuteFormat.format(d)),
    platformHourMinute: (iso) => valid(iso, (d) => platformHourMinuteFormat.format(d)),
    platformDayMonth: (iso) => valid(iso, (d) => platformDayMonthFormat.format(d)),
  };
  cache.set(language, value);
  return value;
}

/** The detectors' defining traits, whose strengths run from 0 to 1. */
export const traitIds: ReadonlySet<string> = new Set(TRAIT_IDS);

/**
 * How a model feature's value reads: shares and trait strengths as percentages, durations and gaps
 * with their units, data volumes in bytes, anything else as a number. Names follow the detectors'
 * features.
 */
export function featureValue(f: Formatters, name: string, value: number): string {
  if (/Share$|^reciprocity$/.test(name) || traitIds.has(name)) return f.percent(value);
  if (/^duration|DurationS$|^gapMedianS$/.test(name)) return f.duration(value);
  if (name === 'dataBytes') return f.bytes(value);
  return f.number(value, 1);
}

/** `yyyy-mm-dd` or `yyyy-mm-ddThh:mm`, the form the native date inputs use. */
const isoForm = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2}))?$/;
/** Day first, as every console language writes dates: 04.12.2026, 04/12/2026 14:30. */
const dayFirst = /^(\d{1,2})[./-](\d{1,2})[./-](\d{4})(?:[\s,T]+(\d{1,2})[:.](\d{2}))?$/;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Reads a typed date (day first, or ISO) into the native inputs' form, or null when it is not a
 * date. Without `withTime` a time is refused; with it, a date alone means midnight.
 */
export function parseDateInput(text: string, withTime: boolean): string | null {
  const trimmed = text.trim();
  let parts: string[] | undefined;
  const iso = isoForm.exec(trimmed);
  if (iso) parts = [iso[1], iso[2], iso[3], iso[4], iso[5]];
  const local = dayFirst.exec(trimmed);
  if (local) parts = [local[3], local[2], local[1], local[4], local[5]];
  if (!parts) return null;
  const [year, month, day] = parts.slice(0, 3).map(Number);
  const hour = parts[3] === undefined ? 0 : Number(parts[3]);
  const minute = parts[4] === undefined ? 0 : Number(parts[4]);
  if (!withTime && parts[3] !== undefined) return null;
  const date = new Date(year, month - 1, day, hour, minute);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  if (hour > 23 || minute > 59) return null;
  const ymd = `${year}-${pad(month)}-${pad(day)}`;
  return withTime ? `${ymd}T${pad(hour)}:${pad(minute)}` : ymd;
}
