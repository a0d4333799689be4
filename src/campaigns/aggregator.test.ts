import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Decision } from '../screening/types.ts';
import { SpoofingCampaigns } from './aggregator.ts';
import { spoofedCall } from './test-support.ts';

const HOUR = 3_600_000;
const base = Date.UTC(2025, 2, 3, 10, 0);

test('spoofing campaigns: top carriers and numbers over a sliding window of hours', () => {
  const campaigns = new SpoofingCampaigns({ keepHours: 48 });
  const decisions: Decision[] = [];
  // Carrier X delivers 6 spoofs of one bank number over two hours; carrier Y 2 of another number.
  for (let k = 0; k < 6; k++) decisions.push(spoofedCall(base + k * 20 * 60_000, '+77272500000', 'CARRIER-X'));
  decisions.push(spoofedCall(base + 5 * 60_000, '+77011110000', 'CARRIER-Y', { reasons: ['UNCONFIRMED_ORIGIN'] }));
  decisions.push(
    spoofedCall(base + 6 * 60_000, '+77011110000', undefined, { verdict: 'allow', shadowVerdict: 'block' }),
  );
  // Not spoofing, or not blocked: ignored.
  decisions.push(spoofedCall(base, '+77011110001', 'CARRIER-Z', { reasons: ['DNO_CLI'] }));
  decisions.push(spoofedCall(base, '+77011110002', 'CARRIER-Z', { verdict: 'label' }));
  campaigns.add(decisions);

  const report = campaigns.report(base + 2 * HOUR - 1, 3);
  assert.equal(report.calls, 8);
  assert.equal(report.shadow, 1);
  assert.deepEqual(report.byReason, { SPOOFED_DOMESTIC_FROM_ABROAD: 7, UNCONFIRMED_ORIGIN: 1 });
  assert.deepEqual(
    report.topCarriers.map((c) => [c.carrier, c.calls]),
    [
      ['CARRIER-X', 6],
      ['CARRIER-Y', 1],
      ['unknown', 1],
    ],
  );
  assert.equal(report.topCarriers[0].share, 0.75);
  assert.deepEqual(report.topNumbers[0], { number: '+77272500000', calls: 6 });
  assert.deepEqual(
    report.perHour.map((h) => h.calls),
    [0, 5, 3],
  );
  // A day later the window has slid past them.
  assert.equal(campaigns.report(base + 30 * HOUR, 3).calls, 0);
});

test('spoofing campaigns: changed hours handed out once, restored figures counted on', () => {
  const first = new SpoofingCampaigns({ topNumbersPerHour: 3 });
  const numbers = ['+77272500001', '+77272500001', '+77272500001', '+77272500002', '+77272500002', '+77272500003'];
  first.add(numbers.map((a, k) => spoofedCall(base + k * 60_000, a, 'CARRIER-X')));
  first.add([spoofedCall(base + HOUR, '+77272500001', 'CARRIER-Y')]);
  const stored = first.takeChanged();
  assert.deepEqual(
    stored.map((h) => [h.hour, h.state.calls]),
    [
      [base, 6],
      [base + HOUR, 1],
    ],
  );
  assert.deepEqual(stored[0].state.topNumbers, [
    { number: '+77272500001', calls: 3 },
    { number: '+77272500002', calls: 2 },
    { number: '+77272500003', calls: 1 },
  ]);
  assert.deepEqual(stored[0].state.carriers, [
    {
      carrier: 'CARRIER-X',
      calls: 6,
      distinctNumbers: 3,
      byReason: { SPOOFED_DOMESTIC_FROM_ABROAD: 6 },
      victims: { KCELL: 6 },
    },
  ]);
  // Nothing changed since; a failed flush hands an hour back.
  assert.deepEqual(first.takeChanged(), []);
  first.markChanged([base + HOUR]);
  assert.deepEqual(
    first.takeChanged().map((h) => h.hour),
    [base + HOUR],
  );

  const second = new SpoofingCampaigns({ topNumbersPerHour: 3 });
  // An hour older than the window is left out.
  second.restore([...stored, { ...stored[0], hour: base - 8 * 24 * HOUR }], base + HOUR);
  assert.deepEqual(second.report(base + HOUR, 2), first.report(base + HOUR, 2));
  assert.deepEqual(second.takeChanged(), []);
  // New calls add to the restored ones; restored and new numbers together keep the heaviest three.
  second.add([
    spoofedCall(base + 10 * 60_000, '+77272500004', 'CARRIER-X'),
    spoofedCall(base + 11 * 60_000, '+77272500004', 'CARRIER-X'),
    spoofedCall(base + 12 * 60_000, '+77272500001', 'CARRIER-X'),
  ]);
  const [hour] = second.takeChanged();
  assert.equal(hour.state.calls, 9);
  assert.deepEqual(hour.state.topNumbers, [
    { number: '+77272500001', calls: 4 },
    { number: '+77272500002', calls: 2 },
    { number: '+77272500004', calls: 2 },
  ]);
  // The distinct numbers seen since the restart (2) do not lower the stored count (3).
  assert.equal(hour.state.carriers[0].distinctNumbers, 3);
});
