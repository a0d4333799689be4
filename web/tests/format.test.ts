/** The console's numbers, shares, durations and dates in each language, and typed dates read back. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TRAIT_IDS } from '../../src/detection/traits.ts';
import {
  featureValue,
  formatters,
  parseDateInput,
  platformDate,
  platformTimeZone,
  startOfPlatformDay,
  startOfPlatformYear,
  traitIds,
} from '../src/format.ts';

/** Intl separates groups and units with (narrow) no-break spaces; tests compare with plain ones. */
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('console formatters', () => {
  const ru = formatters('ru');
  const kk = formatters('kk');
  const en = formatters('en');

  it('writes numbers with the language’s decimal sign and grouping', () => {
    assert.equal(plain(ru.number(86.738)), '86,74');
    assert.equal(plain(kk.number(86.738, 1)), '86,7');
    assert.equal(en.number(86.738), '86.74');
    assert.equal(plain(ru.number(1234567)), '1 234 567');
    assert.equal(en.number(1234567), '1,234,567');
    assert.equal(plain(ru.score(0.9)), '0,90');
    assert.equal(en.score(0.9), '0.90');
  });

  it('writes shares as percentages', () => {
    assert.equal(plain(ru.percent(0.695)), '69,5 %');
    assert.equal(en.percent(0.695), '69.5%');
    assert.equal(plain(featureValue(ru, 'outShare', 1)), '100 %');
    assert.equal(plain(featureValue(ru, 'reciprocity', 0.25)), '25 %');
  });

  it('writes the strength of every defining trait of the detectors as a percentage', () => {
    assert.deepEqual([...traitIds].sort(), [...TRAIT_IDS].sort());
    assert.equal(plain(featureValue(ru, 'volume', 1)), '100 %');
    assert.equal(plain(featureValue(ru, 'office', 0.778)), '77,8 %');
  });

  it('writes durations and data volumes with their units', () => {
    assert.equal(plain(ru.duration(12.5)), '12,5 с');
    assert.equal(plain(ru.duration(200)), '3 мин 20 с');
    assert.match(plain(en.duration(200)), /^3 mins?,? 20 secs?$/);
    assert.equal(plain(featureValue(ru, 'durationMedian', 45)), '45 с');
    assert.equal(plain(featureValue(ru, 'gapMedianS', 30)), '30 с');
    assert.equal(plain(featureValue(ru, 'dataBytes', 3_200_000)), '3,2 МБ');
    assert.equal(plain(featureValue(ru, 'distinctCallees', 86.738)), '86,7');
  });

  it('writes dates day first in every language', () => {
    const at = new Date(2026, 11, 4, 14, 51, 3).toISOString();
    assert.equal(ru.date(at), '04.12.2026');
    assert.equal(en.date(at), '04/12/2026');
    assert.equal(kk.date(at), '04.12.2026');
    assert.equal(ru.dateTime(at), '04.12.2026, 14:51:03');
    assert.equal(ru.hourMinute(at), '14:51');
    assert.equal(ru.dateTime('not a date'), 'not a date');
  });

  it('writes a calendar day the server names as yyyy-mm-dd as that same day, in any time zone', () => {
    // The browser's zone plays no part: 9 March is 9 March, in New York as in Almaty.
    assert.equal(ru.calendarDay('2026-03-09'), '09.03.2026');
    assert.equal(kk.calendarDay('2026-12-31'), '31.12.2026');
    assert.equal(en.calendarDay('2026-03-09'), '09/03/2026');
    assert.equal(ru.calendarDay('soon'), 'soon');
  });
});

describe('the platform’s day', () => {
  const ru = formatters('ru');
  const en = formatters('en');

  it('is the day of the calendar the server cuts /v1/stats by', () => {
    const calendar = JSON.parse(readFileSync(new URL('../../data/calendar/kz.json', import.meta.url), 'utf8'));
    assert.equal(platformTimeZone, calendar.timeZone);
  });

  it('begins at Almaty midnight, whatever the zone the console runs in', () => {
    // 08:00 on 10 March in Almaty; one second before Almaty's midnight; Almaty's first hour of 2026.
    assert.equal(startOfPlatformDay(Date.parse('2026-03-10T03:00:00Z')).toISOString(), '2026-03-09T19:00:00.000Z');
    assert.equal(startOfPlatformDay(Date.parse('2026-03-09T18:59:59Z')).toISOString(), '2026-03-08T19:00:00.000Z');
    assert.equal(startOfPlatformDay(Date.parse('2026-03-09T19:00:00Z')).toISOString(), '2026-03-09T19:00:00.000Z');
    assert.equal(startOfPlatformYear(Date.parse('2026-03-10T03:00:00Z')).toISOString(), '2025-12-31T19:00:00.000Z');
    assert.equal(startOfPlatformYear(Date.parse('2025-12-31T19:30:00Z')).toISOString(), '2025-12-31T19:00:00.000Z');
    assert.equal(startOfPlatformYear(Date.parse('2025-12-31T18:59:59Z')).toISOString(), '2024-12-31T19:00:00.000Z');
    assert.equal(platformDate(Date.parse('2026-03-09T19:00:00Z')), '2026-03-10');
    assert.equal(platformDate(Date.parse('2026-03-09T18:59:59Z')), '2026-03-09');
  });

  it('names hours and days on Almaty’s clock', () => {
    // A day bucket as the server sends it: the instant 10 March begins in Almaty.
    const bucket = '2026-03-09T19:00:00.000Z';
    assert.equal(ru.platformHourMinute(bucket), '00:00');
    assert.equal(en.platformHourMinute(bucket), '00:00');
    assert.equal(ru.platformDayMonth(bucket), '10.03');
    assert.equal(en.platformDayMonth(bucket), '10/03');
    assert.equal(ru.platformDayMonth('not a date'), 'not a date');
  });
});

describe('typed dates', () => {
  it('reads day-first and ISO dates, with or without a time', () => {
    assert.equal(parseDateInput('04.12.2026', false), '2026-12-04');
    assert.equal(parseDateInput('4/12/2026', false), '2026-12-04');
    assert.equal(parseDateInput('2026-03-04', false), '2026-03-04');
    assert.equal(parseDateInput('10.03.2026 11:30', true), '2026-03-10T11:30');
    assert.equal(parseDateInput('10/03/2026, 11:30', true), '2026-03-10T11:30');
    assert.equal(parseDateInput('2026-03-10T11:30', true), '2026-03-10T11:30');
    assert.equal(parseDateInput('10.03.2026', true), '2026-03-10T00:00');
  });

  it('refuses what is not a date', () => {
    assert.equal(parseDateInput('31.02.2026', false), null);
    assert.equal(parseDateInput('12/31/2026', false), null, 'month first is not read as a date');
    assert.equal(parseDateInput('10.03.2026 25:00', true), null);
    assert.equal(parseDateInput('10.03.2026 11:30', false), null);
    assert.equal(parseDateInput('soon', true), null);
  });
});
