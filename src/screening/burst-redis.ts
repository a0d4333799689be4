/**
 * Call bursts counted across every screening node, with Redis holding the platform's counts.
 * The call path does not wait for Redis: each node counts in memory and, every `syncMs`, adds
 * what it counted to the platform's count of each window (one pipelined INCRBY per number) and
 * takes the platform's total back. A call's count is then the platform's total as last seen plus
 * this node's calls since — exact on one node, at most `syncMs` behind for calls spread over
 * several. A burst is hundreds of calls a minute, so that lag changes nothing that matters, and
 * Redis being away costs no call any time: counting goes on per node until it is back.
 * The window is the same two-fixed-windows approximation of a sliding one as the memory counter.
 */
import type { RedisConnection } from '../platform/redis.ts';
import { redisScript } from '../platform/redis.ts';
import type { BurstCounter } from './burst.ts';

/**
 * One call per sync, whatever the number of numbers: KEYS are (window, previous window) pairs,
 * ARGV the key lifetime then each pair's count to add. Returns (window total, previous total) pairs.
 * A window's key gets its lifetime when the INCRBY creates it (its total is then what was added):
 * counted from then, it outlives the window and the next one, where it is the previous window.
 */
const syncScript = redisScript(
  `local out = {}
local lifetime = tonumber(ARGV[1])
for i = 1, #KEYS, 2 do
  local added = tonumber(ARGV[(i + 1) / 2 + 1])
  local total = redis.call('INCRBY', KEYS[i], added)
  if total == added then redis.call('PEXPIRE', KEYS[i], lifetime) end
  out[#out + 1] = total
  out[#out + 1] = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
end
return out`,
  null,
);

/**
 * Numbers per sync script, at most. Redis runs a script to its end before any other command: one
 * script for a sync's thousands of numbers held every other node's calls (origin confirmations) for
 * milliseconds; scripts of this size, sent one after the other, let them in between.
 */
const SYNC_CHUNK = 256;

interface Slot {
  window: number;
  /** The platform's count of this window, as Redis last answered (this node's sent calls included). */
  known: number;
  /** Calls of this window counted here and not yet added in Redis. */
  unsent: number;
  /** The platform's count of the previous window. */
  previous: number;
}

export function createRedisBurstCounter(
  redis: RedisConnection,
  windowMs: number,
  prefix: string,
  syncMs = 100,
): BurstCounter & { sync(): Promise<void> } {
  const slots = new Map<number, Slot>();
  /** Numbers counted since the last sync. */
  let dirty = new Set<number>();
  /** Counts of windows that ended before they were sent: [number, window, count]. */
  let leftovers: [number, number, number][] = [];
  const key = (e164: number, window: number) => `${prefix}burst:${e164}:${window}`;
  // Alive through the next window, where it is the previous one.
  const lifetime = 2 * windowMs + 1000;

  async function sync(): Promise<void> {
    if (dirty.size === 0 && leftovers.length === 0) return;
    const numbers = [...dirty];
    const late = leftovers;
    dirty = new Set();
    leftovers = [];
    const sent = numbers.map((n) => {
      const slot = slots.get(n)!;
      const taken = { window: slot.window, count: slot.unsent };
      slot.unsent = 0;
      return taken;
    });
    // Every count to add: the numbers counted since the last sync, then windows that ended unsent.
    const total = numbers.length + late.length;
    for (let from = 0; from < total; from += SYNC_CHUNK) {
      const to = Math.min(total, from + SYNC_CHUNK);
      const keys: string[] = [];
      const counts: number[] = [];
      for (let i = from; i < to; i++) {
        const [n, window, count] =
          i < numbers.length ? [numbers[i], sent[i].window, sent[i].count] : late[i - numbers.length];
        keys.push(key(n, window), key(n, window - 1));
        counts.push(count);
      }
      let replies: number[] | null;
      try {
        // The keys go as KEYS of a script with a variable count: its key count is the first argument.
        replies = (await syncScript(redis.relaxed, [keys.length, ...keys, lifetime, ...counts])) as number[];
      } catch {
        replies = null;
      }
      if (!replies) {
        // Not added, this part and the rest: counted again next time (the platform's totals stay as last seen).
        for (let i = from; i < total; i++) {
          if (i >= numbers.length) {
            leftovers.push(late[i - numbers.length]);
            continue;
          }
          const n = numbers[i];
          const slot = slots.get(n);
          if (slot && slot.window === sent[i].window) slot.unsent += sent[i].count;
          else if (sent[i].count > 0) leftovers.push([n, sent[i].window, sent[i].count]);
          dirty.add(n);
        }
        redis.failed();
        return;
      }
      for (let i = from; i < to && i < numbers.length; i++) {
        const n = numbers[i];
        const slot = slots.get(n);
        if (!slot || slot.window !== sent[i].window) continue;
        slot.known = Number(replies[2 * (i - from)]);
        slot.previous = Math.max(slot.previous, Number(replies[2 * (i - from) + 1]));
      }
    }
  }

  let syncing: Promise<void> | null = null;
  const timer = setInterval(() => {
    syncing ??= sync().finally(() => {
      syncing = null;
    });
  }, syncMs);
  timer.unref();
  // Numbers idle for two windows are forgotten, so memory follows the active numbers.
  const sweeper = setInterval(() => {
    const window = Math.floor(Date.now() / windowMs);
    for (const [n, slot] of slots) if (slot.window < window - 1 && slot.unsent === 0) slots.delete(n);
  }, windowMs);
  sweeper.unref();

  return {
    hit(e164, now) {
      const window = Math.floor(now / windowMs);
      let slot = slots.get(e164);
      if (!slot) {
        slot = { window, known: 0, unsent: 0, previous: 0 };
        slots.set(e164, slot);
      } else if (slot.window !== window) {
        if (slot.unsent > 0) leftovers.push([e164, slot.window, slot.unsent]);
        slot.previous = slot.window === window - 1 ? slot.known + slot.unsent : 0;
        slot.known = 0;
        slot.unsent = 0;
        slot.window = window;
      }
      slot.unsent++;
      dirty.add(e164);
      const overlap = 1 - (now - window * windowMs) / windowMs;
      return slot.known + slot.unsent + Math.floor(slot.previous * overlap);
    },
    /** Sends what was counted and reads the platform's totals now (tests; the timer does it otherwise). */
    async sync() {
      await syncing;
      await sync();
    },
    close() {
      clearInterval(timer);
      clearInterval(sweeper);
    },
  };
}
