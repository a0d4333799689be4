/**
 * The audit log: who did or looked at what, when and from where. Append-only and hash-chained:
 * each entry's hash is SHA-256 over its canonical form, which includes the previous entry's hash,
 * so altering or removing an entry breaks the chain at that point, and the chain head (kept with
 * every append) catches entries cut off the end. The database also refuses updates and deletes.
 * None of that stops someone who can write the database (they recompute every hash and the head),
 * so each new head is also signed and kept outside the database (checkpoints.ts), and `verify`
 * takes those signed checkpoints as anchors the chain must still match.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Sql, SqlQueryable } from '../platform/sql.ts';
import type { Anchors } from './checkpoints.ts';

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  /** `user:alice`, `admin`, `operator:KCELL:key_…`, `system`. */
  actor: string;
  role: string;
  /** Dotted verb: `number.lookup`, `lists.add`, `user.login`… */
  action: string;
  /** What was acted on or looked at: a number, a user, a list entry. */
  target: string;
  details: Record<string, unknown>;
  clientIp: string;
  prevHash: string;
  hash: string;
}

export type NewAuditEntry = Pick<AuditEntry, 'actor' | 'role' | 'action' | 'target' | 'clientIp'> & {
  details?: Record<string, unknown>;
};

/** The hash before the first entry. */
export const genesisHash = '0'.repeat(64);

/** JSON with object keys sorted at every level, so that the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value as object)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
}

/** SHA-256 over the canonical entry (every field but the hash itself, prevHash included). */
export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { seq, id, at, actor, role, action, target, details, clientIp, prevHash } = entry;
  const canonical = canonicalJson({ seq, id, at, actor, role, action, target, details, clientIp, prevHash });
  return createHash('sha256').update(canonical).update(prevHash).digest('hex');
}

interface AuditRow {
  seq: number | string;
  id: string;
  at: Date | string;
  actor: string;
  role: string;
  action: string;
  target: string;
  details: Record<string, unknown> | string;
  client_ip: string;
  prev_hash: string;
  hash: string;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  seq: Number(r.seq),
  id: r.id,
  at: new Date(r.at).toISOString(),
  actor: r.actor,
  role: r.role,
  action: r.action,
  target: r.target,
  details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
  clientIp: r.client_ip,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  from?: Date;
  to?: Date;
  /** Entries with a seq below this (newest first paging). */
  before?: number;
  limit: number;
}

export type VerifyResult =
  | {
      ok: true;
      entries: number;
      headSeq: number;
      headHash: string;
      /** Signed checkpoints checked (absent when none were given). */
      checkpoints?: number;
      /** The newest entry a signed checkpoint covers; later entries rest on the chain alone. */
      signedUpTo?: number;
    }
  | { ok: false; entries: number; problem: string; seq?: number };

/**
 * A text PostgreSQL can keep in text and jsonb columns: NUL and lone surrogates (which a request
 * may carry in a body, a path or a query) become U+FFFD. Without this the append of such a
 * request's entry fails, and the action it records goes unaudited.
 */
function storableText(text: string): string {
  const wellFormed = text.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '\uFFFD') : wellFormed;
}

/** A JSON value with every string and key made storable (`storableText`). */
function storable(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(storable);
  // fromEntries defines each key as data, `__proto__` included.
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), storable(item)]));
}

export function createAuditLog(deps: {
  sql: Sql;
  clock?: () => number;
  /** Signs each new head and keeps it outside the database (see checkpoints.ts). */
  checkpointer?: { record(head: { seq: number; hash: string }): void };
}) {
  const { sql } = deps;
  const clock = deps.clock ?? Date.now;
  // One append at a time in this process; across processes the advisory lock below orders them.
  let tail: Promise<unknown> = Promise.resolve();

  async function appendIn(tx: SqlQueryable, input: NewAuditEntry): Promise<AuditEntry> {
    if (sql.kind === 'postgres') await tx.query('select pg_advisory_xact_lock(7262)');
    const head = await tx.query<{ seq: number | string; hash: string }>('select seq, hash from audit_head');
    const prevSeq = head.rows[0] ? Number(head.rows[0].seq) : 0;
    const prevHash = head.rows[0]?.hash ?? genesisHash;
    const draft: Omit<AuditEntry, 'hash'> = {
      seq: prevSeq + 1,
      id: `aud_${randomBytes(8).toString('hex')}`,
      at: new Date(clock()).toISOString(),
      actor: storableText(input.actor),
      role: input.role,
      action: storableText(input.action),
      target: storableText(input.target),
      // Round-trips through JSON so that what is hashed is exactly what the store gives back.
      details: storable(JSON.parse(JSON.stringify(input.details ?? {}))) as Record<string, unknown>,
      clientIp: input.clientIp,
      prevHash,
    };
    const entry: AuditEntry = { ...draft, hash: entryHash(draft) };
    await tx.query(
      `insert into audit_log (seq, id, at, actor, role, action, target, details, client_ip, prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        entry.seq,
        entry.id,
        new Date(entry.at),
        entry.actor,
        entry.role,
        entry.action,
        entry.target,
        JSON.stringify(entry.details),
        entry.clientIp,
        entry.prevHash,
        entry.hash,
      ],
    );
    await tx.query(
      `insert into audit_head (singleton, seq, hash) values (true, $1, $2)
       on conflict (singleton) do update set seq = excluded.seq, hash = excluded.hash`,
      [entry.seq, entry.hash],
    );
    return entry;
  }

  return {
    /** Appends one entry; resolves once it is stored (callers that show personal data wait for it). */
    append(input: NewAuditEntry): Promise<AuditEntry> {
      const run = tail.then(async () => {
        const entry = await sql.transaction((tx) => appendIn(tx, input));
        // After the commit, in append order: a checkpoint never names an entry that is not stored.
        deps.checkpointer?.record({ seq: entry.seq, hash: entry.hash });
        return entry;
      });
      tail = run.catch(() => {});
      return run;
    },

    async query(q: AuditQuery): Promise<{ items: AuditEntry[]; next: number | null }> {
      const { rows } = await sql.query<AuditRow>(
        `select * from audit_log
         where ($1::text is null or actor = $1) and ($2::text is null or action like $2 || '%')
           and ($3::text is null or target = $3) and ($4::timestamptz is null or at >= $4)
           and ($5::timestamptz is null or at < $5) and ($6::bigint is null or seq < $6)
         order by seq desc limit $7`,
        [
          q.actor ?? null,
          q.action ?? null,
          q.target ?? null,
          q.from ?? null,
          q.to ?? null,
          q.before ?? null,
          q.limit + 1,
        ],
      );
      const items = rows.slice(0, q.limit).map(toEntry);
      return { items, next: rows.length > q.limit ? items[items.length - 1].seq : null };
    },

    /** Signs the current head (at start: the entries written before are then anchored too). */
    async checkpointHead(): Promise<void> {
      if (!deps.checkpointer) return;
      const run = tail.then(async () => {
        const head = await sql.query<{ seq: number | string; hash: string }>('select seq, hash from audit_head');
        if (head.rows[0]) deps.checkpointer?.record({ seq: Number(head.rows[0].seq), hash: head.rows[0].hash });
      });
      tail = run.catch(() => {});
      await run;
    },

    /**
     * Walks the whole chain in order: every hash recomputed, every link checked, no seq missing,
     * and the last entry equal to the recorded head. With anchors (signed checkpoints), every
     * anchored entry must still have the signed hash and the chain must reach the newest anchor;
     * when the anchors are every entry's (`everyEntry`), no entry between two of them may lack one.
     */
    async verify(pageSize = 5000, anchors?: Anchors): Promise<VerifyResult> {
      let prevHash = genesisHash;
      let expectedSeq = 1;
      let entries = 0;
      for (;;) {
        const { rows } = await sql.query<AuditRow>('select * from audit_log where seq >= $1 order by seq limit $2', [
          expectedSeq,
          pageSize,
        ]);
        for (const row of rows) {
          const entry = toEntry(row);
          if (entry.seq !== expectedSeq) {
            return { ok: false, entries, seq: expectedSeq, problem: `entry ${expectedSeq} is missing` };
          }
          if (entry.prevHash !== prevHash) {
            return {
              ok: false,
              entries,
              seq: entry.seq,
              problem: `entry ${entry.seq} does not link to the entry before it (an entry was removed or altered)`,
            };
          }
          const { hash, ...rest } = entry;
          if (entryHash(rest) !== hash) {
            return { ok: false, entries, seq: entry.seq, problem: `entry ${entry.seq} was altered (hash mismatch)` };
          }
          const signed = anchors?.bySeq.get(entry.seq);
          if (signed !== undefined && signed !== hash) {
            return {
              ok: false,
              entries,
              seq: entry.seq,
              problem: `entry ${entry.seq} does not match its signed checkpoint (the log was rewritten)`,
            };
          }
          // The only writer signs each entry it appends, in order: an unsigned entry between two
          // signed ones was put there through the database (with its hash and the head recomputed).
          if (
            signed === undefined &&
            anchors?.everyEntry &&
            entry.seq > anchors.oldestSeq &&
            entry.seq < anchors.newestSeq
          ) {
            return {
              ok: false,
              entries,
              seq: entry.seq,
              problem: `entry ${entry.seq} has no signed checkpoint of its own though later entries do: the server did not append it (it was written into the database), or could not write its checkpoint and said so then`,
            };
          }
          prevHash = hash;
          expectedSeq++;
          entries++;
        }
        if (rows.length < pageSize) break;
      }
      const head = await sql.query<{ seq: number | string; hash: string }>('select seq, hash from audit_head');
      const headSeq = head.rows[0] ? Number(head.rows[0].seq) : 0;
      const headHash = head.rows[0]?.hash ?? genesisHash;
      if (headSeq !== entries || headHash !== prevHash) {
        return {
          ok: false,
          entries,
          seq: headSeq,
          problem: `the chain ends at entry ${entries} but the recorded head is entry ${headSeq} (entries were cut off or the head was altered)`,
        };
      }
      if (anchors && anchors.newestSeq > entries) {
        return {
          ok: false,
          entries,
          seq: anchors.newestSeq,
          problem: `a signed checkpoint names entry ${anchors.newestSeq} but the log ends at entry ${entries} (entries were removed)`,
        };
      }
      if (anchors && entries > 0 && anchors.bySeq.size === 0) {
        return {
          ok: false,
          entries,
          problem: 'no signed checkpoint covers the log (the checkpoints are missing)',
        };
      }
      return anchors
        ? { ok: true, entries, headSeq, headHash, checkpoints: anchors.bySeq.size, signedUpTo: anchors.newestSeq }
        : { ok: true, entries, headSeq, headHash };
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/** One CSV line per entry (RFC 4180 quoting), with a header, for export. */
export function auditCsv(entries: AuditEntry[], header = true): string {
  const columns = ['seq', 'id', 'at', 'actor', 'role', 'action', 'target', 'details', 'clientIp', 'prevHash', 'hash'];
  const cell = (v: unknown) => {
    const s = typeof v === 'string' ? v : canonicalJson(v);
    // A leading = + - @ would run as a formula in a spreadsheet (a plain +E.164 number would not).
    const safe = /^[=@\t\r]/.test(s) || /^[+-](?!\d+$)/.test(s) ? `'${s}` : s;
    return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = entries.map((e) => columns.map((c) => cell(e[c as keyof AuditEntry])).join(','));
  return `${header ? `${columns.join(',')}\n` : ''}${lines.join('\n')}${lines.length ? '\n' : ''}`;
}
