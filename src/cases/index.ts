/**
 * Investigations (DESIGN.md §1.3): cases, link analysis and evidence export, with the CDR relation
 * table that link analysis reads. The composition root calls `createCases` once the data path
 * exists and `register` on the authenticated route scope.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/log.ts';
import type { JournalBatch } from '../ingest/store.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import { createRelationFeeder } from './relations.ts';
import { registerCaseRoutes } from './routes.ts';
import { createCaseService } from './service.ts';
import { createCaseSources } from './sources.ts';
import { createCaseStore } from './store.ts';

export async function createCases(deps: {
  sql: Sql;
  plan: NumberingPlan;
  stream: EventStream;
  audit: AuditLog;
  ownerOf: (e164: number) => string | null;
  /** The ingest journal, to fold batches published while this process was down. */
  journal?: (afterId: number, since: Date, limit: number) => Promise<JournalBatch[]>;
  clock: () => number;
  log: { error(details: object, message: string): void };
}) {
  const sources = createCaseSources(deps.sql);
  const store = createCaseStore(deps.sql, deps.clock);
  const cases = createCaseService({ store, sources, plan: deps.plan, ownerOf: deps.ownerOf });
  const relations = createRelationFeeder({
    sql: deps.sql,
    stream: deps.stream,
    journal: deps.journal,
    onError: (error, what) => deps.log.error({ err: error }, `${what} failed`),
  });
  relations.catchUp().catch((error) => deps.log.error({ err: error }, 'CDR relation catch-up failed'));

  return {
    cases,
    sources,
    relations,
    register(scope: FastifyInstance): void {
      registerCaseRoutes(scope, { cases, sources, audit: deps.audit, clock: deps.clock });
    },
    /** Stops folding and waits for the batch in hand. */
    async close(): Promise<void> {
      relations.close();
      await relations.idle();
    },
  };
}

export type Cases = Awaited<ReturnType<typeof createCases>>;
