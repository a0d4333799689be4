import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { natsTestPrefix, natsTestUrl } from '../distributed/test-support.ts';
import { createNatsStream } from './nats.ts';
import { createMemoryStream, type EventStream } from './stream.ts';

/** One platform's streams: each `node()` is what one process would open. */
interface Platform {
  node(): Promise<EventStream>;
  /** Processes of one platform share groups and broadcasts (NATS); memory has one process. */
  shared: boolean;
  close(): Promise<void>;
}

const errors: unknown[] = [];
const onHandlerError = (_subject: string, error: unknown) => void errors.push(error);

const adapters: [string, () => Promise<Platform>][] = [
  [
    'memory',
    async () => {
      const stream = createMemoryStream(onHandlerError);
      return { shared: false, node: async () => stream, close: () => stream.close() };
    },
  ],
  [
    'nats',
    async () => {
      const { prefix, cleanup } = natsTestPrefix();
      const nodes: EventStream[] = [];
      return {
        shared: true,
        async node() {
          const stream = await createNatsStream({
            url: natsTestUrl(),
            prefix,
            replicas: 1,
            ackWaitMs: 1000,
            onHandlerError,
          });
          nodes.push(stream);
          return stream;
        },
        async close() {
          for (const n of nodes) await n.close();
          await cleanup();
        },
      };
    },
  ],
];

/** Resolves once `count` events arrived (or rejects after a bound, so a test never hangs). */
function collector<T>(count: number) {
  const events: T[] = [];
  const batches: number[] = [];
  let done: () => void = () => {};
  const complete = new Promise<void>((resolve, reject) => {
    done = resolve;
    setTimeout(() => reject(new Error(`got ${events.length} of ${count} events`)), 10_000).unref();
  });
  return {
    events,
    batches,
    handler(batch: T[]) {
      batches.push(batch.length);
      events.push(...batch);
      if (events.length >= count) done();
    },
    complete,
  };
}

for (const [name, open] of adapters) {
  describe(`event stream on ${name}`, () => {
    const platforms: Platform[] = [];
    const start = async () => {
      const p = await open();
      platforms.push(p);
      return p;
    };
    after(async () => {
      for (const p of platforms) await p.close();
    });

    it('delivers events in publish order, in batches', async () => {
      const platform = await start();
      const stream = await platform.node();
      const got = collector<{ n: number }>(1000);
      stream.subscribe<{ n: number }>('decisions', got.handler);
      for (let n = 0; n < 1000; n++) stream.publish('decisions', { n });
      await got.complete;
      assert.deepEqual(
        got.events.map((e) => e.n),
        Array.from({ length: 1000 }, (_, n) => n),
      );
      // Published in one turn, they travel together rather than one by one.
      assert.ok(got.batches.length < 10, `batches: ${got.batches.join(',')}`);
    });

    it('gives every subscriber every event, and a group each event once', async () => {
      const platform = await start();
      const publisher = await platform.node();
      const one = collector<number>(100);
      const two = collector<number>(100);
      publisher.subscribe<number>('lists.changes', one.handler);
      (await platform.node()).subscribe<number>('lists.changes', two.handler);
      const shared: number[] = [];
      const members = [await platform.node(), await platform.node()];
      for (const member of members)
        member.subscribe<number>('alerts', (events) => void shared.push(...events), { group: 'workers' });
      for (let n = 0; n < 100; n++) {
        publisher.publish('lists.changes', n);
        publisher.publish('alerts', n);
        if (n % 10 === 9) await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all([one.complete, two.complete]);
      await publisher.drain();
      for (let i = 0; i < 100 && shared.length < 100; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(
        [...shared].sort((x, y) => x - y),
        Array.from({ length: 100 }, (_, n) => n),
      );
    });

    it('delivers again what a member failed to handle', async () => {
      const platform = await start();
      const stream = await platform.node();
      let failures = 1;
      const got = collector<string>(2);
      stream.subscribe<string>(
        'alerts',
        (events) => {
          if (failures-- > 0) throw new Error('not now');
          got.handler(events);
        },
        { group: 'retry' },
      );
      stream.publish('alerts', 'a');
      stream.publish('alerts', 'b');
      await got.complete;
      assert.deepEqual(got.events, ['a', 'b']);
    });

    it('gives the events a member held to another when it leaves without acknowledging', async () => {
      const platform = await start();
      const publisher = await platform.node();
      let holding: (() => void) | null = null;
      const crashed = await platform.node();
      const leave = crashed.subscribe<string>(
        'cdr',
        () =>
          new Promise<void>((resolve) => {
            // Never resolves while the member lives: a crash mid-batch.
            holding = resolve;
          }),
        { group: 'detect' },
      );
      publisher.publish('cdr', 'batch-1');
      for (let i = 0; i < 200 && !holding; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      assert.ok(holding, 'the first member got the event');
      const survivor = collector<string>(1);
      (await platform.node()).subscribe<string>('cdr', survivor.handler, { group: 'detect' });
      leave();
      await survivor.complete;
      assert.deepEqual(survivor.events, ['batch-1']);
    });
  });
}

describe('in-process stream over a long run', () => {
  it("keeps nothing of a group member's acknowledged deliveries", async () => {
    // A node under load hands a group member hundreds of batches a second for weeks: what each
    // delivery leaves behind (it once left a promise reaction, about 300 bytes) adds up to a node
    // whose memory grows with time rather than with its load.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const stream = createMemoryStream(onHandlerError);
    let delivered = 0;
    stream.subscribe<number>(
      'decisions',
      async (events) => {
        delivered += events.length;
      },
      { group: 'folds' },
    );
    const heapAfter = async (batches: number) => {
      for (let i = 0; i < batches; i++) {
        stream.publish('decisions', i);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await stream.drain();
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = await heapAfter(10_000);
    const afterMany = await heapAfter(100_000);
    await stream.close();
    assert.equal(delivered, 110_000);
    const grownMiB = (afterMany - before) / 1048576;
    assert.ok(grownMiB < 10, `the heap grew by ${grownMiB.toFixed(1)} MiB over 100 000 deliveries`);
  });
});
