import { type Sql, statisticsKeeper } from '../platform/sql.ts';

export const incidentKinds = ['transfer', 'card', 'loan', 'other'] as const;
export type IncidentKind = (typeof incidentKinds)[number];

export interface Bank {
  id: string;
  name: string;
  createdAt: string;
  createdBy: string;
}

export interface Incident {
  bank: string;
  incidentId: string;
  victim: string;
  at: string;
  kind: IncidentKind;
  amount?: number;
  currency?: string;
  suspectNumbers: string[];
  /** Contacts of the trail the bank or an analyst marked as the suspect. */
  markedSuspects: string[];
  receivedAt: string;
}

/** Contacts of one callee bucket over a stretch of time, encoded and gzipped (src/banks/contacts.ts). */
export interface ContactBlock {
  bucket: number;
  from: number;
  to: number;
  rows: number;
  /** Base64 of the gzipped payload. */
  payload: string;
}

interface IncidentRow {
  bank_id: string;
  incident_id: string;
  victim: string;
  at: Date;
  kind: IncidentKind;
  amount: number | null;
  currency: string | null;
  suspect_numbers: string[];
  marked_suspects: string[];
  received_at: Date;
}

const toIncident = (r: IncidentRow): Incident => ({
  bank: r.bank_id,
  incidentId: r.incident_id,
  victim: r.victim,
  at: new Date(r.at).toISOString(),
  kind: r.kind,
  ...(r.amount !== null ? { amount: Number(r.amount) } : {}),
  ...(r.currency !== null ? { currency: r.currency } : {}),
  suspectNumbers: r.suspect_numbers ?? [],
  markedSuspects: r.marked_suspects ?? [],
  receivedAt: new Date(r.received_at).toISOString(),
});

/**
 * Where a page of incidents ends: the last one's receipt (microseconds since the epoch, as the
 * database keeps it) and key; or, from a cursor of before compound cursors, a receipt time alone.
 */
export type IncidentCursor = { receivedUs: string; bank: string; incidentId: string } | { receivedBefore: string };

const CURSOR_PREFIX = 'c1_';

/** The opaque `next` of a page of incidents. */
export function incidentCursor(c: { receivedUs: string; bank: string; incidentId: string }): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify([c.receivedUs, c.bank, c.incidentId])).toString('base64url');
}

/**
 * The place a compound cursor names; null when `cursor` is not one (an older cursor is a time,
 * read by the caller; anything else is refused).
 */
export function parseIncidentCursor(cursor: string): { receivedUs: string; bank: string; incidentId: string } | null {
  if (!cursor.startsWith(CURSOR_PREFIX)) return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor.slice(CURSOR_PREFIX.length), 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      typeof v[0] === 'string' &&
      /^-?[0-9]{1,18}$/.test(v[0]) &&
      typeof v[1] === 'string' &&
      typeof v[2] === 'string'
    )
      return { receivedUs: v[0], bank: v[1], incidentId: v[2] };
  } catch {
    // Not JSON: not a cursor this list gave.
  }
  return null;
}

const CUSTOMER_SLICE = 2000;

export function createBankStore(sql: Sql) {
  // Warnings look customers up by hash on every flush: keep the planner on the hash index.
  const customerStatistics = statisticsKeeper(sql, 'bank_customers');
  return {
    async createBank(b: { id: string; name: string; createdBy: string }): Promise<Bank | null> {
      const { rows } = await sql.query<{ id: string; name: string; created_at: Date; created_by: string }>(
        'insert into banks (id, name, created_by) values ($1, $2, $3) on conflict (id) do nothing returning *',
        [b.id, b.name, b.createdBy],
      );
      return rows[0]
        ? {
            id: rows[0].id,
            name: rows[0].name,
            createdAt: new Date(rows[0].created_at).toISOString(),
            createdBy: rows[0].created_by,
          }
        : null;
    },

    async banks(): Promise<Bank[]> {
      const { rows } = await sql.query<{ id: string; name: string; created_at: Date; created_by: string }>(
        'select * from banks order by id',
      );
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        createdAt: new Date(r.created_at).toISOString(),
        createdBy: r.created_by,
      }));
    },

    /** Stores an incident unless the bank filed one with that id; returns it and whether it is new. */
    async fileIncident(
      i: Omit<Incident, 'receivedAt' | 'markedSuspects'>,
    ): Promise<{ incident: Incident; created: boolean }> {
      const { rows } = await sql.query<IncidentRow>(
        `insert into bank_incidents (bank_id, incident_id, victim, at, kind, amount, currency, suspect_numbers)
         values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (bank_id, incident_id) do nothing returning *`,
        [
          i.bank,
          i.incidentId,
          i.victim,
          new Date(i.at),
          i.kind,
          i.amount ?? null,
          i.currency ?? null,
          i.suspectNumbers,
        ],
      );
      if (rows[0]) return { incident: toIncident(rows[0]), created: true };
      const existing = await this.incident(i.bank, i.incidentId);
      return { incident: existing!, created: false };
    },

    async incident(bank: string, incidentId: string): Promise<Incident | null> {
      const { rows } = await sql.query<IncidentRow>(
        'select * from bank_incidents where bank_id = $1 and incident_id = $2',
        [bank, incidentId],
      );
      return rows[0] ? toIncident(rows[0]) : null;
    },

    /** Incidents with this id (analysts name an incident by id alone; banks' ids may collide). */
    async incidentsById(incidentId: string): Promise<Incident[]> {
      const { rows } = await sql.query<IncidentRow>(
        'select * from bank_incidents where incident_id = $1 order by bank_id',
        [incidentId],
      );
      return rows.map(toIncident);
    },

    async list(q: {
      bank?: string;
      number?: string;
      limit: number;
      before?: IncidentCursor;
    }): Promise<{ items: Incident[]; next: string | null }> {
      const after = q.before && 'receivedUs' in q.before ? q.before : null;
      const legacy = q.before && 'receivedBefore' in q.before ? q.before.receivedBefore : null;
      // Newest first, then by (bank, incident id), the key: incidents received in the same
      // microsecond are all shown, each once, on one page or the next.
      const { rows } = await sql.query<IncidentRow & { received_us: string }>(
        `select *, (extract(epoch from received_at) * 1000000)::bigint::text as received_us from bank_incidents
         where ($1::text is null or bank_id = $1)
           and ($2::text is null or victim = $2 or $2 = any(suspect_numbers) or $2 = any(marked_suspects))
           and ($3::timestamptz is null or received_at < $3)
           and ($5::bigint is null or (received_at, bank_id, incident_id)
             < (timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6::text, $7::text))
         order by received_at desc, bank_id desc, incident_id desc limit $4`,
        [
          q.bank ?? null,
          q.number ?? null,
          legacy ? new Date(legacy) : null,
          q.limit + 1,
          after?.receivedUs ?? null,
          after?.bank ?? null,
          after?.incidentId ?? null,
        ],
      );
      const page = rows.slice(0, q.limit);
      const last = page[page.length - 1];
      const next =
        rows.length > q.limit
          ? incidentCursor({ receivedUs: last.received_us, bank: last.bank_id, incidentId: last.incident_id })
          : null;
      return { items: page.map(toIncident), next };
    },

    /**
     * Victims of a bank's incidents received in the `windowMs` up to this incident's receipt (this
     * one included), oldest first; the latest `limit` of them when there are more.
     */
    async victimsFiledBefore(bank: string, incidentId: string, windowMs: number, limit: number): Promise<string[]> {
      // The incident's own receipt is compared in the database, at its full precision.
      const { rows } = await sql.query<{ victim: string }>(
        `select victim from (
           select b.victim, b.received_at, b.incident_id
           from bank_incidents b,
             (select received_at from bank_incidents where bank_id = $1 and incident_id = $2) as me
           where b.bank_id = $1
             and b.received_at > me.received_at - $3::float8 * interval '1 millisecond'
             and (b.received_at < me.received_at or (b.received_at = me.received_at and b.incident_id <= $2))
           order by b.received_at desc, b.incident_id desc limit $4) as latest
         order by received_at, incident_id`,
        [bank, incidentId, windowMs, limit],
      );
      return rows.map((r) => r.victim);
    },

    /** Marks (or unmarks) a contact of the trail as the suspect. */
    async markSuspect(bank: string, incidentId: string, number: string, suspect: boolean): Promise<Incident | null> {
      const { rows } = await sql.query<IncidentRow>(
        suspect
          ? `update bank_incidents set marked_suspects = array(select distinct x from unnest(marked_suspects || $3::text) as x)
             where bank_id = $1 and incident_id = $2 returning *`
          : `update bank_incidents set marked_suspects = array_remove(marked_suspects, $3::text)
             where bank_id = $1 and incident_id = $2 returning *`,
        [bank, incidentId, number],
      );
      return rows[0] ? toIncident(rows[0]) : null;
    },

    /** Incidents in which a number counts as seen (named as suspect or marked), newest first. */
    async incidentsNaming(number: string): Promise<Incident[]> {
      const { rows } = await sql.query<IncidentRow>(
        `select * from bank_incidents where $1 = any(suspect_numbers) or $1 = any(marked_suspects)
         order by received_at desc limit 200`,
        [number],
      );
      return rows.map(toIncident);
    },

    /** Numbers seen in incidents received since `since` (the warning hook keeps them in memory). */
    async suspectNumbers(since: Date): Promise<string[]> {
      const { rows } = await sql.query<{ n: string }>(
        `select distinct n from bank_incidents, unnest(suspect_numbers || marked_suspects) as n where received_at >= $1`,
        [since],
      );
      return rows.map((r) => r.n);
    },

    /** Adds customers, a slice per statement (the embedded store runs on the call path's thread). */
    async addCustomers(bank: string, hashes: string[]): Promise<number> {
      let added = 0;
      for (let start = 0; start < hashes.length; start += CUSTOMER_SLICE) {
        const { affectedRows } = await sql.query(
          `insert into bank_customers (bank_id, msisdn_hash) select $1, h from unnest($2::text[]) as h
           on conflict do nothing`,
          [bank, hashes.slice(start, start + CUSTOMER_SLICE)],
        );
        added += affectedRows;
      }
      await customerStatistics.changed(added);
      return added;
    },

    async removeCustomers(bank: string, hashes: string[]): Promise<number> {
      let removed = 0;
      for (let start = 0; start < hashes.length; start += CUSTOMER_SLICE) {
        const { affectedRows } = await sql.query(
          'delete from bank_customers where bank_id = $1 and msisdn_hash = any($2::text[])',
          [bank, hashes.slice(start, start + CUSTOMER_SLICE)],
        );
        removed += affectedRows;
      }
      await customerStatistics.changed(removed);
      return removed;
    },

    async customerCount(bank: string): Promise<number> {
      const { rows } = await sql.query<{ n: string | number }>(
        'select count(*) as n from bank_customers where bank_id = $1',
        [bank],
      );
      return Number(rows[0].n);
    },

    /** The banks that have each of these subscribers (by keyed hash) among their customers. */
    async banksOf(hashes: string[]): Promise<Map<string, string[]>> {
      const out = new Map<string, string[]>();
      if (hashes.length === 0) return out;
      const { rows } = await sql.query<{ bank_id: string; msisdn_hash: string }>(
        'select bank_id, msisdn_hash from bank_customers where msisdn_hash = any($1::text[])',
        [hashes],
      );
      for (const r of rows) out.set(r.msisdn_hash, [...(out.get(r.msisdn_hash) ?? []), r.bank_id]);
      return out;
    },

    /** Stores blocks of contacts (one per callee bucket), in one statement. */
    async insertContactBlocks(blocks: ContactBlock[]): Promise<void> {
      if (blocks.length === 0) return;
      await sql.query(
        `insert into bank_contact_blocks (bucket, from_at, to_at, rows, payload)
         select x.bucket, to_timestamp(x.from_ms / 1000.0), to_timestamp(x.to_ms / 1000.0), x.rows,
           decode(x.payload, 'base64')
         from unnest($1::int[], $2::float8[], $3::float8[], $4::int[], $5::text[])
           as x(bucket, from_ms, to_ms, rows, payload)`,
        [
          blocks.map((b) => b.bucket),
          blocks.map((b) => b.from),
          blocks.map((b) => b.to),
          blocks.map((b) => b.rows),
          blocks.map((b) => b.payload),
        ],
      );
    },

    /** The gzipped payloads of a bucket's blocks overlapping [from, to]. */
    async contactBlocks(bucket: number, from: number, to: number): Promise<Buffer[]> {
      const { rows } = await sql.query<{ payload: string }>(
        `select encode(payload, 'base64') as payload from bank_contact_blocks
         where bucket = $1 and to_at >= to_timestamp($2 / 1000.0) and from_at <= to_timestamp($3 / 1000.0)
         order by id`,
        [bucket, from, to],
      );
      return rows.map((r) => Buffer.from(r.payload, 'base64'));
    },

    async sweepContacts(before: number): Promise<number> {
      const { affectedRows } = await sql.query(
        `delete from bank_contact_blocks where id in (
           select id from bank_contact_blocks where to_at < to_timestamp($1 / 1000.0) limit 5000)`,
        [before],
      );
      return affectedRows;
    },

    async escalations(): Promise<{ number: string; alertId: string | null; reason: string; escalatedAt: string }[]> {
      const { rows } = await sql.query<{ number: string; alert_id: string | null; reason: string; escalated_at: Date }>(
        'select number, alert_id, reason, escalated_at from bank_escalations',
      );
      return rows.map((r) => ({
        number: r.number,
        alertId: r.alert_id,
        reason: r.reason,
        escalatedAt: new Date(r.escalated_at).toISOString(),
      }));
    },

    async removeEscalation(number: string): Promise<boolean> {
      const { affectedRows } = await sql.query('delete from bank_escalations where number = $1', [number]);
      return affectedRows > 0;
    },

    async saveEscalation(e: { number: string; alertId: string | null; reason: string; incidents: unknown[] }) {
      await sql.query(
        `insert into bank_escalations (number, alert_id, reason, incidents) values ($1, $2, $3, $4)
         on conflict (number) do update set alert_id = coalesce(excluded.alert_id, bank_escalations.alert_id),
           reason = excluded.reason, incidents = excluded.incidents`,
        [e.number, e.alertId, e.reason, JSON.stringify(e.incidents)],
      );
    },
  };
}

export type BankStore = ReturnType<typeof createBankStore>;
