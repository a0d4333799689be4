import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStream } from '../platform/stream.ts';
import { openTestPglite, startTestApp } from '../platform/test-app.ts';
import type { Cases } from './index.ts';
import { createRelationFeeder } from './relations.ts';
import { uploadCaseCdrs } from './test-support.ts';

const DAY = 86_400_000;

test('the retention sweep forgets relation days past the retention and fold records past the journal', async () => {
  const sql = await openTestPglite();
  const stream = createMemoryStream(() => {});
  const feeder = createRelationFeeder({ sql, stream, onError: (error) => assert.fail(String(error)) });
  try {
    const now = Date.UTC(2026, 10, 28, 12);
    const day = (ago: number) => new Date(now - ago * DAY).toISOString().slice(0, 10);
    for (const ago of [500, 401, 399, 1]) {
      for (const msisdn of ['+77011110001', '+77011110002']) {
        await sql.query(
          `insert into cdr_relations (operator_id, day, msisdn, imsi, imei, cell_id, first_seen, last_seen, events)
           values ('KCELL', $1::date, $2, '', '', 'ALA-001', now(), now(), 1)`,
          [day(ago), msisdn],
        );
      }
    }
    await sql.query('insert into cdr_relation_batches (batch_id, folded_at) values (1, $1), (2, $2)', [
      new Date(now - 20 * DAY),
      new Date(now - 2 * DAY),
    ]);

    assert.equal(await feeder.sweep(now, 400, 14), 4);

    const { rows } = await sql.query<{ day: string }>(
      `select distinct to_char(day, 'YYYY-MM-DD') as day from cdr_relations order by day`,
    );
    assert.deepEqual(
      rows.map((r) => r.day),
      [day(399), day(1)],
    );
    const batches = await sql.query<{ batch_id: number }>('select batch_id from cdr_relation_batches');
    assert.deepEqual(
      batches.rows.map((r) => Number(r.batch_id)),
      [2],
    );
    // Nothing left to forget: a second sweep deletes nothing.
    assert.equal(await feeder.sweep(now, 400, 14), 0);
  } finally {
    feeder.close();
    await stream.close();
    await sql.close();
  }
});

test('the catch-up folds the journal batches no process folded, below the last folded one too, once', async () => {
  const t = await startTestApp({ detectionIntervalSeconds: 86_400, detectionAfterCdrs: 1_000_000_000 });
  try {
    await uploadCaseCdrs(t);
    await t.app.stream.drain();
    const cases = t.app.modules.investigations as Cases;
    await cases.relations.idle();
    const totals = () =>
      t.app.sql
        .query<{ operator_id: string; events: number }>(
          'select operator_id, sum(events)::int as events from cdr_relations group by operator_id order by operator_id',
        )
        .then((r) => r.rows);
    const before = await totals();
    const { rows: batches } = await t.app.sql.query<{ batch_id: number }>(
      'select batch_id from cdr_relation_batches order by batch_id',
    );
    assert.ok(batches.length >= 2);
    // The first upload's batches as if no process had folded them (it was down), while a later
    // batch was folded: a gap below the newest folded batch.
    const first = Number(batches[0].batch_id);
    await t.app.sql.query('delete from cdr_relation_batches where batch_id = $1', [first]);
    await t.app.sql.query(`delete from cdr_relations where operator_id = 'KCELL'`);
    assert.notDeepEqual(await totals(), before);

    assert.equal(await cases.relations.catchUp(Date.now(), 14), 1);
    assert.deepEqual(await totals(), before);
    // Folded once: a second catch-up finds nothing to do.
    assert.equal(await cases.relations.catchUp(Date.now(), 14), 0);
  } finally {
    await t.close();
  }
});
