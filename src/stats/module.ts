/**
 * The stats module: the decision counter, flushed to the records store on a timer, and its routes.
 * A failed flush marks the records store unhealthy until the next one succeeds.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Sql } from '../platform/sql.ts';
import { createDecisionCounter } from './counter.ts';
import { registerStatsRoutes } from './routes.ts';
import { createStatsStore } from './store.ts';

export function createStats(deps: { sql: Sql; clock: () => number; flushMs: number; log: () => FastifyBaseLogger }) {
  const counter = createDecisionCounter(deps.sql);
  let recordsHealthy = true;
  const flushTimer = setInterval(() => {
    counter.flush().then(
      () => {
        recordsHealthy = true;
      },
      (error) => {
        recordsHealthy = false;
        deps.log().warn({ err: error }, 'stats flush failed; counts kept for the next try');
      },
    );
  }, deps.flushMs);
  flushTimer.unref();
  return {
    name: 'stats',
    counter,
    /** False after a failed flush, until one succeeds. */
    recordsHealthy: () => recordsHealthy,
    register(scope: FastifyInstance): void {
      registerStatsRoutes(scope, { store: createStatsStore(deps.sql), counter, clock: deps.clock });
    },
    /** Stops the timer; the app flushes the counter once nothing counts any more. */
    close(): void {
      clearInterval(flushTimer);
    },
  };
}
