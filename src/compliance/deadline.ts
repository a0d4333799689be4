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
