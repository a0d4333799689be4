import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate, type Sql } from '../platform/sql.ts';
import { openTestPglite } from '../platform/test-app.ts';
import { postgresTestUrl, withTempSchema } from '../platform/test-support.ts';
import type { Decision } from '../screening/types.ts';
import { SpoofingCampaigns } from './aggregator.ts';
import { persistCampaigns } from './store.ts';
import { spoofedCall } from './test-support.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.UTC(2025, 2, 10, 12, 30);

/** A week of campaigns: a bank number spoofed hourly, a burst of 100 numbers, shadow blocks, odd carrier names. */
function aWeek(): Decision[] {
  const decisions: Decision[] = [];
  for (let h = 0; h < 7 * 24 - 1; h += 5) {
    decisions.push(spoofedCall(now - h * HOUR, '+77272500000', 'CARRIER-X'));
    decisions.push(spoofedCall(now - h * HOUR - 60_000, '+77272500000', 'CARRIER-X', { operator: 'BEELINE' }));
  }
  // More distinct numbers than the sketch holds exactly: its count is an estimate.
  for (let k = 0; k < 100; k++)
    decisions.push(spoofedCall(now - 2 * HOUR + k * 1000, `+7701555${1000 + k}`, 'CARRIER-Y'));
  decisions.push(spoofedCall(now - HOUR, '+77011110000', 'Транзит "9" \\ ltd', { reasons: ['UNCONFIRMED_ORIGIN'] }));
  decisions.push(spoofedCall(now - HOUR, '+77011110000', undefined, { verdict: 'allow', shadowVerdict: 'block' }));
  // Not a blocked spoofing call: ignored.
  decisions.push(spoofedCall(now, '+77011110001', 'CARRIER-Z', { reasons: ['DNO_CLI'] }));
  // Older than the window.
  decisions.push(spoofedCall(now - 8 * DAY, '+77011110002', 'CARRIER-OLD'));
  return decisions;
}

/** A store that can be made to fail, as a PostgreSQL that went away does. */
function breakable(sql: Sql): { sql: Sql; broken: boolean } {
  const control: { sql: Sql; broken: boolean } = {
    broken: false,
    sql: {
      kind: sql.kind,
      query: (text, params) => (control.broken ? Promise.reject(new Error('store down')) : sql.query(text, params)),
      transaction: (work) => (control.broken ? Promise.reject(new Error('store down')) : sql.transaction(work)),
      close: () => sql.close(),
    },
  };
  return control;
}

const adapters: [string, () => Promise<{ sql: Sql; done: () => Promise<void> }>][] = [
  [
    'pglite',
    async () => {
      const sql = await openTestPglite();
      return { sql, done: () => sql.close() };
    },
  ],
  [
    'postgres',
    async () => {
      const store = await withTempSchema(postgresTestUrl());
      await migrate(store.sql);
      return store;
    },
  ],
];

for (const [name, open] of adapters) {
  describe(`spoofing campaigns in the records store on ${name}`, () => {
    let sql: Sql;
    let done: () => Promise<void>;
    before(async () => {
      ({ sql, done } = await open());
    });
    after(() => done());
    const clock = () => now;
    const failures: string[] = [];
    const onError = (_error: unknown, what: string) => void failures.push(what);

    it('a restart keeps the report', async () => {
      await sql.query('delete from campaign_hours');
      const first = new SpoofingCampaigns({ topNumbersPerHour: 50 });
      const firstStore = persistCampaigns({ campaigns: first, sql, clock, onError });
      first.add(aWeek());
      await firstStore.close();
      // A row from before the window, left by an older node.
      await sql.query(`insert into campaign_hours (hour, calls, state) values ($1, 1, '{}')`, [
        new Date(now - 9 * DAY),
      ]);

      const second = new SpoofingCampaigns({ topNumbersPerHour: 50 });
      const secondStore = persistCampaigns({ campaigns: second, sql, clock, onError });
      assert.equal(await secondStore.load(), 36);
      for (const [hours, limit] of [
        [168, 200],
        [3, 20],
        [1, 1],
      ])
        assert.deepEqual(second.report(now, hours, limit), first.report(now, hours, limit));
      const week = second.report(now, 168);
      assert.equal(week.calls, 2 * 34 + 100 + 2);
      assert.deepEqual(
        week.topCarriers.map((c) => [c.carrier, c.calls, c.distinctNumbers]),
        [
          ['CARRIER-Y', 100, first.report(now, 168).topCarriers[0].distinctNumbers],
          ['CARRIER-X', 68, 1],
          ['Транзит "9" \\ ltd', 1, 1],
          ['unknown', 1, 1],
        ],
      );
      assert.deepEqual(week.topCarriers[1].victims, { KCELL: 34, BEELINE: 34 });
      // Rows older than the window are gone.
      const { rows } = await sql.query<{ n: number }>('select count(*)::int as n from campaign_hours');
      assert.equal(rows[0].n, 36);

      // Counting goes on from the restored figures; a restored hour is written again when it changes.
      second.add([
        spoofedCall(now, '+77272500000', 'CARRIER-X'),
        spoofedCall(now - 2 * HOUR, '+77015551000', 'CARRIER-Y'),
      ]);
      await secondStore.close();
      const third = new SpoofingCampaigns({ topNumbersPerHour: 50 });
      await persistCampaigns({ campaigns: third, sql, clock, onError }).load();
      const later = third.report(now, 168);
      assert.equal(later.calls, week.calls + 2);
      assert.deepEqual(later.topNumbers[0], { number: '+77272500000', calls: 69 });
      assert.deepEqual(later, second.report(now, 168));
      // The distinct numbers of a restored hour are a floor: one number seen again does not lower them.
      assert.equal(later.topCarriers[0].distinctNumbers, week.topCarriers[0].distinctNumbers);
      assert.deepEqual(failures, []);
    });

    it('a node that saw fewer calls of an hour does not overwrite the stored one', async () => {
      await sql.query('delete from campaign_hours');
      const busy = new SpoofingCampaigns();
      const late = new SpoofingCampaigns();
      const busyStore = persistCampaigns({ campaigns: busy, sql, clock, onError });
      const lateStore = persistCampaigns({ campaigns: late, sql, clock, onError });
      const calls = Array.from({ length: 5 }, (_, k) => spoofedCall(now - k * 60_000, '+77272500000', 'CARRIER-X'));
      busy.add(calls);
      late.add(calls.slice(0, 3));
      await busyStore.flush();
      await lateStore.flush();
      const read = async () => {
        const fresh = new SpoofingCampaigns();
        await persistCampaigns({ campaigns: fresh, sql, clock, onError }).load();
        return fresh.report(now, 1).calls;
      };
      assert.equal(await read(), 5);
      // Once it has seen more, its hour replaces the stored one.
      late.add([
        spoofedCall(now, '+77272500001', 'CARRIER-X'),
        spoofedCall(now, '+77272500002', 'CARRIER-X'),
        ...calls,
      ]);
      await lateStore.flush();
      assert.equal(await read(), 10);
      await busyStore.flush();
      assert.equal(await read(), 10);
    });

    it('a failed flush keeps the changed hours for the next one', async () => {
      await sql.query('delete from campaign_hours');
      const store = breakable(sql);
      const campaigns = new SpoofingCampaigns();
      const persistence = persistCampaigns({ campaigns, sql: store.sql, clock, onError });
      campaigns.add([spoofedCall(now - HOUR, '+77272500000', 'CARRIER-X')]);
      store.broken = true;
      await assert.rejects(persistence.flush(), /store down/);
      // What arrives meanwhile is written with them.
      campaigns.add([spoofedCall(now, '+77272500000', 'CARRIER-X')]);
      await assert.rejects(persistence.flush(), /store down/);
      // Closing on a store that is down reports the failure instead of throwing.
      failures.length = 0;
      await persistence.close();
      assert.deepEqual(failures, ['campaigns flush']);

      store.broken = false;
      await persistence.flush();
      const restored = new SpoofingCampaigns();
      assert.equal(await persistCampaigns({ campaigns: restored, sql, clock, onError }).load(), 2);
      assert.deepEqual(restored.report(now, 24), campaigns.report(now, 24));
      // Nothing changed since: the next flush writes nothing.
      assert.deepEqual(campaigns.takeChanged(), []);
    });
  });
}
