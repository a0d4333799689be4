/**
 * Working days by a country's calendar of weekends, public holidays, carried-over days off and
 * transferred working days, kept as data (data/calendar/kz.json), and the deadlines counted on it.
 * Days are counted in the calendar's own time (Almaty, UTC+5, for Kazakhstan), as day numbers:
 * whole days since 1970-01-01 in that time.
 */
import { readFileSync } from 'node:fs';

export const DAY_MS = 86_400_000;

interface CalendarFile {
  country: string;
  utcOffsetMinutes: number;
  /** Weekdays off, 0 = Sunday … 6 = Saturday. */
  weekend: number[];
  /** Local time a working-day deadline ends at, "HH:MM". */
  workdayEndsAt: string;
  years: Record<
    string,
    {
      holidays: { date: string; name: string }[];
      carriedOver: { date: string; for: string }[];
      transfers: { dayOff: string; workingDay: string }[];
    }
  >;
}

export interface WorkCalendar {
  readonly country: string;
  readonly offsetMs: number;
  /** Years the data covers; outside them only weekends count as days off. */
  readonly years: readonly number[];
  /** The local day number of an instant. */
  dayOf(ms: number): number;
  /** The instant a local day starts. */
  startOf(day: number): number;
  isWorkingDay(day: number): boolean;
  /** Holiday name of a day, when it is one. */
  holiday(day: number): string | undefined;
  /**
   * The deadline of something received at `ms` and due within `n` working days: the end of the
   * working day (18:00 local) of the n-th working day after the day it was received.
   */
  addWorkingDays(ms: number, n: number): number;
}

/** Day number of a "YYYY-MM-DD" date. */
export function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** "YYYY-MM-DD" of a day number. */
export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function loadCalendar(path = new URL('../../data/calendar/kz.json', import.meta.url).pathname): WorkCalendar {
  const file = JSON.parse(readFileSync(path, 'utf8')) as CalendarFile;
  const offsetMs = file.utcOffsetMinutes * 60_000;
  const [endHours, endMinutes] = file.workdayEndsAt.split(':').map(Number);
  const endOfDayMs = (endHours * 60 + endMinutes) * 60_000;
  const weekend = new Set(file.weekend);
  const daysOff = new Map<number, string>();
  const workingWeekendDays = new Set<number>();
  for (const year of Object.values(file.years)) {
    for (const h of year.holidays) daysOff.set(dayNumber(h.date), h.name);
    for (const c of year.carriedOver)
      daysOff.set(dayNumber(c.date), `${daysOff.get(dayNumber(c.for)) ?? ''} (перенос)`);
    for (const t of year.transfers) {
      daysOff.set(dayNumber(t.dayOff), 'перенесённый выходной');
      workingWeekendDays.add(dayNumber(t.workingDay));
    }
  }
  const isWorkingDay = (day: number) => {
    if (daysOff.has(day)) return false;
    if (workingWeekendDays.has(day)) return true;
    return !weekend.has((((day + 4) % 7) + 7) % 7);
  };
  return {
    country: file.country,
    offsetMs,
    years: Object.keys(file.years).map(Number),
    dayOf: (ms) => Math.floor((ms + offsetMs) / DAY_MS),
    startOf: (day) => day * DAY_MS - offsetMs,
    isWorkingDay,
    holiday: (day) => daysOff.get(day),
    addWorkingDays(ms, n) {
      let day = Math.floor((ms + offsetMs) / DAY_MS);
      for (let left = n; left > 0; ) {
        day++;
        if (isWorkingDay(day)) left--;
      }
      return day * DAY_MS - offsetMs + endOfDayMs;
    },
  };
}
