import type { Sql } from '../platform/sql.ts';
import type { ReporterRecord, ReportForScore } from './reputation.ts';

export const reportChannels = ['call', 'sms', 'messenger'] as const;
export const reportCategories = [
  'bank',
  'police',
  'relatives',
  'investment',
  'delivery',
  'prize',
  'government',
  'operator',
  'marketplace',
  'other',
] as const;

export interface NewReport {
  id: string;
  number: string | null;
  channel: string;
  category: string;
  text?: string;
  url?: string;
  at: Date;
  source: string;
  reporterKey: string;
  reporterNumber?: string;
  verified: boolean;
}

export interface ReportRow {
  id: string;
  number: string | null;
  channel: string;
  category: string;
  text: string | null;
  url: string | null;
  at: Date;
  received_at: Date;
  source: string;
  reporter_key: string;
  reporter_number: string | null;
  verified: boolean;
  status: string;
  decided_by: string | null;
}

export function createReportStore(sql: Sql) {
  return {
    async insert(r: NewReport): Promise<void> {
      await sql.query(
        `insert into reports (id, number, channel, category, text, url, at, source, reporter_key, reporter_number, verified)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          r.id,
          r.number,
          r.channel,
          r.category,
          r.text ?? null,
          r.url ?? null,
          r.at,
          r.source,
          r.reporterKey,
          r.reporterNumber ?? null,
          r.verified,
        ],
      );
    },

    /** Reports about a number in the last `days` that still count (not rejected), with channel trust. */
    async forScore(number: string, since: Date): Promise<ReportForScore[]> {
      const { rows } = await sql.query<{ at: Date; reporter_key: string; verified: boolean; trust: number | null }>(
        `select r.at, r.reporter_key, r.verified, c.trust from reports r left join report_channels c on c.id = r.source
         where r.number = $1 and r.at >= $2 and r.status <> 'rejected'`,
        [number, since],
      );
      return rows.map((r) => ({
        at: new Date(r.at).getTime(),
        reporterKey: r.reporter_key,
        verified: r.verified,
        trust: r.trust ?? 1,
      }));
    },

    async histories(keys: string[]): Promise<Map<string, ReporterRecord>> {
      if (keys.length === 0) return new Map();
      const { rows } = await sql.query<{ reporter_key: string; confirmed: number; rejected: number }>(
        'select * from reporter_history where reporter_key = any($1)',
        [keys],
      );
      return new Map(rows.map((r) => [r.reporter_key, { confirmed: r.confirmed, rejected: r.rejected }]));
    },

    async clearedUntil(number: string): Promise<Date | null> {
      const { rows } = await sql.query<{ until: Date }>('select until from cleared_numbers where number = $1', [
        number,
      ]);
      return rows[0] ? new Date(rows[0].until) : null;
    },

    /** Numbers with reports since `since`, to recompute their decaying reputation. */
    async reportedNumbers(since: Date): Promise<string[]> {
      const { rows } = await sql.query<{ number: string }>(
        `select distinct number from reports where number is not null and at >= $1 and status <> 'rejected'`,
        [since],
      );
      return rows.map((r) => r.number);
    },

    /** The analysts' queue: open reports grouped by number (or by link domain for link reports). */
    async queue(limit: number, offset: number) {
      const { rows } = await sql.query<{
        number: string | null;
        reports: number;
        verified: number;
        reporters: number;
        first_at: Date;
        last_at: Date;
        categories: string[];
        channels: string[];
        urls: string[];
      }>(
        `select number, count(*)::int as reports, count(*) filter (where verified)::int as verified,
                count(distinct reporter_key)::int as reporters, min(at) as first_at, max(at) as last_at,
                array_agg(distinct category) as categories, array_agg(distinct channel) as channels,
                array_remove(array_agg(distinct url), null) as urls
         from reports where status = 'new' group by number
         order by count(distinct reporter_key) desc, max(at) desc, number limit $1 offset $2`,
        [limit, offset],
      );
      return rows;
    },

    async byNumber(number: string, limit: number): Promise<ReportRow[]> {
      const { rows } = await sql.query<ReportRow>('select * from reports where number = $1 order by at desc limit $2', [
        number,
        limit,
      ]);
      return rows;
    },

    /** Decides every open report about a number; returns the reporters, for their history. */
    async decide(number: string, status: 'confirmed' | 'rejected', actor: string): Promise<string[]> {
      return sql.transaction(async (tx) => {
        const { rows } = await tx.query<{ reporter_key: string }>(
          `update reports set status = $2, decided_by = $3, decided_at = now() where number = $1 and status = 'new'
           returning reporter_key`,
          [number, status, actor],
        );
        const keys = [...new Set(rows.map((r) => r.reporter_key))];
        for (const key of keys) {
          await tx.query(
            `insert into reporter_history (reporter_key, confirmed, rejected) values ($1, $2, $3)
             on conflict (reporter_key) do update set confirmed = reporter_history.confirmed + excluded.confirmed,
               rejected = reporter_history.rejected + excluded.rejected`,
            [key, status === 'confirmed' ? 1 : 0, status === 'rejected' ? 1 : 0],
          );
        }
        return keys;
      });
    },

    async clear(number: string, actor: string, until: Date): Promise<void> {
      await sql.query(
        `insert into cleared_numbers (number, cleared_by, until) values ($1, $2, $3)
         on conflict (number) do update set cleared_by = excluded.cleared_by, cleared_at = now(), until = excluded.until`,
        [number, actor, until],
      );
    },

    async countSince(since: Date): Promise<number> {
      const { rows } = await sql.query<{ n: number }>(
        'select count(*)::int as n from reports where received_at >= $1',
        [since],
      );
      return rows[0].n;
    },
  };
}

export type ReportStore = ReturnType<typeof createReportStore>;

/** Trusted channels and their keys (only a SHA-256 of a key is kept). */
export function createChannelStore(sql: Sql) {
  return {
    async create(c: { id: string; name: string; kind: string; trust: number; keyHash: string }): Promise<boolean> {
      const r = await sql.query(
        `insert into report_channels (id, name, kind, trust, key_hash) values ($1, $2, $3, $4, $5) on conflict (id) do nothing`,
        [c.id, c.name, c.kind, c.trust, c.keyHash],
      );
      return r.affectedRows > 0;
    },
    async byKeyHash(hash: string) {
      const { rows } = await sql.query<{ id: string; name: string; kind: string; trust: number }>(
        'select id, name, kind, trust from report_channels where key_hash = $1 and revoked_at is null',
        [hash],
      );
      return rows[0] ?? null;
    },
    async list() {
      const { rows } = await sql.query<{
        id: string;
        name: string;
        kind: string;
        trust: number;
        created_at: Date;
        revoked_at: Date | null;
      }>('select id, name, kind, trust, created_at, revoked_at from report_channels order by id');
      return rows;
    },
  };
}

/** The phishing-domain list, held in memory for link checks. */
export async function createPhishingList(sql: Sql) {
  const domains = new Set(
    (await sql.query<{ domain: string }>('select domain from phishing_domains')).rows.map((r) => r.domain),
  );
  return {
    has: (domain: string) => domains.has(domain),
    size: () => domains.size,
    async add(entries: { domain: string; source: string; reason: string; addedBy: string }[]): Promise<number> {
      let added = 0;
      await sql.transaction(async (tx) => {
        for (const e of entries) {
          const r = await tx.query(
            `insert into phishing_domains (domain, source, reason, added_by) values ($1, $2, $3, $4) on conflict (domain) do nothing`,
            [e.domain, e.source, e.reason, e.addedBy],
          );
          added += r.affectedRows;
        }
      });
      for (const e of entries) domains.add(e.domain);
      return added;
    },
    async remove(domain: string): Promise<boolean> {
      const r = await sql.query('delete from phishing_domains where domain = $1', [domain]);
      domains.delete(domain);
      return r.affectedRows > 0;
    },
    async list(limit: number, offset: number) {
      const { rows } = await sql.query<{
        domain: string;
        source: string;
        reason: string;
        added_by: string;
        added_at: Date;
      }>('select * from phishing_domains order by added_at desc, domain limit $1 offset $2', [limit, offset]);
      return rows.map((r) => ({
        domain: r.domain,
        source: r.source,
        reason: r.reason,
        addedBy: r.added_by,
        addedAt: new Date(r.added_at).toISOString(),
      }));
    },
  };
}
