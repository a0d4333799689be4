import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../screening/types.ts';
import { loadCalendar } from './calendar.ts';
import { ROUTE_DOMESTIC } from './coverage.ts';
import { createComplianceService } from './service.ts';
import type { ComplianceStore } from './store.ts';

const service = () =>
  createComplianceService({
    store: {} as ComplianceStore,
    calendar: loadCalendar(),
    operators: () => [],
    deadlineSetting: '2WD',
    // The fold forgets verifies older than its retention before the clock.
    clock: () => Date.parse('2025-03-11T00:05:00+05:00'),
    onError: () => {},
  });

const decision = (at: string): Decision => ({
  decisionId: 'd',
  callId: 'c',
  operator: 'BEELINE',
  a: '+77011234567',
  b: '+77771234567',
  ingress: 'domestic',
  at,
  decidedAt: new Date().toISOString(),
  verdict: 'allow',
  reasons: [],
  shadow: false,
  latencyUs: 1,
});

describe('screened share from the decisions', () => {
  it('counts a verify whose `at` screening took without an offset', () => {
    const s = service();
    // Screening reads such a time with Date.parse; the coverage fold must read it the same way.
    const text = '2025-03-10T23:59:59';
    s.addDecisions([decision(text)]);
    s.join.cdr('BEELINE', 77011234567, 77771234567, Date.parse(text) + 30_000, ROUTE_DOMESTIC);
    assert.deepEqual(
      s.join.takeDeltas().map((d) => [d.calls, d.screened]),
      [[1, 1]],
    );
  });

  it('puts a verify at 00:00:30 on the day of its CDR at 23:59:50 (Almaty)', () => {
    const s = service();
    const cdrAt = Date.parse('2025-03-10T23:59:50+05:00');
    s.addDecisions([decision('2025-03-11T00:00:30+05:00')]);
    s.join.cdr('BEELINE', 77011234567, 77771234567, cdrAt, ROUTE_DOMESTIC);
    const calendar = loadCalendar();
    assert.deepEqual(
      s.join.takeDeltas().map((d) => [d.day, d.calls, d.screened]),
      [[calendar.dayOf(cdrAt), 1, 1]],
    );
  });
});
