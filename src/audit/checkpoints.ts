/**
 * Signed checkpoints of the audit chain, kept outside the database. The hash chain alone proves
 * nothing to someone who can write the database: they can delete entries and recompute every hash
 * and the stored head. So after every append the chain head (seq, hash) is signed with an Ed25519
 * key that is not in the database, and the signed checkpoint is written where the database cannot
 * reach: an append-only file and, in distributed mode, a NATS JetStream stream. Verification then
 * requires every checkpoint to match the chain: a rewritten log no longer matches what was signed.
 *
 * What this proves, and what not, is in SECURITY.md.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { canonicalJson } from './log.ts';

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
  /** Which key signed (first 16 hex digits of the SHA-256 of its public key). */
  key: string;
  /** Ed25519 signature (base64) over the checkpoint's canonical form. */
  sig: string;
}

export interface AuditKey {
  /** Absent when only the public key is at hand (a verifier that cannot sign). */
  privateKey?: KeyObject;
  publicKey: KeyObject;
  id: string;
  /** Where the key lives ('' for a key held in memory only). */
  file: string;
  /** True when this start created the key file. */
  created: boolean;
}

export interface AuditKeyOptions {
  /** CALLSHIELD_AUDIT_KEY: a PEM file with the Ed25519 private key (or, to verify only, the public key). */
  keyFile?: string;
  dataDir: string;
  /** Embedded mode (no DATABASE_URL): a key is created in the data directory when none is set. */
  embedded: boolean;
  /** False for verifiers: they never create a key. */
  create: boolean;
}

const inMemory = (dataDir: string) => dataDir.startsWith('memory://');

function keyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

function fromPem(pem: string, file: string, created: boolean): AuditKey {
  if (pem.includes('PRIVATE KEY')) {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: the audit key must be Ed25519`);
    const publicKey = createPublicKey(privateKey);
    return { privateKey, publicKey, id: keyId(publicKey), file, created };
  }
  const publicKey = createPublicKey(pem);
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: the audit key must be Ed25519`);
  return { publicKey, id: keyId(publicKey), file, created };
}

/** The default key file of the embedded mode: in the data directory, beside (not inside) the database. */
export function defaultAuditKeyFile(dataDir: string): string {
  return join(resolve(dataDir), 'audit-key.pem');
}

/** The default checkpoint file: in the data directory, beside the database; none for an in-memory one. */
export function defaultCheckpointFile(dataDir: string): string | undefined {
  return inMemory(dataDir) ? undefined : join(resolve(dataDir), 'audit-checkpoints.jsonl');
}

/**
 * The signing key: the configured file; else, in embedded mode, `<data-dir>/audit-key.pem`
 * (created with mode 0600 on first start); else (distributed without a key) none.
 */
export function loadAuditKey(options: AuditKeyOptions): AuditKey | undefined {
  if (options.keyFile) {
    const file = resolve(options.keyFile);
    return fromPem(readFileSync(file, 'utf8'), file, false);
  }
  if (!options.embedded) return undefined;
  if (inMemory(options.dataDir)) {
    if (!options.create) return undefined;
    // A database that lives in memory: a key that lives as long.
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    return { privateKey, publicKey, id: keyId(publicKey), file: '', created: true };
  }
  const file = defaultAuditKeyFile(options.dataDir);
  if (existsSync(file)) return fromPem(readFileSync(file, 'utf8'), file, false);
  if (!options.create) return undefined;
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  // 'wx': never overwrite a key another process created meanwhile.
  writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  return fromPem(pem, file, true);
}

function signedBytes(c: Pick<Checkpoint, 'seq' | 'hash' | 'at'>): Buffer {
  return Buffer.from(`callshield-audit-checkpoint:${canonicalJson({ v: 1, seq: c.seq, hash: c.hash, at: c.at })}`);
}

export function signCheckpoint(key: AuditKey, head: { seq: number; hash: string }, at: string): Checkpoint {
  if (!key.privateKey) throw new Error('the audit key has no private part: it cannot sign');
  const sig = sign(null, signedBytes({ ...head, at }), key.privateKey).toString('base64');
  return { seq: head.seq, hash: head.hash, at, key: key.id, sig };
}

export function checkpointSignatureValid(publicKey: KeyObject, checkpoint: Checkpoint): boolean {
  try {
    return verify(null, signedBytes(checkpoint), publicKey, Buffer.from(checkpoint.sig, 'base64'));
  } catch {
    return false;
  }
}

/** Parses a JSON-lines checkpoint file; a line that is not a checkpoint is reported, not skipped. */
export function readCheckpointFile(file: string): { checkpoints: Checkpoint[]; badLines: number[] } {
  if (!existsSync(file)) return { checkpoints: [], badLines: [] };
  const checkpoints: Checkpoint[] = [];
  const badLines: number[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const c = JSON.parse(line) as Checkpoint;
      if (typeof c.seq !== 'number' || typeof c.hash !== 'string' || typeof c.sig !== 'string') throw new Error();
      checkpoints.push(c);
    } catch {
      // A torn last line (a crash mid-write) is not an attack; any other bad line is.
      if (index !== lines.length - 1) badLines.push(index + 1);
    }
  });
  return { checkpoints, badLines };
}

/** Where checkpoints go besides the file (the NATS stream in distributed mode). */
export interface CheckpointSink {
  write(checkpoint: Checkpoint): void;
  close(): Promise<void>;
}

export interface Checkpointer {
  /** Signs the new chain head and writes it out. Never throws: a failure is reported to `onError`. */
  record(head: { seq: number; hash: string }): void;
  readonly key: AuditKey;
  readonly file: string | undefined;
  close(): Promise<void>;
}

export function createCheckpointer(options: {
  key: AuditKey;
  file?: string;
  sinks?: CheckpointSink[];
  clock: () => number;
  onError: (error: unknown) => void;
}): Checkpointer {
  const { key, file } = options;
  const sinks = options.sinks ?? [];
  return {
    key,
    file,
    record(head) {
      try {
        const checkpoint = signCheckpoint(key, head, new Date(options.clock()).toISOString());
        // Opened in append mode for each line: a file renamed away is recreated, never overwritten.
        if (file) appendFileSync(file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o600, flag: 'a' });
        for (const sink of sinks) sink.write(checkpoint);
      } catch (error) {
        options.onError(error);
      }
    },
    async close() {
      for (const sink of sinks) await sink.close().catch(() => {});
    },
  };
}

/** Seq → signed hash, from checkpoints whose signatures were checked. */
export interface Anchors {
  bySeq: Map<number, string>;
  newestSeq: number;
  /** The oldest entry a checkpoint covers: the entries before it were written before signing was set up. */
  oldestSeq: number;
  /**
   * The checkpoints are those of the only writer, which signs every entry it appends (embedded
   * mode: one process holds the database). An entry after the oldest checkpoint without one of its
   * own was then not appended by the server: it was written straight into the database.
   */
  everyEntry: boolean;
}

export type AnchorResult = { ok: true; anchors: Anchors; count: number } | { ok: false; problem: string };

/**
 * Checks every checkpoint's signature and turns them into anchors for the chain walk. `everyEntry`:
 * these are all the checkpoints of the only writer (see `Anchors`).
 */
export function anchorsFrom(
  publicKey: KeyObject,
  checkpoints: Checkpoint[],
  badLines: number[] = [],
  options: { everyEntry?: boolean } = {},
): AnchorResult {
  if (badLines.length > 0) {
    return { ok: false, problem: `the checkpoint file has lines that are not checkpoints (${badLines.join(', ')})` };
  }
  const bySeq = new Map<number, string>();
  let newestSeq = 0;
  let oldestSeq = 0;
  for (const checkpoint of checkpoints) {
    if (!checkpointSignatureValid(publicKey, checkpoint)) {
      return {
        ok: false,
        problem: `the checkpoint of entry ${checkpoint.seq} has no valid signature of the audit key (checkpoints were forged or altered)`,
      };
    }
    const known = bySeq.get(checkpoint.seq);
    if (known !== undefined && known !== checkpoint.hash) {
      return { ok: false, problem: `two signed checkpoints of entry ${checkpoint.seq} disagree` };
    }
    bySeq.set(checkpoint.seq, checkpoint.hash);
    if (checkpoint.seq > newestSeq) newestSeq = checkpoint.seq;
    if (oldestSeq === 0 || checkpoint.seq < oldestSeq) oldestSeq = checkpoint.seq;
  }
  const everyEntry = options.everyEntry ?? false;
  return { ok: true, anchors: { bySeq, newestSeq, oldestSeq, everyEntry }, count: checkpoints.length };
}
