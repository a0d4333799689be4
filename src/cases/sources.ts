/**
 * What cases read from the rest of the records store: alerts, citizen reports, the CDR relation
 * table and cell locations. Read-only; every query takes the reader's operator, so an operator
 * analyst's view is cut in SQL and never assembled first and filtered later.
 */

import { evidenceUpdatedAction } from '../alerts/digest.ts';
import { seesOwnersAnswer } from '../alerts/visibility.ts';
import type { Sql } from '../platform/sql.ts';
import { citationAction } from './citations.ts';
import type { AlertLink, Relation } from './graph.ts';

export interface AlertRecord extends AlertLink {
  imsi: string | null;
  imei: string | null;
  device: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  evidence: Record<string, unknown>;
  /** When detection first raised it (digested with the content when a case cites it). */
  createdAt: string | null;
  /** The analyst's (or the policy's) decision on the alert: who confirmed or dismissed it, when and why. */
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  /**
   * The SIM suspension request the alert led to, with the owning operator's answer. Null when there
   * is none. An operator-scoped reader other than the owner sees its state, not the owner's note or
   * who answered (`seesOwnersAnswer`, as in the console).
   */
  suspension: AlertSuspension | null;
}

/** A SIM suspension request as the evidence export shows it. */
export interface AlertSuspension {
  id: string;
  /** The operator asked to suspend (the number's owner). */
  operator: string;
  status: string;
  requestedAt: string;
  /** Whose confirmation made the request (`policy` for the auto-confirm); null when the record no longer tells. */
  requestedBy: string | null;
  deadline: string | null;
  ackedAt: string | null;
  ackedBy: string | null;
  note: string | null;
}

export interface ReportRecord {
  id: string;
  number: string;
  channel: string;
  category: string;
  text: string | null;
  url: string | null;
  at: string;
  status: string;
  verified: boolean;
}

/** A bank's incident (src/banks), named in a case as `<bank>/<incidentId>`. */
export interface IncidentRecord {
  key: string;
  bank: string;
  incidentId: string;
  victim: string;
  at: string;
  kind: string;
  amount: number | null;
  currency: string | null;
  /** Numbers the bank named and contacts of the trail marked as the suspect. */
  suspects: string[];
  /** The numbers the bank named itself (the marks come later, from analysts and the bank). */
  namedSuspects: string[];
  receivedAt: string;
}

export interface CellRecord {
  cell: string;
  lat: number;
  lon: number;
  region: string | null;
}

export interface RelationFilter {
  from?: Date;
  to?: Date;
  /** Only this operator's records. */
  operator?: string;
}

export interface Identifiers {
  numbers: string[];
  imsis: string[];
  imeis: string[];
  cells: string[];
}

const isoOrNull = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

interface AlertRow {
  id: string;
  kind: string;
  msisdn: string;
  imsi: string | null;
  imei: string | null;
  device: string | null;
  score: number;
  status: string;
  operators: string[];
  first_seen: Date | null;
  last_seen: Date | null;
  evidence: Record<string, unknown> | string;
  created_at: Date | null;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  suspension_id: string | null;
  suspension_operator: string | null;
  suspension_status: string | null;
  suspension_created_at: Date | null;
  suspension_requested_by: string | null;
  suspension_deadline: Date | null;
  suspension_acked_at: Date | null;
  suspension_acked_by: string | null;
  suspension_note: string | null;
}

/** The alert's suspension request as `reader` may see it (`seesOwnersAnswer`), or null when there is none. */
function suspensionOf(r: AlertRow, reader: string | undefined): AlertSuspension | null {
  if (!(r.suspension_id && r.suspension_operator && r.suspension_status && r.suspension_created_at)) return null;
  const ownersAnswer = seesOwnersAnswer(reader, r.suspension_operator);
  return {
    id: r.suspension_id,
    operator: r.suspension_operator,
    status: r.suspension_status,
    requestedAt: new Date(r.suspension_created_at).toISOString(),
    requestedBy: r.suspension_requested_by,
    deadline: isoOrNull(r.suspension_deadline),
    ackedAt: isoOrNull(r.suspension_acked_at),
    ackedBy: ownersAnswer ? r.suspension_acked_by : null,
    note: ownersAnswer ? r.suspension_note : null,
  };
}

const toAlert = (r: AlertRow, reader: string | undefined): AlertRecord => ({
  id: r.id,
  kind: r.kind,
  msisdn: r.msisdn,
  imsi: r.imsi,
  imei: r.imei,
  device: r.device,
  score: Number(r.score),
  status: r.status,
  operators: r.operators,
  firstSeen: isoOrNull(r.first_seen),
  lastSeen: isoOrNull(r.last_seen),
  evidence: typeof r.evidence === 'string' ? JSON.parse(r.evidence) : r.evidence,
  createdAt: isoOrNull(r.created_at),
  decidedBy: r.decided_by,
  decidedAt: isoOrNull(r.decided_at),
  decisionReason: r.decision_reason,
  suspension: suspensionOf(r, reader),
});

/**
 * Alerts with their decision and SIM suspension request (one per alert at most). Who requested it: the confirmation that made it — the
 * alert's current decision while it stays confirmed, else the last confirmation the audit log holds
 * (the console's `alerts.confirm.post` by a person, `alert.auto_confirm` by the policy).
 */
const alertSelect = `select a.id, a.kind, a.msisdn, a.imsi, a.imei, a.device, a.score, a.status,
    a.operators, a.first_seen, a.last_seen, a.evidence, a.created_at, a.decided_by, a.decided_at, a.decision_reason,
    s.id as suspension_id, s.operator_id as suspension_operator, s.status as suspension_status,
    s.created_at as suspension_created_at, s.deadline_at as suspension_deadline, s.acked_at as suspension_acked_at,
    s.acked_by as suspension_acked_by, s.note as suspension_note,
    case when s.id is null then null when a.status = 'confirmed' then a.decided_by
      else (select case when l.action = 'alert.auto_confirm' then 'policy' else l.actor end from audit_log l
            where l.target = a.id and (l.action = 'alert.auto_confirm'
              or (l.action = 'alerts.confirm.post' and l.details->>'status' = '200'))
            order by l.seq desc limit 1) end as suspension_requested_by
  from alerts a left join sim_suspensions s on s.alert_id = a.id`;

export function createCaseSources(sql: Sql) {
  return {
    async alertsById(ids: string[], operator?: string): Promise<AlertRecord[]> {
      if (ids.length === 0) return [];
      const { rows } = await sql.query<AlertRow>(
        `${alertSelect} where a.id = any($1::text[]) and ($2::text is null or $2 = any(a.operators))
         order by a.seq`,
        [ids, operator ?? null],
      );
      return rows.map((r) => toAlert(r, operator));
    },

    async alertsOfDevice(device: string, operator?: string): Promise<AlertRecord[]> {
      const { rows } = await sql.query<AlertRow>(
        `${alertSelect} where a.device = $1 and ($2::text is null or $2 = any(a.operators))
         order by a.seq limit 1000`,
        [device, operator ?? null],
      );
      return rows.map((r) => toAlert(r, operator));
    },

    async alertsAbout(numbers: string[], imeis: string[], operator?: string): Promise<AlertRecord[]> {
      if (numbers.length === 0 && imeis.length === 0) return [];
      const { rows } = await sql.query<AlertRow>(
        `${alertSelect}
         where (a.msisdn = any($1::text[]) or a.imei = any($2::text[])) and ($3::text is null or $3 = any(a.operators))
         order by a.seq limit 2000`,
        [numbers, imeis, operator ?? null],
      );
      return rows.map((r) => toAlert(r, operator));
    },

    async reportsAbout(numbers: string[]): Promise<ReportRecord[]> {
      if (numbers.length === 0) return [];
      const { rows } = await sql.query<{
        id: string;
        number: string;
        channel: string;
        category: string;
        text: string | null;
        url: string | null;
        at: Date;
        status: string;
        verified: boolean;
      }>(
        `select id, number, channel, category, text, url, at, status, verified from reports
         where number = any($1::text[]) order by at limit 2000`,
        [numbers],
      );
      return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    },

    async reportsById(ids: string[]): Promise<ReportRecord[]> {
      if (ids.length === 0) return [];
      const { rows } = await sql.query<ReportRecord & { at: Date }>(
        `select id, number, channel, category, text, url, at, status, verified from reports where id = any($1::text[])
         order by at`,
        [ids],
      );
      return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    },

    /** Incidents by `<bank>/<incidentId>`. */
    async incidentsByKey(keys: string[]): Promise<IncidentRecord[]> {
      if (keys.length === 0) return [];
      const { rows } = await sql.query<{
        bank_id: string;
        incident_id: string;
        victim: string;
        at: Date;
        kind: string;
        amount: number | string | null;
        currency: string | null;
        suspect_numbers: string[];
        marked_suspects: string[];
        received_at: Date;
      }>(
        `select bank_id, incident_id, victim, at, kind, amount, currency, suspect_numbers, marked_suspects, received_at
         from bank_incidents where bank_id || '/' || incident_id = any($1::text[]) order by at, bank_id, incident_id`,
        [keys],
      );
      return rows.map((r) => ({
        key: `${r.bank_id}/${r.incident_id}`,
        bank: r.bank_id,
        incidentId: r.incident_id,
        victim: r.victim,
        at: new Date(r.at).toISOString(),
        kind: r.kind,
        amount: r.amount === null ? null : Number(r.amount),
        currency: r.currency,
        suspects: [...new Set([...(r.suspect_numbers ?? []), ...(r.marked_suspects ?? [])])],
        namedSuspects: r.suspect_numbers ?? [],
        receivedAt: new Date(r.received_at).toISOString(),
      }));
    },

    /** Relations touching any of the identifiers, aggregated over the days of the filter. */
    async relations(ids: Identifiers, filter: RelationFilter, limit = 20_000): Promise<Relation[]> {
      if (ids.numbers.length + ids.imsis.length + ids.imeis.length + ids.cells.length === 0) return [];
      const { rows } = await sql.query<{
        operator_id: string;
        msisdn: string;
        imsi: string;
        imei: string;
        cell_id: string;
        first_seen: Date;
        last_seen: Date;
        events: number | string;
      }>(
        `select operator_id, msisdn, imsi, imei, cell_id, min(first_seen) as first_seen, max(last_seen) as last_seen,
           sum(events) as events
         from cdr_relations
         where (msisdn = any($1::text[]) or (imsi <> '' and imsi = any($2::text[]))
                or (imei <> '' and imei = any($3::text[])) or (cell_id <> '' and cell_id = any($4::text[])))
           and ($5::timestamptz is null or last_seen >= $5) and ($6::timestamptz is null or first_seen <= $6)
           and ($7::text is null or operator_id = $7)
         group by operator_id, msisdn, imsi, imei, cell_id
         order by sum(events) desc, msisdn, imsi, imei, cell_id
         limit $8`,
        [
          ids.numbers,
          ids.imsis,
          ids.imeis,
          ids.cells,
          filter.from ?? null,
          filter.to ?? null,
          filter.operator ?? null,
          limit,
        ],
      );
      return rows.map((r) => ({
        operator: r.operator_id,
        msisdn: r.msisdn,
        imsi: r.imsi,
        imei: r.imei,
        cell: r.cell_id,
        firstSeen: new Date(r.first_seen).getTime(),
        lastSeen: new Date(r.last_seen).getTime(),
        events: Number(r.events),
      }));
    },

    /** Events per day of the identifiers (the activity chart of the PDF). */
    async activity(ids: Identifiers, operator?: string): Promise<{ day: string; events: number }[]> {
      if (ids.numbers.length + ids.imsis.length + ids.imeis.length === 0) return [];
      const { rows } = await sql.query<{ day: Date | string; events: number | string }>(
        `select day, sum(events) as events from cdr_relations
         where (msisdn = any($1::text[]) or (imsi <> '' and imsi = any($2::text[])) or (imei <> '' and imei = any($3::text[])))
           and ($4::text is null or operator_id = $4)
         group by day order by day`,
        [ids.numbers, ids.imsis, ids.imeis, operator ?? null],
      );
      return rows.map((r) => ({
        day: typeof r.day === 'string' ? r.day.slice(0, 10) : r.day.toISOString().slice(0, 10),
        events: Number(r.events),
      }));
    },

    /**
     * The audit entries that recorded the digests of the records a case cited (citations.ts), oldest
     * first. Read straight from the hash-chained log; `callshield audit verify` against the signed
     * checkpoints is what shows these entries are as written.
     */
    async citationEntries(caseId: string): Promise<{ seq: number; at: string; details: Record<string, unknown> }[]> {
      const { rows } = await sql.query<{
        seq: number | string;
        at: Date | string;
        details: Record<string, unknown> | string;
      }>('select seq, at, details from audit_log where target = $1 and action = $2 order by seq', [
        caseId,
        citationAction,
      ]);
      return rows.map((r) => ({
        seq: Number(r.seq),
        at: new Date(r.at).toISOString(),
        details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      }));
    },

    /**
     * The audit entries in which detection recorded the new digest of alerts it rewrote
     * (`alert.evidence_updated`, src/alerts/digest.ts), oldest first.
     */
    async alertUpdateEntries(
      alertIds: string[],
    ): Promise<{ seq: number; at: string; target: string; details: Record<string, unknown> }[]> {
      if (alertIds.length === 0) return [];
      const { rows } = await sql.query<{
        seq: number | string;
        at: Date | string;
        target: string;
        details: Record<string, unknown> | string;
      }>('select seq, at, target, details from audit_log where action = $1 and target = any($2::text[]) order by seq', [
        evidenceUpdatedAction,
        alertIds,
      ]);
      return rows.map((r) => ({
        seq: Number(r.seq),
        at: new Date(r.at).toISOString(),
        target: r.target,
        details: typeof r.details === 'string' ? JSON.parse(r.details) : r.details,
      }));
    },

    async cells(ids: string[]): Promise<CellRecord[]> {
      if (ids.length === 0) return [];
      const { rows } = await sql.query<{ cell_id: string; lat: number; lon: number; region: string | null }>(
        'select cell_id, lat, lon, region from cells where cell_id = any($1::text[]) order by cell_id',
        [ids],
      );
      return rows.map((r) => ({ cell: r.cell_id, lat: Number(r.lat), lon: Number(r.lon), region: r.region }));
    },

    async putCells(cells: CellRecord[]): Promise<number> {
      if (cells.length === 0) return 0;
      const r = await sql.query(
        `insert into cells (cell_id, lat, lon, region)
         select * from unnest($1::text[], $2::float8[], $3::float8[], $4::text[])
         on conflict (cell_id) do update set lat = excluded.lat, lon = excluded.lon, region = excluded.region,
           updated_at = now()`,
        [cells.map((c) => c.cell), cells.map((c) => c.lat), cells.map((c) => c.lon), cells.map((c) => c.region)],
      );
      return r.affectedRows;
    },
  };
}

export type CaseSources = ReturnType<typeof createCaseSources>;
