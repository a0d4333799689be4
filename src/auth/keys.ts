import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sql } from '../platform/sql.ts';
import type { Principal } from './principal.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Who a key belongs to: an operator (the default) or a bank of the antifraud exchange. */
export type KeyOwnerKind = 'operator' | 'bank';

export interface ApiKeyInfo {
  id: string;
  /** The owner's id (an operator's, or a bank's when `ownerKind` is bank). */
  operatorId: string;
  ownerKind?: KeyOwnerKind;
  prefix: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

/**
 * Bearer tokens: the admin token from the config and API keys of operators and banks (one
 * keyring: a key names its owner's kind). Keys are 256-bit random
 * strings shown once; only their SHA-256 is stored (a fast hash is enough for keys that cannot
 * be guessed). Valid keys are held in memory, so authenticating a call costs one hash and one lookup.
 */
export async function createKeyring(sql: Sql, adminToken: string) {
  const adminDigest = Buffer.from(sha256(adminToken), 'hex');
  const byHash = new Map<string, { id: string; operatorId: string; bank: boolean }>();
  const lastUsed = new Map<string, number>();
  // Last use is kept to the second: the call path writes a number into the token's cache entry,
  // and the flush collects them (no clock read and no map write per call).
  let second = Date.now();
  const ticker = setInterval(() => {
    second = Date.now();
  }, 1000);
  ticker.unref();
  // Keys issued or revoked on this node, counted once written: a read of the keys that overlapped
  // one may hold the keys as they were before it (a revoked key still valid, a new one missing), so
  // it is read again.
  let localChanges = 0;
  // Reads of the keys, numbered: one that ends after a later one is not applied over it.
  let readsStarted = 0;
  let readApplied = 0;
  async function load(): Promise<void> {
    let changesSeen: number;
    let read: number;
    let rows: { id: string; operator_id: string | null; bank_id: string | null; key_hash: string }[];
    do {
      changesSeen = localChanges;
      read = ++readsStarted;
      ({ rows } = await sql.query<{
        id: string;
        operator_id: string | null;
        bank_id: string | null;
        key_hash: string;
      }>('select id, operator_id, bank_id, key_hash from api_keys where revoked_at is null'));
    } while (changesSeen !== localChanges);
    if (read < readApplied) return;
    readApplied = read;
    byHash.clear();
    for (const r of rows)
      byHash.set(r.key_hash, {
        id: r.id,
        operatorId: (r.operator_id ?? r.bank_id) as string,
        bank: r.bank_id !== null,
      });
  }
  await load();

  // Last-use times are written in the background, not on each call.
  const flusher = setInterval(() => void flushLastUsed(), 10_000);
  flusher.unref();
  /** Moves the last uses noted in the token cache to the map the flush writes. */
  function collectRecentUse(): void {
    for (const entry of recent.values()) {
      if (entry.usedAt > 0 && (entry.principal.kind === 'operator' || entry.principal.kind === 'bank')) {
        lastUsed.set(entry.principal.keyId, Math.max(lastUsed.get(entry.principal.keyId) ?? 0, entry.usedAt));
        entry.usedAt = 0;
      }
    }
  }
  function forgetRecent(): void {
    collectRecentUse();
    recent.clear();
  }
  async function flushLastUsed() {
    collectRecentUse();
    const entries = [...lastUsed];
    lastUsed.clear();
    for (const [id, at] of entries) {
      await sql.query('update api_keys set last_used_at = $2 where id = $1', [id, new Date(at)]).catch(() => {});
    }
  }

  function lookup(token: string): Principal | null {
    const digest = sha256(token);
    const digestBytes = Buffer.from(digest, 'hex');
    if (timingSafeEqual(digestBytes, adminDigest)) return { kind: 'admin' };
    const key = byHash.get(digest);
    if (!key) return null;
    lastUsed.set(key.id, Date.now());
    if (key.bank) return { kind: 'bank', bankId: key.operatorId, keyId: key.id };
    return { kind: 'operator', operatorId: key.operatorId, keyId: key.id };
  }

  // Tokens seen recently, so a busy operator's key is hashed once, not on every call.
  const recent = new Map<string, { principal: Principal; usedAt: number }>();
  const RECENT_MAX = 10_000;

  return {
    authenticate(token: string): Principal | null {
      const known = recent.get(token);
      if (known) {
        known.usedAt = second;
        return known.principal;
      }
      const principal = lookup(token);
      if (principal) {
        if (recent.size >= RECENT_MAX) forgetRecent();
        recent.set(token, { principal, usedAt: 0 });
      }
      return principal;
    },

    /** Issues a key for an operator, or for a bank when `owner` is bank. */
    async issue(
      operatorId: string,
      createdBy: string,
      owner: KeyOwnerKind = 'operator',
    ): Promise<{ apiKey: string; info: ApiKeyInfo }> {
      const column = owner === 'bank' ? 'bank_id' : 'operator_id';
      const id = `key_${randomBytes(6).toString('hex')}`;
      const apiKey = `cs_${randomBytes(32).toString('base64url')}`;
      const prefix = apiKey.slice(0, 10);
      const hash = sha256(apiKey);
      const { rows } = await sql.query<{ created_at: Date }>(
        `insert into api_keys (id, ${column}, key_hash, key_prefix, created_by) values ($1, $2, $3, $4, $5) returning created_at`,
        [id, operatorId, hash, prefix, createdBy],
      );
      byHash.set(hash, { id, operatorId, bank: owner === 'bank' });
      localChanges++;
      return {
        apiKey,
        info: {
          id,
          operatorId,
          ...(owner === 'bank' ? { ownerKind: owner } : {}),
          prefix,
          createdBy,
          createdAt: new Date(rows[0].created_at).toISOString(),
        },
      };
    },

    /** Reads the keys again (another node issued or revoked one); forgets recently seen tokens. */
    async reload(): Promise<void> {
      await load();
      forgetRecent();
    },

    async revoke(operatorId: string, keyId: string, owner: KeyOwnerKind = 'operator'): Promise<boolean> {
      const column = owner === 'bank' ? 'bank_id' : 'operator_id';
      const { rows } = await sql.query<{ key_hash: string }>(
        `update api_keys set revoked_at = now() where id = $1 and ${column} = $2 and revoked_at is null returning key_hash`,
        [keyId, operatorId],
      );
      for (const r of rows) byHash.delete(r.key_hash);
      localChanges++;
      forgetRecent();
      return rows.length > 0;
    },

    async list(operatorId: string, owner: KeyOwnerKind = 'operator'): Promise<ApiKeyInfo[]> {
      await flushLastUsed();
      const column = owner === 'bank' ? 'bank_id' : 'operator_id';
      const { rows } = await sql.query<{
        id: string;
        operator_id: string | null;
        bank_id: string | null;
        key_prefix: string;
        created_at: Date;
        created_by: string;
        revoked_at: Date | null;
        last_used_at: Date | null;
      }>(`select * from api_keys where ${column} = $1 order by created_at`, [operatorId]);
      return rows.map((r) => ({
        id: r.id,
        operatorId: (r.operator_id ?? r.bank_id) as string,
        ...(r.bank_id ? { ownerKind: 'bank' as const } : {}),
        prefix: r.key_prefix,
        createdAt: new Date(r.created_at).toISOString(),
        createdBy: r.created_by,
        ...(r.revoked_at ? { revokedAt: new Date(r.revoked_at).toISOString() } : {}),
        ...(r.last_used_at ? { lastUsedAt: new Date(r.last_used_at).toISOString() } : {}),
      }));
    },

    async close() {
      clearInterval(flusher);
      clearInterval(ticker);
      await flushLastUsed();
    },
  };
}

export type Keyring = Awaited<ReturnType<typeof createKeyring>>;
