import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStream } from '../platform/stream.ts';
import { openTestPglite } from '../platform/test-app.ts';
import { createRelationFeeder } from './relations.ts';

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
