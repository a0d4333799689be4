import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ParsedTime, parseOffsetTime } from './iso-time.ts';

const parse = (s: string): ParsedTime | null => {
  const out = { timeMs: 0, localHour: 0 };
  return parseOffsetTime(s, 0, s.length, out) ? out : null;
};

test('ISO times with an offset read digit by digit agree with Date.parse', () => {
  for (const s of [
    '2026-11-28T10:00:00Z',
    '2026-11-28T10:00:00.123Z',
    '2026-11-28T10:00:00.1Z',
    '2024-02-29T23:59:59.999+05:00',
    '2026-01-01T00:30:00-03:30',
    '2026-11-28T10:00:00+0500',
    '1999-12-31T23:59:59+06:00',
  ]) {
    assert.equal(parse(s)?.timeMs, Date.parse(s), s);
  }
  // A space for the T, as many switches write it.
  assert.equal(parse('2026-11-28 10:00:00+05:00')?.timeMs, Date.parse('2026-11-28T10:00:00+05:00'));
  assert.equal(parse('2026-11-28T10:00:00+05')?.timeMs, Date.parse('2026-11-28T10:00:00+05:00'));
});

test('the hour is the local one as written', () => {
  assert.equal(parse('2026-11-28T23:15:00+05:00')?.localHour, 23);
  assert.equal(parse('2026-11-28T23:15:00Z')?.localHour, 23);
});

test('impossible dates, missing offsets and garbage are refused, not rolled over', () => {
  for (const s of [
    '2026-02-29T10:00:00Z',
    '2026-02-31T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-11-28T24:00:00Z',
    '2026-11-28T10:60:00Z',
    '2026-11-28T10:00:00',
    '2026-11-28T10:00:00.Z',
    '2026-11-28T10:00:00Z junk',
    '2026-11-28T10:00:00+19:00',
    '2026-11-28',
    'yesterday',
  ]) {
    assert.equal(parse(s), null, s);
  }
});
