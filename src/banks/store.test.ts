import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrate } from '../platform/sql.ts';
import { recordsAdapters } from '../platform/test-support.ts';
import { createBankStore } from './store.ts';

describe("a bank's customers after a bulk upload", () => {
  for (const [name, open] of recordsAdapters) {
    it(`are looked up by hash through the index, not a scan of every customer (${name})`, async () => {
      const { sql, done } = await open();
      try {
        await migrate(sql);
        const store = createBankStore(sql);
        await store.createBank({ id: 'HALYK', name: 'Halyk Bank', createdBy: 'admin' });
        const hashes = Array.from({ length: 30_000 }, (_, i) => `hash-${String(i).padStart(8, '0')}`);
        assert.equal(await store.addCustomers('HALYK', hashes), 30_000);
        const asked = [hashes[7], hashes[29_000], 'not-a-customer'];
        const found = await store.banksOf(asked);
        assert.deepEqual(
          [...found],
          [
            [hashes[7], ['HALYK']],
            [hashes[29_000], ['HALYK']],
          ],
        );
        // The warnings' lookup as a flush asks it (tens of subscribers): the plan must use the index.
        const flush = hashes.filter((_, i) => i % 600 === 0);
        const { rows } = await sql.query<{ 'QUERY PLAN': string }>(
          'explain select bank_id, msisdn_hash from bank_customers where msisdn_hash = any($1::text[])',
          [flush],
        );
        const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        assert.doesNotMatch(plan, /Seq Scan on bank_customers/, plan);
      } finally {
        await done();
      }
    });
  }
});
