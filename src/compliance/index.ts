/**
 * Operators' duties (DESIGN.md §3.1), composed for the app: folds decisions and CDR batches into
 * coverage and timeliness counters (on nodes that serve the console or run detection), and
 * registers `GET /v1/compliance` and the monthly report.
 */
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/log.ts';
import type { Config } from '../config.ts';
import type { CdrBatchEvent } from '../ingest/types.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import type { Decision } from '../screening/types.ts';
import { loadCalendar } from './calendar.ts';
import { deadlineOf } from './deadline.ts';
import { registerComplianceRoutes } from './routes.ts';
import { createComplianceService } from './service.ts';
import { createComplianceStore } from './store.ts';

const FLUSH_MS = 2000;

export async function createCompliance(deps: {
  config: Config;
  sql: Sql;
  stream: EventStream;
  operators: { list(): { id: string; name: string }[]; get(id: string): unknown };
  audit?: AuditLog;
  clock: () => number;
  log: { warn(details: object, message: string): void };
}) {
  const { config, stream, log } = deps;
  const calendar = loadCalendar();
  const store = createComplianceStore(deps.sql);
  const compliance = createComplianceService({
    store,
    calendar,
    operators: () => deps.operators.list().map((o) => ({ id: o.id, name: o.name })),
    deadlineSetting: config.suspensionDeadline.text,
    maxKeys: config.coverageMaxKeys,
    clock: deps.clock,
    onError: (error, what) => log.warn({ err: error }, `${what} failed`),
  });

  const year = new Date(deps.clock() + calendar.offsetMs).getUTCFullYear();
  if (config.suspensionDeadline.kind === 'workingDays' && !calendar.years.includes(year))
    log.warn(
      { years: calendar.years },
      `data/calendar/kz.json has no holidays for ${year}: working-day deadlines count weekends only`,
    );
  // Requests made before this version kept deadlines get theirs by the current setting.
  await store
    .backfillDeadlines((requestedAt) => deadlineOf(config.suspensionDeadline, calendar, requestedAt))
    .catch((error) => log.warn({ err: error }, 'giving older suspension requests their deadlines failed'));

  const folds = config.roles.some((role) => role === 'console' || role === 'detect');
  const unsubscribers: (() => void)[] = [];
  if (folds) {
    // The index saved at the last clean stop comes back before new decisions arrive.
    try {
      const saved = await store.takeSnapshot();
      if (saved) compliance.join.restore(saved.payload, deps.clock());
    } catch (error) {
      log.warn({ err: error }, 'restoring the coverage index failed; starting from an empty one');
    }
    // Every folding node keeps the verifies of the whole platform (broadcast)…
    unsubscribers.push(
      stream.subscribe<Decision>('decisions', (decisions) => compliance.addDecisions(decisions)),
      // …and each CDR batch is joined and counted by one of them (a consumer group).
      stream.subscribe<CdrBatchEvent>(
        'cdr',
        (events) => {
          for (const event of events) {
            try {
              compliance.addPayload(event.payload, event.uploadId);
            } catch (error) {
              log.warn({ err: error }, `folding CDR batch ${event.batchId} into compliance figures failed`);
            }
          }
        },
        { group: 'compliance' },
      ),
    );
  }
  const timer = setInterval(() => {
    compliance.flush().catch(() => {});
  }, FLUSH_MS);
  timer.unref();

  return {
    name: 'compliance',
    compliance,
    calendar,
    register(scope: FastifyInstance): void {
      registerComplianceRoutes(scope, {
        compliance,
        operatorExists: (id) => deps.operators.get(id) !== undefined,
        audit: deps.audit,
      });
    },
    async close(): Promise<void> {
      clearInterval(timer);
      for (const u of unsubscribers) u();
      await compliance.flush().catch(() => {});
      if (folds)
        await store
          .saveSnapshot(compliance.join.snapshot(), new Date(deps.clock()))
          .catch((error) => log.warn({ err: error }, 'saving the coverage index failed'));
    },
  };
}

export type Compliance = Awaited<ReturnType<typeof createCompliance>>;
