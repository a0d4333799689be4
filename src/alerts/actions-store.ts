import { randomBytes } from 'node:crypto';
import { lockChangeLog, type Sql } from '../platform/sql.ts';
import { changesSince, type SyncPage } from '../platform/sync.ts';
import type { DeviceEntry, SimSuspension, SuspensionOutcome, SuspensionStatus } from './types.ts';

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

interface SuspensionRow {
  id: string;
  version: number | string;
  operator_id: string;
  msisdn: string;
  imsi: string | null;
  reason: string;
  alert_id: string;
  status: SuspensionStatus;
  note: string | null;
  created_at: Date | string;
  acked_at: Date | string | null;
  acked_by: string | null;
  deadline_at?: Date | string | null;
}

const toSuspension = (r: SuspensionRow): SimSuspension => ({
  id: r.id,
  msisdn: r.msisdn,
  imsi: r.imsi,
  reason: r.reason,
  alertId: r.alert_id,
  operator: r.operator_id,
  status: r.status,
  note: r.note,
  version: Number(r.version),
  createdAt: iso(r.created_at)!,
  ackedAt: iso(r.acked_at),
  ackedBy: r.acked_by,
  deadline: iso(r.deadline_at ?? null),
});

/**
 * SIM suspension requests: one per confirmed alert, addressed to the operator owning the number.
 * Every new request and every cancellation takes a new version from one sequence, so an
 * operator's system pulls what changed with `?since={version}`, as it does for lists.
 */
export function createSuspensionStore(
  sql: Sql,
  /** The deadline (ms) of a request made at `requestedAt` (src/compliance/deadline.ts); none when not given. */
  deadlines?: { clock: () => number; deadlineOf: (requestedAt: number) => number },
) {
  const deadlineNow = () => (deadlines ? new Date(deadlines.deadlineOf(deadlines.clock())) : null);
  // Request and acknowledgement times follow the app's clock when it is given (deadlines compare with it).
  const now = () => (deadlines ? new Date(deadlines.clock()) : new Date());
  return {
    /** Creates the request of an alert (once: a second call returns the existing one). */
    async request(input: {
      operator: string;
      msisdn: string;
      imsi: string | null;
      reason: string;
      alertId: string;
    }): Promise<SimSuspension> {
      const id = `sus_${randomBytes(9).toString('base64url')}`;
      return sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'simSuspensions');
        const inserted = await tx.query<SuspensionRow>(
          `insert into sim_suspensions (id, version, operator_id, msisdn, imsi, reason, alert_id, deadline_at, created_at)
           values ($1, nextval('sim_suspension_versions'), $2, $3, $4, $5, $6, $7, $8)
           on conflict (alert_id) do nothing returning *`,
          [id, input.operator, input.msisdn, input.imsi, input.reason, input.alertId, deadlineNow(), now()],
        );
        if (inserted.rows[0]) return toSuspension(inserted.rows[0]);
        const { rows } = await tx.query<SuspensionRow>('select * from sim_suspensions where alert_id = $1', [
          input.alertId,
        ]);
        // A cancelled request of a re-confirmed alert is asked for again.
        if (rows[0].status === 'cancelled') {
          const again = await tx.query<SuspensionRow>(
            `update sim_suspensions set status = 'requested', version = nextval('sim_suspension_versions'),
               note = null, acked_at = null, acked_by = null, created_at = $3, deadline_at = $2
             where id = $1 returning *`,
            [rows[0].id, deadlineNow(), now()],
          );
          return toSuspension(again.rows[0]);
        }
        return toSuspension(rows[0]);
      });
    },

    /** Withdraws a request not yet acted on (its alert was dismissed); the operator sees it as cancelled. */
    async cancel(alertId: string): Promise<SimSuspension | null> {
      return sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'simSuspensions');
        const { rows } = await tx.query<SuspensionRow>(
          `update sim_suspensions set status = 'cancelled', version = nextval('sim_suspension_versions')
           where alert_id = $1 and status = 'requested' returning *`,
          [alertId],
        );
        return rows[0] ? toSuspension(rows[0]) : null;
      });
    },

    /**
     * Requests after `since`, for one operator (or all when undefined), oldest first. A `since`
     * past every version given (the records restored from a backup behind what the operator took)
     * gets the requests from the start, marked `reset`, as the list syncs do (src/platform/sync.ts).
     */
    async since(
      operator: string | undefined,
      since: number,
      limit: number,
    ): Promise<{ version: number; items: SimSuspension[]; reset?: true }> {
      let after = since;
      let reset = false;
      if (since > 0) {
        // Versions are one sequence for all operators: its head is every operator's.
        const head = await sql.query<{ v: number | string | null }>('select max(version) as v from sim_suspensions');
        if (since > Number(head.rows[0]?.v ?? 0)) {
          after = 0;
          reset = true;
        }
      }
      const { rows } = await sql.query<SuspensionRow>(
        `select * from sim_suspensions where ($1::text is null or operator_id = $1) and version > $2
         order by version limit $3`,
        [operator ?? null, after, limit],
      );
      const items = rows.map(toSuspension);
      const version = items.length > 0 ? items[items.length - 1].version : after;
      return reset ? { version, items, reset: true } : { version, items };
    },

    async get(id: string): Promise<SimSuspension | null> {
      const { rows } = await sql.query<SuspensionRow>('select * from sim_suspensions where id = $1', [id]);
      return rows[0] ? toSuspension(rows[0]) : null;
    },

    async ofAlert(alertId: string): Promise<SimSuspension | null> {
      const { rows } = await sql.query<SuspensionRow>('select * from sim_suspensions where alert_id = $1', [alertId]);
      return rows[0] ? toSuspension(rows[0]) : null;
    },

    /** Records the operator's outcome; null when the request is cancelled. */
    async ack(id: string, outcome: SuspensionOutcome, note: string | null, by: string): Promise<SimSuspension | null> {
      const { rows } = await sql.query<SuspensionRow>(
        `update sim_suspensions set status = $2, note = $3, acked_at = coalesce(acked_at, $5), acked_by = $4
         where id = $1 and status <> 'cancelled' returning *`,
        [id, outcome, note, by, now()],
      );
      return rows[0] ? toSuspension(rows[0]) : null;
    },

    async counts(operator?: string): Promise<Record<SuspensionStatus, number>> {
      const { rows } = await sql.query<{ status: SuspensionStatus; n: number }>(
        `select status, count(*)::int as n from sim_suspensions where ($1::text is null or operator_id = $1)
         group by status`,
        [operator ?? null],
      );
      const out: Record<SuspensionStatus, number> = { requested: 0, suspended: 0, rejected: 0, cancelled: 0 };
      for (const r of rows) out[r.status] = Number(r.n);
      return out;
    },
  };
}

export type SuspensionStore = ReturnType<typeof createSuspensionStore>;

interface DeviceRow {
  imei: string;
  reason: string;
  alert_id: string | null;
  created_by: string;
  created_at: Date | string;
  version: number | string;
}

const toDevice = (r: DeviceRow): DeviceEntry => ({
  imei: r.imei,
  reason: r.reason,
  alertId: r.alert_id,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  version: Number(r.version),
});

/** The IMEI device blocklist with a change log, synced like the number lists. */
export function createDeviceBlocklist(sql: Sql) {
  return {
    async add(imei: string, reason: string, alertId: string | null, actor: string): Promise<DeviceEntry> {
      return sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'devices');
        const existing = await tx.query<DeviceRow>('select * from device_blocklist where imei = $1', [imei]);
        if (existing.rows[0]) return toDevice(existing.rows[0]);
        const { rows } = await tx.query<{ version: number }>(
          `insert into device_blocklist_changes (imei, op, actor) values ($1, 'add', $2) returning version`,
          [imei, actor],
        );
        const saved = await tx.query<DeviceRow>(
          `insert into device_blocklist (imei, reason, alert_id, created_by, version) values ($1, $2, $3, $4, $5)
           returning *`,
          [imei, reason, alertId, actor, Number(rows[0].version)],
        );
        return toDevice(saved.rows[0]);
      });
    },

    /** Removes an entry (only the one a given alert put there, when `alertId` is set). */
    async remove(imei: string, actor: string, alertId?: string): Promise<boolean> {
      return sql.transaction(async (tx) => {
        await lockChangeLog(tx, 'devices');
        const gone = await tx.query(
          'delete from device_blocklist where imei = $1 and ($2::text is null or alert_id = $2)',
          [imei, alertId ?? null],
        );
        if (gone.affectedRows === 0) return false;
        await tx.query(`insert into device_blocklist_changes (imei, op, actor) values ($1, 'remove', $2)`, [
          imei,
          actor,
        ]);
        return true;
      });
    },

    async has(imei: string): Promise<boolean> {
      const { rows } = await sql.query('select 1 from device_blocklist where imei = $1', [imei]);
      return rows.length > 0;
    },

    /** Net changes after `since` (0: the whole list, paged), the shape of `GET /v1/lists/{list}`. */
    changesSince(since: number, limit: number): Promise<SyncPage<DeviceEntry>> {
      return changesSince<DeviceEntry>(
        {
          async head() {
            const { rows } = await sql.query<{ v: number | string | null }>(
              'select max(version) as v from device_blocklist_changes',
            );
            return Number(rows[0]?.v ?? 0);
          },
          async entries(limit) {
            const { rows } = await sql.query<DeviceRow>('select * from device_blocklist order by version limit $1', [
              limit,
            ]);
            return rows.map(toDevice);
          },
          async changesAfter(since) {
            const { rows } = await sql.query<{ imei: string; op: 'add' | 'remove' }>(
              `select distinct on (imei) imei, op from device_blocklist_changes where version > $1
               order by imei, version desc`,
              [since],
            );
            const addedImeis = rows.filter((r) => r.op === 'add').map((r) => r.imei);
            const removed = rows.filter((r) => r.op === 'remove').map((r) => r.imei);
            const added = addedImeis.length
              ? (
                  await sql.query<DeviceRow>('select * from device_blocklist where imei = any($1) order by version', [
                    addedImeis,
                  ])
                ).rows.map(toDevice)
              : [];
            return { added, removed };
          },
        },
        since,
        limit,
      );
    },

    async count(): Promise<number> {
      const { rows } = await sql.query<{ n: number }>('select count(*)::int as n from device_blocklist');
      return Number(rows[0].n);
    },
  };
}

export type DeviceBlocklist = ReturnType<typeof createDeviceBlocklist>;
