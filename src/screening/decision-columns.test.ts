import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decisionColumns, NO_VERDICT, VERDICT_ALLOW, VERDICT_BLOCK, VERDICT_LABEL } from './decision-columns.ts';
import { reasonList } from './engine.ts';
import type { Decision } from './types.ts';

const decision = (extra: Partial<Decision> & { messageId?: string; sender?: string }): Decision => ({
  decisionId: 'd',
  callId: 'c',
  operator: 'BEELINE',
  a: '+77011234567',
  b: '+77771234501',
  ingress: 'international',
  at: '2026-12-04T10:00:00+05:00',
  decidedAt: '2026-12-04T05:00:00.250Z',
  verdict: 'allow',
  reasons: [],
  shadow: false,
  latencyUs: 1,
  ...extra,
});

it('a batch of decisions is read into columns: numbers, times, reasons, verdicts and channels', () => {
  const batch = [
    decision({ verdict: 'block', reasons: ['SPOOFED_DOMESTIC_FROM_ABROAD'], fromOperator: 'TRANSIT' }),
    decision({ channel: 'sms', a: 'KASPI-BANK', verdict: 'label', reasons: ['SENDER_ID_UNREGISTERED'] }),
    decision({ messageId: 'm1', sender: '+79161234567', a: '+79161234567' }),
    decision({
      a: '12',
      b: 'not a number',
      at: 'yesterday',
      reasons: ['UNCONFIRMED_ORIGIN', 'REPORTED_CLI'],
      shadow: true,
      shadowVerdict: 'block',
    }),
  ];
  const c = decisionColumns(batch);
  assert.equal(c.size, 4);
  assert.deepEqual([...c.a.subarray(0, c.size)], [77011234567, Number.NaN, 79161234567, Number.NaN]);
  assert.deepEqual([...c.b.subarray(0, c.size)], [77771234501, 77771234501, 77771234501, Number.NaN]);
  // `at` with its offset (+05:00), `decidedAt` in UTC: both the same instant here.
  const fiveUtc = Date.parse('2026-12-04T05:00:00Z');
  assert.deepEqual([...c.at.subarray(0, c.size)], [fiveUtc, fiveUtc, fiveUtc, Number.NaN]);
  assert.equal(c.decidedAt[0], Date.parse('2026-12-04T05:00:00.250Z'));
  assert.deepEqual([...c.verdict.subarray(0, c.size)], [VERDICT_BLOCK, VERDICT_LABEL, VERDICT_ALLOW, VERDICT_ALLOW]);
  assert.deepEqual([...c.shadowVerdict.subarray(0, c.size)], [NO_VERDICT, NO_VERDICT, NO_VERDICT, VERDICT_BLOCK]);
  assert.deepEqual([...c.sms.subarray(0, c.size)], [0, 1, 1, 0]);
  assert.deepEqual(reasonList(c.reasons[0]), ['SPOOFED_DOMESTIC_FROM_ABROAD']);
  assert.deepEqual(reasonList(c.reasons[3]), ['UNCONFIRMED_ORIGIN', 'REPORTED_CLI']);
  assert.equal(c.reasons[2], 0);
  assert.deepEqual(c.operator, ['BEELINE', 'BEELINE', 'BEELINE', 'BEELINE']);
  assert.deepEqual(c.fromOperator, ['TRANSIT', undefined, undefined, undefined]);
});

it('the columns follow the batch asked for, whichever was read before', () => {
  const batch = [decision({}), decision({ b: '+77771234503' })];
  const other = [decision({ b: '+77771234502', verdict: 'block' })];
  assert.deepEqual([...decisionColumns(batch).b.subarray(0, 2)], [77771234501, 77771234503]);
  const read = decisionColumns(other);
  assert.equal(read.size, 1);
  assert.equal(read.b[0], 77771234502);
  assert.equal(read.verdict[0], VERDICT_BLOCK);
  // A batch larger than any before, then the first one again.
  const large = Array.from({ length: 300 }, (_, i) => decision({ b: `+7777${1000000 + i}` }));
  assert.equal(decisionColumns(large).b[299], 77771000299);
  const again = decisionColumns(batch);
  assert.equal(again.size, 2);
  assert.deepEqual([again.b[0], again.b[1], again.verdict[0]], [77771234501, 77771234503, VERDICT_ALLOW]);
});

it('decisions with the same reasons share one list, which nothing can change', () => {
  const bits = 0b100000;
  assert.equal(reasonList(bits), reasonList(bits));
  assert.deepEqual(reasonList(bits), ['SPOOFED_DOMESTIC_FROM_ABROAD']);
  assert.throws(() => (reasonList(bits) as string[]).push('CALL_BURST'), TypeError);
  assert.deepEqual(reasonList(0), []);
});
