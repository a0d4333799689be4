/**
 * The audit log's protection outside the database, built from the config: the signing key, the
 * checkpoint file and (distributed mode) the NATS stream; and the verification that uses them,
 * shared by `GET /v1/audit/verify` and `callshield audit verify`.
 */
import type { Config } from '../config.ts';
import {
  type AnchorResult,
  anchorsFrom,
  type Checkpoint,
  type Checkpointer,
  type CheckpointSink,
  createCheckpointer,
  defaultAuditKeyFile,
  defaultCheckpointFile,
  loadAuditKey,
  readCheckpointFile,
} from './checkpoints.ts';
import type { AuditLog, VerifyResult } from './log.ts';
import { createNatsCheckpointSink, readNatsCheckpoints } from './nats-checkpoints.ts';

type AuditConfig = Pick<
  Config,
  'auditKeyFile' | 'auditCheckpointsFile' | 'dataDir' | 'databaseUrl' | 'natsUrl' | 'natsPrefix' | 'natsReplicas'
>;

export interface AuditProtection {
  checkpointer?: Checkpointer;
  /** Said once at start: a key was created, or checkpoints are off. */
  notice?: string;
  /** The signed checkpoints this process can read (its file), checked, as anchors for verify. */
  anchors(): Promise<AnchorResult | undefined>;
  close(): Promise<void>;
}

const checkpointFileOf = (config: AuditConfig) => config.auditCheckpointsFile ?? defaultCheckpointFile(config.dataDir);

/** Opens the key (creating it in embedded mode when none is set) and the checkpoint outputs. */
export async function openAuditProtection(
  config: AuditConfig,
  deps: { clock: () => number; onError: (error: unknown) => void },
): Promise<AuditProtection> {
  const key = loadAuditKey({
    keyFile: config.auditKeyFile,
    dataDir: config.dataDir,
    embedded: !config.databaseUrl,
    create: true,
  });
  if (!key) {
    return {
      notice:
        'audit: CALLSHIELD_AUDIT_KEY is not set, so audit checkpoints are not signed and `audit verify` cannot tell a rewritten log from an intact one',
      anchors: async () => undefined,
      close: async () => {},
    };
  }
  if (!key.privateKey) throw new Error(`${key.file}: the audit key must be a private key to sign checkpoints`);
  const file = checkpointFileOf(config);
  const sinks: CheckpointSink[] = [];
  // An in-memory database (tests) has no checkpoint file: its checkpoints live as long as it does.
  const kept: Checkpoint[] = [];
  if (!file) sinks.push({ write: (checkpoint) => void kept.push(checkpoint), close: async () => {} });
  if (config.natsUrl) {
    sinks.push(
      await createNatsCheckpointSink({
        url: config.natsUrl,
        prefix: config.natsPrefix,
        replicas: config.natsReplicas,
        onError: deps.onError,
      }),
    );
  }
  const checkpointer = createCheckpointer({ key, file, sinks, clock: deps.clock, onError: deps.onError });
  return {
    checkpointer,
    notice:
      key.created && key.file
        ? `audit: created the audit signing key ${key.file} (mode 0600), outside the database; checkpoints go to ${file}. ` +
          'It only protects against someone who can change the database but cannot read this file: keep the key on ' +
          'storage database administrators cannot read, or set CALLSHIELD_AUDIT_KEY (see SECURITY.md)'
        : undefined,
    async anchors() {
      const { checkpoints, badLines } = file ? readCheckpointFile(file) : { checkpoints: kept, badLines: [] };
      // Embedded: this process is the only writer, and its file holds a checkpoint of every append.
      return anchorsFrom(key.publicKey, checkpoints, badLines, { everyEntry: !config.databaseUrl });
    },
    close: () => checkpointer.close(),
  };
}

/**
 * Verification for `callshield audit verify`: the chain, and every checkpoint of the file and (with
 * NATS_URL) of the stream, signed by the audit key. Needs only the public key.
 */
export async function verifyAuditWithCheckpoints(
  audit: AuditLog,
  config: AuditConfig,
): Promise<{ result: VerifyResult; signed: boolean; sources: string[] }> {
  const key = loadAuditKey({
    keyFile: config.auditKeyFile,
    dataDir: config.dataDir,
    embedded: !config.databaseUrl,
    create: false,
  });
  if (!key) {
    const result = await audit.verify();
    // Embedded mode makes its key at first start: a log with entries and no key lost its key (or
    // had it removed along with its checkpoints), and cannot be told apart from a rewritten one.
    if (result.ok && result.entries > 0 && !config.databaseUrl && !config.auditKeyFile) {
      return {
        result: {
          ok: false,
          entries: result.entries,
          problem: `the audit key ${defaultAuditKeyFile(config.dataDir)} is missing, so the log cannot be checked against its signed checkpoints (set CALLSHIELD_AUDIT_KEY to the key or its public key)`,
        },
        signed: false,
        sources: [],
      };
    }
    return { result, signed: false, sources: [] };
  }
  const checkpoints: Checkpoint[] = [];
  const sources: string[] = [];
  const file = checkpointFileOf(config);
  if (file) {
    const read = readCheckpointFile(file);
    if (read.badLines.length > 0) {
      const bad = anchorsFrom(key.publicKey, [], read.badLines);
      return { result: { ok: false, entries: 0, problem: bad.ok ? '' : bad.problem }, signed: true, sources: [file] };
    }
    checkpoints.push(...read.checkpoints);
    sources.push(`${file} (${read.checkpoints.length})`);
  }
  if (config.natsUrl) {
    const read = await readNatsCheckpoints({
      url: config.natsUrl,
      prefix: config.natsPrefix,
      replicas: config.natsReplicas,
    });
    checkpoints.push(...read.checkpoints);
    sources.push(`NATS stream (${read.checkpoints.length})`);
  }
  // Embedded: the server (the only writer) put a checkpoint of every entry it appended in the file.
  const anchors = anchorsFrom(key.publicKey, checkpoints, [], { everyEntry: !config.databaseUrl });
  if (!anchors.ok) return { result: { ok: false, entries: 0, problem: anchors.problem }, signed: true, sources };
  return { result: await audit.verify(5000, anchors.anchors), signed: true, sources };
}
