import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { eventually, startRedis, tcpProxy } from '../distributed/harness.ts';
import { redisTestPrefix, redisTestUrl } from '../distributed/test-support.ts';
import { openRedis, type RedisConnection } from '../platform/redis.ts';
import { type BurstCounter, createMemoryBurstCounter } from './burst.ts';
import { createRedisBurstCounter } from './burst-redis.ts';
import { guardBurstCounter, guardOriginRegistry } from './hot-state-guard.ts';
import { createMemoryOriginRegistry, type OriginRegistry, type OriginRegistryOptions } from './origins.ts';
import { createRedisOriginRegistry } from './origins-redis.ts';

const A = 77_011_234_567;
const B = 77_771_234_567;
const TTL = 30_000;
const WINDOW = 60_000;
let calls = 0;
/** A callId of its own: each originate of these tests is another call unless it says otherwise. */
const call = () => `call-${++calls}`;

/** One "platform" of the hot state: nodes opened on it share it (for Redis, across processes). */
interface HotState {
  /** A screening node's registry and counter, on the shared clock. */
  node(): Promise<{ origins: OriginRegistry; bursts: BurstCounter }>;
  /** Nodes of one platform see each other's registrations. */
  shared: boolean;
  advance(ms: number): void;
  close(): Promise<void>;
}

function clockAt(start: number) {
  let now = start;
  return {
    clock: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

// The third element says whether nodes share the state: cross-node tests exist only where they do.
// `maxConfirmations` is what each registration confirms (3 unless a test says otherwise).
const adapters: [string, (maxConfirmations: number) => Promise<HotState>, boolean][] = [
  [
    'memory',
    async (maxConfirmations) => {
      const { clock, advance } = clockAt(Date.now());
      const options: OriginRegistryOptions = { ttlMs: TTL, maxConfirmations, clock };
      const origins = createMemoryOriginRegistry(options);
      const bursts = createMemoryBurstCounter(WINDOW);
      return {
        shared: false,
        node: async () => ({ origins, bursts }),
        advance,
        async close() {
          origins.close();
          bursts.close();
        },
      };
    },
    false,
  ],
  [
    'redis',
    async (maxConfirmations) => {
      const { clock, advance } = clockAt(Date.now());
      const { prefix, cleanup } = redisTestPrefix();
      const connections: RedisConnection[] = [];
      const nodes: OriginRegistry[] = [];
      return {
        shared: true,
        async node() {
          const redis = await openRedis(redisTestUrl(), { commandTimeoutMs: 1000 });
          connections.push(redis);
          const origins = await createRedisOriginRegistry(redis, { ttlMs: TTL, maxConfirmations, clock, prefix });
          nodes.push(origins);
          return { origins, bursts: createRedisBurstCounter(redis, WINDOW, prefix) };
        },
        advance,
        async close() {
          for (const n of nodes) await n.close();
          for (const c of connections) await c.close();
          await cleanup();
        },
      };
    },
    true,
  ],
];

for (const [name, open, sharedAcrossNodes] of adapters) {
  describe(`hot state on ${name}`, () => {
    const opened: HotState[] = [];
    const start = async (maxConfirmations = 3) => {
      const state = await open(maxConfirmations);
      opened.push(state);
      return state;
    };
    after(async () => {
      for (const s of opened) await s.close();
    });

    it('confirms a registration for its operator only', async () => {
      const state = await start();
      const { origins } = await state.node();
      await origins.register(A, B, 'KCELL', call());
      assert.equal(await origins.consume(A, B, 'BEELINE'), false);
      assert.equal(await origins.consume(B, A, 'KCELL'), false);
      assert.equal(await origins.consume(A, B, 'KCELL'), true);
    });

    it('confirms a bounded number of verifications, so a registration cannot be replayed', async () => {
      const state = await start();
      const { origins } = await state.node();
      await origins.register(A, B, 'KCELL', call());
      const taken = [];
      for (let i = 0; i < 4; i++) taken.push(await origins.consume(A, B, 'KCELL'));
      assert.deepEqual(taken, [true, true, true, false]);
    });

    it('lets a registration expire', async () => {
      const state = await start();
      const { origins } = await state.node();
      await origins.register(A, B, 'KCELL', call());
      state.advance(TTL + 1);
      assert.equal(await origins.consume(A, B, 'KCELL'), false);
      await origins.register(A, B, 'KCELL', call());
      state.advance(TTL - 1000);
      assert.equal(await origins.consume(A, B, 'KCELL'), true);
    });

    it('waits for a registration that arrives late, and gives up without one', async () => {
      const state = await start();
      const { origins } = await state.node();
      const waiting = origins.waitFor(A, B, 'KCELL', 2000);
      await new Promise((resolve) => setTimeout(resolve, 30));
      await origins.register(A, B, 'KCELL', call());
      assert.equal(await waiting, true);
      // The waiter took one of the registration's confirmations.
      assert.equal(await origins.consume(A, B, 'KCELL'), true);
      assert.equal(await origins.consume(A, B, 'KCELL'), true);
      assert.equal(await origins.consume(A, B, 'KCELL'), false);
      assert.equal(await origins.waitFor(A, B + 1, 'KCELL', 50), false);
    });

    it('answers many verifies asked at once, each on its own registration', async () => {
      const state = await start();
      const { origins } = await state.node();
      // Even callers registered beforehand; caller 3 registers while waiting; the rest never do.
      for (let i = 0; i < 40; i += 2) await origins.register(A + i, B, 'KCELL', call());
      const asked = Array.from({ length: 40 }, (_, i) => origins.waitFor(A + i, B, 'KCELL', i === 3 ? 2000 : 100));
      await new Promise((resolve) => setTimeout(resolve, 30));
      await origins.register(A + 3, B, 'KCELL', call());
      const answers = await Promise.all(asked);
      assert.deepEqual(
        answers.map((confirmed, i) => (confirmed ? i : -1)).filter((i) => i >= 0),
        [...Array.from({ length: 20 }, (_, k) => 2 * k), 3].sort((x, y) => x - y),
      );
      // Each confirmed verify took one confirmation of its own registration only.
      assert.equal(await origins.consume(A, B, 'KCELL'), true);
      assert.equal(await origins.consume(A + 1, B, 'KCELL'), false);
    });

    it('counts an originate sent again with the same callId once, so no confirmation is left for a spoofed call', async () => {
      const state = await start(1);
      const { origins } = await state.node();
      await origins.register(A, B, 'KCELL', 'k-1');
      // The switch sends it again: its first answer was lost.
      await origins.register(A, B, 'KCELL', 'k-1');
      assert.equal(await origins.consume(A, B, 'KCELL'), true, 'the call is confirmed');
      assert.equal(await origins.consume(A, B, 'KCELL'), false, 'a second call of a→b is not');
    });

    it('confirms two calls of the same a→b with their own callIds, and a retry of either adds none', async () => {
      const state = await start(1);
      const { origins } = await state.node();
      await origins.register(A, B, 'KCELL', 'k-1');
      await origins.register(A, B, 'KCELL', 'k-2');
      await origins.register(A, B, 'KCELL', 'k-1');
      // callIds are each operator's own: the same id from another operator is another call.
      await origins.register(A, B, 'TELE2', 'k-1');
      const taken = [];
      for (let i = 0; i < 3; i++) taken.push(await origins.consume(A, B, 'KCELL'));
      assert.deepEqual(taken, [true, true, false]);
      assert.equal(await origins.consume(A, B, 'TELE2'), true);
    });

    it('counts a retry once also when a waiting verify took the registration at once', async () => {
      const state = await start(1);
      const { origins } = await state.node();
      const waiting = origins.waitFor(A, B, 'KCELL', 2000);
      await new Promise((resolve) => setTimeout(resolve, 30));
      await origins.register(A, B, 'KCELL', 'k-1');
      assert.equal(await waiting, true);
      await origins.register(A, B, 'KCELL', 'k-1');
      assert.equal(await origins.consume(A, B, 'KCELL'), false);
    });

    it('remembers a callId as long as its registration lives, and no longer', async () => {
      const state = await start(1);
      const { origins } = await state.node();
      await origins.register(A, B, 'KCELL', 'k-1');
      state.advance(TTL - 1000);
      // A late retry of a live registration neither adds a confirmation nor makes it live longer.
      await origins.register(A, B, 'KCELL', 'k-1');
      state.advance(2000);
      assert.equal(await origins.consume(A, B, 'KCELL'), false);
      // Once expired, the same callId registers again (the registration it repeated is gone).
      await origins.register(A, B, 'KCELL', 'k-1');
      assert.equal(await origins.consume(A, B, 'KCELL'), true);
      assert.equal(await origins.consume(A, B, 'KCELL'), false);
    });

    // A single process has nothing to share: these tests exist for the shared adapters only.
    const acrossNodes = sharedAcrossNodes ? it : () => {};
    /** A node's burst counts sent to the platform now, as its timer does every 100 ms. */
    const sync = async (node: { bursts: BurstCounter }) => {
      const counter = node.bursts as { sync?: () => Promise<boolean> };
      if (counter.sync) await syncAll(counter as { sync: () => Promise<boolean> });
    };

    acrossNodes('confirms on one node what was registered through another', async () => {
      const state = await start();
      const nodeA = await state.node();
      const nodeB = await state.node();
      await nodeA.origins.register(A, B, 'KCELL', call());
      assert.equal(await nodeB.origins.consume(A, B, 'KCELL'), true);
      // A verify waiting on node B is woken by an originate through node A.
      const waiting = nodeB.origins.waitFor(A, B + 7, 'TELE2', 3000);
      await new Promise((resolve) => setTimeout(resolve, 30));
      await nodeA.origins.register(A, B + 7, 'TELE2', call());
      assert.equal(await waiting, true);
    });

    acrossNodes('counts once an originate sent again through another node', async () => {
      const state = await start(1);
      const nodeA = await state.node();
      const nodeB = await state.node();
      await nodeA.origins.register(A, B, 'KCELL', 'k-1');
      await nodeB.origins.register(A, B, 'KCELL', 'k-1');
      assert.equal(await nodeB.origins.consume(A, B, 'KCELL'), true);
      assert.equal(await nodeA.origins.consume(A, B, 'KCELL'), false);
    });

    it('counts bursts of one number over a sliding window', async () => {
      const state = await start();
      const { bursts } = await state.node();
      const base = Math.floor(Date.now() / WINDOW) * WINDOW;
      const counts = [];
      for (let i = 0; i < 5; i++) counts.push(await bursts.hit(A, base + 1000));
      assert.deepEqual(counts, [1, 2, 3, 4, 5]);
      assert.equal(await bursts.hit(B, base + 1000), 1);
      // Half-way through the next window, half of the previous one still counts.
      assert.equal(await bursts.hit(A, base + WINDOW + WINDOW / 2), 1 + Math.floor(5 * 0.5));
      // Two windows later nothing of it is left.
      assert.equal(await bursts.hit(A, base + 3 * WINDOW + 10), 1);
    });

    acrossNodes('counts the platform, not the node', async () => {
      const state = await start();
      const nodeA = await state.node();
      const nodeB = await state.node();
      const now = Date.now();
      await nodeA.bursts.hit(A, now);
      await nodeA.bursts.hit(A, now);
      await sync(nodeA);
      // Node B counts its own call at once and learns the platform's total at its next sync
      // (every 100 ms): no call waits for Redis.
      assert.equal(await nodeB.bursts.hit(A, now), 1);
      await sync(nodeB);
      assert.equal(await nodeB.bursts.hit(A, now), 4);
      await sync(nodeB);
      // Node A, likewise, learns of B's calls with its next call's sync.
      assert.equal(await nodeA.bursts.hit(A, now), 3);
      await sync(nodeA);
      assert.equal(await nodeA.bursts.hit(A, now), 6);
    });

    acrossNodes(
      "weighs the platform's previous window in, on a node that first sees the number early or late in a window",
      async () => {
        const state = await start();
        const nodeA = await state.node();
        const nodeB = await state.node();
        const nodeC = await state.node();
        const base = Math.floor(Date.now() / WINDOW) * WINDOW;
        for (let i = 0; i < 8; i++) await nodeA.bursts.hit(A, base + 1000);
        await sync(nodeA);
        // Node B's first call of the number comes right after the window turned.
        const early = base + WINDOW + 100;
        assert.equal(await nodeB.bursts.hit(A, early), 1);
        await sync(nodeB);
        // Node A's last two calls of the old window reach Redis after B first read it.
        await nodeA.bursts.hit(A, base + 2000);
        await nodeA.bursts.hit(A, base + 2000);
        await sync(nodeA);
        // B learns of them at the sync after its next call, the window still young.
        await nodeB.bursts.hit(A, early);
        await sync(nodeB);
        // Its own three calls of this window, and all 10 of the previous one but for 0.17 % of it.
        assert.equal(await nodeB.bursts.hit(A, early), 3 + Math.floor(10 * (1 - 100 / WINDOW)));
        // Node C's first call of the number comes three quarters into the window.
        const late = base + WINDOW + (3 * WINDOW) / 4;
        assert.equal(await nodeC.bursts.hit(A, late), 1);
        await sync(nodeB);
        await sync(nodeC);
        // B's 3 and C's 1 of this window, C's next included, and a quarter of the previous 10.
        assert.equal(await nodeC.bursts.hit(A, late), 5 + 2);
      },
    );

    acrossNodes('counts the platform for each of a thousand numbers called in one sync', async () => {
      const state = await start();
      const nodeA = await state.node();
      const nodeB = await state.node();
      const now = Date.now();
      const numbers = Array.from({ length: 1000 }, (_, i) => A + 1 + i);
      // Node A calls each number as many times as its place in the list modulo 3, plus one.
      for (const [i, n] of numbers.entries()) for (let k = 0; k <= i % 3; k++) await nodeA.bursts.hit(n, now);
      await sync(nodeA);
      for (const n of numbers) await nodeB.bursts.hit(n, now);
      await sync(nodeB);
      for (const [i, n] of numbers.entries()) assert.equal(await nodeB.bursts.hit(n, now), (i % 3) + 3, `number ${i}`);
    });
  });
}

/**
 * Syncs a Redis burst counter until all it counted reached Redis: on a loaded machine one sync can
 * time out and leave its counts for the next (which is what the counter does by itself).
 */
async function syncAll(counter: { sync: () => Promise<boolean> }): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) if (await counter.sync()) return;
  assert.fail('the counts did not reach Redis in 50 syncs');
}

describe('burst counts in Redis', () => {
  it('gives each window of counts a lifetime in Redis, so that no count outlives the window after it', async () => {
    const { prefix, cleanup } = redisTestPrefix();
    const redis = await openRedis(redisTestUrl(), { commandTimeoutMs: 1000 });
    const bursts = createRedisBurstCounter(redis, WINDOW, prefix);
    try {
      // Counts go to Redis on the second client, which connects on its own.
      while (redis.relaxed.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 10));
      const now = Date.now();
      const lifetime = 2 * WINDOW + 1000;
      await bursts.hit(A, now);
      await syncAll(bursts);
      const [key] = await redis.client.keys(`${prefix}burst:${A}:*`);
      assert.ok(key, 'the window was counted in Redis');
      const first = await redis.client.pttl(key);
      assert.ok(first > lifetime - 5000 && first <= lifetime, `lifetime ${first} ms`);
      await bursts.hit(A, now);
      await syncAll(bursts);
      assert.equal(await redis.client.get(key), '2');
      // Added to, the window still expires.
      const second = await redis.client.pttl(key);
      assert.ok(second > 0 && second <= lifetime, `lifetime ${second} ms`);
    } finally {
      bursts.close();
      await redis.close();
      await cleanup();
    }
  });
});

describe('burst counts with Redis away', () => {
  it('go on counting on the node, and reach the platform once Redis is back', async () => {
    // A PRIVATE redis-server, killed and started again (the shared one is never touched).
    const server = await startRedis();
    const redis = await openRedis(server.url, { commandTimeoutMs: 200 });
    const counter = createRedisBurstCounter(redis, WINDOW, 'cs:');
    const fallbacks: string[] = [];
    const bursts = guardBurstCounter(counter, redis, (operation) => fallbacks.push(operation));
    try {
      while (redis.relaxed.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 10));
      const now = Date.now();
      assert.equal(await bursts.hit(A, now), 1);
      assert.equal(await bursts.hit(A, now), 2);
      await syncAll(counter);

      await server.stop();
      assert.ok(await eventually(async () => !redis.up, 5000), 'the connection counts Redis down');
      // A burst through this node alone is still a burst: its calls go on adding up.
      const during = [];
      for (let i = 0; i < 3; i++) during.push(await bursts.hit(A, now));
      assert.deepEqual(during, [3, 4, 5]);
      assert.ok(fallbacks.includes('burst_count'), 'counting without the platform is reported');
      await counter.sync();

      // The new server starts empty: it gets the calls counted while it was away.
      await server.start();
      assert.ok(await eventually(async () => redis.up && redis.relaxed.status === 'ready', 10_000));
      await syncAll(counter);
      const [key] = await redis.client.keys(`cs:burst:${A}:*`);
      assert.ok(key, 'the calls counted during the outage reached Redis');
      assert.equal(await redis.client.get(key), '3');
    } finally {
      bursts.close();
      await redis.close();
      await server.remove();
    }
  });
});

describe('burst counts with Redis slow', () => {
  it('count each call once when a sync’s answer comes too late and the counts are sent again', async () => {
    // The shared Redis behind a proxy of the test's own, which holds Redis's answers back.
    const { prefix, cleanup } = redisTestPrefix();
    const proxy = await tcpProxy(Number(new URL(redisTestUrl()).port || 6379));
    const redis = await openRedis(`redis://127.0.0.1:${proxy.port}`, { commandTimeoutMs: 200 });
    const counter = createRedisBurstCounter(redis, WINDOW, prefix);
    try {
      while (redis.relaxed.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 10));
      const now = Date.now();
      for (let i = 0; i < 5; i++) await counter.hit(A, now);
      await syncAll(counter);

      // Redis adds these five calls, but its answer arrives after the sync gave up on it.
      proxy.hold();
      for (let i = 0; i < 5; i++) await counter.hit(A, now);
      await counter.sync();
      proxy.release();
      assert.ok(await eventually(async () => redis.up && redis.relaxed.status === 'ready', 10_000));
      await syncAll(counter);

      const [key] = await redis.client.keys(`${prefix}burst:${A}:*`);
      assert.equal(await redis.client.get(key), '10', 'the platform counts ten calls, not fifteen');
      // The eleventh call is the eleventh: a number is not taken for a burst for calls it never made.
      assert.equal(await counter.hit(A, now), 11);
    } finally {
      counter.close();
      await redis.close();
      await proxy.close();
      await cleanup();
    }
  });
});

describe('origin registrations with Redis slow', () => {
  it('count an originate once when its answer came too late and the switch sends it again', async () => {
    // The shared Redis behind a proxy of the test's own, which holds Redis's answers back.
    const { prefix, cleanup } = redisTestPrefix();
    const proxy = await tcpProxy(Number(new URL(redisTestUrl()).port || 6379));
    const redis = await openRedis(`redis://127.0.0.1:${proxy.port}`, { commandTimeoutMs: 200 });
    const raw = await createRedisOriginRegistry(redis, { ttlMs: TTL, maxConfirmations: 1, clock: Date.now, prefix });
    const fallbacks: string[] = [];
    const origins = guardOriginRegistry(raw, redis, (operation) => fallbacks.push(operation));
    try {
      while (redis.relaxed.status !== 'ready') await new Promise((resolve) => setTimeout(resolve, 10));
      // Another call first, so that Redis knows the script before its answers are held.
      await origins.register(A + 1, B, 'KCELL', 'k-0');

      // Redis stores the registration, but its answer arrives after the originate gave up on it:
      // the operator is told 503 DEPENDENCY_UNAVAILABLE, and its switch sends the call again.
      proxy.hold();
      await assert.rejects(
        async () => origins.register(A, B, 'KCELL', 'k-1'),
        (error: { code?: string }) => error.code === 'DEPENDENCY_UNAVAILABLE',
      );
      proxy.release();
      assert.ok(await eventually(async () => redis.up && redis.relaxed.status === 'ready', 10_000));
      await origins.register(A, B, 'KCELL', 'k-1');
      assert.deepEqual(fallbacks, ['origin_register']);

      assert.equal(await origins.consume(A, B, 'KCELL'), true, 'the call is confirmed');
      assert.equal(await origins.consume(A, B, 'KCELL'), false, 'no confirmation is left over for a spoofed a→b');
    } finally {
      await raw.close();
      await redis.close();
      await proxy.close();
      await cleanup();
    }
  });
});
