import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPlan } from '../numbering/plan.ts';
import { createSubscriberOwnership, type PortChange } from './ownership.ts';

const plan = loadPlan(new URL('../../data/numbering/kz.json', import.meta.url).pathname);
const T1 = Date.parse('2026-01-10T00:00:00Z');
const T2 = Date.parse('2026-02-10T00:00:00Z');
const day = 86_400_000;

/** A Kcell-range number ported to Beeline at T1 and back at T2, and one ported to Beeline at T1 for good. */
const portedBack = plan.parse('+77011000001');
const portedAway = plan.parse('+77011000002');
const history = new Map<number, PortChange[]>([
  [
    portedBack,
    [
      { operator: 'BEELINE', from: T1 },
      { operator: null, from: T2 },
    ],
  ],
  [portedAway, [{ operator: 'BEELINE', from: T1 }]],
]);
const ownership = createSubscriberOwnership({
  plan,
  ownerOf: (n) => (n === portedAway ? 'BEELINE' : plan.rangeOwner(n)),
  portHistory: async (numbers) => new Map(numbers.filter((n) => history.has(n)).map((n) => [n, history.get(n)!])),
});

/** Which of these (number, time, uploader) rows are refused, with their reasons. */
async function refused(rows: [string, number, string][]) {
  const msisdn = rows.map(([n]) => plan.parse(n));
  const at = rows.map(([, t]) => t);
  const found = await ownership.foreignRows(
    rows.map((_, i) => i),
    msisdn,
    at,
    (i) => rows[i][2],
  );
  return found.map((f) => [f.row, f.reason]);
}

describe('whose subscriber a CDR row is about', () => {
  it('keeps the range owner’s rows and foreign numbers; refuses other operators’ subscribers, mobile or fixed', async () => {
    assert.deepEqual(
      await refused([
        ['+77011234567', T1, 'KCELL'],
        ['+79161234567', T1, 'BEELINE'],
        ['+447700900123', T1, 'TELE2'],
        ['+77011234567', T1, 'BEELINE'],
        ['+77601234567', T1, 'BEELINE'],
      ]),
      [
        [3, 'NOT_OPERATOR_SUBSCRIBER: +77011234567 is served by KCELL (numbering plan and MNP), not by BEELINE'],
        [
          4,
          'NOT_OPERATOR_SUBSCRIBER: +77601234567 is served by KAZAKHTELECOM (numbering plan and MNP), not by BEELINE',
        ],
      ],
    );
  });

  it('follows the MNP history: the donor before the port, the recipient after, and the range owner once ported back', async () => {
    const rows: [string, number, string][] = [
      ['+77011000002', T1 - day, 'KCELL'], // Kcell's before the port: kept
      ['+77011000002', T1 + day, 'KCELL'], // after: Beeline's
      ['+77011000002', T1 - day, 'BEELINE'], // Beeline's now (its record of the day before the port: kept)
      ['+77011000001', T1 + day, 'BEELINE'], // Beeline's between the port and the port back: kept
      ['+77011000001', T2 + day, 'BEELINE'], // back with Kcell
      ['+77011000001', T2 + day, 'KCELL'],
    ];
    assert.deepEqual(
      (await refused(rows)).map(([row]) => row),
      [1, 4],
    );
  });
});
