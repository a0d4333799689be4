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
    decisionDuration: new Histogram({
      name: 'callshield_decision_duration_seconds',
      help: 'Time to decide one call in the platform, origin waits included',
      labelNames: ['waited'] as const,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    decisions: new Counter({
      name: 'callshield_decisions_total',
      help: 'Screening decisions by verdict',
      labelNames: ['verdict'] as const,
      registers: [registry],
    }),
    reasons: new Counter({
      name: 'callshield_decision_reasons_total',
      help: 'Reasons found in screening decisions',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
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
