/**
 * The hot-state connection of distributed mode (Redis). The call path must never wait on Redis
 * longer than its budget, so commands are not queued while disconnected (they fail at once) and
 * each has a timeout. A failed command makes the connection probe the server: when a ping does
 * not answer within the timeout either, the connection counts as down, and screening decides
 * under the failure policy without trying, instead of paying the timeout on every call. One slow
 * command under load is not an outage: it falls back alone. It comes back by itself (ioredis
 * reconnects; the probe repeats until a ping answers).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';

export interface RedisConnection {
  /** Commands of the call path, with the call path's timeout. */
  readonly client: Redis;
  /** Commands that may wait longer (registrations: the originating operator does not wait on them). */
  readonly relaxed: Redis;
  /** False while disconnected, and after a failed command until a ping answers. */
  readonly up: boolean;
  /** A command failed or timed out: probe the server, and count it down if the probe fails too. */
  failed(): void;
  /** A second connection for pub/sub (a subscribed connection runs no other command). */
  subscriber(): Redis;
  onChange(listener: (up: boolean) => void): void;
  close(): Promise<void>;
}

export interface RedisOptions {
  /** Longest wait for one command (the call path's share of the budget). */
  commandTimeoutMs: number;
  /** How long the first connection is waited for at start before running degraded. */
  connectWaitMs?: number;
}

const PROBE_MS = 250;
/** The timeout of the relaxed client. */
const RELAXED_TIMEOUT_MS = 1000;

/**
 * `autoPipelining`: commands issued in one tick go out as one pipeline. The relaxed client wants it
 * (an originate per call, each a registration). The call path's client does not: its scripts are
 * already one per turn of the event loop (src/screening/origins-redis.ts), and a pipeline object
 * per tick only adds CPU (in the bench's profile of a node on Redis, ioredis's pipelining was a
 * sixth of the busy time; its rate rose by a few per cent without it, within the bench's noise).
 */
function clientOptions(commandTimeoutMs: number, autoPipelining: boolean) {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 1000,
    // Reconnect forever, at most a second apart: the service comes back by itself.
    retryStrategy: (times: number) => Math.min(50 * times, 1000),
    enableAutoPipelining: autoPipelining,
  };
}

export async function openRedis(url: string, options: RedisOptions): Promise<RedisConnection> {
  const client = new Redis(url, clientOptions(options.commandTimeoutMs, false));
  const relaxed = new Redis(url, clientOptions(Math.max(options.commandTimeoutMs, RELAXED_TIMEOUT_MS), true));
  relaxed.on('error', () => {});
  const listeners: ((up: boolean) => void)[] = [];
  let ready = false;
  let suspect = false;
  let probing: NodeJS.Timeout | null = null;
  let subscriber: Redis | null = null;
  let closed = false;
  let lastUp = false;

  const isUp = () => ready && !suspect;
  function notify(): void {
    const up = isUp();
    if (up === lastUp) return;
    lastUp = up;
    for (const l of listeners) l(up);
  }

  client.on('ready', () => {
    ready = true;
    suspect = false;
    notify();
  });
  for (const event of ['close', 'end', 'reconnecting']) {
    client.on(event, () => {
      ready = false;
      notify();
    });
  }
  // Errors are seen through failed commands and the state above; without a listener ioredis prints them.
  client.on('error', () => {});

  /** Pings until one answers in time; while none does, the connection counts as down. */
  function probe(): void {
    if (probing || closed) return;
    const ping = () => {
      if (!ready) return;
      client.ping().then(
        () => {
          suspect = false;
          if (probing) clearInterval(probing);
          probing = null;
          notify();
        },
        () => {
          suspect = true;
          notify();
        },
      );
    };
    probing = setInterval(ping, PROBE_MS);
    probing.unref();
    ping();
  }

  await new Promise<void>((resolve) => {
    if (client.status === 'ready') return resolve();
    const timer = setTimeout(resolve, options.connectWaitMs ?? 2000);
    timer.unref();
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });

  return {
    client,
    relaxed,
    get up() {
      return isUp();
    },
    failed() {
      probe();
    },
    subscriber() {
      if (!subscriber) {
        // Subscriptions must survive reconnections, so this one may queue its commands.
        subscriber = new Redis(url, {
          ...clientOptions(options.commandTimeoutMs, false),
          enableOfflineQueue: true,
          commandTimeout: undefined,
        });
        subscriber.on('error', () => {});
      }
      return subscriber;
    },
    onChange(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      if (probing) clearInterval(probing);
      await Promise.allSettled([client.quit(), relaxed.quit(), subscriber?.quit()]);
      client.disconnect();
      relaxed.disconnect();
      subscriber?.disconnect();
    },
  };
}

/**
 * A Lua script run by its digest, loaded again when Redis lost it (a restart). With a null key
 * count, the first argument of each call is its number of keys.
 */
export function redisScript(source: string, keyCount: number | null) {
  const sha = createHash('sha1').update(source).digest('hex');
  return async (client: Redis, args: (string | number)[]): Promise<unknown> => {
    const keys = keyCount ?? Number(args[0]);
    const rest = keyCount === null ? args.slice(1) : args;
    try {
      return await client.evalsha(sha, keys, ...rest);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(source, keys, ...rest);
    }
  };
}
