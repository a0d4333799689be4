/**
 * The figures of GET /v1/stats checked as a regulator checks them against an operator's own
 * counts: every decision once, by verdict, reason, operator, channel and Almaty day, and since
 * launch, across a restart on the same records.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { migrate, openPglite, type Sql } from '../platform/sql.ts';
import { testAdminToken as admin } from '../platform/test-app.ts';

/** 2025-03-10 23:59:59 in Almaty. */
const lastSecondOfDay = Date.parse('2025-03-10T23:59:59+05:00');

let dir: string;
let sql: Sql;
let t: TestApp | undefined;
let seq = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'callshield-stats-'));
  sql = await openPglite(dir);
  await migrate(sql);
});
after(async () => {
  await t?.close();
  await sql.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The apps' clock: it stands still where the test puts it. */
let now = 0;

/** An app on the records of the test (a restart is another app on the same data dir). */
async function start() {
  const config = loadConfig(
    {
      logLevel: 'silent',
      adminToken: admin,
      dataDir: dir,
      statsFlushMs: 60_000,
      policy: { actions: {}, shadow: ['UNALLOCATED_CLI'], labelInternational: true },
    },
    {},
  );
  const app = await createApp(config, { sql, clock: () => now, scryptCost: { N: 1024, r: 8, p: 1 } });
  const request = (method: string, url: string, token: string, body?: unknown) =>
    app.http.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    request,
    async keyFor(operator: string): Promise<string> {
      return (await request('POST', `/v1/admin/operators/${operator}/keys`, admin, {})).json().apiKey;
    },
    close: () => app.close(),
  };
}
type TestApp = Awaited<ReturnType<typeof start>>;

const call = (a: string, at: number, ingress: string) => ({
  callId: `c-${++seq}`,
  a,
  b: '+77771110000',
  at: new Date(at).toISOString(),
  ingress,
});
const message = (at: number) => ({
  messageId: `m-${++seq}`,
  sender: '+77011234567',
  b: '+77771234567',
  at: new Date(at).toISOString(),
  ingress: 'domestic',
});

type Stats = {
  totals: Record<string, number>;
  byReason: Record<string, number>;
  byOperator: Record<string, Record<string, number>>;
  series: ({ t: string } & Record<string, number>)[];
  sinceLaunch: Record<string, number> & { byReason: Record<string, number>; messages: Record<string, number> };
  messages: { totals: Record<string, number>; series: ({ t: string } & Record<string, number>)[] };
};
const stats = async (app: TestApp, query: string): Promise<Stats> => {
  const r = await app.request('GET', `/v1/stats?${query}`, admin);
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
};

const post = (token: string, url: string, body: unknown) => t!.request('POST', url, token, body);

describe('stats against the decisions', () => {
  it('counts each decision once, by Almaty day, and keeps the counts over a restart', async () => {
    t = await start();
    const [beeline, kcell] = [await t.keyFor('BEELINE'), await t.keyFor('KCELL')];
    // 23:59:59 on 10 March in Almaty: a foreign call labelled, a spoofed domestic one blocked, a
    // call from an unallocated number (shadow: allowed, counted), a message, and a refused verify.
    now = lastSecondOfDay;
    const day1 = [
      await post(beeline, '/v1/calls/verify', call('+4930123456', now, 'international')),
      await post(beeline, '/v1/calls/verify', call('+77011234567', now, 'international')),
      await post(beeline, '/v1/calls/verify', call('+77991234567', now, 'domestic')),
      await post(kcell, '/v1/sms/verify', message(now)),
      await post(beeline, '/v1/calls/verify', { callId: 'x', a: '+7701', b: 'zz' }),
    ];
    assert.deepEqual(
      day1.map((r) => r.statusCode),
      [200, 200, 200, 200, 400],
    );
    assert.deepEqual(
      day1.slice(0, 3).map((r) => [r.json().verdict, r.json().shadow]),
      [
        ['label', false],
        ['block', false],
        ['allow', true],
      ],
    );
    // 00:00:00 on 11 March: a batch of two good calls and a bad one.
    now = lastSecondOfDay + 1000;
    const batch = await post(kcell, '/v1/calls/verify/batch', {
      calls: [
        call('+4930123457', now, 'international'),
        call('+77051234567', now, 'international'),
        { callId: 'bad', a: '+77011234567' },
      ],
    });
    assert.equal(batch.statusCode, 200, batch.body);
    assert.equal(batch.json().results[2].error.code, 'VALIDATION_FAILED');

    const from = new Date(lastSecondOfDay - 2 * 86_400_000).toISOString();
    const to = new Date(lastSecondOfDay + 2 * 86_400_000).toISOString();
    const check = async (app: TestApp) => {
      const s = await stats(app, `groupBy=day&from=${from}&to=${to}`);
      const { screened, allowed, blocked, labelled, shadow } = s.totals;
      assert.deepEqual(
        { screened, allowed, blocked, labelled, shadow },
        {
          screened: 5,
          allowed: 1,
          blocked: 2,
          labelled: 2,
          shadow: 1,
        },
      );
      assert.equal(s.byReason.SPOOFED_DOMESTIC_FROM_ABROAD, 2);
      assert.equal(s.byReason.UNALLOCATED_CLI, 1);
      assert.equal(s.byOperator.BEELINE.screened, 3);
      assert.equal(s.byOperator.KCELL.screened, 2);
      // Almaty days: a day's bucket is the instant it starts (19:00 UTC the day before).
      assert.deepEqual(
        s.series.map((p) => [p.t, p.screened, p.blocked]),
        [
          ['2025-03-09T19:00:00.000Z', 3, 1],
          ['2025-03-10T19:00:00.000Z', 2, 1],
        ],
      );
      assert.equal(s.messages.totals.screened, 1);
      assert.deepEqual(
        s.messages.series.map((p) => p.t),
        ['2025-03-09T19:00:00.000Z'],
      );
      const { sinceLaunch } = s;
      assert.deepEqual(
        [sinceLaunch.screened, sinceLaunch.allowed, sinceLaunch.blocked, sinceLaunch.labelled, sinceLaunch.shadow],
        [5, 1, 2, 2, 1],
      );
      assert.equal(sinceLaunch.byReason.SPOOFED_DOMESTIC_FROM_ABROAD, 2);
      assert.equal(sinceLaunch.messages.screened, 1);
      // By the hour the figures are the same, in UTC hours.
      const hourly = await stats(app, `groupBy=hour&from=${from}&to=${to}`);
      assert.deepEqual(
        hourly.series.map((p) => [p.t, p.screened]),
        [
          ['2025-03-10T18:00:00.000Z', 3],
          ['2025-03-10T19:00:00.000Z', 2],
        ],
      );
    };
    await check(t);
    // Asking again counts nothing twice.
    await check(t);
    await t.close();
    // A restart on the same records keeps every count, none twice.
    t = await start();
    await check(t);
    await t.close();
    t = undefined;
  });
});
