/**
 * Composition root: builds every adapter and module from the config, the modules in dependency
 * order, then lists them: their routes are registered in that order and they close in reverse
 * (src/platform/module.ts). Nothing else creates shared state; tests build an app the same way
 * with their own config.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createBanks } from './banks/module.ts';
import { createCases } from './cases/index.ts';
import { createCompliance } from './compliance/index.ts';
import type { Config } from './config.ts';
import { createConsole } from './console/index.ts';
import { createDataPath } from './datapath/index.ts';
import { exportDependencyHealth, openEventStream, watchRecords } from './distributed/adapters.ts';
import { type RegistryChange, startNodeSync } from './distributed/node-sync.ts';
import { createLists } from './lists/module.ts';
import { createNumbers } from './number-registry/module.ts';
import { loadPlan } from './numbering/plan.ts';
import { createOperators } from './operators/module.ts';
import { registerPlatformRoutes } from './platform/endpoints.ts';
import { createHttpServer } from './platform/http.ts';
import { createMetrics } from './platform/metrics.ts';
import { closeModules, type Module, registerModules } from './platform/module.ts';
import { migrate, openPgliteThread, openPostgres, type Sql } from './platform/sql.ts';
import type { EventStream } from './platform/stream.ts';
import { createReports } from './reports/index.ts';
import { createScreening } from './screening/module.ts';
import { createReputationIndex } from './screening/reputation.ts';
import { checkSmppSettings, startSmppRole } from './smpp/module.ts';
import { createSms } from './sms/module.ts';
import { createStats } from './stats/module.ts';
import { createStir } from './stir/index.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
  .version;

export interface AppOptions {
  /** An open records store (tests pass a prepared PGlite); otherwise opened from the config. */
  sql?: Sql;
  clock?: () => number;
  /** Tests lower the password hashing cost. */
  scryptCost?: { N: number; r: number; p: number };
}

export interface App {
  http: FastifyInstance;
  config: Config;
  sql: Sql;
  stream: EventStream;
  adminToken: string;
  /** The first console admin's one-time password, when this start created it (shown once). */
  firstAdmin: { username: string; password: string } | null;
  /** About the audit signing key, to be shown at start (created, or missing). */
  auditNotice?: string;
  close(): Promise<void>;
  /** The modules by name, the plan, reputation, metrics and the SMPP firewall: for tests and other roles. */
  modules: Record<string, unknown>;
}

async function openRecords(config: Config): Promise<Sql> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  // On a thread of its own: a long statement does not hold the calls being screened.
  return openPgliteThread(join(resolve(config.dataDir), 'pglite'));
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const clock = options.clock ?? Date.now;
  checkSmppSettings(config);
  const plan = loadPlan(resolve(config.numberingPlan));
  const sql = options.sql ?? (await openRecords(config));
  await migrate(sql);

  const metrics = createMetrics();
  // Streams and hot state by URL: NATS JetStream and Redis in distributed mode, in process otherwise.
  const stream = await openEventStream(config, { metrics, log: () => http.log });
  const distributed = stream.kind === 'nats';
  const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
  const log = () => http.log;
  // What any module may take.
  const shared = { config, sql, plan, stream, metrics, clock };
  // Distributed: changes made through this node are announced, so every node applies them.
  const announce = (change: RegistryChange) => stream.publish('registry.changes', change);

  // Modules in dependency order: each builds its stores, services and routes from what it is given.
  const operators = await createOperators({ ...shared, adminToken, distributed });
  const { keyring } = operators;
  const numbers = await createNumbers({
    ...shared,
    operators: operators.registry,
    announce: distributed ? announce : undefined,
  });
  const consoleRole = await createConsole({
    ...shared,
    scryptCost: options.scryptCost,
    // Asked for once every module exists.
    routes: () => ({
      plan,
      numbers: numbers.registry,
      operators: operators.registry,
      keyring,
      recent: screening.recent,
      reputation,
      numberRisk: prevention.service.risk,
      alertsOf: dataPath.alertsOf,
    }),
  });
  const { audit } = consoleRole;
  const lists = await createLists({ ...shared, log });
  const reputation = createReputationIndex();
  const stats = createStats({ sql, clock, flushMs: config.statsFlushMs, log });
  const stir = await createStir({
    ...shared,
    settings: config,
    country: plan.country,
    operatorName: (id) => operators.registry.get(id)?.name,
  });
  const screening = await createScreening({
    ...shared,
    lists,
    reputation,
    stir,
    log,
    numbers: numbers.registry,
    operators: operators.registry,
    counter: stats.counter,
  });

  const http = createHttpServer({
    bodyLimit: config.bodyLimitBytes,
    idleTimeoutMs: config.httpIdleTimeoutMs,
    logLevel: config.logLevel,
    authenticate: keyring.authenticate,
    authenticateSession: consoleRole.authenticateSession,
    requestDuration: metrics.requestDuration,
    version,
    trustProxy: config.trustProxy,
  });
  const { ownerOf } = numbers.registry;
  const journal = (afterId: number, since: Date, limit: number) => dataPath.ingestStore.journal(afterId, since, limit);

  const dataPath = await createDataPath({
    ...shared,
    lists: lists.service,
    ownerOf,
    audit,
    log: http.log,
    operatorExists: (id) => operators.registry.get(id) !== undefined,
  });
  const investigations = await createCases({
    ...shared,
    audit,
    ownerOf,
    journal,
    log: http.log,
    retention: { relationDays: config.relationRetentionDays, journalDays: config.detectionWindowDays },
  });
  const compliance = await createCompliance({
    ...shared,
    audit,
    log: http.log,
    operators: operators.registry,
  });
  const sms = await createSms({
    ...shared,
    log,
    state: screening.state,
    policy: screening.policy,
    labelLanguage: config.labelLanguage,
    screening: config.roles.includes('screening'),
    // The phishing list is the prevention module's, built next (asked only once requests come).
    isPhishing: (domain) => prevention.service.phishing.has(domain),
    burstWindowSeconds: config.burstWindowSeconds,
    burstThreshold: config.smsBurstThreshold,
    redis: screening.hotState.redis,
    redisPrefix: config.redisPrefix,
    batchMaxItems: config.batchMaxItems,
    syncIntervalMs: distributed ? config.syncIntervalSeconds * 1000 : 0,
    announce: distributed ? () => announce({ kind: 'senders' }) : undefined,
    onDecision: screening.recordDecision,
  });
  const prevention = await createReports({
    ...shared,
    reputation,
    lists: lists.service,
    views: { blocklist: screening.state.blocklist, dno: screening.state.dno, allowlist: screening.state.allowlist },
    recentDecisions: (number) => screening.recent.list((d) => d.a === number, 100),
    alertsOf: (msisdn) => dataPath.alertsOf(msisdn),
    senderIds: sms.publicSenders,
  });
  const banks = await createBanks({
    ...shared,
    keyring,
    reputation,
    ownerOf,
    journal,
    audit,
    log: http.log,
    alerts: dataPath.alerts,
    citizenReports: (number) => prevention.service.scoreOf(number) > 0,
  });
  investigations.setIncidentTrails(banks.incidentTrail);

  // A new feature: its module built above, and one line here.
  const modules: Module[] = [
    operators,
    numbers,
    consoleRole,
    lists,
    stats,
    stir,
    screening,
    dataPath,
    investigations,
    compliance,
    sms,
    prevention,
    banks,
  ];

  const recordsWatch = watchRecords(sql);
  const dependencies = (): Record<string, boolean> => ({
    records: stats.recordsHealthy() && recordsWatch.up,
    ...(screening.hotState.redis ? { redis: screening.hotState.redis.up } : {}),
    ...(distributed ? { nats: stream.healthy } : {}),
  });
  exportDependencyHealth(metrics, dependencies);
  // Hooks that must see every route come first, then the platform's own endpoints.
  for (const module of modules) module.installHooks?.(http);
  registerPlatformRoutes(http, { config, version, sql, stream, metrics, dependencies });
  await registerModules(http, modules);

  // The SMPP firewall (role smpp) listens on its own port from here on.
  const smpp = config.roles.includes('smpp') ? await startSmppRole({ config, sms, log: http.log }) : null;
  const nodeSync = distributed
    ? startNodeSync({
        stream,
        // Every node answers from the list cache (screening, and public number checks).
        lists: { store: lists.store, cache: lists.cache },
        numbers: numbers.registry,
        keyring: operators.ownKeyring,
        operators: operators.own,
        senders: sms.registry,
        intervalMs: config.syncIntervalSeconds * 1000,
        log,
      })
    : null;

  await http.ready();

  return {
    http,
    config,
    sql,
    stream,
    adminToken,
    firstAdmin: consoleRole.firstAdmin,
    auditNotice: consoleRole.auditNotice,
    modules: { plan, reputation, metrics, smpp, ...Object.fromEntries(modules.map((m) => [m.name, m])) },
    async close() {
      // The doors first: no new messages or requests, and those in flight finish.
      await smpp?.close();
      await http.close();
      // Events already published (the last decisions, CDR batches) reach their subscribers
      // before those close: campaign figures and relations miss nothing at a clean stop.
      await stream.drain().catch(() => {});
      await closeModules(modules);
      // The shared adapters last: modules flush through them as they close.
      await nodeSync?.close();
      recordsWatch.close();
      await screening.hotState.close();
      await stream.close();
      await stats.counter.flush().catch(() => {});
      await keyring.close();
      if (!options.sql) await sql.close();
    },
  };
}
