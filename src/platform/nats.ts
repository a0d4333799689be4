/**
 * The event-streams port on NATS JetStream (distributed mode). One durable stream per subject;
 * events are published in batches (one message carries the events of a few milliseconds),
 * each message with an id, so a publish retried after a lost acknowledgement is stored once.
 *
 * Two ways to subscribe, as the port says:
 * - broadcast (no group): an ordered consumer from "now on" — every process sees every event;
 * - group: one durable pull consumer per group (and per partition of a partitioned subject),
 *   shared by the group's processes, explicit acks: a message is acknowledged when the handler
 *   resolves, given back (nak) when it fails or its member leaves, and redelivered by the server
 *   when its process dies before acknowledging (after `ackWaitMs`).
 *
 * The call path never waits for NATS: `publish` queues; a pump sends the queue in order and keeps
 * it (bounded, oldest dropped and counted) while NATS is away. `healthy` says whether it is connected.
 */
import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { type EventStream, type Handler, MAX_DELIVERIES, type Subject, type SubscribeOptions } from './stream.ts';

/** How the events of one subject become message bodies and back. */
export interface SubjectCodec<T> {
  /** Message bodies for the events, each at most `maxBytes` long when it can be. */
  encode(events: T[], maxBytes: number): Uint8Array[];
  decode(body: Uint8Array): T[];
}

/** A subject split into partitions (subject `<prefix>.<subject>.<partition>`). */
export interface Partitioning<T> {
  count: number;
  /** The parts of an event and the partition of each (an event may span partitions). */
  split(event: T): { partition: number; event: T }[];
}

export interface NatsStreamOptions {
  /** One or more servers, comma-separated (`nats://10.0.0.1:4222,nats://10.0.0.2:4222`). */
  url: string;
  /** Stream and subject names start with it, so several platforms (or tests) can share one NATS. */
  prefix: string;
  /** Copies of each stream in a JetStream cluster (1 on a single server, 3 in production). */
  replicas: number;
  // biome-ignore lint/suspicious/noExplicitAny: codecs of different event types live in one table
  codecs?: Partial<Record<Subject, SubjectCodec<any>>>;
  // biome-ignore lint/suspicious/noExplicitAny: see codecs
  partitions?: Partial<Record<Subject, Partitioning<any>>>;
  /** Partitions this process takes in its groups; all when not set. */
  ownPartitions?: readonly number[];
  /** How long the server waits for an acknowledgement before it redelivers. */
  ackWaitMs?: number;
  /** Events kept while NATS is away; beyond it the oldest are dropped (and counted). */
  maxBufferedEvents?: number;
  /** How long the first connection is waited for at start before running degraded. */
  connectWaitMs?: number;
  onHandlerError(subject: Subject, error: unknown): void;
  /** Connection changes and dropped events, for logs and metrics. */
  onEvent?(event: { type: 'connected' | 'disconnected' } | { type: 'dropped'; subject: Subject; count: number }): void;
}

/** Retention of each subject's stream: long enough for any consumer to come back. */
const streamLimits: Record<Subject, { maxAgeMs: number }> = {
  decisions: { maxAgeMs: 3_600_000 },
  'lists.changes': { maxAgeMs: 86_400_000 },
  'registry.changes': { maxAgeMs: 86_400_000 },
  cdr: { maxAgeMs: 86_400_000 },
  alerts: { maxAgeMs: 7 * 86_400_000 },
};
const subjects = Object.keys(streamLimits) as Subject[];

/** How long published events gather before they are encoded into a message. */
const STAGE_MS = 20;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Events as a JSON array, split in halves until each message fits. */
export const jsonCodec: SubjectCodec<unknown> = {
  encode(events, maxBytes) {
    const body = textEncoder.encode(JSON.stringify(events));
    if (body.byteLength <= maxBytes || events.length <= 1) return [body];
    const half = events.length >> 1;
    return [...jsonCodec.encode(events.slice(0, half), maxBytes), ...jsonCodec.encode(events.slice(half), maxBytes)];
  },
  decode: (body) => JSON.parse(textDecoder.decode(body)) as unknown[],
};

interface Outgoing {
  subject: string;
  body: Uint8Array;
  id: string;
  events: number;
  topic: Subject;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Connects (waiting up to `connectWaitMs`, then retrying in the background) and returns the stream. */
export async function createNatsStream(options: NatsStreamOptions): Promise<EventStream> {
  const prefix = options.prefix;
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const maxBuffered = options.maxBufferedEvents ?? 200_000;
  const streamName = (subject: Subject) => `${prefix}_${subject.replace('.', '_')}`.toUpperCase();
  const subjectName = (subject: Subject, partition?: number) =>
    partition === undefined ? `${prefix}.${subject}` : `${prefix}.${subject}.${partition}`;
  const codecOf = (subject: Subject): SubjectCodec<unknown> => options.codecs?.[subject] ?? jsonCodec;
  const instance = `${process.pid.toString(36)}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  let sequence = 0;

  let connection: NatsConnection | null = null;
  let js: JetStreamClient | null = null;
  let jsm: JetStreamManager | null = null;
  let connected = false;
  let publishing = true;
  let closed = false;
  /** Resolves each time a connection is (re)established with its streams in place. */
  let onReady: (() => void)[] = [];
  const whenReady = () =>
    connected && js ? Promise.resolve() : new Promise<void>((resolve) => onReady.push(() => resolve()));

  async function ensureStreams(manager: JetStreamManager): Promise<void> {
    for (const subject of subjects) {
      const config: Partial<StreamConfig> & { name: string } = {
        name: streamName(subject),
        subjects: [options.partitions?.[subject] ? `${subjectName(subject)}.*` : subjectName(subject)],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: nanos(streamLimits[subject].maxAgeMs),
        num_replicas: options.replicas,
        duplicate_window: nanos(120_000),
      };
      try {
        await manager.streams.info(config.name);
        await manager.streams.update(config.name, config);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        await manager.streams.add(config);
      }
    }
  }

  function markConnected(value: boolean): void {
    if (connected === value) return;
    connected = value;
    try {
      options.onEvent?.({ type: value ? 'connected' : 'disconnected' });
    } catch {
      // A listener's failure is not the connection's.
    }
    if (value) {
      const waiting = onReady;
      onReady = [];
      for (const w of waiting) w();
      void pump();
    }
  }

  async function watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') markConnected(false);
      else if (status.type === 'reconnect') {
        // A server that lost its storage comes back without our streams: put them back.
        try {
          await ensureStreams(jsm!);
          markConnected(true);
        } catch {
          // The next reconnect, or the publish pump's retries, will try again.
          markConnected(true);
        }
      }
    }
  }

  async function connectLoop(): Promise<void> {
    let wait = 100;
    while (!closed) {
      let nc: NatsConnection | null = null;
      try {
        nc = await connect({
          servers: options.url.split(',').map((s) => s.trim()),
          name: `callshield-${process.pid}`,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          reconnectJitter: 100,
          pingInterval: 2000,
          maxPingOut: 2,
          timeout: 1000,
          // No stack captured for each request (a JetStream publish is one): an error's message
          // says what failed, and the capture cost a microsecond or so a publish under load.
          noAsyncTraces: true,
        });
        if (closed) {
          await nc.close();
          return;
        }
        const manager = await jetstreamManager(nc, { timeout: 2000 });
        await ensureStreams(manager);
        connection = nc;
        jsm = manager;
        js = jetstream(nc, { timeout: 2000 });
        void watch(nc);
        nc.closed().then(() => markConnected(false));
        markConnected(true);
        return;
      } catch {
        // A connection whose setup failed is closed, not left open beside the next attempt.
        if (nc && connection !== nc) await nc.close().catch(() => {});
        await delay(wait);
        wait = Math.min(wait * 2, 1000);
      }
    }
  }

  // ---- publishing ----
  const staged = new Map<Subject, unknown[]>();
  let stageScheduled = false;
  const outbox: Outgoing[] = [];
  let outboxEvents = 0;
  let pumping: Promise<void> | null = null;
  let maxBytes = 900 * 1024;
  /** Events staged and not yet encoded. */
  let stagedCount = 0;

  function stageFlush(): void {
    stageScheduled = false;
    encodeStaged();
    void pump();
  }

  function encodeStaged(): void {
    stagedCount = 0;
    for (const [subject, events] of staged) {
      if (events.length === 0) continue;
      const batch = events.splice(0);
      const partitioning = options.partitions?.[subject];
      const bySubject = new Map<string, unknown[]>();
      if (partitioning) {
        for (const event of batch) {
          let parts: { partition: number; event: unknown }[];
          try {
            parts = partitioning.split(event);
          } catch (error) {
            // An event that cannot be split is reported, never allowed to stop the others.
            options.onHandlerError(subject, error);
            continue;
          }
          for (const part of parts) {
            const name = subjectName(subject, part.partition);
            const list = bySubject.get(name);
            if (list) list.push(part.event);
            else bySubject.set(name, [part.event]);
          }
        }
      } else bySubject.set(subjectName(subject), batch);
      const codec = codecOf(subject);
      for (const [name, list] of bySubject) {
        let bodies: Uint8Array[];
        try {
          bodies = codec.encode(list, maxBytes);
        } catch (error) {
          options.onHandlerError(subject, error);
          continue;
        }
        // Every message counts its share of the events, for the buffer bound.
        const share = Math.max(1, Math.round(list.length / bodies.length));
        for (const body of bodies) {
          outbox.push({ subject: name, body, id: `${instance}.${++sequence}`, events: share, topic: subject });
          outboxEvents += share;
        }
      }
    }
    while (outboxEvents > maxBuffered && outbox.length > 1) {
      const dropped = outbox.shift()!;
      outboxEvents -= dropped.events;
      options.onEvent?.({ type: 'dropped', subject: dropped.topic, count: dropped.events });
    }
  }

  /** Sends the outbox in order; on failure keeps the message and retries (same id) once connected. */
  function pump(): Promise<void> {
    pumping ??= (async () => {
      let backoff = 100;
      while (outbox.length > 0 && !closed) {
        if (!connected || !js) {
          await Promise.race([whenReady(), delay(1000)]);
          continue;
        }
        const next = outbox[0];
        try {
          await js.publish(next.subject, next.body, { msgID: next.id, timeout: 2000 });
          if (outbox[0] === next) {
            outbox.shift();
            outboxEvents -= next.events;
          }
          publishing = true;
          backoff = 100;
        } catch {
          publishing = false;
          await delay(backoff);
          backoff = Math.min(backoff * 2, 1000);
        }
      }
    })().finally(() => {
      pumping = null;
    });
    return pumping;
  }

  // ---- consuming ----
  interface Subscription {
    stop(): void;
    done: Promise<void>;
  }
  const subscriptions = new Set<Subscription>();

  /** Runs one consumer until stopped; (re)creates it after errors and server restarts. */
  function runConsumer(
    subject: Subject,
    open: () => Promise<Consumer>,
    deliver: (message: JsMsg) => Promise<void>,
  ): Subscription {
    let stopped = false;
    let messages: ConsumerMessages | null = null;
    const done = (async () => {
      while (!stopped && !closed) {
        try {
          await whenReady();
          const consumer = await open();
          if (stopped) return;
          messages = await consumer.consume({ max_messages: 64, expires: 5000 });
          const watchStatus = (async () => {
            for await (const status of messages!.status()) {
              // A consumer lost with the server's storage: stop and create it again.
              if (status.type === 'consumer_not_found' || status.type === 'consumer_deleted') {
                messages!.stop();
                return;
              }
            }
          })();
          for await (const message of messages) {
            if (stopped) {
              message.nak();
              break;
            }
            await deliver(message);
          }
          void watchStatus;
        } catch (error) {
          if (!stopped && !closed && !isConnectionError(error)) options.onHandlerError(subject, error);
        }
        if (!stopped) await delay(250);
      }
    })();
    return {
      stop() {
        stopped = true;
        messages?.stop();
      },
      done,
    };
  }

  function subscribeBroadcast(subject: Subject, handler: Handler<unknown>): Subscription {
    const codec = codecOf(subject);
    const filter = options.partitions?.[subject] ? `${subjectName(subject)}.*` : subjectName(subject);
    // From the moment of the call, not of the consumer's creation (which waits for a connection):
    // what is published after subscribe returns is delivered.
    const since = new Date().toISOString();
    // After an error the consumer is made again from the message after the last one seen.
    let lastSequence = 0;
    return runConsumer(
      subject,
      () =>
        js!.consumers.get(
          streamName(subject),
          lastSequence > 0
            ? { filter_subjects: filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSequence + 1 }
            : { filter_subjects: filter, deliver_policy: DeliverPolicy.StartTime, opt_start_time: since },
        ),
      async (message) => {
        lastSequence = message.seq;
        try {
          await handler(codec.decode(message.data));
        } catch (error) {
          options.onHandlerError(subject, error);
        }
      },
    );
  }

  function subscribeGroup(subject: Subject, group: string, handler: Handler<unknown>): Subscription[] {
    const codec = codecOf(subject);
    const partitioning = options.partitions?.[subject];
    const parts = partitioning
      ? (options.ownPartitions ?? Array.from({ length: partitioning.count }, (_, i) => i)).filter(
          (p) => p < partitioning.count,
        )
      : [undefined];
    // One handler call at a time for the subscription, whichever partition the message came from.
    let serial: Promise<unknown> = Promise.resolve();
    return parts.map((partition) => {
      const durable = partition === undefined ? group : `${group}_${partition}`;
      let left = false;
      let holding: JsMsg | null = null;
      const subscription = runConsumer(
        subject,
        async () => {
          const config = {
            durable_name: durable,
            ack_policy: AckPolicy.Explicit,
            filter_subject: subjectName(subject, partition),
            ack_wait: nanos(ackWaitMs),
            deliver_policy: DeliverPolicy.All,
            max_ack_pending: 1000,
          };
          await jsm!.consumers.add(streamName(subject), config).catch(async (error) => {
            // It exists with other settings (an older deployment): bring it to these.
            if (isNotFound(error)) throw error;
            await jsm!.consumers.update(streamName(subject), durable, { ack_wait: config.ack_wait });
          });
          return js!.consumers.get(streamName(subject), durable);
        },
        async (message) => {
          if (message.info.deliveryCount > MAX_DELIVERIES) {
            options.onHandlerError(
              subject,
              new Error(`dropped a message of ${subject} after ${MAX_DELIVERIES} deliveries`),
            );
            message.term();
            return;
          }
          holding = message;
          const run = serial.then(() =>
            left ? Promise.reject(new Error('left')) : handler(codec.decode(message.data)),
          );
          serial = run.catch(() => {});
          try {
            await run;
            if (!left) message.ack();
          } catch (error) {
            if (!left) {
              options.onHandlerError(subject, error);
              message.nak(100);
            }
          } finally {
            holding = null;
          }
        },
      );
      return {
        stop() {
          left = true;
          // The event this member holds goes back to the group at once, not after ackWait.
          holding?.nak();
          subscription.stop();
        },
        done: subscription.done,
      };
    });
  }

  const firstConnect = connectLoop();
  await Promise.race([firstConnect, delay(options.connectWaitMs ?? 3000)]);
  if (connection) {
    const info = (connection as NatsConnection).info;
    if (info?.max_payload) maxBytes = Math.max(64 * 1024, info.max_payload - 64 * 1024);
  }

  return {
    kind: 'nats',
    get healthy() {
      return connected && publishing;
    },
    publish(subject, event) {
      const list = staged.get(subject);
      if (list) list.push(event);
      else staged.set(subject, [event]);
      stagedCount++;
      if (!stageScheduled) {
        stageScheduled = true;
        // A short gather: each message (a publish with its acknowledgement) costs the client tens of
        // µs however small, so a busy node sends a message per STAGE_MS, not per request. 20 ms
        // rather than 5 took about 1 µs a verify off the node and 1 off nats-server in the
        // distributed-verify bench (at 20 k verifies/s, 400 events a message).
        setTimeout(stageFlush, STAGE_MS);
      }
    },
    subscribe(subject, handler, subscribeOptions: SubscribeOptions = {}) {
      const group = subscribeOptions.group;
      const own =
        group === undefined
          ? [subscribeBroadcast(subject, handler as Handler<unknown>)]
          : subscribeGroup(subject, group, handler as Handler<unknown>);
      for (const s of own) subscriptions.add(s);
      return () => {
        for (const s of own) {
          s.stop();
          subscriptions.delete(s);
        }
      };
    },
    async drain() {
      // Bounded: with NATS away the outbox waits for it, not the caller.
      if (stagedCount > 0) encodeStaged();
      const deadline = Date.now() + 5000;
      while (outbox.length > 0 && Date.now() < deadline) await (pumping ?? pump());
    },
    async close() {
      if (stagedCount > 0) encodeStaged();
      const deadline = Date.now() + 3000;
      while (outbox.length > 0 && connected && Date.now() < deadline) {
        await Promise.race([pumping ?? pump(), delay(200)]);
      }
      for (const s of subscriptions) s.stop();
      await Promise.race([Promise.all([...subscriptions].map((s) => s.done)), delay(3000)]);
      subscriptions.clear();
      closed = true;
      await connection?.close().catch(() => {});
      await Promise.race([firstConnect, delay(1000)]);
    },
  };
}

function isNotFound(error: unknown): boolean {
  const text = error instanceof Error ? error.message : String(error);
  return /not found/i.test(text);
}

function isConnectionError(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  return /connection|closed|timeout|no responders|draining/i.test(text);
}

/** Deletes the streams of a prefix (tests clean up after themselves on a shared NATS). */
export async function deleteNatsStreams(url: string, prefix: string): Promise<void> {
  const nc = await connect({ servers: url.split(','), timeout: 2000 });
  try {
    const manager = await jetstreamManager(nc);
    for await (const info of manager.streams.list()) {
      if (info.config.name.startsWith(`${prefix.toUpperCase()}_`)) await manager.streams.delete(info.config.name);
    }
  } finally {
    await nc.close();
  }
}
