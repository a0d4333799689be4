/**
 * Distributed mode as it runs: two screening processes, an ingest and a detect worker, on a fresh
 * schema of the shared PostgreSQL and on PRIVATE redis-server and nats-server processes, which the
 * tests stop and start again (the shared services on 6379 and 4222 are never touched). Node A
 * fails open, node B fails closed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CdrLines } from '../datapath/test-support.ts';
import {
  call,
  callshieldNode,
  eventually,
  type Node,
  type PrivateService,
  startNats,
  startRedis,
  tempDatabase,
} from './harness.ts';

const ADMIN = 'fault-test-admin-token-0123456789';
const KCELL_A = '+77011234567';
const TELE2_B = '+77071234567';

describe('distributed mode under faults', { timeout: 120_000 }, () => {
  let redis: PrivateService;
  let nats: PrivateService;
  let database: Awaited<ReturnType<typeof tempDatabase>>;
  let nodeA: Node;
  let nodeB: Node;
  let ingest: Node;
  let detect: Node;
  const keys: Record<string, string> = {};
  let callNumber = 0;

  const now = () => new Date().toISOString();
  const originate = (node: Node, a: string, b: string, operator = 'KCELL') =>
    call(node.url, 'POST', '/v1/calls/originate', {
      token: keys[operator],
      body: { callId: `c${++callNumber}`, a, b, at: now() },
    });
  const verify = (node: Node, a: string, b: string, extra: Record<string, unknown> = {}) =>
    call(node.url, 'POST', '/v1/calls/verify', {
      token: keys.TELE2,
      body: { callId: `c${++callNumber}`, a, b, at: now(), ingress: 'domestic', ...extra },
      timeoutMs: 2000,
    });
  const health = async (node: Node) => (await call(node.url, 'GET', '/healthz')).body;

  before(async () => {
    [redis, nats, database] = await Promise.all([startRedis(), startNats(), tempDatabase()]);
    const settings = (policy: 'open' | 'closed'): Record<string, string> => ({
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
      CALLSHIELD_ADMIN_TOKEN: ADMIN,
      CALLSHIELD_FAILURE_POLICY: policy,
      CALLSHIELD_LOG_LEVEL: 'warn',
      CALLSHIELD_STATS_FLUSH_MS: '500',
      CALLSHIELD_DETECTION_INTERVAL_SECONDS: '86400',
    });
    nodeA = await callshieldNode('screening', settings('open'));
    nodeB = await callshieldNode('screening', settings('closed'));
    ingest = await callshieldNode('ingest', settings('open'));
    detect = await callshieldNode('detect', settings('open'));
    // The first start migrates the schema; the others then start together.
    await nodeA.start();
    await Promise.all([nodeB.start(), ingest.start(), detect.start()]);
    for (const operator of ['KCELL', 'TELE2', 'BEELINE']) {
      const issued = await call(nodeA.url, 'POST', `/v1/admin/operators/${operator}/keys`, { token: ADMIN, body: {} });
      assert.equal(issued.status, 201, issued.text);
      keys[operator] = issued.body.apiKey as string;
    }
    // Keys issued through A are announced: B, and the ingest node, accept them.
    assert.ok(
      await eventually(async () => (await verify(nodeB, KCELL_A, TELE2_B)).status === 200, 2000),
      'node B accepts a key issued through node A',
    );
  });

  after(async () => {
    await Promise.all([nodeA, nodeB, ingest, detect].map((n) => n?.kill()));
    await Promise.all([redis?.remove(), nats?.remove()]);
    await database?.drop();
  });

  it('confirms on node B a call originated through node A, also when the verify comes first', async () => {
    assert.equal((await originate(nodeA, KCELL_A, TELE2_B)).status, 202);
    const confirmed = await verify(nodeB, KCELL_A, TELE2_B);
    assert.equal(confirmed.body.verdict, 'allow', confirmed.text);
    // The race: the verify waits on B, the originate arrives on A.
    const waiting = verify(nodeB, '+77011234500', TELE2_B);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await originate(nodeA, '+77011234500', TELE2_B);
    assert.equal((await waiting).body.verdict, 'allow');
    // Nobody originated this one.
    const spoofed = await verify(nodeA, '+77011234599', TELE2_B);
    assert.deepEqual(spoofed.body.reasons, ['UNCONFIRMED_ORIGIN']);
  });

  it('brings list, MNP and roaming changes made on one node to the other within a second', async () => {
    const blocked = '+77019990001';
    await originate(nodeA, blocked, TELE2_B);
    const added = await call(nodeA.url, 'POST', '/v1/lists/blocklist/entries', {
      token: ADMIN,
      body: { number: blocked, reason: 'fraud' },
    });
    assert.equal(added.status, 201, added.text);
    assert.ok(
      await eventually(
        async () => ((await verify(nodeB, blocked, TELE2_B)).body.reasons as string[]).includes('BLOCKLISTED_CLI'),
        1000,
      ),
      'node B blocks the number within a second',
    );

    // A Kcell number ported to Beeline: B lets Beeline originate it and no longer Kcell.
    const ported = '+77019990002';
    const moved = await call(nodeA.url, 'PUT', `/v1/admin/mnp/${encodeURIComponent(ported)}`, {
      token: ADMIN,
      body: { operator: 'BEELINE' },
    });
    assert.ok(moved.status < 300, moved.text);
    assert.ok(
      await eventually(async () => (await originate(nodeB, ported, TELE2_B, 'BEELINE')).status === 202, 1000),
      'node B knows the new owner within a second',
    );
    assert.equal((await originate(nodeB, ported, TELE2_B, 'KCELL')).status, 403);

    // A roaming registration made through B lets the subscriber call home through A.
    const traveller = '+77019990003';
    const abroad = await call(nodeB.url, 'PUT', `/v1/roaming/${encodeURIComponent(traveller)}`, {
      token: keys.KCELL,
      body: { visitedCountry: 'TR', since: new Date(Date.now() - 60_000).toISOString() },
    });
    assert.equal(abroad.status, 200, abroad.text);
    assert.ok(
      await eventually(
        async () =>
          ((await verify(nodeA, traveller, TELE2_B, { ingress: 'international' })).body.reasons as string[]).includes(
            'ROAMING_CONFIRMED',
          ),
        1000,
      ),
      'node A sees the roaming registration within a second',
    );
  });

  it('brings a sender-ID registration and its removal made on one node to the other at once', async () => {
    const sms = (node: Node, sender: string) =>
      call(node.url, 'POST', '/v1/sms/verify', {
        token: keys.TELE2,
        body: { messageId: `m${++callNumber}`, sender, b: TELE2_B, at: now(), ingress: 'domestic' },
      });
    const reasonsOf = async (node: Node, sender: string) => (await sms(node, sender)).body.reasons as string[];
    assert.ok((await reasonsOf(nodeB, 'ACMEPOST')).includes('SENDER_ID_UNREGISTERED'));
    const registered = await call(nodeA.url, 'PUT', '/v1/admin/sms-senders/ACMEPOST', {
      token: ADMIN,
      body: { owner: 'Acme Post', routes: ['domestic'] },
    });
    assert.equal(registered.status, 201, registered.text);
    // Long before the periodic re-read (30 s): the registration is announced.
    assert.ok(
      await eventually(async () => (await reasonsOf(nodeB, 'ACMEPOST')).length === 0, 3000),
      'node B knows the registered sender ID',
    );
    const removed = await call(nodeA.url, 'DELETE', '/v1/admin/sms-senders/ACMEPOST', { token: ADMIN });
    assert.equal(removed.status, 204, removed.text);
    assert.ok(
      await eventually(async () => (await reasonsOf(nodeB, 'ACMEPOST')).includes('SENDER_ID_UNREGISTERED'), 3000),
      'node B forgets the removed sender ID',
    );
  });

  it('keeps answering with Redis down, under each node’s policy, says so, and recovers by itself', async () => {
    await redis.stop();
    const open = await verify(nodeA, KCELL_A, TELE2_B);
    assert.equal(open.status, 200);
    assert.equal(open.body.verdict, 'allow', open.text);
    assert.deepEqual(open.body.reasons, ['ORIGIN_CHECK_UNAVAILABLE']);
    const closed = await verify(nodeB, KCELL_A, TELE2_B);
    assert.equal(closed.body.verdict, 'block', closed.text);
    assert.deepEqual(closed.body.reasons, ['ORIGIN_CHECK_UNAVAILABLE']);
    // A number that needs no origin check is decided as usual.
    const international = await verify(nodeB, '+4930123456', TELE2_B, { ingress: 'international' });
    assert.equal(international.body.verdict, 'allow', international.text);
    const refused = await originate(nodeA, KCELL_A, TELE2_B);
    assert.equal(refused.status, 503);
    assert.equal((refused.body.error as { code: string }).code, 'DEPENDENCY_UNAVAILABLE');
    // In a batch, each item says what became of it.
    const batch = await call(nodeA.url, 'POST', '/v1/calls/originate/batch', {
      token: keys.KCELL,
      body: {
        calls: [
          { callId: 'b1', a: KCELL_A, b: TELE2_B, at: now() },
          { callId: 'b2', a: 'not a number', b: TELE2_B, at: now() },
        ],
      },
    });
    assert.equal(batch.status, 200, batch.text);
    assert.deepEqual(
      (batch.body.results as { error: { code: string } }[]).map((r) => r.error.code),
      ['DEPENDENCY_UNAVAILABLE', 'INVALID_NUMBER'],
    );

    const degraded = await health(nodeA);
    assert.equal(degraded.status, 'degraded');
    assert.deepEqual(degraded.down, ['redis']);
    const metrics = (await call(nodeA.url, 'GET', '/metrics', { token: ADMIN })).text;
    assert.match(metrics, /callshield_dependency_up\{[^}]*dependency="redis"[^}]*\} 0/);
    assert.match(metrics, /callshield_dependency_fallbacks_total\{[^}]*operation="origin_check"[^}]*\} [1-9]/);

    await redis.start();
    assert.ok(
      await eventually(
        async () => (await health(nodeA)).status === 'ok' && (await health(nodeB)).status === 'ok',
        10_000,
      ),
      'both nodes see Redis again without a restart',
    );
    assert.equal((await originate(nodeA, KCELL_A, TELE2_B)).status, 202);
    assert.equal((await verify(nodeB, KCELL_A, TELE2_B)).body.verdict, 'allow');
  });

  it('keeps screening with NATS down, and delivers the changes made meanwhile once it is back', async () => {
    await nats.stop();
    assert.ok(
      await eventually(
        async () => ((await health(nodeB)).down as string[] | undefined)?.includes('nats') === true,
        10_000,
      ),
      'node B reports NATS down',
    );
    assert.equal((await verify(nodeB, '+77019990004', TELE2_B)).status, 200);
    const blocked = '+77019990005';
    const added = await call(nodeA.url, 'POST', '/v1/lists/blocklist/entries', {
      token: ADMIN,
      body: { number: blocked, reason: 'fraud, added while NATS was down' },
    });
    assert.equal(added.status, 201, added.text);

    await nats.start();
    assert.ok(
      await eventually(
        async () => ((await verify(nodeB, blocked, TELE2_B)).body.reasons as string[]).includes('BLOCKLISTED_CLI'),
        15_000,
        200,
      ),
      'node B gets the change made while NATS was down',
    );
    assert.ok(await eventually(async () => (await health(nodeB)).status === 'ok', 10_000));
  });

  it('loses no CDR and counts none twice when the detect worker is killed mid-stream', async () => {
    const upload = (part: number) => {
      const lines = new CdrLines('KCELL', part * 1000 + 1);
      for (let i = 0; i < 500; i++) {
        lines.voice(
          `+7701${String(2000000 + ((part * 500 + i) % 3000)).padStart(7, '0')}`,
          'out',
          TELE2_B,
          i,
          30,
          'C1',
        );
      }
      return call(ingest.url, 'POST', `/v1/cdr?file=part-${part}.csv`, {
        token: keys.KCELL,
        raw: lines.text(),
        contentType: 'text/csv',
        timeoutMs: 20_000,
      });
    };
    const status = async () =>
      (await call(detect.url, 'GET', '/v1/detection/status', { token: ADMIN })).body as { cdrsReceived: number };

    let accepted = 0;
    for (let part = 0; part < 6; part++) {
      if (part === 3) await detect.kill();
      const r = await upload(part).catch((error) => {
        throw new Error(`upload failed: ${error}\n${ingest.output().slice(-3000)}`);
      });
      assert.equal(r.status, 200, r.text);
      accepted += r.body.accepted as number;
    }
    // Sent again: the ingest de-duplication counts it once.
    const again = await upload(1);
    assert.equal(again.body.accepted, 0);
    assert.equal(again.body.duplicates, 500);

    await detect.start();
    assert.equal(accepted, 3000);
    assert.ok(
      await eventually(async () => (await status()).cdrsReceived >= accepted, 20_000, 200),
      'the restarted worker has every accepted CDR',
    );
    // Later deliveries (redelivered stream messages) must not count again.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal((await status()).cdrsReceived, accepted);
  });
});
