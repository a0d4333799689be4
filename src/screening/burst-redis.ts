/**
 * Call bursts counted across every screening node, with Redis holding the platform's counts.
 * The call path does not wait for Redis: each node counts in memory and, every `syncMs`, adds
 * what it counted to the platform's count of each window (one pipelined INCRBY per number) and
 * takes the platform's total back. A call's count is then the platform's total as last seen plus
 * this node's calls since — exact on one node, at most `syncMs` behind for calls spread over
 * several. A burst is hundreds of calls a minute, so that lag changes nothing that matters, and
 * Redis being away costs no call any time: counting goes on per node until it is back.
 * Redis slow is not Redis away: a sync whose answer times out may have been added all the same,
 * so what was sent is sent again unchanged under the same mark, which Redis adds only once.
 * The window is the same two-fixed-windows approximation of a sliding one as the memory counter.
 */
import { randomBytes } from 'node:crypto';
import { NumberTable } from '../detection/number-table.ts';
import type { RedisConnection } from '../platform/redis.ts';
import { redisScript } from '../platform/redis.ts';
import type { BurstCounter } from './burst.ts';

/**
 * One call per chunk of a sync: KEYS are the chunk's mark, the windows to add to (ARGV[2] of
 * them), then the previous windows whose totals are asked for; ARGV the key lifetime, that count,
 * then each window's count to add. Returns the windows' totals, then the previous windows' totals.
 * A window's key gets its lifetime when the INCRBY creates it (its total is then what was added):
 * counted from then, it outlives the window and the next one, where it is the previous window.
 * The previous windows are read by one MGET: a command called from Lua costs Redis about as much
 * again as the command itself, so one for all of them instead of a GET each.
 * The mark makes a chunk count once: a chunk whose answer was lost (a timeout while Redis was
 * slow, a connection cut after the script ran) is sent again as it was, and then only read.
 */
const syncScript = redisScript(
  `local lifetime = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
local fresh = redis.call('SET', KEYS[1], '1', 'NX', 'PX', lifetime)
local out = {}
for i = 1, n do
  if fresh then
    local added = tonumber(ARGV[i + 2])
    local total = redis.call('INCRBY', KEYS[i + 1], added)
    if total == added then redis.call('PEXPIRE', KEYS[i + 1], lifetime) end
    out[i] = total
  else
    out[i] = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
  end
end
if #KEYS > n + 1 then
  local previous = redis.call('MGET', unpack(KEYS, n + 2))
  for j = 1, #previous do out[n + j] = tonumber(previous[j] or '0') end
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

/**
 * For how long into a window a number's sync also reads the previous window's platform total. The
 * nodes send their counts every `syncMs`, so the previous window's total is final a sync or two
 * after it ended (later only after Redis was away, when a node sends what it kept): it is read
 * while the window is young, and once for a number first counted later, not on every sync.
 */
const PREVIOUS_SETTLES_MS = 5000;

interface Slot {
  readonly e164: number;
  window: number;
  /** The Redis keys of this window and of the previous one (made once a window, not once a sync). */
  key: string;
  previousKey: string;
  /** The platform's count of this window, as Redis last answered (this node's sent calls included). */
  known: number;
  /** Calls of this window counted here and not yet added in Redis. */
  unsent: number;
  /** Calls of this window sent to Redis in chunks not yet answered (sent again as they were). */
  sending: number;
  /** The platform's count of the previous window. */
  previous: number;
  /** Whether it is in the list of slots to sync. */
  dirty: boolean;
  /** Whether the previous window's platform total was read in this window. */
  previousRead: boolean;
}

/** One count to add at a sync: a slot's calls of its window, or calls of a window that ended unsent. */
interface Sent {
  slot: Slot | null;
  e164: number;
  window: number;
  count: number;
  key: string;
  /** The previous window's key when its total is asked for. */
  previousKey: string | null;
}

/** Counts sent in one script call, under a mark of their own. */
interface Chunk {
  mark: string;
  items: Sent[];
}

export function createRedisBurstCounter(
  redis: RedisConnection,
  windowMs: number,
  prefix: string,
  syncMs = 100,
): BurstCounter & { sync(): Promise<boolean> } {
  // Slots by number in a table that looks a number up without boxing it, as the memory counter's.
  let slots = new NumberTable<Slot>();
  let all: Slot[] = [];
  /** Slots counted since the last sync. */
  let dirty: Slot[] = [];
  /** Counts of windows that ended before they were sent: [number, window, count]. */
  let leftovers: [number, number, number][] = [];
  /** Chunks of a sync not yet answered: sent again, unchanged, before anything new. */
  let pending: Chunk[] = [];
  /** The latest time a call was counted at: how old the windows are. */
  let latest = 0;
  const key = (e164: number, window: number) => `${prefix}burst:${e164}:${window}`;
  // Alive through the next window, where it is the previous one.
  const lifetime = 2 * windowMs + 1000;
  const markPrefix = `${prefix}burst-sync:${randomBytes(8).toString('hex')}:`;
  let chunks = 0;

  /** The counts to add since the last sync, in chunks: the numbers counted, then windows that ended unsent. */
  function takeCounts(): Chunk[] {
    const items: Sent[] = [];
    for (const slot of dirty) {
      slot.dirty = false;
      const ask = !slot.previousRead || latest - slot.window * windowMs < PREVIOUS_SETTLES_MS;
      items.push({
        slot,
        e164: slot.e164,
        window: slot.window,
        count: slot.unsent,
        key: slot.key,
        previousKey: ask ? slot.previousKey : null,
      });
      slot.sending += slot.unsent;
      slot.unsent = 0;
    }
    for (const [e164, window, count] of leftovers)
      items.push({ slot: null, e164, window, count, key: key(e164, window), previousKey: null });
    dirty = [];
    leftovers = [];
    const taken: Chunk[] = [];
    for (let from = 0; from < items.length; from += SYNC_CHUNK)
      taken.push({ mark: `${markPrefix}${++chunks}`, items: items.slice(from, from + SYNC_CHUNK) });
    return taken;
  }

  /**
   * Sends the pending chunks one after the other; false when one failed (it and those after it stay
   * pending, sent again as they are: an answer lost after Redis added a chunk must not add it twice).
   */
  async function sendPending(): Promise<boolean> {
    while (pending.length > 0) {
      const { mark, items } = pending[0];
      const keys: string[] = [];
      const counts: number[] = [];
      const previousKeys: string[] = [];
      for (const item of items) {
        keys.push(item.key);
        counts.push(item.count);
        if (item.previousKey !== null) previousKeys.push(item.previousKey);
      }
      let replies: number[];
      try {
        // The keys go as KEYS of a script with a variable count: its key count is the first argument.
        replies = (await syncScript(redis.relaxed, [
          1 + keys.length + previousKeys.length,
          mark,
          ...keys,
          ...previousKeys,
          lifetime,
          keys.length,
          ...counts,
        ])) as number[];
      } catch {
        redis.failed();
        return false;
      }
      pending.shift();
      let asked = items.length;
      for (const [i, item] of items.entries()) {
        const previous = item.previousKey === null ? -1 : Number(replies[asked++]);
        const slot = item.slot;
        if (slot === null || slot.window !== item.window) continue;
        slot.sending -= item.count;
        slot.known = Number(replies[i]);
        if (previous < 0) continue;
        slot.previousRead = true;
        if (previous > slot.previous) slot.previous = previous;
      }
    }
    return true;
  }

  async function sync(): Promise<void> {
    // What Redis has not answered first; while that fails, new counts wait in their slots (memory
    // follows the numbers, not the syncs of an outage).
    if (!(await sendPending())) return;
    if (dirty.length === 0 && leftovers.length === 0) return;
    pending = takeCounts();
    await sendPending();
  }

  let syncing: Promise<void> | null = null;
  /**
   * One sync at a time, the timer's and a caller's alike: two at once would both send the first
   * pending chunk, and the second to be answered would drop the chunk after it unsent.
   */
  function syncOnce(): Promise<void> {
    syncing ??= sync().finally(() => {
      syncing = null;
    });
    return syncing;
  }
  const timer = setInterval(() => void syncOnce(), syncMs);
  timer.unref();
  // Numbers idle for two windows are forgotten, so memory follows the active numbers.
  const sweeper = setInterval(() => {
    const window = Math.floor(Date.now() / windowMs);
    const kept = all.filter((slot) => slot.window >= window - 1 || slot.unsent > 0 || slot.sending > 0 || slot.dirty);
    if (kept.length === all.length) return;
    all = kept;
    slots = new NumberTable<Slot>(all.length);
    for (const slot of all) slots.add(slot.e164, slot);
  }, windowMs);
  sweeper.unref();

  return {
    hit(e164, now) {
      const window = Math.floor(now / windowMs);
      if (now > latest) latest = now;
      let slot = slots.get(e164);
      if (slot === undefined) {
        slot = {
          e164,
          window,
          key: key(e164, window),
          previousKey: key(e164, window - 1),
          known: 0,
          unsent: 0,
          sending: 0,
          previous: 0,
          dirty: false,
          previousRead: false,
        };
        slots.add(e164, slot);
        all.push(slot);
      } else if (slot.window !== window) {
        if (slot.unsent > 0) leftovers.push([e164, slot.window, slot.unsent]);
        slot.previous = slot.window === window - 1 ? slot.known + slot.sending + slot.unsent : 0;
        slot.known = 0;
        slot.unsent = 0;
        // Calls of the ended window still being sent reach its key with their chunk.
        slot.sending = 0;
        slot.window = window;
        slot.key = key(e164, window);
        slot.previousKey = key(e164, window - 1);
        slot.previousRead = false;
      }
      slot.unsent++;
      if (!slot.dirty) {
        slot.dirty = true;
        dirty.push(slot);
      }
      const overlap = 1 - (now - window * windowMs) / windowMs;
      return slot.known + slot.sending + slot.unsent + Math.floor(slot.previous * overlap);
    },
    /**
     * Sends what was counted and reads the platform's totals now (tests; the timer does it
     * otherwise): true when all of it reached Redis, false when some waits for the next sync.
     */
    async sync(): Promise<boolean> {
      // A sync under way may have taken its counts before the latest calls: then one more.
      await syncing;
      await syncOnce();
      return pending.length === 0 && dirty.length === 0 && leftovers.length === 0;
    },
    close() {
      clearInterval(timer);
      clearInterval(sweeper);
    },
  };
}
