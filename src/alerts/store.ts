import { randomBytes } from 'node:crypto';
import type { Evidence } from '../detection/detectors.ts';
import type { Sql } from '../platform/sql.ts';
import type { AlertContent } from './digest.ts';
import type { AlertStatus, StoredAlert, StoredAlertKind, SuspensionStatus } from './types.ts';

interface AlertRow {
  seq: number | string;
  id: string;
  kind: StoredAlertKind;
  msisdn: string;
  imsi: string | null;
  imei: string | null;
  device: string | null;
  score: number;
  evidence: Evidence | string;
  first_seen: Date | string | null;
  last_seen: Date | string | null;
  owner_operator: string | null;
  operators: string[];
  status: AlertStatus;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_reason: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  suspension_id?: string | null;
  suspension_status?: string | null;
  suspension_note?: string | null;
  suspension_acked_at?: Date | string | null;
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

const toAlert = (r: AlertRow): StoredAlert => ({
  id: r.id,
  kind: r.kind,
  msisdn: r.msisdn,
  imsi: r.imsi,
  imei: r.imei,
  score: Number(r.score),
  evidence: typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence,
  status: r.status,
  device: r.device,
  firstSeen: iso(r.first_seen),
  lastSeen: iso(r.last_seen),
  operator: r.owner_operator,
  operators: r.operators ?? [],
  createdAt: iso(r.created_at)!,
  updatedAt: iso(r.updated_at)!,
  decidedBy: r.decided_by,
  decidedAt: iso(r.decided_at),
  decisionReason: r.decision_reason,
  seq: Number(r.seq),
  suspension: r.suspension_id
    ? {
        id: r.suspension_id,
        status: r.suspension_status as SuspensionStatus,
        note: r.suspension_note ?? null,
        ackedAt: iso(r.suspension_acked_at ?? null),
      }
    : null,
});

/** Alerts with the state of their SIM suspension request, if any. */
const SELECT_ALERTS = `select a.*, s.id as suspension_id, s.status as suspension_status, s.note as suspension_note,
  s.acked_at as suspension_acked_at from alerts a left join sim_suspensions s on s.alert_id = a.id`;

/** The paging cursor in score order: `s<score>_<seq>` (a score written back exactly as read). */
const scoreCursor = (a: StoredAlert) => `s${a.score}_${a.seq}`;

/** The (score, seq) of a score-order cursor, or null when it is not one. */
export function parseScoreCursor(cursor: string): { score: number; seq: number } | null {
  const m = /^s(-?[0-9.]+(?:e[-+]?[0-9]+)?)_([0-9]{1,18})$/.exec(cursor);
  if (!m || !Number.isFinite(Number(m[1]))) return null;
  return { score: Number(m[1]), seq: Number(m[2]) };
}

/** An alert as the detectors raise it, with whom it concerns. */
export interface AlertInput {
  kind: StoredAlertKind;
  msisdn: string;
  imsi?: string;
  imei?: string;
  device?: string;
  score: number;
  evidence: Evidence;
  firstSeen?: string;
  lastSeen?: string;
  owner: string | null;
  operators: string[];
}

/** What an upsert changed: the alert with whether it is new, and its content as written. */
export interface UpsertedAlert {
  id: string;
  kind: StoredAlertKind;
  msisdn: string;
  status: AlertStatus;
  score: number;
  created: boolean;
  /** What the alert's digest covers (digest.ts), as the row now holds it. */
  content: AlertContent;
}

export interface AlertQuery {
  kind?: StoredAlertKind;
  status?: AlertStatus;
  msisdn?: string;
  /** Only alerts this operator may see. */
  operator?: string;
  /** Alerts with a seq below this (newest first paging). */
  before?: number;
  /** `score`: the highest score first, then the newest (default: the newest first). */
  sort?: 'time' | 'score';
  /** Score paging: alerts after this (score, seq) in score order. */
  after?: { score: number; seq: number };
  limit: number;
}

/**
 * Alerts in the records store, one per (kind, number): the detectors raise the same alert on every
 * run, so writing is an upsert that only touches rows whose figures changed.
 */
export function createAlertStore(sql: Sql) {
  return {
    async upsert(alerts: AlertInput[]): Promise<UpsertedAlert[]> {
      if (alerts.length === 0) return [];
      const records = alerts.map((a) => ({
        id: `alr_${randomBytes(9).toString('base64url')}`,
        kind: a.kind,
        msisdn: a.msisdn,
        imsi: a.imsi ?? null,
        imei: a.imei ?? null,
        device: a.device ?? null,
        score: a.score,
        evidence: a.evidence,
        first_seen: a.firstSeen || null,
        last_seen: a.lastSeen || null,
        owner_operator: a.owner,
        operators: a.operators,
      }));
      const { rows } = await sql.query<
        Pick<
          AlertRow,
          'id' | 'kind' | 'msisdn' | 'status' | 'score' | 'imsi' | 'imei' | 'device' | 'evidence' | 'created_at'
        > &
          Pick<AlertRow, 'first_seen' | 'last_seen'> & { created: boolean }
      >(
        `insert into alerts (id, kind, msisdn, imsi, imei, device, score, evidence, first_seen, last_seen,
           owner_operator, operators)
         select x.id, x.kind, x.msisdn, x.imsi, x.imei, x.device, x.score, x.evidence, x.first_seen, x.last_seen,
           x.owner_operator, array(select jsonb_array_elements_text(x.operators))
         from jsonb_to_recordset($1::jsonb) as x(id text, kind text, msisdn text, imsi text, imei text, device text,
           score float8, evidence jsonb, first_seen timestamptz, last_seen timestamptz, owner_operator text,
           operators jsonb)
         on conflict (kind, msisdn) do update set
           imsi = coalesce(excluded.imsi, alerts.imsi),
           imei = coalesce(excluded.imei, alerts.imei),
           device = coalesce(excluded.device, alerts.device),
           score = excluded.score,
           evidence = excluded.evidence,
           first_seen = least(alerts.first_seen, excluded.first_seen),
           last_seen = greatest(alerts.last_seen, excluded.last_seen),
           owner_operator = coalesce(excluded.owner_operator, alerts.owner_operator),
           operators = array(select distinct o from unnest(alerts.operators || excluded.operators) as o order by o),
           -- An alert closed for being quiet opens again when new evidence comes.
           status = case when alerts.decision_reason = 'quiet' and alerts.decided_by = 'system' then 'open'
             else alerts.status end,
           decided_by = case when alerts.decision_reason = 'quiet' and alerts.decided_by = 'system' then null
             else alerts.decided_by end,
           decided_at = case when alerts.decision_reason = 'quiet' and alerts.decided_by = 'system' then null
             else alerts.decided_at end,
           decision_reason = case when alerts.decision_reason = 'quiet' and alerts.decided_by = 'system' then null
             else alerts.decision_reason end,
           updated_at = now()
         where alerts.score is distinct from excluded.score
            or alerts.last_seen is distinct from greatest(alerts.last_seen, excluded.last_seen)
            or alerts.device is distinct from coalesce(excluded.device, alerts.device)
            or not (alerts.operators @> excluded.operators)
         returning id, kind, msisdn, status, score, imsi, imei, device, evidence, first_seen, last_seen, created_at,
           (xmax::text = '0') as created`,
        [JSON.stringify(records)],
      );
      return rows.map((r) => {
        const score = Number(r.score);
        return {
          id: r.id,
          kind: r.kind,
          msisdn: r.msisdn,
          status: r.status,
          score,
          created: r.created === true,
          content: {
            id: r.id,
            kind: r.kind,
            msisdn: r.msisdn,
            imsi: r.imsi,
            imei: r.imei,
            device: r.device,
            score,
            evidence: (typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence) as Record<string, unknown>,
            firstSeen: iso(r.first_seen),
            lastSeen: iso(r.last_seen),
            createdAt: iso(r.created_at),
          },
        };
      });
    },

    async get(id: string): Promise<StoredAlert | null> {
      const { rows } = await sql.query<AlertRow>(`${SELECT_ALERTS} where a.id = $1`, [id]);
      return rows[0] ? toAlert(rows[0]) : null;
    },

    async list(q: AlertQuery): Promise<{ items: StoredAlert[]; next: string | null }> {
      const byScore = q.sort === 'score';
      const { rows } = await sql.query<AlertRow>(
        `${SELECT_ALERTS}
         where ($1::text is null or a.kind = $1) and ($2::text is null or a.status = $2)
           and ($3::text is null or a.msisdn = $3) and ($4::text is null or $4 = any(a.operators))
           and ($5::bigint is null or a.seq < $5)
           and ($7::float8 is null or (a.score, a.seq) < ($7::float8, $8::bigint))
         order by ${byScore ? 'a.score desc, a.seq desc' : 'a.seq desc'} limit $6`,
        [
          q.kind ?? null,
          q.status ?? null,
          q.msisdn ?? null,
          q.operator ?? null,
          q.before ?? null,
          q.limit + 1,
          q.after?.score ?? null,
          q.after?.seq ?? null,
        ],
      );
      const items = rows.slice(0, q.limit).map(toAlert);
      const last = items[items.length - 1];
      const next = rows.length > q.limit ? (byScore ? scoreCursor(last) : String(last.seq)) : null;
      return { items, next };
    },

    /**
     * Dismisses, as the system with reason "quiet", the open alerts that detection has not changed
     * since `before` (no new evidence); returns them.
     */
    async closeQuiet(before: Date): Promise<{ id: string; kind: StoredAlertKind; msisdn: string; score: number }[]> {
      const { rows } = await sql.query<{ id: string; kind: StoredAlertKind; msisdn: string; score: number }>(
        `update alerts set status = 'dismissed', decided_by = 'system', decided_at = now(), decision_reason = 'quiet',
           updated_at = now()
         where status = 'open' and updated_at < $1
         returning id, kind, msisdn, score`,
        [before.toISOString()],
      );
      return rows.map((r) => ({ ...r, score: Number(r.score) }));
    },

    /**
     * Moves an alert to a new status when it is in one of `from`; returns the updated alert, or
     * null when it is not in one of them (someone else decided first).
     */
    async decide(
      id: string,
      from: AlertStatus[],
      to: AlertStatus,
      by: string,
      reason: string,
    ): Promise<StoredAlert | null> {
      const { affectedRows } = await sql.query(
        `update alerts set status = $3, decided_by = $4, decided_at = now(), decision_reason = $5, updated_at = now()
         where id = $1 and status = any($2::text[])`,
        [id, from, to, by, reason],
      );
      if (affectedRows === 0) return null;
      const { rows } = await sql.query<AlertRow>(`${SELECT_ALERTS} where a.id = $1`, [id]);
      return rows[0] ? toAlert(rows[0]) : null;
    },

    /**
     * The headline detection figures: SIM-boxes (devices or farms), SIMs and devices found and
     * blocked, wangiri sources, and alerts by kind and status. Scoped to what an operator sees.
     */
    async figures(operator?: string) {
      const scope = [operator ?? null];
      const { rows } = await sql.query<Record<string, number>>(
        `select
           count(distinct coalesce(device, imei, msisdn)) filter (where kind = 'simbox')::int as boxes_found,
           count(distinct coalesce(device, imei, msisdn)) filter (where kind = 'simbox' and status = 'confirmed')::int
             as boxes_blocked,
           count(*) filter (where kind in ('simbox', 'fraud_caller'))::int as sims_found,
           count(*) filter (where kind in ('simbox', 'fraud_caller') and status = 'confirmed')::int as sims_confirmed,
           count(distinct imei) filter (where kind = 'simbox')::int as devices_found,
           count(*) filter (where kind = 'wangiri')::int as wangiri_found,
           count(*) filter (where kind = 'wangiri' and status = 'confirmed')::int as wangiri_confirmed
         from alerts where ($1::text is null or $1 = any(operators))`,
        scope,
      );
      const byKind = await sql.query<{ kind: StoredAlertKind; status: AlertStatus; n: number }>(
        `select kind, status, count(*)::int as n from alerts where ($1::text is null or $1 = any(operators))
         group by kind, status`,
        scope,
      );
      const blocked = await sql.query<{ sims: number; wangiri: number; devices: number }>(
        `select
           (select count(*)::int from alerts a join list_entries l on l.list = 'blocklist' and l.number = a.msisdn
             where a.kind in ('simbox', 'fraud_caller') and ($1::text is null or $1 = any(a.operators))) as sims,
           (select count(*)::int from alerts a join list_entries l on l.list = 'blocklist' and l.number = a.msisdn
             where a.kind = 'wangiri' and ($1::text is null or $1 = any(a.operators))) as wangiri,
           (select count(*)::int from device_blocklist d where $1::text is null
             or exists (select 1 from alerts a where a.id = d.alert_id and $1 = any(a.operators))) as devices`,
        scope,
      );
      const suspensions = await sql.query<{ status: string; n: number }>(
        `select status, count(*)::int as n from sim_suspensions where ($1::text is null or operator_id = $1)
         group by status`,
        scope,
      );
      const f = rows[0];
      const b = blocked.rows[0];
      const suspension: Record<string, number> = { requested: 0, suspended: 0, rejected: 0, cancelled: 0 };
      for (const r of suspensions.rows) suspension[r.status] = Number(r.n);
      const alerts: Record<string, Record<AlertStatus, number>> = {};
      for (const r of byKind.rows) {
        alerts[r.kind] ??= { open: 0, confirmed: 0, dismissed: 0 };
        alerts[r.kind][r.status] = Number(r.n);
      }
      return {
        simboxes: { found: Number(f.boxes_found), blocked: Number(f.boxes_blocked) },
        sims: {
          found: Number(f.sims_found),
          confirmed: Number(f.sims_confirmed),
          blocked: Number(b.sims),
          suspensionsRequested: suspension.requested + suspension.suspended + suspension.rejected,
          suspended: suspension.suspended,
          suspensionsRejected: suspension.rejected,
        },
        devices: { found: Number(f.devices_found), blocked: Number(b.devices) },
        wangiri: { found: Number(f.wangiri_found), confirmed: Number(f.wangiri_confirmed), blocked: Number(b.wangiri) },
        alerts,
      };
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
