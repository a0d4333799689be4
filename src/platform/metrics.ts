import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics of one app instance (its own registry: no process-wide singleton). */
export function createMetrics() {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'callshield' });
  const latencyBuckets = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1];
  return {
    registry,
    requestDuration: new Histogram({
      name: 'callshield_http_request_duration_seconds',
      help: 'HTTP request duration by route, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: latencyBuckets,
      registers: [registry],
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
          for (const r of decisionReasons) reasonCounts[reasonIndex.get(r) ?? 0]++;
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
