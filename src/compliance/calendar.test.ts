import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../config.ts';
import { loadCalendar } from './calendar.ts';
import { deadlineInWords, deadlineOf, parseDeadline } from './deadline.ts';

const calendar = loadCalendar();
/** An instant given in Almaty time. */
const almaty = (local: string) => Date.parse(`${local}+05:00`);
const iso = (ms: number) => new Date(ms).toISOString();

describe('working-day deadlines by the Kazakh calendar', () => {
  it('skips a weekend and a carried-over public holiday: 8 March 2026 is a Sunday, so Monday 9 March is off', () => {
    // Friday 6 March, 10:00: Saturday, Sunday and Monday are off; Tuesday and Wednesday are the two working days.
    const due = calendar.addWorkingDays(almaty('2026-03-06T10:00:00'), 2);
    assert.equal(iso(due), '2026-03-11T13:00:00.000Z');
    assert.equal(calendar.isWorkingDay(calendar.dayOf(almaty('2026-03-09T12:00:00'))), false);
  });

  it('counts a weekend day moved into a working day by decree, and the day off moved out of it (January 2025)', () => {
    // Tuesday 31 December 2024: 1–2 January are holidays, Friday 3 January a moved day off,
    // Saturday 4 January off, Sunday 5 January a working day, Monday 6 January the second.
    const due = calendar.addWorkingDays(almaty('2024-12-31T17:00:00'), 2);
    assert.equal(iso(due), '2025-01-06T13:00:00.000Z');
  });

  it('skips all of Nauryz and its carried-over days (21–25 March 2025)', () => {
    const due = deadlineOf({ kind: 'workingDays', days: 2, text: '2WD' }, calendar, almaty('2025-03-20T09:00:00'));
    assert.equal(iso(due), '2025-03-27T13:00:00.000Z');
  });

  it('does not carry over a religious holiday: Kurban ait on Sunday 16 May 2027 leaves Monday a working day', () => {
    assert.equal(calendar.isWorkingDay(calendar.dayOf(almaty('2027-05-17T12:00:00'))), true);
  });

  it('counts from the day after a request made late at night or at a weekend', () => {
    // Saturday 28 November 2026, 23:30 Almaty (18:30 UTC): Monday and Tuesday are the two working days.
    const due = calendar.addWorkingDays(Date.parse('2026-11-28T18:30:00Z'), 2);
    assert.equal(iso(due), '2026-12-01T13:00:00.000Z');
  });
});

describe('CALLSHIELD_SUSPENSION_DEADLINE', () => {
  it('takes ISO 8601 durations and working days', () => {
    assert.deepEqual(parseDeadline('PT48H'), { kind: 'duration', ms: 48 * 3_600_000, text: 'PT48H' });
    assert.deepEqual(parseDeadline('P1DT30M'), { kind: 'duration', ms: 86_400_000 + 1_800_000, text: 'P1DT30M' });
    assert.deepEqual(parseDeadline('PT3S'), { kind: 'duration', ms: 3000, text: 'PT3S' });
    assert.deepEqual(parseDeadline('2wd'), { kind: 'workingDays', days: 2, text: '2WD' });
    assert.equal(loadConfig({}, {}).suspensionDeadline.text, '2WD');
  });

  it('reads in words in the console and the monthly report, as written when it does not parse', () => {
    assert.equal(deadlineInWords('2WD', 'ru'), '2 рабочих дня');
    assert.equal(deadlineInWords('5WD', 'ru'), '5 рабочих дней');
    assert.equal(deadlineInWords('1WD', 'en'), '1 working day');
    assert.equal(deadlineInWords('2WD', 'kk'), '2 жұмыс күні');
    assert.equal(deadlineInWords('PT90M', 'ru'), '1 час 30 минут');
    assert.equal(deadlineInWords('P2DT1H', 'en'), '2 days 1 hour');
    assert.equal(deadlineInWords('PT48H', 'kk'), '2 күн');
    assert.equal(deadlineInWords('banana', 'ru'), 'banana');
  });

  it('refuses what does not parse, naming the variable', () => {
    for (const bad of ['banana', 'P', 'PT', 'P1M', '0WD', 'PT0S', '48h']) {
      assert.throws(
        () => loadConfig({}, { CALLSHIELD_SUSPENSION_DEADLINE: bad }),
        (error: unknown) => error instanceof ConfigError && error.message.includes('CALLSHIELD_SUSPENSION_DEADLINE'),
        bad,
      );
    }
  });
});
