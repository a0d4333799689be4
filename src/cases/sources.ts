/**
 * What cases read from the rest of the records store: alerts, citizen reports, the CDR relation
 * table and cell locations. Read-only; every query takes the reader's operator, so an operator
 * analyst's view is cut in SQL and never assembled first and filtered later.
 */
import type { Sql } from '../platform/sql.ts';
import type { AlertLink, Relation } from './graph.ts';

export interface AlertRecord extends AlertLink {
  imsi: string | null;
  imei: string | null;
  device: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  evidence: Record<string, unknown>;
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
}

const toAlert = (r: AlertRow): AlertRecord => ({
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
});

const ALERT_COLUMNS = 'id, kind, msisdn, imsi, imei, device, score, status, operators, first_seen, last_seen, evidence';

export function createCaseSources(sql: Sql) {
  return {
    async alertsById(ids: string[], operator?: string): Promise<AlertRecord[]> {
      if (ids.length === 0) return [];
      const { rows } = await sql.query<AlertRow>(
        `select ${ALERT_COLUMNS} from alerts where id = any($1::text[]) and ($2::text is null or $2 = any(operators))
         order by seq`,
        [ids, operator ?? null],
      );
      return rows.map(toAlert);
    },

    async alertsOfDevice(device: string, operator?: string): Promise<AlertRecord[]> {
      const { rows } = await sql.query<AlertRow>(
        `select ${ALERT_COLUMNS} from alerts where device = $1 and ($2::text is null or $2 = any(operators))
         order by seq limit 1000`,
        [device, operator ?? null],
      );
      return rows.map(toAlert);
    },

    async alertsAbout(numbers: string[], imeis: string[], operator?: string): Promise<AlertRecord[]> {
      if (numbers.length === 0 && imeis.length === 0) return [];
      const { rows } = await sql.query<AlertRow>(
        `select ${ALERT_COLUMNS} from alerts
         where (msisdn = any($1::text[]) or imei = any($2::text[])) and ($3::text is null or $3 = any(operators))
         order by seq limit 2000`,
        [numbers, imeis, operator ?? null],
      );
      return rows.map(toAlert);
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
