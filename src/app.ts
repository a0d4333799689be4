/**
 * Composition root: builds every adapter and module from the config and wires them. Nothing else
 * creates shared state; tests build an app the same way with their own config.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createKeyring } from './auth/keys.ts';
import { confineBankKeys, createBanks } from './banks/module.ts';
import { createCases } from './cases/index.ts';
import { createCompliance } from './compliance/index.ts';
import type { Config } from './config.ts';
import { createConsole } from './console/index.ts';
import { createDataPath } from './datapath/index.ts';
import { exportDependencyHealth, openEventStream, openHotState, watchRecords } from './distributed/adapters.ts';
import { announcingKeyring, announcingOperators, type RegistryChange, startNodeSync } from './distributed/node-sync.ts';
import { ListCache } from './lists/cache.ts';
import { registerListRoutes } from './lists/routes.ts';
import { createListService } from './lists/service.ts';
import { createListStore } from './lists/store.ts';
import type { ListChange } from './lists/types.ts';
import { loadPlan } from './numbering/plan.ts';
import { createNumberRegistry } from './numbering/registry.ts';
import { registerNumberRoutes } from './numbering/routes.ts';
import { registerOperatorRoutes } from './operators/routes.ts';
import { createOperatorRegistry } from './operators/store.ts';
import { createHttpServer, principalOf } from './platform/http.ts';
import { createMetrics, metricsReaderCheck } from './platform/metrics.ts';
import { Phase, phaseMark, phaseTiming } from './platform/phases.ts';
import { migrate, openPglite, openPostgres, type Sql } from './platform/sql.ts';
import type { EventStream } from './platform/stream.ts';
import { createReports } from './reports/index.ts';
import type { ScreeningState } from './screening/engine.ts';
import { compilePolicy } from './screening/policy.ts';
import { createRecentDecisions } from './screening/recent.ts';
import { createReputationIndex } from './screening/reputation.ts';
import { registerScreeningRoutes } from './screening/routes.ts';
import { createScreeningService } from './screening/service.ts';
import { type Decision, reasonCodes } from './screening/types.ts';
import { checkSmppSettings, startSmppRole } from './smpp/module.ts';
import { createSms } from './sms/module.ts';
import { createDecisionCounter } from './stats/counter.ts';
import { registerStatsRoutes } from './stats/routes.ts';
import { createStatsStore } from './stats/store.ts';
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

  // Distributed: changes made through this node are announced, so every node applies them.
  const announce = (change: RegistryChange) => stream.publish('registry.changes', change);
  const operatorRegistry = await createOperatorRegistry(sql, plan.operators);
  const operators = distributed ? announcingOperators(operatorRegistry, stream) : operatorRegistry;
  const ownKeyring = await createKeyring(sql, adminToken);
  const keyring = distributed ? announcingKeyring(ownKeyring, stream) : ownKeyring;
  const numbers = await createNumberRegistry(sql, plan, distributed ? announce : undefined);
  const consoleRole = await createConsole({ sql, config, clock, scryptCost: options.scryptCost });

  const listStore = createListStore(sql);
  const listCache = new ListCache(plan.parse);
  for (const change of await listStore.all()) listCache.apply(change);
  const lists = createListService({ plan, store: listStore, cache: listCache, stream, clock });
  stream.subscribe<ListChange>('lists.changes', (changes) => lists.applyRemote(changes));

  const reputation = createReputationIndex();
  const state: ScreeningState = {
    plan,
    ownerOf: numbers.ownerOf,
    isParticipating: operators.isParticipating,
    allowlist: listCache.view('allowlist'),
    dno: listCache.view('dno'),
    blocklist: listCache.view('blocklist'),
    protectedNumbers: listCache.view('protected'),
    isRoaming: numbers.isRoaming,
    isReported: reputation.isReported,
  };
  // Only screening nodes use the hot state (other roles keep an unused in-memory one).
  const hotState = await openHotState(config, { clock, metrics, log: () => http.log, useRedis: screeningRole });
  const { origins, bursts } = hotState;
  const counter = createDecisionCounter(sql);
  const recent = createRecentDecisions(10_000);
  // A console without screening shows the platform's decisions, as they come on the stream.
  const unsubscribeRecent =
    distributed && !screeningRole && config.roles.includes('console')
      ? stream.subscribe<Decision>('decisions', (decisions) => {
          for (const d of decisions) recent.push(d);
        })
      : () => {};

  const decisionMetrics = metrics.decisionRecorder(['allow', 'label', 'block'], reasonCodes);
  const stir = await createStir({
    sql,
    settings: config,
    country: plan.country,
    operatorName: (id) => operators.get(id)?.name,
    clock,
    metrics,
  });
  /** Every decision, call or message: stats, recent decisions, the decisions stream, metrics. */
  function recordDecision(decision: Decision, decidedAtMs: number) {
    counter.count(decision, decidedAtMs);
    recent.push(decision);
    if (phaseTiming.on) phaseMark(Phase.record);
    stream.publish('decisions', decision);
    if (phaseTiming.on) phaseMark(Phase.stream);
    decisionMetrics.record(decision.verdict, decision.reasons);
    if (phaseTiming.on) phaseMark(Phase.metrics);
  }
  const policy = compilePolicy(config.policy, config.failurePolicy);
  const screening = createScreeningService({
    plan,
    state,
    policy,
    origins,
    bursts,
    clock,
    originWaitMs: config.originWaitMs,
    burstThreshold: config.burstThreshold,
    labelLanguage: config.labelLanguage,
    identityVerifier: stir.verifier,
    onDecision: recordDecision,
  });

  metrics.gauge('callshield_origin_registrations', 'Live origin registrations', origins.size);
  metrics.gauge('callshield_ported_numbers', 'Numbers in the MNP registry', numbers.portedCount);
  metrics.gauge('callshield_roaming_registrations', 'Roaming registrations', numbers.roamingCount);
  metrics.gauge('callshield_list_version', 'Highest list change applied on this node', () => listCache.version);

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

  let healthy = { records: true };
  const recordsWatch = watchRecords(sql);
  const dependencies = (): Record<string, boolean> => ({
    records: healthy.records && recordsWatch.up,
    ...(hotState.redis ? { redis: hotState.redis.up } : {}),
    ...(distributed ? { nats: stream.healthy } : {}),
  });
  exportDependencyHealth(metrics, dependencies);
  http.get(
    '/healthz',
    { schema: { summary: 'Liveness and dependency health', tags: ['platform'] } },
    async (_request, reply) => {
      const up = dependencies();
      const down = Object.keys(up).filter((name) => !up[name]);
      return reply.status(200).send({
        status: down.length === 0 ? 'ok' : 'degraded',
        version,
        roles: config.roles,
        records: up.records ? 'ok' : 'down',
        stream: stream.healthy ? 'ok' : 'down',
        storage: sql.kind,
        dependencies: Object.fromEntries(Object.entries(up).map(([name, ok]) => [name, ok ? 'ok' : 'down'])),
        ...(down.length > 0 ? { down, failurePolicy: config.failurePolicy } : {}),
      });
    },
  );
  const mayReadMetrics = metricsReaderCheck(config.metricsToken);
  http.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics: all with the admin token or CALLSHIELD_METRICS_TOKEN, dependency health without',
        tags: ['platform'],
      },
    },
    async (request, reply) => {
      // Without the token only the node's own health is shown (dependencies up, request latency):
      // operators' volumes and decision counts are for the platform's monitoring, not for anyone.
      const text = mayReadMetrics(request)
        ? await metrics.registry.metrics()
        : await metrics.registry.getSingleMetricAsString('callshield_dependency_up');
      return reply.header('content-type', metrics.registry.contentType).send(text);
    },
  );
  http.get('/openapi.json', { schema: { hide: true } }, async () => http.swagger());

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
    if (screeningRole) registerScreeningRoutes(scope, { screening, batchMaxItems: config.batchMaxItems });
    registerListRoutes(scope, { lists, store: listStore });
    registerNumberRoutes(scope, { plan, registry: numbers, operators });
    registerOperatorRoutes(scope, { operators, keyring });
    stir.registerAdmin(scope);
    registerStatsRoutes(scope, { store: createStatsStore(sql), counter, clock });
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

  const timers = [
    setInterval(() => {
      counter.flush().then(
        () => {
          healthy = { records: true };
        },
        (error) => {
          healthy = { records: false };
          http.log.warn({ err: error }, 'stats flush failed; counts kept for the next try');
        },
      );
    }, config.statsFlushMs),
    setInterval(() => {
      lists.sweepExpired().catch((error) => http.log.warn({ err: error }, 'list expiry sweep failed'));
    }, 30_000),
  ];
  for (const t of timers) t.unref();

  const nodeSync = distributed
    ? startNodeSync({
        stream,
        // Every node answers from the list cache (screening, and public number checks).
        lists: { store: listStore, cache: listCache },
        numbers,
        keyring: ownKeyring,
        operators: operatorRegistry,
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
      listStore,
      listCache,
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
      for (const t of timers) clearInterval(t);
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
      unsubscribeRecent();
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
