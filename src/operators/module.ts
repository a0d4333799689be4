/**
 * The operators module: participating operators and their API keys (the keyring), with their
 * routes. In distributed mode changes made through this node are announced to the others.
 */
import type { FastifyInstance } from 'fastify';
import { createKeyring } from '../auth/keys.ts';
import { announcingKeyring, announcingOperators } from '../distributed/node-sync.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import { registerOperatorRoutes } from './routes.ts';
import { createOperatorRegistry } from './store.ts';

export async function createOperators(deps: {
  sql: Sql;
  plan: NumberingPlan;
  adminToken: string;
  stream: EventStream;
  distributed: boolean;
}) {
  const own = await createOperatorRegistry(deps.sql, deps.plan.operators);
  const registry = deps.distributed ? announcingOperators(own, deps.stream) : own;
  const ownKeyring = await createKeyring(deps.sql, deps.adminToken);
  const keyring = deps.distributed ? announcingKeyring(ownKeyring, deps.stream) : ownKeyring;
  return {
    name: 'operators',
    /** The registry others use (announcing in distributed mode). */
    registry,
    keyring,
    /** The local ones, that node sync applies remote changes to. */
    own,
    ownKeyring,
    register(scope: FastifyInstance): void {
      registerOperatorRoutes(scope, { operators: registry, keyring });
    },
  };
}
