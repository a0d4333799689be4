/**
 * Cases in the records store: the case rows, their items, seized items and timeline. Every change
 * and the timeline event that records it are written in one transaction.
 */
import { randomBytes } from 'node:crypto';
import type { Sql, SqlQueryable } from '../platform/sql.ts';
import type { CaseItem, CaseStatus, CaseSummary, ItemType, SeizedItem, SeizedKind, TimelineEvent } from './types.ts';

const iso = (v: Date | string) => new Date(v).toISOString();

interface CaseRow {
  id: string;
  title: string;
  status: CaseStatus;
  assignee: string | null;
  external_ref: string | null;
  summary: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  items?: number | string;
}

export interface CaseRecord extends Omit<CaseSummary, 'items'> {
  summary: string | null;
}

const toCase = (r: CaseRow): CaseRecord => ({
  id: r.id,
  title: r.title,
  status: r.status,
  assignee: r.assignee,
  externalRef: r.external_ref,
  summary: r.summary,
  createdBy: r.created_by,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/**
 * A timeline event as stored, with whose records it concerns: null for the case as a whole (every
 * reader of the case sees it), [] for national readers only, else those operators and national readers.
 */
export interface StoredEvent extends TimelineEvent {
  operators: string[] | null;
}

export interface NewEvent {
  kind: string;
  details: Record<string, unknown>;
  operators?: string[] | null;
}

export interface NewItem {
  type: ItemType;
  value: string;
  operators: string[];
  note?: string | null;
}

export function createCaseStore(sql: Sql, clock: () => number) {
  async function event(tx: SqlQueryable, caseId: string, actor: string, e: NewEvent): Promise<void> {
    await tx.query(
      `insert into case_timeline (case_id, at, actor, kind, details, operators) values ($1, $2, $3, $4, $5, $6)`,
      [caseId, new Date(clock()), actor, e.kind, JSON.stringify(e.details), e.operators ?? null],
    );
    await tx.query('update cases set updated_at = $2 where id = $1', [caseId, new Date(clock())]);
  }

  return {
    async create(
      c: { title: string; summary?: string | null; assignee?: string | null; externalRef?: string | null },
      actor: string,
    ): Promise<string> {
      const id = `case_${randomBytes(8).toString('hex')}`;
      await sql.transaction(async (tx) => {
        await tx.query(
          `insert into cases (id, title, summary, assignee, external_ref, created_by, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6, $7, $7)`,
          [id, c.title, c.summary ?? null, c.assignee ?? null, c.externalRef ?? null, actor, new Date(clock())],
        );
        await event(tx, id, actor, { kind: 'created', details: { title: c.title } });
      });
      return id;
    },

    async get(id: string): Promise<CaseRecord | null> {
      const { rows } = await sql.query<CaseRow>('select * from cases where id = $1', [id]);
      return rows[0] ? toCase(rows[0]) : null;
    },

    /** Cases newest first; with an operator, only cases holding at least one of its items. */
    async list(q: { status?: CaseStatus; operator?: string; alertId?: string; limit: number }): Promise<CaseSummary[]> {
      const { rows } = await sql.query<CaseRow>(
        `select c.*, (select count(*) from case_items i where i.case_id = c.id
                        and ($2::text is null or $2 = any(i.operators) or i.operators = '{}')) as items
         from cases c
         where ($1::text is null or c.status = $1)
           and ($2::text is null or exists (select 1 from case_items i where i.case_id = c.id and $2 = any(i.operators)))
           and ($4::text is null or exists (select 1 from case_items i where i.case_id = c.id
                                             and i.type = 'alert' and i.value = $4))
         order by c.seq desc limit $3`,
        [q.status ?? null, q.operator ?? null, q.limit, q.alertId ?? null],
      );
      return rows.map((r) => ({ ...toCase(r), items: Number(r.items ?? 0) }));
    },

    /** Whether the case holds an item of the operator (an operator analyst may read it). */
    async touchesOperator(id: string, operator: string): Promise<boolean> {
      const { rows } = await sql.query('select 1 from case_items where case_id = $1 and $2 = any(operators) limit 1', [
        id,
        operator,
      ]);
      return rows.length > 0;
    },

    /** Updates fields; one timeline event per changed field. */
    /**
     * Applies a patch; with `base` (the values the editor started from), a field someone else
     * changed meanwhile is not overwritten: nothing is written and those fields are returned.
     */
    async update(
      id: string,
      patch: Partial<{ title: string; summary: string | null; assignee: string | null; externalRef: string | null }>,
      actor: string,
      base: Partial<Record<string, string | null>> = {},
    ): Promise<{ conflicts: string[] }> {
      const columns: Record<string, string> = {
        title: 'title',
        summary: 'summary',
        assignee: 'assignee',
        externalRef: 'external_ref',
      };
      return sql.transaction(async (tx) => {
        const { rows } = await tx.query<CaseRow>('select * from cases where id = $1 for update', [id]);
        const current = rows[0] ? toCase(rows[0]) : null;
        if (!current) return { conflicts: [] };
        const conflicts = Object.entries(patch)
          .filter(([field, value]) => {
            if (value === undefined || !(field in base)) return false;
            const now = current[field as keyof CaseRecord] ?? null;
            return now !== (base[field] ?? null) && now !== value;
          })
          .map(([field]) => field);
        if (conflicts.length > 0) return { conflicts };
        for (const [field, value] of Object.entries(patch)) {
          if (value === undefined) continue;
          const before = current[field as keyof CaseRecord];
          if (before === value) continue;
          await tx.query(`update cases set ${columns[field]} = $2 where id = $1`, [id, value]);
          await event(tx, id, actor, {
            kind: field === 'externalRef' ? 'external_ref' : field,
            details: { from: before, to: value },
          });
        }
        return { conflicts: [] };
      });
    },

    /** Moves the case from `from` to `to`; false when it is no longer in `from` (someone else moved it). */
    async transition(id: string, from: CaseStatus, to: CaseStatus, reason: string | null, actor: string) {
      return sql.transaction(async (tx) => {
        const r = await tx.query('update cases set status = $3 where id = $1 and status = $2', [id, from, to]);
        if (r.affectedRows === 0) return false;
        await event(tx, id, actor, { kind: 'status', details: { from, to, reason } });
        return true;
      });
    },

    /** `operators`: null for a note every reader of the case sees, [] for national readers only. */
    async note(id: string, text: string, operators: string[] | null, actor: string): Promise<void> {
      await sql.transaction((tx) => event(tx, id, actor, { kind: 'note', details: { text }, operators }));
    },

    /** Adds items not yet in the case; returns those added. */
    async addItems(id: string, items: NewItem[], actor: string, source: string | null): Promise<NewItem[]> {
      if (items.length === 0) return [];
      return sql.transaction(async (tx) => {
        const { rows } = await tx.query<{ type: ItemType; value: string }>(
          `insert into case_items (case_id, type, value, operators, note, added_by, added_at)
           select $1, x.type, x.value, array(select jsonb_array_elements_text(x.operators)), x.note, $2, $3
           from jsonb_to_recordset($4::jsonb) as x(type text, value text, operators jsonb, note text)
           on conflict (case_id, type, value) do nothing
           returning type, value`,
          [id, actor, new Date(clock()), JSON.stringify(items.map((i) => ({ ...i, note: i.note ?? null })))],
        );
        const added = new Set(rows.map((r) => `${r.type}:${r.value}`));
        const fresh = items.filter((i) => added.has(`${i.type}:${i.value}`));
        // One event per set of operators, so that each reader's timeline names only what they may see.
        const groups = new Map<string, NewItem[]>();
        for (const item of fresh) {
          const key = [...item.operators].sort().join(',');
          groups.set(key, [...(groups.get(key) ?? []), item]);
        }
        for (const [key, group] of groups) {
          await event(tx, id, actor, {
            kind: 'items_added',
            details: { source, items: group.map((i) => ({ type: i.type, value: i.value })) },
            operators: key ? key.split(',') : [],
          });
        }
        return fresh;
      });
    },

    async removeItem(id: string, type: ItemType, value: string, actor: string): Promise<boolean> {
      return sql.transaction(async (tx) => {
        const { rows } = await tx.query<{ operators: string[] }>(
          'delete from case_items where case_id = $1 and type = $2 and value = $3 returning operators',
          [id, type, value],
        );
        if (rows.length === 0) return false;
        await event(tx, id, actor, {
          kind: 'item_removed',
          details: { type, value },
          operators: rows[0].operators,
        });
        return true;
      });
    },

    async items(id: string): Promise<CaseItem[]> {
      const { rows } = await sql.query<{
        type: ItemType;
        value: string;
        operators: string[];
        note: string | null;
        added_by: string;
        added_at: Date;
      }>('select * from case_items where case_id = $1 order by added_at, type, value', [id]);
      return rows.map((r) => ({
        type: r.type,
        value: r.value,
        operators: r.operators,
        note: r.note,
        addedBy: r.added_by,
        addedAt: iso(r.added_at),
      }));
    },

    async addSeized(
      id: string,
      s: { kind: SeizedKind; identifier?: string | null; description?: string | null; seizedAt: string; place: string },
      operators: string[],
      actor: string,
    ): Promise<string> {
      const seizedId = `szd_${randomBytes(6).toString('hex')}`;
      await sql.transaction(async (tx) => {
        await tx.query(
          `insert into case_seized (id, case_id, kind, identifier, description, seized_at, place, operators, added_by, added_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            seizedId,
            id,
            s.kind,
            s.identifier ?? null,
            s.description ?? null,
            new Date(s.seizedAt),
            s.place,
            operators,
            actor,
            new Date(clock()),
          ],
        );
        await event(tx, id, actor, {
          kind: 'seized',
          details: {
            id: seizedId,
            kind: s.kind,
            identifier: s.identifier ?? null,
            place: s.place,
            seizedAt: s.seizedAt,
          },
          operators,
        });
      });
      return seizedId;
    },

    async seized(id: string): Promise<SeizedItem[]> {
      const { rows } = await sql.query<{
        id: string;
        kind: SeizedKind;
        identifier: string | null;
        description: string | null;
        seized_at: Date;
        place: string;
        operators: string[];
        added_by: string;
        added_at: Date;
      }>('select * from case_seized where case_id = $1 order by seized_at, id', [id]);
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        identifier: r.identifier,
        description: r.description,
        seizedAt: iso(r.seized_at),
        place: r.place,
        operators: r.operators,
        addedBy: r.added_by,
        addedAt: iso(r.added_at),
      }));
    },

    async timeline(id: string): Promise<StoredEvent[]> {
      const { rows } = await sql.query<{
        seq: number | string;
        at: Date;
        actor: string;
        kind: string;
        details: Record<string, unknown> | string;
        operators: string[] | null;
      }>('select * from case_timeline where case_id = $1 order by seq', [id]);
      return rows.map((r) => ({
        seq: Number(r.seq),
        at: iso(r.at),
        actor: r.actor,
        kind: r.kind,
        details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
        operators: r.operators,
      }));
    },

    /** Records an event that changes nothing else (an export). */
    async record(id: string, actor: string, e: NewEvent): Promise<void> {
      await sql.transaction((tx) => event(tx, id, actor, e));
    },
  };
}

export type CaseStore = ReturnType<typeof createCaseStore>;
