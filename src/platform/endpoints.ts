/**
 * The platform's own endpoints: liveness with dependency health, Prometheus metrics and the
 * OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { type Metrics, metricsReaderCheck } from './metrics.ts';
import type { Sql } from './sql.ts';
import type { EventStream } from './stream.ts';

export function registerPlatformRoutes(
  http: FastifyInstance,
  deps: {
    config: Config;
    version: string;
    sql: Sql;
    stream: EventStream;
    metrics: Metrics;
    /** Every dependency's health, by name (records, and redis or nats when used). */
    dependencies: () => Record<string, boolean>;
  },
): void {
  const { config, version, sql, stream, metrics, dependencies } = deps;
  http.get(
    '/healthz',
    { schema: { summary: 'Liveness and dependency health', tags: ['platform'] } },
    async (_request, reply) => {
      const up = dependencies();
      const down = Object.keys(up).filter((name) => !up[name]);
      return reply.status(200).send({
        status: down.length === 0 ? 'ok' : 'degraded',
        version,
        roles: config.roles,
        records: up.records ? 'ok' : 'down',
        stream: stream.healthy ? 'ok' : 'down',
        storage: sql.kind,
        dependencies: Object.fromEntries(Object.entries(up).map(([name, ok]) => [name, ok ? 'ok' : 'down'])),
        ...(down.length > 0 ? { down, failurePolicy: config.failurePolicy } : {}),
      });
    },
  );
  const mayReadMetrics = metricsReaderCheck(config.metricsToken);
  http.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics: all with the admin token or CALLSHIELD_METRICS_TOKEN, dependency health without',
        tags: ['platform'],
      },
    },
    async (request, reply) => {
      // Without the token only the node's own health is shown (dependencies up, request latency):
      // operators' volumes and decision counts are for the platform's monitoring, not for anyone.
      const text = mayReadMetrics(request)
        ? await metrics.registry.metrics()
        : await metrics.registry.getSingleMetricAsString('callshield_dependency_up');
      return reply.header('content-type', metrics.registry.contentType).send(text);
    },
  );
  http.get('/openapi.json', { schema: { hide: true } }, async () => http.swagger());
}
