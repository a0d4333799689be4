/**
 * Helpers for tests of the distributed adapters: where the machine's Redis and NATS run, and
 * private names so tests sharing them never see each other's keys or streams.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteNatsStreams } from '../platform/nats.ts';

/** The shared Redis of the machine (CI starts it, .ci/run). */
export function redisTestUrl(): string {
  return process.env.CALLSHIELD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

/** The shared NATS (with JetStream) of the machine. */
export function natsTestUrl(): string {
  return process.env.CALLSHIELD_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
}

/** A key prefix of its own, and a cleanup that deletes every key under it. */
export function redisTestPrefix(): { prefix: string; cleanup(url?: string): Promise<void> } {
  const prefix = `cstest:${randomBytes(5).toString('hex')}:`;
  return {
    prefix,
    async cleanup(url = redisTestUrl()) {
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      try {
        await client.connect();
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await client.del(...keys);
        } while (cursor !== '0');
      } finally {
        client.disconnect();
      }
    },
  };
}

/** A stream prefix of its own, and a cleanup that deletes its streams. */
export function natsTestPrefix(): { prefix: string; cleanup(url?: string): Promise<void> } {
  const prefix = `cstest${randomBytes(4).toString('hex')}`;
  return { prefix, cleanup: (url = natsTestUrl()) => deleteNatsStreams(url, prefix) };
}
