/**
 * The number registries module: MNP and roaming, kept in the records store, and their routes.
 * The numbering plan itself (src/numbering) stays pure; this folder holds what changes at run time.
 */
import type { FastifyInstance } from 'fastify';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { OperatorRegistry } from '../operators/store.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Sql } from '../platform/sql.ts';
import { createNumberRegistry, type NumberChange } from './registry.ts';
import { registerNumberRoutes } from './routes.ts';

/** Builds the MNP and roaming registries; `announce` carries changes to the other nodes. */
export async function createNumbers(deps: {
  sql: Sql;
  plan: NumberingPlan;
  operators: OperatorRegistry;
  metrics: Metrics;
  announce?: (change: NumberChange) => void;
}) {
  const registry = await createNumberRegistry(deps.sql, deps.plan, deps.announce);
  deps.metrics.gauge('callshield_ported_numbers', 'Numbers in the MNP registry', registry.portedCount);
  deps.metrics.gauge('callshield_roaming_registrations', 'Roaming registrations', registry.roamingCount);
  return {
    name: 'numbers',
    registry,
    register(scope: FastifyInstance): void {
      registerNumberRoutes(scope, { plan: deps.plan, registry, operators: deps.operators });
    },
  };
}
