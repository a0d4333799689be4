/**
 * Distributed mode keeps the signed audit checkpoints in a NATS JetStream stream too: a copy on
 * other machines than the database, which a database insider cannot reach. Kept without age limit.
 */
import { DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Checkpoint, CheckpointSink } from './checkpoints.ts';

export interface NatsCheckpointOptions {
  url: string;
  prefix: string;
  replicas: number;
}

const names = (prefix: string) => ({
  stream: `${prefix}_AUDIT_CHECKPOINTS`.toUpperCase(),
  subject: `${prefix}.audit.checkpoints`,
});

async function ensureStream(nc: NatsConnection, options: NatsCheckpointOptions): Promise<void> {
  const { stream, subject } = names(options.prefix);
  const manager = await jetstreamManager(nc);
  try {
    await manager.streams.info(stream);
  } catch {
    await manager.streams.add({
      name: stream,
      subjects: [subject],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: options.replicas,
    });
  }
}

/** Publishes each checkpoint to the stream (in order, without making the append wait). */
export async function createNatsCheckpointSink(
  options: NatsCheckpointOptions & { onError: (error: unknown) => void },
): Promise<CheckpointSink> {
  const nc = await connect({ servers: options.url.split(','), timeout: 2000, maxReconnectAttempts: -1 });
  await ensureStream(nc, options);
  const js = jetstream(nc);
  const { subject } = names(options.prefix);
  let chain: Promise<unknown> = Promise.resolve();
  return {
    write(checkpoint: Checkpoint) {
      chain = chain
        .then(() => js.publish(subject, JSON.stringify(checkpoint), { msgID: `${checkpoint.seq}-${checkpoint.at}` }))
        .catch(options.onError);
    },
    async close() {
      await chain;
      await nc.drain();
    },
  };
}

/** Every checkpoint in the stream, oldest first (for `audit verify`). */
export async function readNatsCheckpoints(
  options: NatsCheckpointOptions,
): Promise<{ checkpoints: Checkpoint[]; badLines: number[] }> {
  const nc = await connect({ servers: options.url.split(','), timeout: 2000 });
  try {
    const { stream } = names(options.prefix);
    const manager = await jetstreamManager(nc);
    let total: number;
    try {
      total = (await manager.streams.info(stream)).state.messages;
    } catch {
      return { checkpoints: [], badLines: [] };
    }
    const checkpoints: Checkpoint[] = [];
    const badLines: number[] = [];
    if (total === 0) return { checkpoints, badLines };
    const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    const messages = await consumer.consume();
    for await (const message of messages) {
      try {
        checkpoints.push(message.json<Checkpoint>());
      } catch {
        badLines.push(message.seq);
      }
      if (message.info.pending === 0) break;
    }
    await messages.close();
    return { checkpoints, badLines };
  } finally {
    await nc.close();
  }
}
