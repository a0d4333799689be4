/**
 * Origin registrations in Redis, shared by every screening node: an originate through node A
 * confirms a verify through node B. Each (a, b, operator) is one hash whose fields are expiry
 * times and whose values are confirmations left; register and consume are Lua scripts, so two
 * nodes never take the same confirmation.
 *
 * A verify that finds nothing yet marks itself waiting in the same script (so an originate cannot
 * slip in between the check and the mark); the originate's script publishes to the waiting nodes'
 * channels, and the woken node consumes. The wait ends with one more check, so a lost
 * notification only makes the answer later, never wrong.
 */
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../platform/redis.ts';
import { redisScript } from '../platform/redis.ts';
import type { OriginRegistry, OriginRegistryOptions } from './origins.ts';

const TAKE = `
local now = tonumber(ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
local best, bestExpiry = nil, nil
for i = 1, #fields, 2 do
  local expiry = tonumber(fields[i])
  if expiry <= now then
    redis.call('HDEL', KEYS[1], fields[i])
  elseif tonumber(fields[i + 1]) > 0 and (bestExpiry == nil or expiry < bestExpiry) then
    best, bestExpiry = fields[i], expiry
  end
end
if best ~= nil then
  if redis.call('HINCRBY', KEYS[1], best, -1) <= 0 then redis.call('HDEL', KEYS[1], best) end
  return 1
end
`;

/** KEYS: registrations; ARGV: now. 1 when a confirmation was taken. */
const consumeScript = redisScript(`${TAKE}\nreturn 0`, 1);

/** KEYS: registrations, waiters; ARGV: now, channel, wait ms. Takes one, or marks the caller waiting. */
const consumeOrWaitScript = redisScript(
  `${TAKE}
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[3]) + 1000)
return 0`,
  2,
);

/** KEYS: registrations, waiters; ARGV: expiry, confirmations, ttl ms, notification. */
const registerScript = redisScript(
  `redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000)
for _, channel in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('PUBLISH', channel, ARGV[4])
end
return 1`,
  2,
);

interface Waiter {
  resolve(confirmed: boolean): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
}

export async function createRedisOriginRegistry(
  redis: RedisConnection,
  options: OriginRegistryOptions & { prefix: string },
): Promise<OriginRegistry> {
  const { client } = redis;
  const id = (a: number, b: number, operator: string) => `${a}:${b}:${operator}`;
  const registrationsKey = (k: string) => `${options.prefix}origin:${k}`;
  const waitersKey = (k: string) => `${options.prefix}origin-waiters:${k}`;
  const channel = `${options.prefix}origin-ready:${randomBytes(8).toString('hex')}`;
  const waiters = new Map<string, Waiter[]>();
  // Registrations made through this node, per second of the TTL: the gauge of live registrations.
  const perSecond = new Float64Array(Math.max(1, Math.ceil(options.ttlMs / 1000)));
  let lastSecond = Math.floor(options.clock() / 1000);

  const subscriber = redis.subscriber();
  subscriber.on('message', (from: string, k: string) => {
    if (from !== channel) return;
    const list = waiters.get(k);
    if (!list) return;
    const [a, b, operator] = splitId(k);
    // Only one confirmation per waiter: each woken waiter tries once, in order.
    for (const waiter of [...list]) {
      consume(a, b, operator).then(
        (taken) => {
          if (taken) settle(k, waiter, true);
        },
        () => {},
      );
    }
  });
  // Redis down at start: ioredis subscribes once it connects (the subscriber queues its commands),
  // so the start does not wait for it; until then waits end on their last check.
  await Promise.race([
    subscriber.subscribe(channel).catch(() => {}),
    new Promise((resolve) => setTimeout(resolve, 1000).unref()),
  ]);

  function settle(k: string, waiter: Waiter, confirmed: boolean | Error): void {
    if (waiter.settled) return;
    waiter.settled = true;
    clearTimeout(waiter.timer);
    const list = waiters.get(k);
    if (list) {
      const i = list.indexOf(waiter);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) waiters.delete(k);
    }
    if (confirmed instanceof Error) waiter.reject(confirmed);
    else waiter.resolve(confirmed);
  }

  async function consume(a: number, b: number, operator: string): Promise<boolean> {
    const k = id(a, b, operator);
    return (await consumeScript(client, [registrationsKey(k), options.clock()])) === 1;
  }

  /**
   * Takes a confirmation, or waits up to `timeoutMs` for one, starting with one script that does
   * either. The wait's timer is set only once the script found nothing, so a call confirmed at
   * once costs no timer.
   */
  function consumeOrWait(a: number, b: number, operator: string, timeoutMs: number): Promise<boolean> {
    const k = id(a, b, operator);
    const started = performance.now();
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, settled: false, timer: undefined };
      const list = waiters.get(k);
      if (list) list.push(waiter);
      else waiters.set(k, [waiter]);
      consumeOrWaitScript(client, [registrationsKey(k), waitersKey(k), options.clock(), channel, timeoutMs]).then(
        (taken) => {
          if (taken === 1) return settle(k, waiter, true);
          if (waiter.settled) return;
          // The wait counts from the call, not from the script's answer.
          waiter.timer = setTimeout(
            () => {
              // The last word: a registration whose notification was lost still counts.
              consume(a, b, operator).then(
                (confirmed) => settle(k, waiter, confirmed),
                (error) => settle(k, waiter, error instanceof Error ? error : new Error(String(error))),
              );
            },
            Math.max(0, timeoutMs - (performance.now() - started)),
          );
        },
        (error) => settle(k, waiter, error instanceof Error ? error : new Error(String(error))),
      );
    });
  }

  function countRegistration(): void {
    const second = Math.floor(options.clock() / 1000);
    for (let s = lastSecond + 1; s <= second && s <= lastSecond + perSecond.length; s++) {
      perSecond[s % perSecond.length] = 0;
    }
    lastSecond = Math.max(lastSecond, second);
    perSecond[second % perSecond.length]++;
  }

  return {
    async register(a, b, operator) {
      const k = id(a, b, operator);
      const expiry = options.clock() + options.ttlMs;
      await registerScript(redis.relaxed, [
        registrationsKey(k),
        waitersKey(k),
        String(expiry),
        options.maxConfirmations,
        options.ttlMs,
        k,
      ]);
      countRegistration();
    },
    consume,
    waitFor: consumeOrWait,
    // The script takes a confirmation or marks the caller waiting: one round trip either way.
    consumeOrWait,
    size() {
      let total = 0;
      for (const n of perSecond) total += n;
      return total;
    },
    async close() {
      for (const [k, list] of waiters) for (const w of [...list]) settle(k, w, false);
      await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
}

function splitId(k: string): [number, number, string] {
  const first = k.indexOf(':');
  const second = k.indexOf(':', first + 1);
  return [Number(k.slice(0, first)), Number(k.slice(first + 1, second)), k.slice(second + 1)];
}
