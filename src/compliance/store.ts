/**
 * The records of operators' duties: per-day counters written as deltas (coverage by route, CDRs
 * by the day of the call), the last upload of each operator, and the figures of a period read
 * back, with the suspension requests' deadlines and acknowledgements from sim_suspensions.
 */
import { localDaySql, type Sql } from '../platform/sql.ts';
import { dateOf } from './calendar.ts';
import type { CoverageDelta } from './coverage.ts';

export interface RecordsDelta {
  day: number;
  operator: string;
  records: number;
}

export interface UploadSeen {
  operator: string;
  at: number;
  uploads: number;
}

export interface SuspensionFigures {
  operator: string;
  requested: number;
  acked: number;
  overdue: number;
  lateAcks: number;
  medianHoursToAck: number | null;
}

export interface OverdueRequest {
  id: string;
  operator: string;
  msisdn: string;
  alertId: string;
  createdAt: string;
  deadline: string;
  hoursOverdue: number;
}

export interface DayFigures {
  day: string;
  operator: string;
  route?: string;
  calls: number;
  screened: number;
}

/** Requests given their deadline per statement when older requests get theirs. */
const BACKFILL_CHUNK = 10_000;

const isoOf = (v: Date | string) => new Date(v).toISOString();
const num = (v: unknown) => Number(v ?? 0);

export function createComplianceStore(sql: Sql) {
  return {
    async addCoverage(deltas: CoverageDelta[]): Promise<void> {
      if (deltas.length === 0) return;
      await sql.query(
        `insert into compliance_coverage (day, operator_id, route, calls, screened)
         select * from unnest($1::date[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
         on conflict (day, operator_id, route) do update
           set calls = compliance_coverage.calls + excluded.calls,
               screened = compliance_coverage.screened + excluded.screened`,
        [
          deltas.map((d) => dateOf(d.day)),
          deltas.map((d) => d.operator),
          deltas.map((d) => d.route),
          deltas.map((d) => d.calls),
          deltas.map((d) => d.screened),
        ],
      );
    },

    async addRecords(deltas: RecordsDelta[]): Promise<void> {
      if (deltas.length === 0) return;
      await sql.query(
        `insert into compliance_cdr_days (day, operator_id, records)
         select * from unnest($1::date[], $2::text[], $3::bigint[])
         on conflict (day, operator_id) do update set records = compliance_cdr_days.records + excluded.records`,
        [deltas.map((d) => dateOf(d.day)), deltas.map((d) => d.operator), deltas.map((d) => d.records)],
      );
    },

    async addUploads(seen: UploadSeen[]): Promise<void> {
      if (seen.length === 0) return;
      await sql.query(
        `insert into compliance_uploads (operator_id, last_upload_at, uploads)
         select * from unnest($1::text[], $2::timestamptz[], $3::bigint[])
         on conflict (operator_id) do update
           set last_upload_at = greatest(compliance_uploads.last_upload_at, excluded.last_upload_at),
               uploads = compliance_uploads.uploads + excluded.uploads`,
        [seen.map((s) => s.operator), seen.map((s) => new Date(s.at)), seen.map((s) => s.uploads)],
      );
    },

    /** Coverage per operator, route and day within [from, to] (dates). */
    async coverage(from: string, to: string, operator?: string): Promise<DayFigures[]> {
      const { rows } = await sql.query<{
        day: string;
        operator_id: string;
        route: string;
        calls: unknown;
        screened: unknown;
      }>(
        `select to_char(day, 'YYYY-MM-DD') as day, operator_id, route, calls, screened from compliance_coverage
         where day between $1::date and $2::date and ($3::text is null or operator_id = $3) order by day`,
        [from, to, operator ?? null],
      );
      return rows.map((r) => ({
        day: r.day,
        operator: r.operator_id,
        route: r.route,
        calls: num(r.calls),
        screened: num(r.screened),
      }));
    },

    /** CDRs per operator and day of the call within [from, to]. */
    async records(
      from: string,
      to: string,
      operator?: string,
    ): Promise<{ day: string; operator: string; records: number }[]> {
      const { rows } = await sql.query<{ day: string; operator_id: string; records: unknown }>(
        `select to_char(day, 'YYYY-MM-DD') as day, operator_id, records from compliance_cdr_days
         where day between $1::date and $2::date and ($3::text is null or operator_id = $3) order by day`,
        [from, to, operator ?? null],
      );
      return rows.map((r) => ({ day: r.day, operator: r.operator_id, records: num(r.records) }));
    },

    async lastUploads(): Promise<Map<string, string>> {
      const { rows } = await sql.query<{ operator_id: string; last_upload_at: Date | string }>(
        'select operator_id, last_upload_at from compliance_uploads',
      );
      return new Map(rows.map((r) => [r.operator_id, isoOf(r.last_upload_at)]));
    },

    /** Suspension requests made in [start, end) (instants), as of `now`; cancelled ones left out. */
    async suspensions(start: Date, end: Date, now: Date, operator?: string): Promise<SuspensionFigures[]> {
      const { rows } = await sql.query<{
        operator_id: string;
        requested: unknown;
        acked: unknown;
        overdue: unknown;
        late: unknown;
        median_hours: unknown;
      }>(
        `select operator_id,
           count(*) as requested,
           count(acked_at) as acked,
           count(*) filter (where acked_at is null and deadline_at < $3) as overdue,
           count(*) filter (where acked_at > deadline_at) as late,
           percentile_cont(0.5) within group (order by extract(epoch from (acked_at - created_at)))
             filter (where acked_at is not null) / 3600 as median_hours
         from sim_suspensions
         where status <> 'cancelled' and created_at >= $1 and created_at < $2
           and ($4::text is null or operator_id = $4)
         group by operator_id`,
        [start, end, now, operator ?? null],
      );
      return rows.map((r) => ({
        operator: r.operator_id,
        requested: num(r.requested),
        acked: num(r.acked),
        overdue: num(r.overdue),
        lateAcks: num(r.late),
        medianHoursToAck: r.median_hours === null || r.median_hours === undefined ? null : Number(r.median_hours),
      }));
    },

    /**
     * Requests of the period still unacknowledged past their deadline, most overdue first: at most
     * `limit` of each operator (one operator's backlog must not crowd another's out of its list).
     */
    async overdue(
      start: Date,
      end: Date,
      now: Date,
      operator: string | undefined,
      limit: number,
    ): Promise<OverdueRequest[]> {
      const { rows } = await sql.query<{
        id: string;
        operator_id: string;
        msisdn: string;
        alert_id: string;
        created_at: Date | string;
        deadline_at: Date | string;
      }>(
        `select id, operator_id, msisdn, alert_id, created_at, deadline_at from (
           select id, operator_id, msisdn, alert_id, created_at, deadline_at,
             row_number() over (partition by operator_id order by deadline_at, id) as rank
           from sim_suspensions
           where status = 'requested' and acked_at is null and deadline_at < $3
             and created_at >= $1 and created_at < $2 and ($4::text is null or operator_id = $4)
         ) listed
         where rank <= $5 order by deadline_at, id`,
        [start, end, now, operator ?? null, limit],
      );
      return rows.map((r) => ({
        id: r.id,
        operator: r.operator_id,
        msisdn: r.msisdn,
        alertId: r.alert_id,
        createdAt: isoOf(r.created_at),
        deadline: isoOf(r.deadline_at),
        hoursOverdue: Math.round(((now.getTime() - new Date(r.deadline_at).getTime()) / 3_600_000) * 100) / 100,
      }));
    },

    /** Requests unacknowledged past their deadline now, per operator (whatever day they were made). */
    async overdueCounts(now: Date, operator?: string): Promise<Record<string, number>> {
      const { rows } = await sql.query<{ operator_id: string; n: unknown }>(
        `select operator_id, count(*) as n from sim_suspensions
         where status = 'requested' and acked_at is null and deadline_at < $1 and ($2::text is null or operator_id = $2)
         group by operator_id`,
        [now, operator ?? null],
      );
      return Object.fromEntries(rows.map((r) => [r.operator_id, num(r.n)]));
    },

    /**
     * Gives the requests made before deadlines were kept (no deadline) the deadline the current
     * setting gives them, counted from when they were made. Returns how many.
     */
    async backfillDeadlines(deadlineOf: (requestedAt: number) => number): Promise<number> {
      // In chunks, until none is left: a request without a deadline is never overdue.
      let done = 0;
      for (;;) {
        const { rows } = await sql.query<{ id: string; created_at: Date | string }>(
          'select id, created_at from sim_suspensions where deadline_at is null order by id limit $1',
          [BACKFILL_CHUNK],
        );
        if (rows.length === 0) return done;
        await sql.query(
          `update sim_suspensions s set deadline_at = d.deadline
           from unnest($1::text[], $2::timestamptz[]) as d(id, deadline)
           where s.id = d.id and s.deadline_at is null`,
          [rows.map((r) => r.id), rows.map((r) => new Date(deadlineOf(new Date(r.created_at).getTime())))],
        );
        done += rows.length;
        if (rows.length < BACKFILL_CHUNK) return done;
      }
    },

    async saveSnapshot(payload: Uint8Array, at: Date): Promise<void> {
      await sql.query(
        // Sent as base64 text: the embedded store's driver turns a bytea parameter into hex a byte at
        // a time, which for an index of millions of calls held a stop for seconds.
        `insert into compliance_index_snapshot (id, saved_at, payload) values (1, $1, decode($2, 'base64'))
         on conflict (id) do update set saved_at = excluded.saved_at, payload = excluded.payload`,
        [at, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64')],
      );
    },

    /** The saved snapshot, deleted as it is taken (a crash after this start must not restore it twice). */
    async takeSnapshot(): Promise<{ payload: Uint8Array; savedAt: Date } | null> {
      const { rows } = await sql.query<{ payload: Uint8Array; saved_at: Date | string }>(
        'delete from compliance_index_snapshot where id = 1 returning payload, saved_at',
      );
      return rows[0] ? { payload: new Uint8Array(rows[0].payload), savedAt: new Date(rows[0].saved_at) } : null;
    },

    /** Requests made per operator and local day (offset in minutes), for the trend lines. */
    async requestsByDay(start: Date, end: Date, offsetMinutes: number, operator?: string) {
      const { rows } = await sql.query<{ day: string; operator_id: string; requested: unknown }>(
        `select ${localDaySql('created_at', '$3')} as day, operator_id,
           count(*) as requested
         from sim_suspensions
         where status <> 'cancelled' and created_at >= $1 and created_at < $2 and ($4::text is null or operator_id = $4)
         group by 1, 2`,
        [start, end, offsetMinutes, operator ?? null],
      );
      return rows.map((r) => ({ day: r.day, operator: r.operator_id, requested: num(r.requested) }));
    },
  };
}

export type ComplianceStore = ReturnType<typeof createComplianceStore>;
