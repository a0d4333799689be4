import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Registry } from 'prom-client';

/** The Prometheus metrics of one app instance (its own registry: no process-wide singleton). */
export function createMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'callshield' });
  const latencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1];
  return {
    registry,
    requestDuration: createLeanHistogram(registry, {
      name: 'callshield_http_request_duration_seconds',
      help: 'HTTP request duration by route, method and status',
      labelNames: ['route', 'method', 'status'],
      buckets: latencyBuckets,
    }),
    /**
     * Decision counters kept in plain arrays and read by Prometheus at scrape time: counting a
     * decision is two array increments, not a labelled metric update per call.
     */
    decisionRecorder(verdicts: readonly string[], reasons: readonly string[]) {
      const verdictCounts = new Float64Array(verdicts.length);
      const reasonCounts = new Float64Array(reasons.length);
      new Counter({
        name: 'callshield_decisions_total',
        help: 'Screening decisions by verdict',
        labelNames: ['verdict'] as const,
        registers: [registry],
        collect() {
          this.reset();
          verdicts.forEach((verdict, i) => {
            this.inc({ verdict }, verdictCounts[i]);
          });
        },
      });
      new Counter({
        name: 'callshield_decision_reasons_total',
        help: 'Reasons found in screening decisions',
        labelNames: ['reason'] as const,
        registers: [registry],
        collect() {
          this.reset();
          reasons.forEach((reason, i) => {
            if (reasonCounts[i] > 0) this.inc({ reason }, reasonCounts[i]);
          });
        },
      });
      const verdictIndex = new Map(verdicts.map((v, i) => [v, i]));
      const reasonIndex = new Map(reasons.map((r, i) => [r, i]));
      return {
        record(verdict: string, decisionReasons: readonly string[]) {
          verdictCounts[verdictIndex.get(verdict) ?? 0]++;
          // An index loop: screening's reason lists are shared and frozen, which for…of reads slowly.
          for (let k = 0; k < decisionReasons.length; k++) reasonCounts[reasonIndex.get(decisionReasons[k]) ?? 0]++;
        },
      };
    },
    gauge(name: string, help: string, collect: () => number) {
      return new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(collect());
        },
      });
    },
    counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
      return new Counter({ name, help, labelNames, registers: [registry] });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * A histogram for the call path: observing is a bucket search over a small array and three
 * additions, with no label hashing; Prometheus reads it in the standard histogram form at scrape.
 */
export function createLeanHistogram(
  registry: Registry,
  options: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] },
) {
  const { name, buckets } = options;
  const series = new Map<
    string,
    { labels: Record<string, string>; counts: Float64Array; sum: number; count: number }
  >();
  registry.registerMetric({
    name,
    help: options.help,
    type: 'histogram',
    async get() {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const s of series.values()) {
        let cumulative = 0;
        buckets.forEach((le, i) => {
          cumulative += s.counts[i];
          values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
      }
      return { name, help: options.help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      series.clear();
    },
  } as unknown as Parameters<Registry['registerMetric']>[0]);
  return {
    /** A child for one combination of label values; keep it and observe through it. */
    child(labels: Record<string, string>) {
      const key = options.labelNames.map((l) => labels[l]).join('\u0000');
      let s = series.get(key);
      if (!s) {
        s = { labels, counts: new Float64Array(buckets.length), sum: 0, count: 0 };
        series.set(key, s);
      }
      const entry = s;
      return {
        observe(value: number) {
          let i = 0;
          while (i < buckets.length && value > buckets[i]) i++;
          if (i < buckets.length) entry.counts[i]++;
          entry.sum += value;
          entry.count++;
        },
      };
    },
  };
}

/**
 * Who may read /metrics: the admin (its token) or a scraper holding the metrics token. The
 * figures are not public (CDR volumes per operator, decision counts); others see dependency health only.
 */
export function metricsReaderCheck(metricsToken: string | undefined) {
  const expected = metricsToken ? createHash('sha256').update(metricsToken).digest() : undefined;
  return (request: { principal: { kind: string } | null; headers: { authorization?: string } }): boolean => {
    if (request.principal?.kind === 'admin') return true;
    const header = request.headers.authorization;
    if (!expected || !header?.startsWith('Bearer ')) return false;
    const given = createHash('sha256').update(header.slice(7).trim()).digest();
    return timingSafeEqual(given, expected);
  };
}
