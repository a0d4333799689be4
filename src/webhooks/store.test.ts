/**
 * Warnings per day, as the console's Overview shows them beside `GET /v1/stats`: days are the
 * country's local days (Almaty, UTC+5), not the database's UTC days.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrate, openPglite, type Sql } from '../platform/sql.ts';
import { createWebhookStore } from './store.ts';

describe('webhook deliveries per day', () => {
  let dir: string;
  let sql: Sql;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callshield-webhook-days-'));
    sql = await openPglite(dir);
    await migrate(sql);
  });
  after(async () => {
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('cuts the days at Almaty midnight', async () => {
    const store = createWebhookStore(sql);
    const webhook = await store.create(
      {
        owner: { kind: 'bank', id: 'HALYK' },
        url: 'https://bank.example/hook',
        events: ['potential_victim'],
        secretEnc: 'sealed',
        createdBy: 'test',
      },
      20,
    );
    assert.ok(webhook);
    const item = (eventId: string) => ({ webhookId: webhook.id, eventId, event: 'potential_victim', body: '{}' });
    await store.enqueue([item('evt_late')], Date.parse('2025-03-10T23:59:59+05:00'));
    await store.enqueue([item('evt_midnight'), item('evt_after')], Date.parse('2025-03-11T00:00:00+05:00'));
    const days = await store.perDay('potential_victim', Date.parse('2025-03-01T00:00:00Z'));
    assert.deepEqual(days, [
      { day: '2025-03-10', events: 1, deliveries: 1 },
      { day: '2025-03-11', events: 2, deliveries: 2 },
    ]);
  });
});
