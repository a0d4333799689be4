/**
 * Composition root: builds every adapter and module from the config and wires them. Nothing else
 * creates shared state; tests build an app the same way with their own config.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { confineBankKeys, createBanks } from './banks/module.ts';
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
import { createHttpServer, principalOf } from './platform/http.ts';
import { createMetrics } from './platform/metrics.ts';
import { migrate, openPglite, openPostgres, type Sql } from './platform/sql.ts';
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
  /** Modules, for tests and other roles. */
  modules: Record<string, unknown>;
}

async function openRecords(config: Config): Promise<Sql> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  return openPglite(join(resolve(config.dataDir), 'pglite'));
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
  const screeningRole = config.roles.includes('screening');
  const adminToken = config.adminToken ?? (await import('node:crypto')).randomBytes(24).toString('base64url');

  // Modules, in dependency order: each builds its stores, services and routes from what it is given.
  // Distributed: changes made through this node are announced, so every node applies them.
  const announce = (change: RegistryChange) => stream.publish('registry.changes', change);
  const log = () => http.log;
  const operatorsModule = await createOperators({ sql, plan, adminToken, stream, distributed });
  const { registry: operators, keyring } = operatorsModule;
  const numbersModule = await createNumbers({ sql, plan, operators, announce: distributed ? announce : undefined });
  const numbers = numbersModule.registry;
  const consoleRole = await createConsole({ sql, config, clock, scryptCost: options.scryptCost });
  const listsModule = await createLists({ sql, plan, stream, clock, log });
  const lists = listsModule.service;
  const reputation = createReputationIndex();
  const stats = createStats({ sql, clock, flushMs: config.statsFlushMs, log });
  const { counter } = stats;
  const stir = await createStir({
    sql,
    settings: config,
    country: plan.country,
    operatorName: (id) => operators.get(id)?.name,
    clock,
    metrics,
  });
  const screeningModule = await createScreening({
    config,
    plan,
    numbers,
    operators,
    lists: listsModule,
    reputation,
    stir,
    counter,
    stream,
    metrics,
    clock,
    log,
  });
  const { state, policy, recent, hotState, origins, recordDecision } = screeningModule;
  const screening = screeningModule.service;

  metrics.gauge('callshield_ported_numbers', 'Numbers in the MNP registry', numbers.portedCount);
  metrics.gauge('callshield_roaming_registrations', 'Roaming registrations', numbers.roamingCount);
  metrics.gauge('callshield_list_version', 'Highest list change applied on this node', () => listsModule.cache.version);

  const http = createHttpServer({
    bodyLimit: config.bodyLimitBytes,
    logLevel: config.logLevel,
    authenticate: keyring.authenticate,
    authenticateSession: consoleRole.authenticateSession,
    requestDuration: metrics.requestDuration,
    version,
    trustProxy: config.trustProxy,
  });
  consoleRole.installHooks(http);
  confineBankKeys(http);

  const recordsWatch = watchRecords(sql);
  const dependencies = (): Record<string, boolean> => ({
    records: stats.recordsHealthy() && recordsWatch.up,
    ...(hotState.redis ? { redis: hotState.redis.up } : {}),
    ...(distributed ? { nats: stream.healthy } : {}),
  });
  exportDependencyHealth(metrics, dependencies);
  registerPlatformRoutes(http, { config, version, sql, stream, metrics, dependencies });

  const dataPath = await createDataPath({
    config,
    sql,
    plan,
    stream,
    metrics,
    lists,
    ownerOf: numbers.ownerOf,
    operatorExists: (id) => operators.get(id) !== undefined,
    audit: consoleRole.audit,
    clock,
    log: http.log,
  });

  const investigations = await createCases({
    sql,
    plan,
    stream,
    audit: consoleRole.audit,
    ownerOf: numbers.ownerOf,
    journal: (afterId, since, limit) => dataPath.ingestStore.journal(afterId, since, limit),
    clock,
    log: http.log,
    retention: { relationDays: config.relationRetentionDays, journalDays: config.detectionWindowDays },
  });

  const duties = await createCompliance({
    config,
    sql,
    stream,
    operators,
    audit: consoleRole.audit,
    clock,
    log: http.log,
  });

  const sms = await createSms({
    sql,
    plan,
    state,
    policy,
    clock,
    labelLanguage: config.labelLanguage,
    screening: screeningRole,
    // The phishing list is the prevention module's, built next (asked only once requests come).
    isPhishing: (domain) => prevention.service.phishing.has(domain),
    burstWindowSeconds: config.burstWindowSeconds,
    burstThreshold: config.smsBurstThreshold,
    redis: hotState.redis,
    redisPrefix: config.redisPrefix,
    batchMaxItems: config.batchMaxItems,
    syncIntervalMs: distributed ? config.syncIntervalSeconds * 1000 : 0,
    onDecision: recordDecision,
    log: () => http.log,
  });

  const prevention = await createReports({
    sql,
    config,
    plan,
    reputation,
    lists,
    views: { blocklist: state.blocklist, dno: state.dno, allowlist: state.allowlist },
    clock,
    recentDecisions: (number) => recent.list((d) => d.a === number, 100),
    alertsOf: (msisdn) => dataPath.alertsOf(msisdn),
    senderIds: sms.publicSenders,
  });
  await prevention.registerPublic(http);
  // Trusted report channels authenticate with their own keys, so these routes sit outside the
  // scope below, which wants an operator key, the admin token or a console session.
  http.register(async (scope) => prevention.registerPrivate(scope));

  const banks = await createBanks({
    sql,
    config,
    plan,
    stream,
    metrics,
    keyring,
    reputation,
    alerts: dataPath.alerts,
    citizenReports: (number) => prevention.service.scoreOf(number) > 0,
    ownerOf: numbers.ownerOf,
    journal: (afterId, since, limit) => dataPath.ingestStore.journal(afterId, since, limit),
    audit: consoleRole.audit,
    clock,
    log: http.log,
  });
  investigations.setIncidentTrails(banks.incidentTrail);

  stir.registerPublic(http);
  http.register(async (scope) => {
    // Every route of this scope needs a caller: answer 401 before reading the body.
    scope.addHook('onRequest', (request, _reply, done) => {
      principalOf(request);
      done();
    });
    screeningModule.register(scope);
    listsModule.register(scope);
    numbersModule.register(scope);
    operatorsModule.register(scope);
    stir.registerAdmin(scope);
    stats.register(scope);
    dataPath.register(scope);
    investigations.register(scope);
    banks.register(scope);
    duties.register(scope);
    sms.register(scope);
  });
  // The SMPP firewall (role smpp) listens on its own port from here on.
  const smpp = config.roles.includes('smpp') ? await startSmppRole({ config, sms, log: http.log }) : null;
  await consoleRole.register(http, {
    plan,
    numbers,
    operators,
    keyring,
    recent,
    reputation,
    numberRisk: prevention.service.risk,
    alertsOf: dataPath.alertsOf,
  });

  const nodeSync = distributed
    ? startNodeSync({
        stream,
        // Every node answers from the list cache (screening, and public number checks).
        lists: { store: listsModule.store, cache: listsModule.cache },
        numbers,
        keyring: operatorsModule.ownKeyring,
        operators: operatorsModule.own,
        intervalMs: config.syncIntervalSeconds * 1000,
        log: () => http.log,
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
    modules: {
      plan,
      operators,
      keyring,
      numbers,
      lists,
      listStore: listsModule.store,
      listCache: listsModule.cache,
      reputation,
      screening,
      stir,
      origins,
      counter,
      recent,
      metrics,
      audit: consoleRole.audit,
      users: consoleRole.users,
      dataPath,
      prevention,
      investigations,
      banks,
      compliance: duties,
      sms,
      smpp,
    },
    async close() {
      stats.stopFlushing();
      listsModule.close();
      await smpp?.close();
      consoleRole.close();
      stir.close();
      await http.close();
      // Events already published (the last decisions, CDR batches) reach their subscribers
      // before those close: campaign figures and relations miss nothing at a clean stop.
      await stream.drain().catch(() => {});
      await dataPath.close();
      await investigations.close();
      await banks.close();
      await duties.close();
      prevention.close();
      sms.close();
      screeningModule.close();
      await nodeSync?.close();
      recordsWatch.close();
      await hotState.close();
      await stream.close();
      await counter.flush().catch(() => {});
      await keyring.close();
      if (!options.sql) await sql.close();
    },
  };
}
