/**
 * Spoofing-campaign figures in the records store (table `campaign_hours`, one row per hour
 * bucket), so that a restart keeps them: the hours are loaded at start, and the hours changed since
 * the last flush are written every 30 s and on close, with absolute values.
 *
 * In distributed mode every console/detect node sees every decision and writes the same hours. A
 * write only replaces a stored hour with as many calls or more: a node that started late, or
 * missed decisions, never shrinks the figures another node wrote.
 */
import type { Sql } from '../platform/sql.ts';
import { type CampaignHour, type CampaignHourState, HOUR_MS, type SpoofingCampaigns } from './aggregator.ts';

export const CAMPAIGN_FLUSH_MS = 30_000;

export function createCampaignStore(sql: Sql) {
  return {
    /** The stored hours from `since` on, oldest first. */
    async load(since: number): Promise<CampaignHour[]> {
      const { rows } = await sql.query<{ hour: Date; state: CampaignHourState | string }>(
        'select hour, state from campaign_hours where hour >= $1 order by hour',
        [new Date(since)],
      );
      return rows.map((row) => ({
        hour: new Date(row.hour).getTime(),
        state: typeof row.state === 'string' ? (JSON.parse(row.state) as CampaignHourState) : row.state,
      }));
    },

    /**
     * Upserts hours by their start; a stored hour with more calls is kept. One statement, rows in
     * hour order (two nodes writing the same hours lock them in the same order). Returns the rows
     * written.
     */
    async save(hours: readonly CampaignHour[]): Promise<number> {
      if (hours.length === 0) return 0;
      const sorted = [...hours].sort((a, b) => a.hour - b.hour);
      const result = await sql.query(
        `insert into campaign_hours (hour, calls, state, written_at)
         select h, c, s::jsonb, now() from unnest($1::timestamptz[], $2::bigint[], $3::text[]) as t(h, c, s)
         on conflict (hour) do update
           set calls = excluded.calls, state = excluded.state, written_at = excluded.written_at
           where campaign_hours.calls <= excluded.calls`,
        [
          sorted.map((h) => new Date(h.hour)),
          sorted.map((h) => h.state.calls),
          sorted.map((h) => JSON.stringify(h.state)),
        ],
      );
      return result.affectedRows;
    },

    /** Deletes the hours that started before `before`. */
    async prune(before: number): Promise<number> {
      return (await sql.query('delete from campaign_hours where hour < $1', [new Date(before)])).affectedRows;
    },
  };
}

export type CampaignStore = ReturnType<typeof createCampaignStore>;

/**
 * Keeps `campaigns` in the store: `load` once at start (before decisions arrive), `start` the
 * periodic flush, `close` to stop it and flush the last changes. A failed flush keeps the hours
 * marked changed for the next one and is reported to `onError`, never thrown into the timer.
 */
export function persistCampaigns(deps: {
  campaigns: SpoofingCampaigns;
  sql: Sql;
  clock: () => number;
  onError: (error: unknown, what: string) => void;
  intervalMs?: number;
}) {
  const { campaigns, clock, onError } = deps;
  const store = createCampaignStore(deps.sql);
  let flushing: Promise<void> = Promise.resolve();
  let timer: ReturnType<typeof setInterval> | null = null;
  let prunedHour = -1;

  async function prune(now: number): Promise<void> {
    await store.prune(campaigns.windowStart(now));
    prunedHour = Math.floor(now / HOUR_MS);
  }

  const persistence = {
    store,

    /** Restores the hours of the window into `campaigns` and deletes the older ones; returns how many came back. */
    async load(): Promise<number> {
      const now = clock();
      const hours = await store.load(campaigns.windowStart(now));
      campaigns.restore(hours, now);
      // Housekeeping: a failure here must not read as a failed load (the hours are restored).
      await prune(now).catch((error) => onError(error, 'campaigns prune'));
      return hours.length;
    },

    /** Writes the hours changed since the last flush; a failed write keeps them changed for the next one. */
    flush(): Promise<void> {
      // Flushes run one after another; one that failed must not stop the next.
      flushing = flushing
        .catch(() => {})
        .then(async () => {
          const now = clock();
          const changed = campaigns.takeChanged();
          try {
            await store.save(changed);
          } catch (error) {
            campaigns.markChanged(changed.map((h) => h.hour));
            throw error;
          }
          // Rows leave the window once an hour; a node that runs for weeks deletes them too.
          if (Math.floor(now / HOUR_MS) !== prunedHour) await prune(now);
        });
      return flushing;
    },

    start(): void {
      timer ??= setInterval(() => {
        persistence.flush().catch((error) => onError(error, 'campaigns flush'));
      }, deps.intervalMs ?? CAMPAIGN_FLUSH_MS);
      timer.unref();
    },

    async close(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = null;
      await persistence.flush().catch((error) => onError(error, 'campaigns flush'));
    },
  };
  return persistence;
}

export type CampaignPersistence = ReturnType<typeof persistCampaigns>;
