import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrate, type Sql } from '../platform/sql.ts';
import { recordsAdapters } from '../platform/test-support.ts';
import { loadCalendar } from './calendar.ts';
import { reportPdf } from './report.ts';
import { createComplianceService, OVERDUE_LIST_LIMIT } from './service.ts';
import { createComplianceStore } from './store.ts';

const HOUR = 3_600_000;
const now = Date.parse('2026-11-20T12:00:00+05:00');

/** A suspension request (and its alert) made `hoursAgo` before now, due after `dueHours`. */
async function request(sql: Sql, id: string, operator: string, hoursAgo: number, dueHours: number) {
  const createdAt = new Date(now - hoursAgo * HOUR);
  await sql.query(
    `insert into alerts (id, kind, msisdn, score, evidence, status) values ($1, 'simbox', $2, 1, '{}', 'confirmed')`,
    [`alr_${id}`, `+7701${id.padStart(7, '0')}`],
  );
  await sql.query(
    `insert into sim_suspensions (id, version, operator_id, msisdn, reason, alert_id, created_at, deadline_at)
     values ($1, nextval('sim_suspension_versions'), $2, $3, 'SIM-box', $4, $5, $6)`,
    [
      `sus_${id}`,
      operator,
      `+7701${id.padStart(7, '0')}`,
      `alr_${id}`,
      createdAt,
      new Date(createdAt.getTime() + dueHours * HOUR),
    ],
  );
}

describe('overdue requests listed per operator', () => {
  for (const [name, open] of recordsAdapters) {
    it(`lists a small operator's overdue request beside a large backlog of another (${name})`, async () => {
      const { sql, done } = await open();
      try {
        await migrate(sql);
        // Kcell let more requests than a list holds go past their deadline long ago; Beeline one, lately.
        for (let i = 0; i < OVERDUE_LIST_LIMIT + 5; i++) await request(sql, String(i), 'KCELL', 10, 1);
        await request(sql, 'b1', 'BEELINE', 3, 1);
        const compliance = createComplianceService({
          store: createComplianceStore(sql),
          calendar: loadCalendar(),
          operators: () => [
            { id: 'KCELL', name: 'Kcell' },
            { id: 'BEELINE', name: 'Beeline' },
          ],
          deadlineSetting: 'PT1H',
          clock: () => now,
          onError: () => {},
        });
        const report = await compliance.report(compliance.period('2026-11-20', '2026-11-20'));
        const row = (operator: string) => report.operators.find((r) => r.operator === operator);
        assert.equal(row('BEELINE')?.suspensions.overdue, 1);
        assert.deepEqual(
          row('BEELINE')?.overdueRequests.map((r) => r.id),
          ['sus_b1'],
        );
        assert.equal(row('KCELL')?.suspensions.overdue, OVERDUE_LIST_LIMIT + 5);
        assert.equal(row('KCELL')?.overdueRequests.length, OVERDUE_LIST_LIMIT);
        // The report still renders with a list cut short.
        const pdf = await reportPdf(report, 'en', '2026-11');
        assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      } finally {
        await done();
      }
    });
  }
});

describe('deadlines of requests made before deadlines were kept', () => {
  it('gives every one its deadline at the start, however many, so each can be overdue', async () => {
    const { sql, done } = await recordsAdapters[0][1]();
    try {
      await migrate(sql);
      const n = 10_050;
      const made = new Date(now - 100 * HOUR);
      await sql.query(
        `insert into alerts (id, kind, msisdn, score, evidence, status)
         select 'alr_' || i, 'simbox', '+7701' || lpad(i::text, 7, '0'), 1, '{}', 'confirmed' from generate_series(1, $1) i`,
        [n],
      );
      await sql.query(
        `insert into sim_suspensions (id, version, operator_id, msisdn, reason, alert_id, created_at)
         select 'sus_' || i, nextval('sim_suspension_versions'), 'KCELL', '+7701' || lpad(i::text, 7, '0'), 'SIM-box',
           'alr_' || i, $2 from generate_series(1, $1) i`,
        [n, made],
      );
      const store = createComplianceStore(sql);
      assert.equal(await store.backfillDeadlines((at) => at + HOUR), n);
      assert.deepEqual(await store.overdueCounts(new Date(now)), { KCELL: n });
    } finally {
      await done();
    }
  });
});
