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
 *
 * An originate sent again with the same callId (its first answer lost or late, after Redis had
 * stored it) is counted once: the register script marks each (operator, callId) in the same step.
 */
import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../platform/redis.ts';
import { redisScript } from '../platform/redis.ts';
import type { OriginRegistry, OriginRegistryOptions } from './origins.ts';

/** Takes the confirmation of `key` expiring first (dropping expired ones): true when one was taken. */
const TAKE = `
local function take(key, now)
  local fields = redis.call('HGETALL', key)
  local best, bestExpiry = nil, nil
  for i = 1, #fields, 2 do
    local expiry = tonumber(fields[i])
    if expiry <= now then
      redis.call('HDEL', key, fields[i])
    elseif tonumber(fields[i + 1]) > 0 and (bestExpiry == nil or expiry < bestExpiry) then
      best, bestExpiry = fields[i], expiry
    end
  end
  if best == nil then return false end
  if redis.call('HINCRBY', key, best, -1) <= 0 then redis.call('HDEL', key, best) end
  return true
end
`;

/** KEYS: registrations; ARGV: now. 1 when a confirmation was taken. */
const consumeScript = redisScript(`${TAKE}\nif take(KEYS[1], tonumber(ARGV[1])) then return 1 end\nreturn 0`, 1);

/**
 * The verifies of one turn of the event loop in one call: KEYS are (registrations, waiters) pairs,
 * ARGV now, the channel, then each pair's wait ms. Each pair takes a confirmation or marks the
 * caller waiting; the answer holds a 1 or 0 per pair.
 */
const consumeOrWaitScript = redisScript(
  `${TAKE}
local now = tonumber(ARGV[1])
local out = {}
for p = 1, #KEYS, 2 do
  if take(KEYS[p], now) then
    out[#out + 1] = 1
  else
    redis.call('SADD', KEYS[p + 1], ARGV[2])
    redis.call('PEXPIRE', KEYS[p + 1], tonumber(ARGV[2 + (p + 1) / 2]) + 1000)
    out[#out + 1] = 0
  end
end
return out`,
  null,
);
/** Verifies sent in one script call at most (a call's Lua time stays short). */
const MAX_BATCH = 256;

/**
 * KEYS: registrations, waiters, the call; ARGV: expiry, confirmations, ttl ms, notification, now.
 * The call's key holds the expiry of its registration: the same call again before then (a retry
 * whose first answer came too late) adds nothing, and the answer is 0. The expiry is the nodes'
 * clock, as the registrations' fields are, so a retry counts again only once the registration it
 * repeats can no longer confirm anything.
 */
const registerScript = redisScript(
  `local seen = redis.call('GET', KEYS[3])
if seen and tonumber(seen) > tonumber(ARGV[5]) then return 0 end
redis.call('SET', KEYS[3], ARGV[1], 'PX', tonumber(ARGV[3]) + 1000)
redis.call('HINCRBY', KEYS[1], ARGV[1], tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) + 1000)
for _, channel in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  redis.call('PUBLISH', channel, ARGV[4])
end
return 1`,
  3,
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
  // Operator ids have no ':', so (operator, callId) pairs cannot run into each other.
  const callKey = (operator: string, callId: string) => `${options.prefix}origin-call:${operator}:${callId}`;
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

  /** Verifies asking in this turn of the event loop, sent together once it has read its sockets. */
  let asking: {
    k: string;
    waiter: Waiter;
    a: number;
    b: number;
    operator: string;
    timeoutMs: number;
    started: number;
  }[] = [];

  function sendAsking(): void {
    const batch = asking.slice(0, MAX_BATCH);
    asking = asking.slice(batch.length);
    if (asking.length > 0) setImmediate(sendAsking);
    const args: (string | number)[] = [batch.length * 2];
    for (const q of batch) args.push(registrationsKey(q.k), waitersKey(q.k));
    args.push(options.clock(), channel);
    for (const q of batch) args.push(q.timeoutMs);
    consumeOrWaitScript(client, args).then(
      (replies) => {
        batch.forEach((q, i) => {
          if ((replies as number[])[i] === 1) {
            settle(q.k, q.waiter, true);
            return;
          }
          if (q.waiter.settled) return;
          // The wait counts from the call, not from the script's answer.
          q.waiter.timer = setTimeout(
            () => {
              // The last word: a registration whose notification was lost still counts.
              consume(q.a, q.b, q.operator).then(
                (confirmed) => settle(q.k, q.waiter, confirmed),
                (error) => settle(q.k, q.waiter, error instanceof Error ? error : new Error(String(error))),
              );
            },
            Math.max(0, q.timeoutMs - (performance.now() - q.started)),
          );
        });
      },
      (error) => {
        for (const q of batch) settle(q.k, q.waiter, error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  /**
   * Takes a confirmation, or waits up to `timeoutMs` for one, starting with one script that does
   * either — one script for all the verifies of a turn of the event loop (at 50 connections,
   * several arrive together). The wait's timer is set only once the script found nothing, so a call
   * confirmed at once costs no timer.
   */
  function consumeOrWait(a: number, b: number, operator: string, timeoutMs: number): Promise<boolean> {
    const k = id(a, b, operator);
    const started = performance.now();
    return new Promise<boolean>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, settled: false, timer: undefined };
      const list = waiters.get(k);
      if (list) list.push(waiter);
      else waiters.set(k, [waiter]);
      if (asking.length === 0) setImmediate(sendAsking);
      asking.push({ k, waiter, a, b, operator, timeoutMs, started });
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
    async register(a, b, operator, callId) {
      const k = id(a, b, operator);
      const now = options.clock();
      const added = await registerScript(redis.relaxed, [
        registrationsKey(k),
        waitersKey(k),
        callKey(operator, callId),
        String(now + options.ttlMs),
        options.maxConfirmations,
        options.ttlMs,
        k,
        now,
      ]);
      if (added === 1) countRegistration();
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
