import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../errors.ts';
import { migrate, openPgliteThread } from './sql.ts';
import { recordsAdapters } from './test-support.ts';

// The same checks on both adapters of the records store, so the embedded one cannot drift.
const adapters = recordsAdapters;

for (const [name, open] of adapters) {
  describe(`records store on ${name}`, () => {
    it('applies every migration once and keeps committed rows', async () => {
      const { sql, done } = await open();
      try {
        const first = await migrate(sql);
        assert.ok(first.includes('001_screening.sql'));
        assert.deepEqual(await migrate(sql), []);
        await sql.query("insert into operators (id, name) values ('X', 'X operator')");
        const rows = await sql.query<{ id: string }>('select id from operators');
        assert.deepEqual(
          rows.rows.map((r) => r.id),
          ['X'],
        );
      } finally {
        await done();
      }
    });

    it('rolls a failed transaction back', async () => {
      const { sql, done } = await open();
      try {
        await migrate(sql);
        await assert.rejects(
          sql.transaction(async (tx) => {
            await tx.query("insert into operators (id, name) values ('Y', 'Y')");
            await tx.query("insert into operators (id, name) values ('Y', 'again')");
          }),
        );
        assert.equal((await sql.query('select * from operators')).rows.length, 0);
      } finally {
        await done();
      }
    });

    it('answers a broken constraint with its PostgreSQL code, and a NUL character as a bad request', async () => {
      const { sql, done } = await open();
      try {
        await migrate(sql);
        await sql.query("insert into operators (id, name) values ('Z', 'Z')");
        await assert.rejects(sql.query("insert into operators (id, name) values ('Z', 'again')"), { code: '23505' });
        await assert.rejects(
          sql.transaction((tx) => tx.query("insert into operators (id, name) values ('Z', 'in a transaction')")),
          { code: '23505' },
        );
        await assert.rejects(
          sql.query('insert into operators (id, name) values ($1, $2)', ['N', 'a\u0000b']),
          (error) => error instanceof AppError && error.code === 'VALIDATION_FAILED',
        );
        // The store goes on after each refusal.
        assert.equal((await sql.query('select * from operators')).rows.length, 1);
      } finally {
        await done();
      }
    });
  });
}

describe("the server's embedded store", () => {
  it("runs a long statement off the caller's thread: the event loop keeps turning until it ends", async () => {
    const sql = await openPgliteThread('memory://');
    try {
      let turns = 0;
      let running = true;
      const turn = () => {
        turns++;
        if (running) setImmediate(turn);
      };
      setImmediate(turn);
      const { rows } = await sql.query<{ n: number }>(
        'select count(*)::int as n from generate_series(1, 2000000) a join generate_series(1, 1) b on true',
      );
      running = false;
      assert.equal(rows[0].n, 2_000_000);
      // On the caller's thread the statement would hold the loop from its start to its end.
      assert.ok(turns >= 20, `the event loop turned ${turns} times while the statement ran`);
    } finally {
      await sql.close();
    }
  });

  it('fails the queries after it is closed, instead of leaving them waiting', async () => {
    const sql = await openPgliteThread('memory://');
    await sql.close();
    await assert.rejects(sql.query('select 1'), /stopped/);
  });
});
