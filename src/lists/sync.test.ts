import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createDeviceBlocklist, createSuspensionStore } from '../alerts/actions-store.ts';
import type { BrandCatalogue } from '../links/check.ts';
import { loadPlan } from '../numbering/plan.ts';
import { migrate, type Sql } from '../platform/sql.ts';
import { createMemoryStream } from '../platform/stream.ts';
import { openTestPglite } from '../platform/test-app.ts';
import { pauseFirstTransaction, postgresTestUrl, withTempSchema } from '../platform/test-support.ts';
import { createSenderRegistry } from '../sms/registry.ts';
import { ListCache } from './cache.ts';
import { createListService } from './service.ts';
import { createListStore } from './store.ts';

const brands = JSON.parse(
  readFileSync(new URL('../../data/brands/kz.json', import.meta.url), 'utf8'),
) as BrandCatalogue;

/** A feed pulled with `?since={version}`: how to write its i-th item, and what a pull delivers. */
interface Feed {
  name: string;
  /** The statement after which a writer's version is taken. */
  versionTaken: RegExp;
  write(sql: Sql, i: number): Promise<unknown>;
  pull(sql: Sql, since: number): Promise<{ version: number; keys: string[]; reset?: boolean }>;
}

const feeds: Feed[] = [
  {
    name: 'GET /v1/lists/{list}',
    versionTaken: /insert into list_changes/,
    write: (sql, i) =>
      createListStore(sql).add('blocklist', [
        { number: `+7701000000${i}`, reason: 'fraud', source: 'api', createdBy: 'test' },
      ]),
    async pull(sql, since) {
      const sync = await createListStore(sql).changesSince('blocklist', since, 1000);
      return { version: sync.version, keys: sync.added.map((e) => e.number), reset: sync.reset };
    },
  },
  {
    name: 'GET /v1/devices/blocklist',
    versionTaken: /insert into device_blocklist_changes/,
    write: (sql, i) => createDeviceBlocklist(sql).add(`86111111111111${i}`, 'box', null, 'test'),
    async pull(sql, since) {
      const sync = await createDeviceBlocklist(sql).changesSince(since, 1000);
      return { version: sync.version, keys: sync.added.map((e) => e.imei), reset: sync.reset };
    },
  },
  {
    name: 'GET /v1/sms-senders',
    versionTaken: /insert into sms_sender_changes/,
    write: (sql, i) =>
      createSenderRegistry(sql, brands).put(`SHOP${i}`, { owner: 'Shop', routes: ['domestic'] }, 'test'),
    async pull(sql, since) {
      const sync = await createSenderRegistry(sql, brands).changesSince(since, 1000);
      return { version: sync.version, keys: sync.added.map((e) => e.senderId), reset: sync.reset };
    },
  },
  {
    name: 'GET /v1/sim-suspensions',
    versionTaken: /insert into sim_suspensions/,
    async write(sql, i) {
      await sql.query(
        `insert into alerts (id, kind, msisdn, score, evidence) values ($1, 'simbox', $2, 0.99, '{}') on conflict do nothing`,
        [`alr_${i}`, `+7701000000${i}`],
      );
      return createSuspensionStore(sql).request({
        operator: 'KCELL',
        msisdn: `+7701000000${i}`,
        imsi: null,
        reason: 'SIM-box',
        alertId: `alr_${i}`,
      });
    },
    async pull(sql, since) {
      const sync = await createSuspensionStore(sql).since('KCELL', since, 1000);
      return { version: sync.version, keys: sync.items.map((s) => s.msisdn.slice(-1)), reset: sync.reset };
    },
  },
];

// PGlite runs one transaction at a time; on PostgreSQL writers run side by side, and a version
// taken early may commit after a later one.
describe('versioned feeds on PostgreSQL with concurrent writers', () => {
  for (const feed of feeds) {
    it(`${feed.name}: a change that commits after a later one still reaches a client pulling meanwhile`, async () => {
      const { sql, done } = await withTempSchema(postgresTestUrl());
      try {
        await migrate(sql);
        await feed.write(sql, 0);
        const start = await feed.pull(sql, 0);
        const slow = pauseFirstTransaction(sql, feed.versionTaken);
        const first = feed.write(slow.sql, 1);
        await Promise.race([slow.reached, first]);
        const second = feed.write(sql, 2);
        // Gives the second writer the chance to commit while the first is still open.
        await Promise.race([second, delay(300)]);
        const meanwhile = await feed.pull(sql, start.version);
        slow.release();
        await Promise.all([first, second]);
        const after = await feed.pull(sql, meanwhile.version);

        const delivered = new Set([...meanwhile.keys, ...after.keys]);
        for (const i of [1, 2]) {
          const key = (await feed.pull(sql, start.version)).keys.find((k) => k.endsWith(String(i)));
          assert.ok(key, `item ${i} is in the feed`);
          assert.ok(delivered.has(key), `item ${i} reached the client pulling with the versions it was given`);
        }
      } finally {
        await done();
      }
    });
  }
});

// Records restored from a backup are behind the versions operators already took: a pull from such
// a version must not stay silent until the log catches up (and miss what changes meanwhile).
describe('versioned feeds pulled from a version the server never reached', () => {
  for (const feed of feeds) {
    it(`${feed.name}: answered with the whole feed from its start, marked reset`, async () => {
      const sql = await openTestPglite();
      try {
        for (const i of [0, 1, 2]) await feed.write(sql, i);
        const copy = await feed.pull(sql, 0);
        assert.equal(copy.reset, undefined);
        assert.equal(copy.keys.length, 3);
        // As the operator's version stands after a restore to a backup taken before its last pulls.
        const ahead = await feed.pull(sql, copy.version + 50);
        assert.equal(ahead.reset, true);
        assert.deepEqual(ahead.keys, copy.keys);
        assert.equal(ahead.version, copy.version, "the version to go on from is the server's own");
        // From there on, changes as usual.
        await feed.write(sql, 3);
        const next = await feed.pull(sql, ahead.version);
        assert.equal(next.reset, undefined);
        assert.equal(next.keys.length, 1);
      } finally {
        await sql.close();
      }
    });
  }
});

describe('list expiry sweep', () => {
  it('keeps an entry added again with a later expiry while the sweep removes the expired one', async () => {
    const sql = await openTestPglite();
    try {
      const store = createListStore(sql);
      const number = '+77071110201';
      const entry = { number, reason: 'temporary', source: 'api', createdBy: 'test' };
      await store.add('blocklist', [{ ...entry, expiresAt: '2020-01-01T00:00:00.000Z' }]);
      const start = await store.changesSince('blocklist', 0, 100);
      // An analyst adds the number again, for a year, at the moment the sweep has found it expired.
      let addedAgain: Promise<unknown> = Promise.resolve();
      const onFound = (text: string) => {
        if (/expires_at <=/.test(text))
          addedAgain = store.add('blocklist', [{ ...entry, expiresAt: '2099-01-01T00:00:00.000Z' }]);
      };
      const watched: Sql = {
        kind: sql.kind,
        close: () => sql.close(),
        async query(text, params) {
          const result = await sql.query(text, params);
          onFound(text);
          return result as never;
        },
        transaction: (work) =>
          sql.transaction((tx) =>
            work({
              async query(text, params) {
                const result = await tx.query(text, params);
                onFound(text);
                return result as never;
              },
            }),
          ),
      };
      const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));
      const lists = createListService({
        plan,
        store: createListStore(watched),
        cache: new ListCache(plan.parse),
        stream: createMemoryStream(() => {}),
        clock: () => Date.parse('2026-01-01T00:00:00Z'),
      });
      assert.equal(await lists.sweepExpired(), 1);
      await addedAgain;

      assert.equal((await store.get('blocklist', number))?.expiresAt, '2099-01-01T00:00:00.000Z');
      const sync = await store.changesSince('blocklist', start.version, 100);
      assert.deepEqual(
        sync.added.map((e) => [e.number, e.expiresAt]),
        [[number, '2099-01-01T00:00:00.000Z']],
      );
      assert.deepEqual(sync.removed, []);
    } finally {
      await sql.close();
    }
  });
});
