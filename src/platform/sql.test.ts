import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrate } from './sql.ts';
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
  });
}
