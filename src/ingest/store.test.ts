import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createDeviceBlocklist, createSuspensionStore } from '../alerts/actions-store.ts';
import { createAlertStore } from '../alerts/store.ts';
import { CdrLines, victim } from '../datapath/test-support.ts';
import { loadPlan } from '../numbering/plan.ts';
import { migrate } from '../platform/sql.ts';
import { createMemoryStream } from '../platform/stream.ts';
import { recordsAdapters } from '../platform/test-support.ts';
import { decodeBatch } from './codec.ts';
import { createIngestService } from './service.ts';
import { createIngestStore } from './store.ts';
import type { CdrBatchEvent } from './types.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));

// The same checks on both adapters of the records store, so the embedded one cannot drift.
const adapters = recordsAdapters;

async function* chunks(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

for (const [name, open] of adapters) {
  describe(`data-path records on ${name}`, () => {
    it('ingests in batches: dedup across batches and uploads, quarantine, journal, retention', async () => {
      const { sql, done } = await open();
      try {
        await migrate(sql);
        const stream = createMemoryStream(() => {});
        const events: CdrBatchEvent[] = [];
        stream.subscribe<CdrBatchEvent>('cdr', (e) => void events.push(...e));
        const store = createIngestStore(sql);
        // Batches of 4 rows: a file of 10 rows spans three transactions.
        const ingest = createIngestService({ plan, store, stream, batchRows: 4 });
        const file = new CdrLines('TELE2');
        for (let k = 0; k < 10; k++) file.voice(`+7707100000${k}`, 'out', victim(k), k, 30, 'SHY-1');
        file.raw('TELE2-x,TELE2,voice,sideways,+77071000000,+77051000000,,,SHY-1,2025-03-03T08:00:00+05:00,1,1,,');
        // Sent in small chunks: lines cut across chunk boundaries.
        const first = await ingest.ingest(chunks(file.text(), 17), { operator: 'TELE2', file: 'tele2.csv' });
        assert.deepEqual([first.accepted, first.duplicates, first.quarantined], [10, 0, 1]);
        const again = await ingest.ingest(chunks(file.text(), 1000), { operator: 'TELE2', file: 'tele2.csv' });
        assert.deepEqual([again.accepted, again.duplicates, again.quarantined], [0, 10, 1]);
        await stream.drain();
        assert.equal(
          events.reduce((n, e) => n + e.rows, 0),
          10,
        );

        const journal = await store.journal(0, new Date(0), 100);
        assert.equal(
          journal.reduce((n, b) => n + b.rows, 0),
          10,
        );
        const decoded = journal.map((b) => decodeBatch(b.payload));
        assert.deepEqual(
          decoded.flatMap((b) => Array.from({ length: b.size }, (_, i) => b.row(i).msisdn)).sort(),
          Array.from({ length: 10 }, (_, k) => 77071000000 + k),
        );
        assert.equal(decoded[0].row(0).cellId, 'SHY-1');
        const q = await store.quarantine({ operator: 'TELE2', limit: 10 });
        assert.equal(q.items.length, 1);
        assert.equal(q.items[0].line, 12);
        const uploads = await store.uploads({ operator: 'TELE2', limit: 10 });
        assert.deepEqual(uploads.map((u) => [u.status, u.accepted, u.duplicates]).sort(), [
          ['complete', 0, 10],
          ['complete', 10, 0],
        ]);

        // Retention: journal payloads go first, keys later; then the records are new again.
        const future = new Date(Date.now() + 60_000);
        await store.sweep(future, new Date(0));
        assert.deepEqual(await store.journal(0, new Date(0), 100), []);
        assert.equal((await ingest.ingest(chunks(file.text(), 1000), { operator: 'TELE2', file: 'f' })).duplicates, 10);
        const swept = await store.sweep(future, future);
        assert.equal(swept.keys, 10);
        assert.equal((await ingest.ingest(chunks(file.text(), 1000), { operator: 'TELE2', file: 'f' })).accepted, 10);
      } finally {
        await done();
      }
    });

    it('stores alerts once per kind and number, with suspension requests and the device blocklist', async () => {
      const { sql, done } = await open();
      try {
        await migrate(sql);
        const alerts = createAlertStore(sql);
        const input = {
          kind: 'simbox' as const,
          msisdn: '+77019000000',
          imsi: '401010000000000',
          imei: '861111111111110',
          device: 'box-1',
          score: 0.95,
          evidence: { features: [], rules: ['mostly outgoing voice'] },
          firstSeen: '2025-03-03T03:00:00.000Z',
          lastSeen: '2025-03-03T10:00:00.000Z',
          owner: 'KCELL',
          operators: ['KCELL'],
        };
        const [created] = await alerts.upsert([input]);
        assert.equal(created.created, true);
        assert.deepEqual(await alerts.upsert([input]), [], 'nothing changed: nothing written');
        const [updated] = await alerts.upsert([{ ...input, score: 0.97, operators: ['BEELINE'] }]);
        assert.deepEqual([updated.id, updated.created], [created.id, false]);
        const stored = (await alerts.get(created.id))!;
        assert.deepEqual(stored.operators, ['BEELINE', 'KCELL']);
        assert.equal((await alerts.list({ operator: 'TELE2', limit: 10 })).items.length, 0);
        assert.equal((await alerts.list({ operator: 'KCELL', limit: 10 })).items.length, 1);

        const suspensions = createSuspensionStore(sql);
        const request = await suspensions.request({
          operator: 'KCELL',
          msisdn: stored.msisdn,
          imsi: stored.imsi,
          reason: 'SIM-box',
          alertId: stored.id,
        });
        assert.equal((await suspensions.request({ ...request, operator: 'KCELL' })).id, request.id);
        const pulled = await suspensions.since('KCELL', 0, 10);
        assert.deepEqual(
          pulled.items.map((s) => s.id),
          [request.id],
        );
        assert.equal((await suspensions.since('BEELINE', 0, 10)).items.length, 0);
        assert.equal((await suspensions.ack(request.id, 'rejected', 'corporate SIM', 'KCELL'))?.status, 'rejected');

        const devices = createDeviceBlocklist(sql);
        await devices.add('861111111111110', 'box', stored.id, 'admin');
        const all = await devices.changesSince(0, 100);
        assert.equal(all.added.length, 1);
        assert.equal(await devices.remove('861111111111110', 'admin', 'alr_other'), false);
        assert.equal(await devices.remove('861111111111110', 'admin', stored.id), true);
        assert.deepEqual(await devices.changesSince(all.version, 100), {
          version: all.version + 1,
          added: [],
          removed: ['861111111111110'],
        });
        const figures = await alerts.figures('KCELL');
        assert.equal(figures.sims.found, 1);
        assert.equal(figures.sims.suspensionsRejected, 1);
      } finally {
        await done();
      }
    });
  });
}
