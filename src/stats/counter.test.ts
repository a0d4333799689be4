/**
 * The decision counts when a flush's write fails: before its COMMIT (nothing applied), or after it
 * (applied, but the answer lost with the connection). Either way each decision is counted once,
 * on PGlite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tempDatabase } from '../distributed/harness.ts';
import { migrate, openPglite, openPostgres, type Sql } from '../platform/sql.ts';
import type { Decision } from '../screening/types.ts';
import { createDecisionCounter } from './counter.ts';

const decision = (operator: string): Decision =>
  ({
    decisionId: 'd',
    callId: 'c',
    operator,
    a: '+77011234567',
    b: '+77771234567',
    ingress: 'domestic',
    at: '2025-03-10T10:00:00+05:00',
    decidedAt: '2025-03-10T10:00:00+05:00',
    verdict: 'block',
    reasons: ['BLOCKLISTED_CLI'],
    shadow: false,
    latencyUs: 1,
  }) as Decision;

/** `sql` whose next transaction fails once: before its work, or after its COMMIT. */
function failingOnce(sql: Sql, when: 'before commit' | 'after commit'): Sql {
  let armed = true;
  return {
    kind: sql.kind,
    query: (text, params) => sql.query(text, params),
    close: () => sql.close(),
    async transaction(work) {
      if (!armed) return sql.transaction(work);
      armed = false;
      if (when === 'before commit') throw new Error('connection lost');
      await sql.transaction(work);
      throw new Error('connection lost before the answer to COMMIT');
    },
  };
}

async function totals(sql: Sql, operator: string): Promise<Record<string, number>> {
  const r = await sql.query<{ metric: string; count: string }>(
    'select metric, count from stats_totals where operator_id = $1',
    [operator],
  );
  return Object.fromEntries(r.rows.map((row) => [row.metric, Number(row.count)]));
}

for (const store of ['pglite', 'postgres'] as const)
  describe(`decision counts on ${store}`, () => {
    for (const when of ['before commit', 'after commit'] as const)
      it(`count each decision once when a flush fails ${when}`, async () => {
        const database = store === 'postgres' ? await tempDatabase() : null;
        const sql = database ? await openPostgres(database.url) : await openPglite('memory://');
        try {
          await migrate(sql);
          const counter = createDecisionCounter(failingOnce(sql, when));
          for (let i = 0; i < 3; i++) counter.count(decision('KCELL'), Date.parse('2025-03-10T05:00:00Z'));
          await assert.rejects(counter.flush(), /connection lost/);
          // Counted while the first flush is in doubt: written by the next flush, after it.
          for (let i = 0; i < 2; i++) counter.count(decision('KCELL'), Date.parse('2025-03-10T06:00:00Z'));
          await counter.flush();
          await counter.flush();
          const counted = await totals(sql, 'KCELL');
          assert.equal(counted.screened, 5);
          assert.equal(counted['verdict:block'], 5);
          assert.equal(counted['reason:BLOCKLISTED_CLI'], 5);
          const hourly = await sql.query<{ count: string }>(
            "select count from stats_hourly where operator_id = 'KCELL' and metric = 'screened' order by hour",
          );
          assert.deepEqual(
            hourly.rows.map((row) => Number(row.count)),
            [3, 2],
          );
        } finally {
          await sql.close();
          await database?.drop();
        }
      });
  });
