/**
 * Call bursts counted in Redis, across every screening node: the same two-fixed-windows
 * approximation of a sliding window as the memory counter, one small key per number and window,
 * counted and read in one script (one round trip per call).
 */
import type { RedisConnection } from '../platform/redis.ts';
import { redisScript } from '../platform/redis.ts';
import type { BurstCounter } from './burst.ts';

/** KEYS: this window's key, the previous window's; ARGV: key lifetime ms. Returns {current, previous}. */
const hitScript = redisScript(
  `local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {current, tonumber(redis.call('GET', KEYS[2]) or '0')}`,
  2,
);

export function createRedisBurstCounter(redis: RedisConnection, windowMs: number, prefix: string): BurstCounter {
  const { client } = redis;
  return {
    async hit(e164, now) {
      const window = Math.floor(now / windowMs);
      const [current, previous] = (await hitScript(client, [
        `${prefix}burst:${e164}:${window}`,
        `${prefix}burst:${e164}:${window - 1}`,
        // Alive through the next window, where it is the previous one.
        2 * windowMs + 1000,
      ])) as [number, number];
      const overlap = 1 - (now - window * windowMs) / windowMs;
      return current + Math.floor(previous * overlap);
    },
    close() {},
  };
}
