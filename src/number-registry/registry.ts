/**
 * Number registries that change while the platform runs: MNP (who serves a ported number) and
 * roaming (which subscribers are abroad). Kept in the records store so a restart loses nothing,
 * and in memory for the hot path. In distributed mode every change is also announced (`onChange`,
 * carried on the registry-changes stream) and applied by every other node (`applyRemote`).
 */

import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Sql } from '../platform/sql.ts';

export interface RoamingRegistration {
  msisdn: string;
  operator: string;
  visitedCountry: string;
  since: string;
  until?: string;
}

interface RoamingSlot {
  since: number;
  until: number;
}

/** A change of the registries, as announced to the other nodes. */
export type NumberChange =
  /** `operator` null: ported back to the range owner. */
  | { kind: 'ported'; msisdn: string; operator: string | null }
  /** A bulk import: the other nodes reload the MNP registry. */
  | { kind: 'ported-import' }
  | { kind: 'roaming'; msisdn: string; since: number; until: number | null }
  | { kind: 'roaming-cleared'; msisdn: string };

export async function createNumberRegistry(
  sql: Sql,
  plan: NumberingPlan,
  onChange: (change: NumberChange) => void = () => {},
) {
  const ported = new Map<number, string>();
  const roaming = new Map<number, RoamingSlot>();

  async function loadPorted(): Promise<Map<number, string>> {
    const loaded = new Map<number, string>();
    const { rows } = await sql.query<{ msisdn: string; operator_id: string }>('select msisdn, operator_id from mnp');
    for (const r of rows) loaded.set(plan.parse(r.msisdn), r.operator_id);
    return loaded;
  }
  async function loadRoaming(): Promise<Map<number, RoamingSlot>> {
    const loaded = new Map<number, RoamingSlot>();
    const { rows } = await sql.query<{ msisdn: string; since: Date; until: Date | null }>(
      'select msisdn, since, until from roaming',
    );
    for (const r of rows) {
      loaded.set(plan.parse(r.msisdn), {
        since: new Date(r.since).getTime(),
        until: r.until ? new Date(r.until).getTime() : Number.POSITIVE_INFINITY,
      });
    }
    return loaded;
  }
  function replace<K, V>(target: Map<K, V>, source: Map<K, V>): void {
    for (const k of target.keys()) if (!source.has(k)) target.delete(k);
    for (const [k, v] of source) target.set(k, v);
  }
  replace(ported, await loadPorted());
  replace(roaming, await loadRoaming());

  const ownerOf = (e164: number): string | null => ported.get(e164) ?? plan.rangeOwner(e164);

  return {
    ownerOf,
    isRoaming(e164: number, now: number): boolean {
      const r = roaming.get(e164);
      return r !== undefined && r.since <= now && now < r.until;
    },
    portedCount: () => ported.size,
    roamingCount: () => roaming.size,

    /** Applies changes announced by other nodes (and this node's own, again: it changes nothing). */
    async applyRemote(changes: NumberChange[]): Promise<void> {
      for (const c of changes) {
        if (c.kind === 'ported') {
          if (c.operator === null) ported.delete(plan.parse(c.msisdn));
          else ported.set(plan.parse(c.msisdn), c.operator);
        } else if (c.kind === 'roaming') {
          roaming.set(plan.parse(c.msisdn), { since: c.since, until: c.until ?? Number.POSITIVE_INFINITY });
        } else if (c.kind === 'roaming-cleared') {
          roaming.delete(plan.parse(c.msisdn));
        } else if (c.kind === 'ported-import') {
          replace(ported, await loadPorted());
        }
      }
    },

    /** Reads both registries again from the records store (after changes may have been missed). */
    async reload(): Promise<void> {
      const [freshPorted, freshRoaming] = await Promise.all([loadPorted(), loadRoaming()]);
      replace(ported, freshPorted);
      replace(roaming, freshRoaming);
    },

    /** Records that a number is served by `operator`; porting back to the range owner removes the entry. */
    async setPorted(e164: number, operator: string, source: string): Promise<void> {
      const msisdn = formatNumber(e164);
      if (plan.rangeOwner(e164) === operator) {
        await sql.query('delete from mnp where msisdn = $1', [msisdn]);
        ported.delete(e164);
        onChange({ kind: 'ported', msisdn, operator: null });
        return;
      }
      await sql.query(
        `insert into mnp (msisdn, operator_id, source) values ($1, $2, $3)
         on conflict (msisdn) do update set operator_id = excluded.operator_id, source = excluded.source, updated_at = now()`,
        [msisdn, operator, source],
      );
      ported.set(e164, operator);
      onChange({ kind: 'ported', msisdn, operator });
    },

    async importPorted(rows: { e164: number; operator: string }[], source: string): Promise<void> {
      await sql.transaction(async (tx) => {
        for (const r of rows) {
          const msisdn = formatNumber(r.e164);
          if (plan.rangeOwner(r.e164) === r.operator) {
            await tx.query('delete from mnp where msisdn = $1', [msisdn]);
          } else {
            await tx.query(
              `insert into mnp (msisdn, operator_id, source) values ($1, $2, $3)
               on conflict (msisdn) do update set operator_id = excluded.operator_id, source = excluded.source, updated_at = now()`,
              [msisdn, r.operator, source],
            );
          }
        }
      });
      for (const r of rows) {
        if (plan.rangeOwner(r.e164) === r.operator) ported.delete(r.e164);
        else ported.set(r.e164, r.operator);
      }
      onChange({ kind: 'ported-import' });
    },

    async getPorted(e164: number): Promise<{ msisdn: string; operator: string; updatedAt: string } | null> {
      const { rows } = await sql.query<{ msisdn: string; operator_id: string; updated_at: Date }>(
        'select * from mnp where msisdn = $1',
        [formatNumber(e164)],
      );
      return rows[0]
        ? {
            msisdn: rows[0].msisdn,
            operator: rows[0].operator_id,
            updatedAt: new Date(rows[0].updated_at).toISOString(),
          }
        : null;
    },

    async setRoaming(e164: number, r: { operator: string; visitedCountry: string; since: number; until?: number }) {
      await sql.query(
        `insert into roaming (msisdn, operator_id, visited_country, since, until) values ($1, $2, $3, $4, $5)
         on conflict (msisdn) do update set operator_id = excluded.operator_id, visited_country = excluded.visited_country,
           since = excluded.since, until = excluded.until, updated_at = now()`,
        [formatNumber(e164), r.operator, r.visitedCountry, new Date(r.since), r.until ? new Date(r.until) : null],
      );
      roaming.set(e164, { since: r.since, until: r.until ?? Number.POSITIVE_INFINITY });
      onChange({ kind: 'roaming', msisdn: formatNumber(e164), since: r.since, until: r.until ?? null });
    },

    async clearRoaming(e164: number): Promise<boolean> {
      const gone = await sql.query('delete from roaming where msisdn = $1', [formatNumber(e164)]);
      roaming.delete(e164);
      onChange({ kind: 'roaming-cleared', msisdn: formatNumber(e164) });
      return gone.affectedRows > 0;
    },

    async getRoaming(e164: number): Promise<RoamingRegistration | null> {
      const { rows } = await sql.query<{
        msisdn: string;
        operator_id: string;
        visited_country: string;
        since: Date;
        until: Date | null;
      }>('select * from roaming where msisdn = $1', [formatNumber(e164)]);
      const r = rows[0];
      if (!r) return null;
      return {
        msisdn: r.msisdn,
        operator: r.operator_id,
        visitedCountry: r.visited_country,
        since: new Date(r.since).toISOString(),
        ...(r.until ? { until: new Date(r.until).toISOString() } : {}),
      };
    },
  };
}

export type NumberRegistry = Awaited<ReturnType<typeof createNumberRegistry>>;
