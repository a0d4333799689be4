/**
 * Adapters chosen by connection URL, for the composition root: the event stream (memory, or NATS
 * JetStream when NATS_URL is set) and the hot state (memory, or Redis when REDIS_URL is set,
 * behind the failure-policy guard). Also what /healthz and /metrics say about the dependencies.
 */
import { Gauge } from 'prom-client';
import type { Config } from '../config.ts';
import type { Metrics } from '../platform/metrics.ts';
import { createNatsStream } from '../platform/nats.ts';
import { openRedis, type RedisConnection } from '../platform/redis.ts';
import type { Sql } from '../platform/sql.ts';
import { createMemoryStream, type EventStream, type Subject } from '../platform/stream.ts';
import { type BurstCounter, createMemoryBurstCounter } from '../screening/burst.ts';
import { createRedisBurstCounter } from '../screening/burst-redis.ts';
import { guardBurstCounter, guardOriginRegistry } from '../screening/hot-state-guard.ts';
import { createMemoryOriginRegistry, type OriginRegistry } from '../screening/origins.ts';
import { createRedisOriginRegistry } from '../screening/origins-redis.ts';
import { cdrCodec, cdrPartitioning } from './cdr-stream.ts';

interface Log {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/**
 * `callshield_dependency_up{dependency}`: 1 when a dependency this node uses answers, 0 when not.
 * `status` names only the dependencies in use (records always; redis and nats when configured).
 */
export function exportDependencyHealth(metrics: Metrics, status: () => Record<string, boolean>): void {
  new Gauge({
    name: 'callshield_dependency_up',
    help: 'Whether a dependency of this node answers (1) or not (0)',
    labelNames: ['dependency'],
    registers: [metrics.registry],
    collect() {
      for (const [dependency, up] of Object.entries(status())) this.set({ dependency }, up ? 1 : 0);
    },
  });
}

export interface StreamDeps {
  metrics: Metrics;
  /** Read lazily: the HTTP server (and its logger) is built after the stream. */
  log: () => Log;
}

const silent: Log = { info() {}, warn() {}, error() {} };

/** The logger once it exists; before that (start-up), events are not logged. */
function lazyLog(log: () => Log): () => Log {
  return () => {
    try {
      return log();
    } catch {
      return silent;
    }
  };
}

/** How often, at most, a subject's dropped events are logged (the counter has every one). */
const DROPPED_LOG_MS = 60_000;

/**
 * What the node says about its NATS connection: connection changes in the log, and events dropped
 * from the buffer while NATS was away both in `callshield_stream_dropped_events_total` and as a
 * warning in the log, once a minute per subject at most with the number dropped since the last
 * line (an on-call engineer reading the log learns that data was lost, not only the dashboard).
 */
export function natsEventReporter(
  log: () => Log,
  dropped: { inc(labels: { subject: string }, value: number): void },
  clock: () => number = Date.now,
) {
  const unlogged = new Map<string, { events: number; loggedAt: number }>();
  return (event: { type: 'connected' | 'disconnected' } | { type: 'dropped'; subject: Subject; count: number }) => {
    if (event.type === 'dropped') {
      dropped.inc({ subject: event.subject }, event.count);
      const now = clock();
      const seen = unlogged.get(event.subject) ?? { events: 0, loggedAt: Number.NEGATIVE_INFINITY };
      seen.events += event.count;
      if (now - seen.loggedAt >= DROPPED_LOG_MS) {
        log().warn(
          { dependency: 'nats', subject: event.subject, events: seen.events },
          'events dropped: NATS was away longer than the buffer lasts',
        );
        seen.events = 0;
        seen.loggedAt = now;
      }
      unlogged.set(event.subject, seen);
    } else if (event.type === 'disconnected') log().warn({ dependency: 'nats' }, 'NATS connection lost');
    else log().info({ dependency: 'nats' }, 'NATS connected');
  };
}

/** The event stream of the config: NATS JetStream when NATS_URL is set, else in process. */
export async function openEventStream(config: Config, streamDeps: StreamDeps): Promise<EventStream> {
  const deps = { ...streamDeps, log: lazyLog(streamDeps.log) };
  const onHandlerError = (subject: Subject, error: unknown) =>
    deps.log().error({ err: error, subject }, 'stream handler failed');
  if (!config.natsUrl) return createMemoryStream(onHandlerError);
  const dropped = deps.metrics.counter(
    'callshield_stream_dropped_events_total',
    'Events dropped because NATS was away longer than the buffer lasts',
    ['subject'],
  );
  const stream = await createNatsStream({
    url: config.natsUrl,
    prefix: config.natsPrefix,
    replicas: config.natsReplicas,
    codecs: { cdr: cdrCodec },
    partitions: { cdr: cdrPartitioning(config.cdrPartitions) },
    ownPartitions: config.detectPartitions,
    onHandlerError,
    onEvent: natsEventReporter(deps.log, dropped),
  });
  return stream;
}

export interface HotState {
  origins: OriginRegistry;
  bursts: BurstCounter;
  /** The Redis connection in distributed mode, null in embedded mode. */
  redis: RedisConnection | null;
  close(): Promise<void>;
}

/** Origin registrations and burst counters: in memory, or in Redis behind the failure-policy guard. */
export async function openHotState(
  config: Config,
  hotDeps: { clock: () => number; metrics: Metrics; log: () => Log; useRedis: boolean },
): Promise<HotState> {
  const deps = { ...hotDeps, log: lazyLog(hotDeps.log) };
  const originOptions = {
    ttlMs: config.originTtlSeconds * 1000,
    maxConfirmations: config.originMaxConfirmations,
    clock: deps.clock,
  };
  if (!config.redisUrl || !deps.useRedis) {
    const origins = createMemoryOriginRegistry(originOptions);
    const bursts = createMemoryBurstCounter(config.burstWindowSeconds * 1000);
    return {
      origins,
      bursts,
      redis: null,
      async close() {
        await origins.close();
        bursts.close();
      },
    };
  }
  const redis = await openRedis(config.redisUrl, { commandTimeoutMs: config.hotStateTimeoutMs });
  const fallbacks = deps.metrics.counter(
    'callshield_dependency_fallbacks_total',
    'Calls decided without a dependency, under the failure policy',
    ['dependency', 'operation'],
  );
  const onFallback = (operation: string) => fallbacks.inc({ dependency: 'redis', operation });
  redis.onChange((up) => {
    if (up) deps.log().info({ dependency: 'redis' }, 'Redis answers again');
    else deps.log().warn({ dependency: 'redis', failurePolicy: config.failurePolicy }, 'Redis down');
  });
  const raw = await createRedisOriginRegistry(redis, { ...originOptions, prefix: config.redisPrefix });
  return {
    origins: guardOriginRegistry(raw, redis, onFallback),
    bursts: guardBurstCounter(
      createRedisBurstCounter(redis, config.burstWindowSeconds * 1000, config.redisPrefix),
      redis,
      onFallback,
    ),
    redis,
    async close() {
      await raw.close();
      await redis.close();
    },
  };
}

/**
 * A PostgreSQL server is probed (a trivial query every `intervalMs`), so /healthz says when it is
 * away even while nothing writes; the embedded store lives in the process and is always up.
 */
export function watchRecords(sql: Sql, intervalMs = 2000): { readonly up: boolean; close(): void } {
  let up = true;
  if (sql.kind !== 'postgres') return { up, close() {} };
  let probing = false;
  const timer = setInterval(() => {
    if (probing) return;
    probing = true;
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('records probe timed out')), intervalMs).unref(),
    );
    Promise.race([sql.query('select 1'), timeout]).then(
      () => {
        up = true;
        probing = false;
      },
      () => {
        up = false;
        probing = false;
      },
    );
  }, intervalMs);
  timer.unref();
  return {
    get up() {
      return up;
    },
    close: () => clearInterval(timer),
  };
}
