/**
 * `CALLSHIELD_SUSPENSION_DEADLINE`: how long an operator has to act on a SIM suspension request.
 * An ISO 8601 duration of fixed length (`PT48H`, `P2D`, `PT30M`), or `NWD`: N working days by the
 * country's calendar, ending at 18:00 local time of the last one (`2WD`, the Kazakh rule).
 */
import type { WorkCalendar } from './calendar.ts';

export type DeadlineSetting =
  | { kind: 'duration'; ms: number; text: string }
  | { kind: 'workingDays'; days: number; text: string };

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

/** Parses the setting; a string saying what is wrong when it does not parse. */
export function parseDeadline(input: string): DeadlineSetting | string {
  const text = input.trim().toUpperCase();
  const wd = /^(\d{1,3})WD$/.exec(text);
  if (wd) {
    const days = Number(wd[1]);
    if (days < 1) return 'a working-day deadline needs at least 1 working day';
    return { kind: 'workingDays', days, text };
  }
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    if (/^P.*\d+[YM].*$/.test(text) && !text.includes('T'))
      return `"${input}": years and months have no fixed length; use days, hours or working days (e.g. P30D, 2WD)`;
    return `"${input}" is neither an ISO 8601 duration (e.g. PT48H, P2D) nor working days (e.g. 2WD)`;
  }
  const [weeks, days, hours, minutes, seconds] = m.slice(1).map((v) => (v ? Number(v.replace(',', '.')) : 0));
  const ms = Math.round(((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000);
  if (ms <= 0) return `"${input}": the deadline must be longer than zero`;
  return { kind: 'duration', ms, text };
}

/** The deadline of a request made at `requestedAt` (ms), by the setting and the calendar. */
export function deadlineOf(setting: DeadlineSetting, calendar: WorkCalendar, requestedAt: number): number {
  return setting.kind === 'duration' ? requestedAt + setting.ms : calendar.addWorkingDays(requestedAt, setting.days);
}

type Unit = 'workingDays' | 'days' | 'hours' | 'minutes';
type Forms = Record<Unit, Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }>;

/** A deadline's units by plural category ({n} is the count), in the console's and the report's languages. */
const DEADLINE_FORMS: Record<'ru' | 'kk' | 'en', Forms> = {
  ru: {
    workingDays: {
      one: '{n} рабочий день',
      few: '{n} рабочих дня',
      many: '{n} рабочих дней',
      other: '{n} рабочего дня',
    },
    days: { one: '{n} день', few: '{n} дня', many: '{n} дней', other: '{n} дня' },
    hours: { one: '{n} час', few: '{n} часа', many: '{n} часов', other: '{n} часа' },
    minutes: { one: '{n} минута', few: '{n} минуты', many: '{n} минут', other: '{n} минуты' },
  },
  kk: {
    workingDays: { other: '{n} жұмыс күні' },
    days: { other: '{n} күн' },
    hours: { other: '{n} сағат' },
    minutes: { other: '{n} минут' },
  },
  en: {
    workingDays: { one: '{n} working day', other: '{n} working days' },
    days: { one: '{n} day', other: '{n} days' },
    hours: { one: '{n} hour', other: '{n} hours' },
    minutes: { one: '{n} minute', other: '{n} minutes' },
  },
};

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/**
 * The setting in words (`2WD` → "2 рабочих дня", `PT90M` → "1 час 30 минут"), for the console and
 * the monthly report; a setting that does not parse stays as written.
 */
export function deadlineInWords(setting: string, language: 'ru' | 'kk' | 'en'): string {
  const parsed = parseDeadline(setting);
  if (typeof parsed === 'string') return setting;
  const forms = DEADLINE_FORMS[language];
  const plural = new Intl.PluralRules(language);
  const count = (unit: Unit, n: number) =>
    (forms[unit][plural.select(n)] ?? forms[unit].other).replace('{n}', String(n));
  if (parsed.kind === 'workingDays') return count('workingDays', parsed.days);
  const parts: string[] = [];
  const days = Math.floor(parsed.ms / DAY_MS);
  const hours = Math.floor((parsed.ms % DAY_MS) / HOUR_MS);
  // Seconds round to the minute; a deadline under a minute still reads as one.
  const minutes = Math.max(Math.round((parsed.ms % HOUR_MS) / MINUTE_MS), parsed.ms < MINUTE_MS ? 1 : 0);
  if (days) parts.push(count('days', days));
  if (hours) parts.push(count('hours', hours));
  if (minutes) parts.push(count('minutes', minutes));
  return parts.join(' ');
}
