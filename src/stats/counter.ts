/**
 * Counts every decision by hour, operator and metric in memory and flushes the counts to the
 * records store in one transaction (hourly rollups plus since-launch totals). Counting a
 * decision is a handful of array increments; the store sees one upsert per touched cell per flush.
 *
 * Each flush is applied once. A write that failed may still have committed (the connection
 * dropped after COMMIT, before its answer): its counts are kept apart under the flush's id and
 * sent again under that id, which the store records with them (`stats_flushes`), so a second
 * arrival adds nothing. New counts wait meanwhile; they go in the next flush of their own.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../platform/sql.ts';
import { type Decision, ingressTypes, reasonCodes } from '../screening/types.ts';

const channelMetrics = (prefix: string) => [
  `${prefix}screened`,
  `${prefix}verdict:allow`,
  `${prefix}verdict:label`,
  `${prefix}verdict:block`,
  `${prefix}shadow`,
  ...reasonCodes.map((r) => `${prefix}reason:${r}`),
  ...ingressTypes.map((i) => `${prefix}ingress:${i}`),
];
/** Calls' metrics as they always were; messages' (SMS) the same names after `sms:`, counted apart. */
const callMetricCount = channelMetrics('').length;
export const metricNames = [...channelMetrics(''), ...channelMetrics('sms:')] as const;

const metricIndex = new Map<string, number>(metricNames.map((m, i) => [m, i]));
const reasonOffset = metricIndex.get(`reason:${reasonCodes[0]}`)!;
const ingressOffset = metricIndex.get(`ingress:${ingressTypes[0]}`)!;
const verdictIndex = { allow: 1, label: 2, block: 3 } as const;
const HOUR = 3_600_000;
/** How long the ids of applied flushes are kept: a flush in doubt is sent again within seconds. */
const FLUSH_IDS_KEPT = '1 day';

type Counts = Map<number, Map<string, Float64Array>>;

export function createDecisionCounter(sql: Sql) {
  /** pending[hour][operator] = counts by metric index */
  let pending: Counts = new Map();
  /** A flush whose write failed: it may have been applied; sent again under its id before any other. */
  let inDoubt: { id: string; counts: Counts } | null = null;
  let flushing: Promise<void> = Promise.resolve();
  /** When applied flush ids were last deleted (ms, this process's clock). */
  let prunedAt = 0;

  function cell(hour: number, operator: string): Float64Array {
    let byOperator = pending.get(hour);
    if (!byOperator) {
      byOperator = new Map();
      pending.set(hour, byOperator);
    }
    let counts = byOperator.get(operator);
    if (!counts) {
      counts = new Float64Array(metricNames.length);
      byOperator.set(operator, counts);
    }
    return counts;
  }

  /** Writes a flush's counts, once for its id (a second write of the same id adds nothing). */
  async function writeOut(id: string, batch: Counts): Promise<void> {
    if (batch.size === 0) return;
    const prune = Date.now() - prunedAt > HOUR;
    await sql.transaction(async (tx) => {
      const first = await tx.query('insert into stats_flushes (id) values ($1) on conflict (id) do nothing', [id]);
      if (first.affectedRows === 0) return;
      if (prune) await tx.query(`delete from stats_flushes where applied_at < now() - interval '${FLUSH_IDS_KEPT}'`);
      const totals = new Map<string, Float64Array>();
      for (const [hour, byOperator] of batch) {
        for (const [operator, counts] of byOperator) {
          let total = totals.get(operator);
          if (!total) {
            total = new Float64Array(metricNames.length);
            totals.set(operator, total);
          }
          const hours: Date[] = [];
          const metrics: string[] = [];
          const values: number[] = [];
          counts.forEach((v, i) => {
            if (v === 0) return;
            hours.push(new Date(hour));
            metrics.push(metricNames[i]);
            values.push(v);
            total[i] += v;
          });
          await tx.query(
            `insert into stats_hourly (hour, operator_id, metric, count)
             select h, $2, m, c from unnest($1::timestamptz[], $3::text[], $4::bigint[]) as t(h, m, c)
             on conflict (hour, operator_id, metric) do update set count = stats_hourly.count + excluded.count`,
            [hours, operator, metrics, values],
          );
        }
      }
      for (const [operator, total] of totals) {
        const metrics: string[] = [];
        const values: number[] = [];
        total.forEach((v, i) => {
          if (v !== 0) {
            metrics.push(metricNames[i]);
            values.push(v);
          }
        });
        await tx.query(
          `insert into stats_totals (operator_id, metric, count)
           select $1, m, c from unnest($2::text[], $3::bigint[]) as t(m, c)
           on conflict (operator_id, metric) do update set count = stats_totals.count + excluded.count`,
          [operator, metrics, values],
        );
      }
    });
    if (prune) prunedAt = Date.now();
  }

  return {
    count(decision: Decision, decidedAtMs: number): void {
      const counts = cell(Math.floor(decidedAtMs / HOUR) * HOUR, decision.operator);
      const base = decision.channel === 'sms' ? callMetricCount : 0;
      counts[base]++;
      counts[base + verdictIndex[decision.verdict]]++;
      if (decision.shadow) counts[base + 4]++;
      // An index loop: screening's reason lists are shared and frozen, which for…of reads slowly.
      const reasons = decision.reasons;
      for (let k = 0; k < reasons.length; k++) counts[base + reasonOffset + reasonCodes.indexOf(reasons[k])]++;
      counts[base + ingressOffset + ingressTypes.indexOf(decision.ingress)]++;
    },

    /**
     * Writes what was counted. A failed write keeps its counts, under its id, for the next flush,
     * which sends them again before anything counted since.
     */
    flush(): Promise<void> {
      // Each flush runs after the previous one settles: one failed write must not stop the next.
      flushing = flushing
        .catch(() => {})
        .then(async () => {
          if (inDoubt) {
            await writeOut(inDoubt.id, inDoubt.counts);
            inDoubt = null;
          }
          const batch = { id: randomUUID(), counts: pending };
          pending = new Map();
          try {
            await writeOut(batch.id, batch.counts);
          } catch (error) {
            inDoubt = batch;
            throw error;
          }
        });
      return flushing;
    },
  };
}

export type DecisionCounter = ReturnType<typeof createDecisionCounter>;
