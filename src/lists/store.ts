import { lockChangeLog, type Sql } from '../platform/sql.ts';
import { changesSince } from '../platform/sync.ts';
import type { ListChange, ListEntry, ListName, ListSync } from './types.ts';

interface EntryRow {
  list: ListName;
  number: string;
  reason: string;
  source: string;
  created_by: string;
  display_name: string | null;
  created_at: Date | string;
  expires_at: Date | string | null;
  version: number | string;
}

const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

function toEntry(row: EntryRow): ListEntry {
  const entry: ListEntry = {
    number: row.number,
    reason: row.reason,
    source: row.source,
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
    version: Number(row.version),
  };
  if (row.expires_at) entry.expiresAt = iso(row.expires_at);
  if (row.display_name) entry.displayName = row.display_name;
  return entry;
}

export interface NewEntry {
  number: string;
  reason: string;
  source: string;
  createdBy: string;
  expiresAt?: string;
  displayName?: string;
}

/** Lists in the records store: current entries plus a change log for incremental sync. */
export function createListStore(sql: Sql) {
  return {
    /** Adds or replaces entries; returns the changes written, in version order. */
    async add(list: ListName, entries: NewEntry[]): Promise<ListChange[]> {
      return sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'lists');
        const changes: ListChange[] = [];
        for (const e of entries) {
          const { rows } = await tx.query<{ version: number }>(
            `insert into list_changes (list, number, op, reason, actor) values ($1, $2, 'add', $3, $4) returning version`,
            [list, e.number, e.reason, e.createdBy],
          );
          const version = Number(rows[0].version);
          const saved = await tx.query<EntryRow>(
            `insert into list_entries (list, number, reason, source, created_by, display_name, expires_at, version)
             values ($1, $2, $3, $4, $5, $6, $7, $8)
             on conflict (list, number) do update set reason = excluded.reason, source = excluded.source,
               created_by = excluded.created_by, display_name = excluded.display_name,
               expires_at = excluded.expires_at, version = excluded.version, created_at = now()
             returning *`,
            [list, e.number, e.reason, e.source, e.createdBy, e.displayName ?? null, e.expiresAt ?? null, version],
          );
          changes.push({ list, version, op: 'add', number: e.number, entry: toEntry(saved.rows[0]) });
        }
        return changes;
      });
    },

    /** Removes an entry; null when the number was not on the list. */
    async remove(list: ListName, number: string, actor: string, reason: string): Promise<ListChange | null> {
      return sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'lists');
        const gone = await tx.query('delete from list_entries where list = $1 and number = $2', [list, number]);
        if (gone.affectedRows === 0) return null;
        const { rows } = await tx.query<{ version: number }>(
          `insert into list_changes (list, number, op, reason, actor) values ($1, $2, 'remove', $3, $4) returning version`,
          [list, number, reason, actor],
        );
        return { list, version: Number(rows[0].version), op: 'remove', number } satisfies ListChange;
      });
    },

    /**
     * Removes entries past their expiry (up to 10000 at a time), each with a change, in one
     * statement: an entry added again with a later expiry between finding and removing it stays.
     */
    async removeExpired(now: Date): Promise<ListChange[]> {
      return sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'lists');
        const { rows } = await tx.query<{ list: ListName; number: string; version: number | string }>(
          `with gone as (
             delete from list_entries where (list, number) in (
               select list, number from list_entries where expires_at is not null and expires_at <= $1 limit 10000)
             returning list, number)
           insert into list_changes (list, number, op, reason, actor)
           select list, number, 'remove', 'expired', 'system' from gone order by list, number
           returning version, list, number`,
          [now],
        );
        return rows
          .map((r) => ({ list: r.list, version: Number(r.version), op: 'remove' as const, number: r.number }))
          .sort((a, b) => a.version - b.version);
      });
    },

    /** Everything, to fill a node's cache at start. */
    async all(): Promise<ListChange[]> {
      const { rows } = await sql.query<EntryRow>('select * from list_entries order by version');
      return rows.map((r) => ({
        list: r.list,
        version: Number(r.version),
        op: 'add',
        number: r.number,
        entry: toEntry(r),
      }));
    },

    /** Net changes of one list after `since`: what a client must add and remove to catch up. */
    changesSince(list: ListName, since: number, limit: number): Promise<ListSync> {
      return changesSince<ListEntry>(
        {
          // The change log is shared by all lists, so its head is a valid version for each of them.
          async head() {
            const { rows } = await sql.query<{ v: number | null }>('select max(version) as v from list_changes');
            return Number(rows[0]?.v ?? 0);
          },
          async entries(limit) {
            const { rows } = await sql.query<EntryRow>(
              'select * from list_entries where list = $1 order by version limit $2',
              [list, limit],
            );
            return rows.map(toEntry);
          },
          async changesAfter(since) {
            const { rows } = await sql.query<{ number: string; op: 'add' | 'remove'; version: number }>(
              `select distinct on (number) number, op, version from list_changes
               where list = $1 and version > $2 order by number, version desc`,
              [list, since],
            );
            const addedNumbers = rows.filter((r) => r.op === 'add').map((r) => r.number);
            const removed = rows.filter((r) => r.op === 'remove').map((r) => r.number);
            const added = addedNumbers.length
              ? (
                  await sql.query<EntryRow>(
                    'select * from list_entries where list = $1 and number = any($2) order by version',
                    [list, addedNumbers],
                  )
                ).rows.map(toEntry)
              : [];
            return { added, removed };
          },
        },
        since,
        limit,
      );
    },

    async get(list: ListName, number: string): Promise<ListEntry | null> {
      const { rows } = await sql.query<EntryRow>('select * from list_entries where list = $1 and number = $2', [
        list,
        number,
      ]);
      return rows[0] ? toEntry(rows[0]) : null;
    },

    async search(list: ListName, query: { prefix?: string; limit: number; offset: number }) {
      const { rows } = await sql.query<EntryRow>(
        `select * from list_entries where list = $1 and ($2::text is null or number like $2 || '%')
         order by created_at desc, number limit $3 offset $4`,
        [list, query.prefix ?? null, query.limit, query.offset],
      );
      const total = await sql.query<{ n: number }>('select count(*)::int as n from list_entries where list = $1', [
        list,
      ]);
      return { items: rows.map(toEntry), total: Number(total.rows[0].n) };
    },
  };
}

export type ListStore = ReturnType<typeof createListStore>;
