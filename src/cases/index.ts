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

/** How often old relation days are swept. */
const SWEEP_MS = 6 * 3_600_000;

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
  /** Relation days kept (CALLSHIELD_RELATION_RETENTION_DAYS), and the journal's window. */
  retention: { relationDays: number; journalDays: number };
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
  relations
    .catchUp(deps.clock(), deps.retention.journalDays)
    .catch((error) => deps.log.error({ err: error }, 'CDR relation catch-up failed'));
  const sweep = () =>
    relations
      .sweep(deps.clock(), deps.retention.relationDays, deps.retention.journalDays)
      .catch((error) => deps.log.error({ err: error }, 'CDR relation retention sweep failed'));
  void sweep();
  const sweeper = setInterval(sweep, SWEEP_MS);
  sweeper.unref();

  return {
    name: 'investigations',
    cases,
    sources,
    relations,
    /** The banks module hands over incidents' contact trails for the export. */
    setIncidentTrails: cases.setIncidentTrails,
    register(scope: FastifyInstance): void {
      registerCaseRoutes(scope, { cases, sources, audit: deps.audit, clock: deps.clock });
    },
    /** Stops folding and waits for the batch in hand. */
    async close(): Promise<void> {
      clearInterval(sweeper);
      relations.close();
      await relations.idle();
    },
  };
}

export type Cases = Awaited<ReturnType<typeof createCases>>;
