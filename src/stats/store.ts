import { loadCalendar } from '../compliance/calendar.ts';
import type { Sql } from '../platform/sql.ts';

export interface StatsQuery {
  from: Date;
  to: Date;
  groupBy: 'hour' | 'day';
  /** Only this operator's figures (an operator key sees its own). */
  operator?: string;
}

interface Figures {
  screened: number;
  allowed: number;
  labelled: number;
  blocked: number;
  shadow: number;
}

const figureOf: Record<string, keyof Figures> = {
  screened: 'screened',
  'verdict:allow': 'allowed',
  'verdict:label': 'labelled',
  'verdict:block': 'blocked',
  shadow: 'shadow',
};

const emptyFigures = (): Figures => ({ screened: 0, allowed: 0, labelled: 0, blocked: 0, shadow: 0 });

/** Totals, by reason, by ingress, by operator and a series, from rollup rows of one channel. */
function figuresOf(rows: { bucket: Date; operator_id: string; metric: string; n: number }[]) {
  const totals = emptyFigures();
  const byReason: Record<string, number> = {};
  const byIngress: Record<string, number> = {};
  const byOperator: Record<string, Figures> = {};
  const series = new Map<string, Figures>();
  for (const r of rows) {
    const n = Number(r.n);
    const figure = figureOf[r.metric];
    if (figure) {
      totals[figure] += n;
      byOperator[r.operator_id] ??= emptyFigures();
      byOperator[r.operator_id][figure] += n;
      const t = new Date(r.bucket).toISOString();
      let point = series.get(t);
      if (!point) {
        point = emptyFigures();
        series.set(t, point);
      }
      point[figure] += n;
    } else if (r.metric.startsWith('reason:')) {
      byReason[r.metric.slice(7)] = (byReason[r.metric.slice(7)] ?? 0) + n;
    } else if (r.metric.startsWith('ingress:')) {
      byIngress[r.metric.slice(8)] = (byIngress[r.metric.slice(8)] ?? 0) + n;
    }
  }
  return { totals, byReason, byIngress, byOperator, series: [...series].map(([t, f]) => ({ t, ...f })) };
}

/**
 * Reads the rollups behind `GET /v1/stats`. Days are the country's local days (Almaty, UTC+5, by
 * the calendar the operators' duties use), not the database session's: a call at 23:59:59 and one
 * at 00:00:00 local time fall on two days, and a day's bucket is the instant its local day starts.
 */
export function createStatsStore(sql: Sql, options: { utcOffsetMinutes?: number } = {}) {
  const dayOffsetMinutes = options.utcOffsetMinutes ?? loadCalendar().offsetMs / 60_000;
  return {
    async query(q: StatsQuery) {
      // Hours are stored as UTC hours; only a day needs the local offset to be cut.
      const offset = q.groupBy === 'day' ? dayOffsetMinutes : 0;
      const { rows } = await sql.query<{ bucket: Date; operator_id: string; metric: string; n: number }>(
        `select (date_trunc($3, (hour at time zone 'UTC') + make_interval(mins => $5::int))
                 - make_interval(mins => $5::int)) at time zone 'UTC' as bucket,
                operator_id, metric, sum(count)::float8 as n
         from stats_hourly where hour >= $1 and hour < $2 and ($4::text is null or operator_id = $4)
         group by 1, 2, 3 order by 1`,
        [q.from, q.to, q.groupBy, q.operator ?? null, offset],
      );
      // Messages (SMS) are counted apart, under "sms:", and answered in `messages` of the same shape.
      const callRows: typeof rows = [];
      const messageRows: typeof rows = [];
      for (const r of rows) {
        if (r.metric.startsWith('sms:')) messageRows.push({ ...r, metric: r.metric.slice(4) });
        else callRows.push(r);
      }
      const { totals, byReason, byIngress, byOperator, series } = figuresOf(callRows);
      const since = await sql.query<{ metric: string; n: number }>(
        `select metric, sum(count)::float8 as n from stats_totals where ($1::text is null or operator_id = $1) group by metric`,
        [q.operator ?? null],
      );
      const sinceLaunch = { ...emptyFigures(), byReason: {} as Record<string, number> };
      const messagesSinceLaunch = { ...emptyFigures(), byReason: {} as Record<string, number> };
      for (const r of since.rows) {
        if (r.metric.startsWith('sms:')) {
          const metric = r.metric.slice(4);
          const figure = figureOf[metric];
          if (figure) messagesSinceLaunch[figure] += Number(r.n);
          else if (metric.startsWith('reason:')) messagesSinceLaunch.byReason[metric.slice(7)] = Number(r.n);
          continue;
        }
        const figure = figureOf[r.metric];
        if (figure) sinceLaunch[figure] += Number(r.n);
        else if (r.metric.startsWith('reason:')) sinceLaunch.byReason[r.metric.slice(7)] = Number(r.n);
      }
      const launched = await sql.query<{ value: string }>(
        "select value from platform_settings where key = 'launched_at'",
      );
      return {
        from: q.from.toISOString(),
        to: q.to.toISOString(),
        groupBy: q.groupBy,
        ...(q.operator ? { operator: q.operator } : {}),
        totals,
        byReason,
        byIngress,
        byOperator,
        series,
        sinceLaunch: { launchedAt: launched.rows[0]?.value ?? null, ...sinceLaunch, messages: messagesSinceLaunch },
        messages: figuresOf(messageRows),
      };
    },
  };
}
