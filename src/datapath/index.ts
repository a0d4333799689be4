/**
 * The data path of DESIGN.md §2, composed for the app: CDR ingestion (role `ingest`), the
 * detection worker (role `detect`), alerts with their policy and actions, spoofing campaigns from
 * the decisions stream, and their routes (in the authenticated scope).
 */
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createDeviceBlocklist, createSuspensionStore } from '../alerts/actions-store.ts';
import { registerAlertRoutes } from '../alerts/routes.ts';
import { createAlertService } from '../alerts/service.ts';
import { createAlertStore } from '../alerts/store.ts';
import type { AuditLog } from '../audit/log.ts';
import { SpoofingCampaigns } from '../campaigns/aggregator.ts';
import { registerCampaignRoutes } from '../campaigns/routes.ts';
import { persistCampaigns } from '../campaigns/store.ts';
import { loadCalendar } from '../compliance/calendar.ts';
import { deadlineOf } from '../compliance/deadline.ts';
import type { Config } from '../config.ts';
import { createDetectionWorker, type DetectionWorker } from '../detection/worker.ts';
import { partitionOf } from '../distributed/cdr-stream.ts';
import { createSubscriberOwnership, sqlPortHistory } from '../ingest/ownership.ts';
import { registerIngestRoutes } from '../ingest/routes.ts';
import { createIngestService } from '../ingest/service.ts';
import { createIngestStore } from '../ingest/store.ts';
import type { ListService } from '../lists/service.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Metrics } from '../platform/metrics.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import type { Decision } from '../screening/types.ts';

const DAY_MS = 86_400_000;
const SWEEP_MS = 3_600_000;

/** CDR rows per ingest batch on the embedded store (the service's default suits PostgreSQL). */
const EMBEDDED_BATCH_ROWS = 8192;

export async function createDataPath(deps: {
  config: Config;
  sql: Sql;
  plan: NumberingPlan;
  stream: EventStream;
  metrics: Metrics;
  lists: ListService;
  ownerOf: (e164: number) => string | null;
  operatorExists: (id: string) => boolean;
  audit?: AuditLog;
  clock: () => number;
  log: { warn(details: object, message: string): void; error(details: object, message: string): void };
}) {
  const { config, sql, plan, stream, metrics, clock, log } = deps;
  const ingestStore = createIngestStore(sql);
  // An upload's own synchronous steps (de-duplication, journal encoding) run on the call path's
  // event loop (the embedded store's statements on its thread): smaller batches keep each to a few
  // milliseconds.
  const batchRows = sql.kind === 'pglite' ? EMBEDDED_BATCH_ROWS : undefined;
  const ingest = createIngestService({
    plan,
    store: ingestStore,
    stream,
    // A row about another operator's subscriber is quarantined, never handed to detection.
    ownership: createSubscriberOwnership({ plan, ownerOf: deps.ownerOf, portHistory: sqlPortHistory(sql, plan) }),
    limits: {
      inflatedBytes: config.cdrInflatedLimitBytes,
      maxCompressionRatio: config.cdrMaxCompressionRatio,
      maxBadRows: config.cdrMaxBadRows,
    },
    metrics,
    clock,
    batchRows,
  });
  const alertStore = createAlertStore(sql);
  const calendar = loadCalendar();
  const suspensions = createSuspensionStore(sql, {
    clock,
    deadlineOf: (requestedAt) => deadlineOf(config.suspensionDeadline, calendar, requestedAt),
  });
  const devices = createDeviceBlocklist(sql);
  const onError = (error: unknown, what: string) => log.error({ err: error }, `${what} failed`);
  const alerts = createAlertService({
    sql,
    store: alertStore,
    suspensions,
    devices,
    lists: deps.lists,
    plan,
    ownerOf: deps.ownerOf,
    policy: config.alertPolicy,
    stream,
    audit: deps.audit,
    onError,
  });

  const runs = metrics.counter('callshield_detection_runs_total', 'Detection runs', ['outcome']);
  const raised = metrics.counter('callshield_alerts_total', 'Alerts raised or updated by detection runs', ['change']);
  let worker: DetectionWorker | null = null;
  if (config.roles.includes('detect')) {
    const crossProcess = stream.kind === 'nats';
    // A worker that takes only some partitions of the CDR stream replays only their subscribers.
    const own = crossProcess && config.detectPartitions ? new Set(config.detectPartitions) : null;
    worker = createDetectionWorker({
      planPath: resolve(config.numberingPlan),
      store: ingestStore,
      stream,
      // The embedded stream stays in this process: a detect-only node then reads the journal.
      source: config.roles.includes('ingest') || crossProcess ? 'stream' : 'journal',
      replayFilter: own ? (msisdn) => own.has(partitionOf(msisdn, config.cdrPartitions)) : undefined,
      intervalMs: config.detectionIntervalSeconds * 1000,
      afterCdrs: config.detectionAfterCdrs,
      windowMs: config.detectionWindowDays * DAY_MS,
      clock,
      async onRun(run) {
        const stored = await alerts.recordRun(run);
        runs.inc({ outcome: 'ok' });
        raised.inc({ change: 'created' }, stored.created);
        raised.inc({ change: 'updated' }, stored.updated);
        raised.inc({ change: 'auto_confirmed' }, stored.confirmed);
        return stored;
      },
      onError(error, what) {
        runs.inc({ outcome: 'failed' });
        onError(error, what);
      },
    });
  }

  const campaigns = new SpoofingCampaigns();
  // Campaigns are read in the console; a screening-only node would only pay for receiving every
  // decision of the platform back from the stream.
  const foldsCampaigns = config.roles.some((role) => role === 'console' || role === 'detect');
  const campaignPersistence = foldsCampaigns
    ? persistCampaigns({
        campaigns,
        sql,
        clock,
        // A failed flush keeps the changed hours for the next one.
        onError: (error, what) => log.warn({ err: error }, `${what} failed`),
      })
    : null;
  if (campaignPersistence) {
    // Stored hours come back before decisions arrive. A store that fails here costs the figures
    // before the restart, not the start: the write guard keeps the stored hours with more calls.
    await campaignPersistence
      .load()
      .catch((error) => log.warn({ err: error }, 'loading spoofing campaigns failed; starting from empty hours'));
    campaignPersistence.start();
  }
  const unsubscribe = foldsCampaigns
    ? stream.subscribe<Decision>('decisions', (decisions) => campaigns.add(decisions))
    : () => {};

  if (config.roles.includes('ingest')) await ingestStore.markInterrupted();
  worker?.start();

  const sweeper = setInterval(() => {
    const now = clock();
    ingestStore
      .sweep(new Date(now - config.detectionWindowDays * DAY_MS), new Date(now - config.cdrDedupDays * DAY_MS))
      .catch((error) => log.warn({ err: error }, 'CDR retention sweep failed'));
    if (config.alertQuietDays > 0)
      alerts
        .closeQuiet(now, config.alertQuietDays)
        .catch((error) => log.warn({ err: error }, 'closing quiet alerts failed'));
  }, SWEEP_MS);
  sweeper.unref();

  return {
    name: 'dataPath',
    ingest,
    ingestStore,
    alerts,
    suspensions,
    devices,
    worker,
    campaigns,
    alertsOf: alerts.alertsOf,

    /** Routes; `scope` is the app's authenticated scope. */
    register(scope: FastifyInstance): void {
      if (config.roles.includes('ingest'))
        registerIngestRoutes(scope, {
          ingest,
          store: ingestStore,
          bodyLimit: config.cdrBodyLimitBytes,
          operatorExists: deps.operatorExists,
        });
      registerAlertRoutes(scope, { alerts, suspensions, devices, worker, audit: deps.audit, clock });
      registerCampaignRoutes(scope, { campaigns, clock });
    },

    async close(): Promise<void> {
      clearInterval(sweeper);
      unsubscribe();
      await campaignPersistence?.close();
      await worker?.close();
    },
  };
}

export type DataPath = Awaited<ReturnType<typeof createDataPath>>;
