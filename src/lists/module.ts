/**
 * The lists module (allowlist, DNO, blocklist, protected numbers): the store, the in-memory cache
 * every node answers from, the service, its routes and the expiry sweep.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import { ListCache } from './cache.ts';
import { registerListRoutes } from './routes.ts';
import { createListService } from './service.ts';
import { createListStore } from './store.ts';
import type { ListChange } from './types.ts';

export async function createLists(deps: {
  sql: Sql;
  plan: NumberingPlan;
  stream: EventStream;
  metrics: Metrics;
  clock: () => number;
  log: () => FastifyBaseLogger;
}) {
  const store = createListStore(deps.sql);
  const cache = new ListCache(deps.plan.parse);
  for (const change of await store.all()) cache.apply(change);
  const service = createListService({ plan: deps.plan, store, cache, stream: deps.stream, clock: deps.clock });
  deps.stream.subscribe<ListChange>('lists.changes', (changes) => service.applyRemote(changes));
  const sweep = setInterval(() => {
    service.sweepExpired().catch((error) => deps.log().warn({ err: error }, 'list expiry sweep failed'));
  }, 30_000);
  sweep.unref();
  deps.metrics.gauge('callshield_list_version', 'Highest list change applied on this node', () => cache.version);
  return {
    name: 'lists',
    service,
    store,
    cache,
    register(scope: FastifyInstance): void {
      registerListRoutes(scope, { lists: service, store });
    },
    close(): void {
      clearInterval(sweep);
    },
  };
}
export type ListsModule = Awaited<ReturnType<typeof createLists>>;
