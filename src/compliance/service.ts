/**
 * Operators' duties (DESIGN.md §3.1): folds the decisions stream and the CDR batches the ingest
 * path publishes into coverage and timeliness counters, and answers the figures of a period.
 */
import type { CdrBatch } from '../cdr/batch.ts';
import { DIRECTION_IN, EVENT_VOICE, OTHER_E164, ROUTE_DOMESTIC, ROUTE_INTERNATIONAL } from '../cdr/types.ts';
import { AppError } from '../errors.ts';
import { decodeBatch } from '../ingest/codec.ts';
import { decisionColumns } from '../screening/decision-columns.ts';
import type { Decision } from '../screening/types.ts';
import { DAY_MS, dateOf, dayNumber, type WorkCalendar } from './calendar.ts';
import {
  ROUTE_DOMESTIC as COV_DOMESTIC,
  ROUTE_INTERNATIONAL as COV_INTERNATIONAL,
  CoverageJoin,
  coverageRoutes,
} from './coverage.ts';
import type { ComplianceStore, OverdueRequest, RecordsDelta, UploadSeen } from './store.ts';

/** The longest period one request may ask for. */
export const MAX_PERIOD_DAYS = 400;
const DEFAULT_PERIOD_DAYS = 30;
/**
 * The dates a period may name: no record predates 2000 (CDRs before it are refused), and the
 * database's timestamps have no year 0, which a day before 0001-01-02 in Almaty time reaches.
 */
const EARLIEST_DATE = '2000-01-01';
const LATEST_DATE = '9999-12-31';
/** Overdue requests listed per operator (its `suspensions.overdue` counts them all). */
export const OVERDUE_LIST_LIMIT = 200;

export interface Period {
  from: string;
  to: string;
  fromDay: number;
  toDay: number;
}

/** Share rounded for the wire (a ratio of counts; null without calls). */
const share = (screened: number, calls: number) => (calls === 0 ? null : screened / calls);

export interface RouteFigures {
  calls: number;
  screened: number;
  screenedShare: number | null;
}

export interface ComplianceRow {
  operator: string;
  name: string;
  suspensions: {
    requested: number;
    acked: number;
    overdue: number;
    medianHoursToAck: number | null;
    lateAcks: number;
  };
  verify: {
    calls: number;
    screenedShare: number | null;
    screened: number;
    byRoute: Record<(typeof coverageRoutes)[number], RouteFigures>;
  };
  cdr: {
    lastUploadAt: string | null;
    records: number;
    /** Days of the period (up to today) without any CDR, as ranges of dates. */
    gaps: { from: string; to: string }[];
    daysWithoutRecords: number;
  };
  series: {
    day: string;
    calls: number;
    screened: number;
    screenedShare: number | null;
    records: number;
    requested: number;
  }[];
  overdueRequests: OverdueRequest[];
}

export interface ComplianceReport {
  from: string;
  to: string;
  generatedAt: string;
  deadline: string;
  operators: ComplianceRow[];
}

export function createComplianceService(deps: {
  store: ComplianceStore;
  calendar: WorkCalendar;
  operators: () => { id: string; name: string }[];
  deadlineSetting: string;
  clock: () => number;
  retentionMs?: number;
  maxKeys?: number;
  onError: (error: unknown, what: string) => void;
}) {
  const { store, calendar, clock } = deps;
  const join = new CoverageJoin({ dayOf: calendar.dayOf, retentionMs: deps.retentionMs, maxKeys: deps.maxKeys });
  const records = new Map<string, RecordsDelta>();
  const uploads = new Map<string, UploadSeen>();
  const lastUploadIds = new Map<string, string>();
  let lastExpiry = 0;

  function expireNow(): void {
    const now = clock();
    if (now - lastExpiry < 60_000) return;
    lastExpiry = now;
    join.expire(now);
  }

  /**
   * Folds decisions: each call verify an operator made waits for (or meets) its CDR. Messages are
   * left out: coverage is of incoming voice CDRs, which an SMS verify never answers.
   */
  function addDecisions(decisions: Decision[]): void {
    // Screening takes an `at` without an offset too (read by Date.parse): the verify still counts.
    const { size, sms, a, b, at, operator } = decisionColumns(decisions);
    for (let i = 0; i < size; i++) {
      if (sms[i] === 1 || Number.isNaN(a[i]) || Number.isNaN(b[i]) || Number.isNaN(at[i])) continue;
      join.verify(operator[i], a[i], b[i], at[i]);
    }
    expireNow();
  }

  /** Folds a batch of accepted CDRs: records per day of the call, and incoming calls to be screened. */
  function addBatch(batch: CdrBatch, uploadId: string): void {
    let lastOperator = -2;
    let counts = new Map<number, number>();
    const countsOf = new Map<number, Map<number, number>>();
    for (let i = 0; i < batch.size; i++) {
      const op = batch.operator[i];
      if (op !== lastOperator) {
        lastOperator = op;
        counts = countsOf.get(op) ?? new Map();
        countsOf.set(op, counts);
      }
      const time = batch.startedAt[i];
      const day = calendar.dayOf(time);
      counts.set(day, (counts.get(day) ?? 0) + 1);
      if (batch.event[i] !== EVENT_VOICE || batch.direction[i] !== DIRECTION_IN || batch.otherKind[i] !== OTHER_E164)
        continue;
      const route = batch.route[i];
      if (route !== ROUTE_INTERNATIONAL && route !== ROUTE_DOMESTIC) continue;
      join.cdr(
        batch.strings[op] ?? '',
        batch.otherParty[i],
        batch.msisdn[i],
        time,
        route === ROUTE_INTERNATIONAL ? COV_INTERNATIONAL : COV_DOMESTIC,
      );
    }
    const now = clock();
    for (const [op, byDay] of countsOf) {
      const operator = batch.strings[op] ?? '';
      for (const [day, n] of byDay) {
        const key = `${day}|${operator}`;
        const r = records.get(key);
        if (r) r.records += n;
        else records.set(key, { day, operator, records: n });
      }
      const seen = uploads.get(operator) ?? { operator, at: now, uploads: 0 };
      seen.at = now;
      if (lastUploadIds.get(operator) !== uploadId) {
        lastUploadIds.set(operator, uploadId);
        seen.uploads++;
      }
      uploads.set(operator, seen);
    }
    expireNow();
  }

  let tail: Promise<void> = Promise.resolve();
  /** Writes the counters changed since the last flush (one flush at a time; a failed one keeps them). */
  function flush(): Promise<void> {
    const run = tail.then(async () => {
      const coverage = join.takeDeltas();
      const days = [...records.values()];
      records.clear();
      const seen = [...uploads.values()];
      uploads.clear();
      try {
        await store.addCoverage(coverage);
        coverage.length = 0;
        await store.addRecords(days);
        days.length = 0;
        await store.addUploads(seen);
      } catch (error) {
        join.restoreDeltas(coverage);
        for (const d of days) {
          const key = `${d.day}|${d.operator}`;
          const r = records.get(key);
          if (r) r.records += d.records;
          else records.set(key, d);
        }
        for (const s of seen) if (!uploads.has(s.operator)) uploads.set(s.operator, s);
        throw error;
      }
    });
    tail = run.catch((error) => deps.onError(error, 'writing compliance counters'));
    return run;
  }

  /** The period asked for: whole local days, `to` inclusive; 30 days to today by default. */
  function period(from: string | undefined, to: string | undefined): Period {
    const valid = (s: string) =>
      /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && dateOf(dayNumber(s)) === s;
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const)
      if (value !== undefined && !valid(value))
        throw new AppError('INVALID_TIME', `"${name}" must be a date like 2026-11-30 (got "${value.slice(0, 40)}")`);
      else if (value !== undefined && (value < EARLIEST_DATE || value > LATEST_DATE))
        throw new AppError('INVALID_TIME', `"${name}" must be a date from ${EARLIEST_DATE} to ${LATEST_DATE}`);
    const toDay = to ? dayNumber(to) : calendar.dayOf(clock());
    const fromDay = from ? dayNumber(from) : toDay - (DEFAULT_PERIOD_DAYS - 1);
    if (fromDay > toDay) throw new AppError('INVALID_TIME', '"from" must not be after "to"');
    if (toDay - fromDay + 1 > MAX_PERIOD_DAYS)
      throw new AppError('INVALID_TIME', `a period is at most ${MAX_PERIOD_DAYS} days`);
    return { from: dateOf(fromDay), to: dateOf(toDay), fromDay, toDay };
  }

  /** The figures of a period, per operator (one when `operator` is given). */
  async function report(p: Period, operator?: string): Promise<ComplianceReport> {
    await flush().catch(() => {});
    const now = clock();
    const start = new Date(calendar.startOf(p.fromDay));
    const end = new Date(calendar.startOf(p.toDay + 1));
    const [suspensions, overdue, coverage, cdrDays, lastUploads, requests] = await Promise.all([
      store.suspensions(start, end, new Date(now), operator),
      store.overdue(start, end, new Date(now), operator, OVERDUE_LIST_LIMIT),
      store.coverage(p.from, p.to, operator),
      store.records(p.from, p.to, operator),
      store.lastUploads(),
      store.requestsByDay(start, end, calendar.offsetMs / 60_000, operator),
    ]);
    const today = calendar.dayOf(now);
    const lastDay = Math.min(p.toDay, today);
    const list = deps.operators().filter((o) => operator === undefined || o.id === operator);
    const rows: ComplianceRow[] = list.map((o) => {
      const s = suspensions.find((x) => x.operator === o.id);
      const byRoute = Object.fromEntries(
        coverageRoutes.map((r) => [r, { calls: 0, screened: 0, screenedShare: null }]),
      ) as Record<(typeof coverageRoutes)[number], RouteFigures>;
      const series = new Map<string, ComplianceRow['series'][number]>();
      const dayEntry = (day: string) => {
        let e = series.get(day);
        if (!e) {
          e = { day, calls: 0, screened: 0, screenedShare: null, records: 0, requested: 0 };
          series.set(day, e);
        }
        return e;
      };
      for (let d = p.fromDay; d <= p.toDay; d++) dayEntry(dateOf(d));
      let calls = 0;
      let screened = 0;
      for (const c of coverage) {
        if (c.operator !== o.id) continue;
        const r = byRoute[c.route as keyof typeof byRoute];
        if (!r) continue;
        r.calls += c.calls;
        r.screened += c.screened;
        calls += c.calls;
        screened += c.screened;
        const e = dayEntry(c.day);
        e.calls += c.calls;
        e.screened += c.screened;
      }
      for (const r of Object.values(byRoute)) r.screenedShare = share(r.screened, r.calls);
      let total = 0;
      for (const c of cdrDays) {
        if (c.operator !== o.id) continue;
        total += c.records;
        dayEntry(c.day).records += c.records;
      }
      for (const r of requests) if (r.operator === o.id) dayEntry(r.day).requested += r.requested;
      for (const e of series.values()) e.screenedShare = share(e.screened, e.calls);
      const gaps: { from: string; to: string }[] = [];
      let daysWithout = 0;
      for (let d = p.fromDay; d <= lastDay; d++) {
        if ((series.get(dateOf(d))?.records ?? 0) > 0) continue;
        daysWithout++;
        const last = gaps[gaps.length - 1];
        if (last && dayNumber(last.to) === d - 1) last.to = dateOf(d);
        else gaps.push({ from: dateOf(d), to: dateOf(d) });
      }
      return {
        operator: o.id,
        name: o.name,
        suspensions: {
          requested: s?.requested ?? 0,
          acked: s?.acked ?? 0,
          overdue: s?.overdue ?? 0,
          medianHoursToAck: s?.medianHoursToAck ?? null,
          lateAcks: s?.lateAcks ?? 0,
        },
        verify: { calls, screenedShare: share(screened, calls), screened, byRoute },
        cdr: { lastUploadAt: lastUploads.get(o.id) ?? null, records: total, gaps, daysWithoutRecords: daysWithout },
        series: [...series.values()].sort((x, y) => (x.day < y.day ? -1 : 1)),
        overdueRequests: overdue.filter((r) => r.operator === o.id),
      };
    });
    return {
      from: p.from,
      to: p.to,
      generatedAt: new Date(now).toISOString(),
      deadline: deps.deadlineSetting,
      operators: rows,
    };
  }

  return {
    addDecisions,
    addBatch,
    /** Decodes and folds a CDR batch event's payload. */
    addPayload(payload: Uint8Array, uploadId: string): void {
      addBatch(decodeBatch(payload, { share: true }), uploadId);
    },
    flush,
    period,
    report,
    /** The month "YYYY-MM" as a period. */
    month(month: string): Period {
      const m = /^(\d{4})-(\d{2})$/.exec(month);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 12)
        throw new AppError('INVALID_TIME', `"month" must be a month like 2026-11 (got "${month.slice(0, 20)}")`);
      if (`${month}-01` < EARLIEST_DATE)
        throw new AppError('INVALID_TIME', `"month" must be ${EARLIEST_DATE.slice(0, 7)} or later`);
      const fromDay = dayNumber(`${month}-01`);
      // The first day of the next month (Date.UTC carries December into the next year, 9999 too).
      const toDay = Math.floor(Date.UTC(Number(m[1]), Number(m[2]), 1) / DAY_MS) - 1;
      return { from: dateOf(fromDay), to: dateOf(toDay), fromDay, toDay };
    },
    /** Requests overdue now, per operator: what the console's navigation shows. */
    async overdueNow(operator?: string): Promise<{ overdue: number; byOperator: Record<string, number> }> {
      const byOperator = await store.overdueCounts(new Date(clock()), operator);
      return { overdue: Object.values(byOperator).reduce((a, b) => a + b, 0), byOperator };
    },
    stats: () => join.stats(),
    join,
  };
}

export type ComplianceService = ReturnType<typeof createComplianceService>;
