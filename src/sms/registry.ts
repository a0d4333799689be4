/**
 * The sender-ID registry: kept in the records store with a change log (versioned like the number
 * lists), and held in memory on every screening node, where messages are judged against it.
 */

import { AppError } from '../errors.ts';
import type { BrandCatalogue } from '../links/check.ts';
import { lockChangeLog, type Sql } from '../platform/sql.ts';
import { changesSince, type SyncPage } from '../platform/sync.ts';
import { type Ingress, ingressTypes } from '../screening/types.ts';
import {
  brandTargets,
  type ImitationTarget,
  imitationOf,
  registeredTarget,
  senderIdProblem,
  senderKey,
} from './sender-id.ts';

export interface RegisteredSender {
  senderId: string;
  owner: string;
  routes: Ingress[];
  version: number;
  updatedAt?: string;
}

/** An answer of the sender-ID sync (src/platform/sync.ts). */
export type SenderSync = SyncPage<RegisteredSender>;

interface SenderRow {
  sender_key: string;
  sender_id: string;
  owner: string;
  routes: string[];
  version: number | string;
  updated_at: Date | string;
}

const toSender = (r: SenderRow): RegisteredSender => ({
  senderId: r.sender_id,
  owner: r.owner,
  routes: r.routes as Ingress[],
  version: Number(r.version),
  updatedAt: new Date(r.updated_at).toISOString(),
});

/** Checks an admin's registration: an owner and at least one known route. */
export function parseRegistration(senderId: string, body: unknown): { owner: string; routes: Ingress[] } {
  const problem = senderIdProblem(senderId);
  if (problem) throw new AppError('INVALID_SENDER', problem.replace('"sender"', 'the sender ID'));
  const b = (body ?? {}) as { owner?: unknown; routes?: unknown };
  if (typeof b.owner !== 'string' || b.owner.trim().length === 0 || b.owner.length > 200) {
    throw new AppError('VALIDATION_FAILED', '"owner" must be a name of 1 to 200 characters');
  }
  if (
    !Array.isArray(b.routes) ||
    b.routes.length === 0 ||
    !b.routes.every((r) => typeof r === 'string' && (ingressTypes as readonly string[]).includes(r))
  ) {
    throw new AppError('VALIDATION_FAILED', `"routes" must be a non-empty list of ${ingressTypes.join(', ')}`);
  }
  return { owner: b.owner.trim(), routes: [...new Set(b.routes as Ingress[])] };
}

/** What a message's sender ID is, as the registry sees it. */
export type SenderStanding =
  | { kind: 'registered'; owner: string; routes: readonly Ingress[] }
  | { kind: 'imitation'; of: string }
  | { kind: 'unregistered' };

const UNREGISTERED: SenderStanding = { kind: 'unregistered' };
const STANDING_CACHE_MAX = 100_000;

/**
 * `onChange` runs after each registration or removal is committed (distributed mode: the other
 * nodes are told to re-read the registry).
 */
export function createSenderRegistry(sql: Sql, brands: BrandCatalogue, onChange: () => void = () => {}) {
  const byKey = new Map<string, RegisteredSender>();
  const brandNames = brandTargets(brands);
  let targets: ImitationTarget[] = brandNames;
  /** Standing of unregistered IDs seen lately: the look-alike search runs once per ID and registry version. */
  let standings = new Map<string, SenderStanding>();
  let version = 0;

  function rebuild() {
    const registered = [...byKey.values()].map((s) => registeredTarget(s.senderId)).filter((t) => t !== null);
    targets = [...registered, ...brandNames];
    standings = new Map();
  }

  /**
   * The version of the last change applied to each ID (a removal's too). Changes reach this node's
   * copy by its own writes and by `refresh`, whose answer may have been read before a write of this
   * node that lands first: a change older than the one applied is dropped.
   */
  const appliedAt = new Map<string, number>();

  function applyRow(key: string, sender: RegisteredSender | null, changeVersion: number) {
    if ((appliedAt.get(key) ?? 0) >= changeVersion) return;
    appliedAt.set(key, changeVersion);
    if (sender) byKey.set(key, sender);
    else byKey.delete(key);
  }

  return {
    get version() {
      return version;
    },
    size: () => byKey.size,

    /** Loads what changed in the store since this node last looked (all of it at start). */
    async refresh(): Promise<void> {
      const { rows } = await sql.query<SenderRow>('select * from sms_senders where version > $1', [version]);
      const removed = await sql.query<{ sender_key: string; version: number | string }>(
        `select distinct on (sender_key) sender_key, op, version from sms_sender_changes
         where version > $1 order by sender_key, version desc`,
        [version],
      );
      let changed = false;
      for (const r of removed.rows as { sender_key: string; op?: string; version: number | string }[]) {
        if (r.op === 'remove') {
          applyRow(r.sender_key, null, Number(r.version));
          changed = true;
        }
        version = Math.max(version, Number(r.version));
      }
      for (const r of rows) {
        applyRow(r.sender_key, toSender(r), Number(r.version));
        version = Math.max(version, Number(r.version));
        changed = true;
      }
      if (changed) rebuild();
    },

    /** The standing of a valid sender ID: registered (with its routes), an imitation, or just unregistered. */
    standing(senderId: string): SenderStanding {
      const key = senderKey(senderId);
      const registered = byKey.get(key);
      if (registered) return { kind: 'registered', owner: registered.owner, routes: registered.routes };
      let known = standings.get(key);
      if (!known) {
        const target = imitationOf(senderId, targets);
        known = target ? { kind: 'imitation', of: target.shownAs } : UNREGISTERED;
        if (standings.size >= STANDING_CACHE_MAX) standings = new Map();
        standings.set(key, known);
      }
      return known;
    },

    async put(senderId: string, body: unknown, actor: string): Promise<{ created: boolean; sender: RegisteredSender }> {
      const { owner, routes } = parseRegistration(senderId, body);
      const key = senderKey(senderId);
      const sender = await sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'smsSenders');
        const change = await tx.query<{ version: number | string }>(
          `insert into sms_sender_changes (sender_key, sender_id, op, actor) values ($1, $2, 'add', $3) returning version`,
          [key, senderId, actor],
        );
        const v = Number(change.rows[0].version);
        const existing = await tx.query('select 1 from sms_senders where sender_key = $1', [key]);
        const { rows } = await tx.query<SenderRow>(
          `insert into sms_senders (sender_key, sender_id, owner, routes, created_by, version)
           values ($1, $2, $3, $4, $5, $6)
           on conflict (sender_key) do update set sender_id = excluded.sender_id, owner = excluded.owner,
             routes = excluded.routes, created_by = excluded.created_by, updated_at = now(), version = excluded.version
           returning *`,
          [key, senderId, owner, routes, actor, v],
        );
        return { created: existing.rows.length === 0, sender: toSender(rows[0]) };
      });
      applyRow(key, sender.sender, sender.sender.version);
      version = Math.max(version, sender.sender.version);
      rebuild();
      onChange();
      return sender;
    },

    async remove(senderId: string, actor: string): Promise<boolean> {
      const key = senderKey(senderId);
      const removed = await sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'smsSenders');
        const r = await tx.query<{ sender_id: string }>(
          'delete from sms_senders where sender_key = $1 returning sender_id',
          [key],
        );
        if (r.rows.length === 0) return null;
        // The removal names the ID as clients received it in `added`, whatever case the DELETE used.
        const change = await tx.query<{ version: number | string }>(
          `insert into sms_sender_changes (sender_key, sender_id, op, actor) values ($1, $2, 'remove', $3) returning version`,
          [key, r.rows[0].sender_id, actor],
        );
        return Number(change.rows[0].version);
      });
      if (removed === null) return false;
      applyRow(key, null, removed);
      version = Math.max(version, removed);
      rebuild();
      onChange();
      return true;
    },

    /** Changes after `since` (0: the whole registry, paged by `limit`), like the number lists. */
    changesSince(since: number, limit: number): Promise<SenderSync> {
      return changesSince<RegisteredSender>(
        {
          async head() {
            const { rows } = await sql.query<{ v: number | string | null }>(
              'select max(version) as v from sms_sender_changes',
            );
            return Number(rows[0]?.v ?? 0);
          },
          async entries(limit) {
            const { rows } = await sql.query<SenderRow>('select * from sms_senders order by version limit $1', [limit]);
            return rows.map(toSender);
          },
          async changesAfter(since) {
            const { rows } = await sql.query<{ sender_key: string; sender_id: string; op: 'add' | 'remove' }>(
              `select distinct on (sender_key) sender_key, sender_id, op from sms_sender_changes
               where version > $1 order by sender_key, version desc`,
              [since],
            );
            const addedKeys = rows.filter((r) => r.op === 'add').map((r) => r.sender_key);
            const added = addedKeys.length
              ? (
                  await sql.query<SenderRow>('select * from sms_senders where sender_key = any($1) order by version', [
                    addedKeys,
                  ])
                ).rows.map(toSender)
              : [];
            return { added, removed: rows.filter((r) => r.op === 'remove').map((r) => r.sender_id) };
          },
        },
        since,
        limit,
      );
    },
  };
}

export type SenderRegistry = ReturnType<typeof createSenderRegistry>;
