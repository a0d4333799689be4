/**
 * Banks in the loop (DESIGN.md §3.1), composed for the app: banks and their keys (the shared
 * keyring), incidents with contact trails, escalation into alerts and reputation, customers as
 * keyed hashes, and potential-victim warnings delivered by webhooks. The decisions stream feeds
 * the contact index and the warnings; the call path never waits for either.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AlertService } from '../alerts/service.ts';
import type { AuditLog } from '../audit/log.ts';
import type { Keyring } from '../auth/keys.ts';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { JournalBatch } from '../ingest/store.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { requireRole } from '../platform/http.ts';
import type { Metrics } from '../platform/metrics.ts';
import { createOutboundGuard } from '../platform/outbound.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import type { ReputationIndex } from '../screening/reputation.ts';
import type { Decision } from '../screening/types.ts';
import { createWebhooks } from '../webhooks/module.ts';
import { loadSecretKeys, type SecretKeys, secretKeysFrom } from '../webhooks/secret-key.ts';
import { createContactIndex } from './contacts.ts';
import { rankContacts, registerBankRoutes } from './routes.ts';
import { createBankService } from './service.ts';
import { createBankStore } from './store.ts';

/** What a bank key may reach: its own routes, its webhooks and what is open to anyone. */
const bankPaths = [/^\/v1\/bank\//, /^\/v1\/webhooks(\/|\?|$)/, /^\/public\//, /^\/healthz(\?|$)/];

/**
 * Keeps bank keys to the bank and webhook routes: every other route was written for operators,
 * users and the admin, and must not treat a bank as any of them. Added right after the server's
 * authentication hook.
 */
export function confineBankKeys(http: FastifyInstance): void {
  http.addHook('onRequest', (request, _reply, done) => {
    if (request.principal?.kind === 'bank' && !bankPaths.some((p) => p.test(request.url)))
      return done(new AppError('FORBIDDEN', 'a bank key reaches only the bank and webhook routes'));
    done();
  });
}

export async function createBanks(deps: {
  sql: Sql;
  config: Config;
  plan: NumberingPlan;
  stream: EventStream;
  metrics: Metrics;
  keyring: Keyring;
  reputation: ReputationIndex;
  alerts: AlertService;
  citizenReports: (number: string) => boolean;
  ownerOf: (e164: number) => string | null;
  journal?: (afterId: number, since: Date, limit: number) => Promise<JournalBatch[]>;
  audit?: AuditLog;
  clock: () => number;
  log: {
    info(details: object, message: string): void;
    warn(details: object, message: string): void;
    error(details: object, message: string): void;
  };
}) {
  const { config, clock, log } = deps;
  const distributed = deps.stream.kind === 'nats';
  let keys: SecretKeys;
  if (!config.secretKey && config.databaseUrl) {
    // Every node must hash and decrypt alike: without a configured key they share one kept in the
    // records store, which protects secrets only as well as the database itself.
    await deps.sql.query(
      `insert into platform_settings (key, value) values ('webhook_secret_key', $1) on conflict (key) do nothing`,
      [randomBytes(32).toString('base64url')],
    );
    const { rows } = await deps.sql.query<{ value: string }>(
      `select value from platform_settings where key = 'webhook_secret_key'`,
    );
    keys = secretKeysFrom(Buffer.from(rows[0].value, 'base64url'), 'records');
    log.warn(
      {},
      'CALLSHIELD_SECRET_KEY is not set in distributed mode: webhook secrets and customer hashes use a key kept in the database; set the same CALLSHIELD_SECRET_KEY on every node',
    );
  } else {
    const loaded = loadSecretKeys({ secretKey: config.secretKey, dataDir: config.dataDir });
    keys = loaded.keys;
    if (loaded.generated)
      log.warn(
        { file: loaded.generated },
        'CALLSHIELD_SECRET_KEY is not set: generated a secret key into the data dir for webhook secrets and customer hashes; keep it with the data (set CALLSHIELD_SECRET_KEY to choose it)',
      );
  }
  const hashSubscriber = (number: string) => keys.hash('subscriber', number);
  const onError = (error: unknown, what: string) => log.error({ err: error }, `${what} failed`);

  const store = createBankStore(deps.sql);
  const webhooks = await createWebhooks({
    sql: deps.sql,
    keys,
    guard: createOutboundGuard({ allowHosts: config.webhookAllowHosts }),
    clock,
    metrics: deps.metrics,
    audit: deps.audit,
    deliver: true,
    singleNode: !distributed,
    log,
  });
  const lookbackMs = config.incidentLookbackHours * 3_600_000;
  const contacts = createContactIndex({
    store,
    bucketSeed: Number.parseInt(keys.hash('contact-buckets', 'seed').slice(0, 8), 16),
    seal: keys.seal,
    open: keys.open,
    clock,
    // Kept a day past the look-back: an incident is often reported a while after the loss.
    retentionMs: lookbackMs + 7 * 86_400_000,
    journal: deps.journal,
    onError,
  });
  const service = createBankService({
    store,
    plan: deps.plan,
    reputation: deps.reputation,
    alerts: deps.alerts,
    citizenReports: deps.citizenReports,
    ownerOf: deps.ownerOf,
    hashSubscriber,
    webhooks,
    audit: deps.audit,
    clock,
    onError,
  });
  await service.reload();
  // Other nodes file incidents and customers; citizens' reports change: a periodic look catches up.
  const reloader = setInterval(() => {
    service.reload().catch((error) => onError(error, 'reloading bank state'));
  }, 60_000);
  reloader.unref();

  // Where decisions are folded: the console and detect roles (as campaigns), one member per decision.
  const folds = config.roles.some((role) => role === 'console' || role === 'detect');
  const unsubscribers = folds
    ? [
        deps.stream.subscribe<Decision>('decisions', (decisions) => contacts.add(decisions), {
          group: 'bank-contacts',
        }),
        deps.stream.subscribe<Decision>('decisions', (decisions) => service.onDecisions(decisions), {
          group: 'bank-warnings',
        }),
        deps.stream.subscribe<{ type: string; kind?: string; msisdn: string }>('alerts', (events) =>
          service.onAlertEvents(events),
        ),
      ]
    : [];

  const warnings = deps.metrics.gauge(
    'callshield_potential_victim_deliveries',
    'Potential-victim deliveries queued since start',
    () => service.warningsQueued(),
  );
  void warnings;

  /** An incident's trail as a case export lists it: contacts before the loss, riskiest first. */
  async function incidentTrail(incident: { victim: string; at: string; suspects: string[] }) {
    const to = Date.parse(incident.at);
    const { contacts: found } = await contacts.trail(incident.victim, to - lookbackMs, to);
    const suspects = new Set(incident.suspects);
    return rankContacts(
      found.map((c) => {
        const n = deps.plan.parse(c.number);
        return {
          ...c,
          reputation: n >= 0 ? deps.reputation.risk(n) : ('unknown' as const),
          suspect: suspects.has(c.number),
        };
      }),
    );
  }

  return {
    name: 'banks',
    /** Bank keys reach only the bank and webhook routes. */
    installHooks: confineBankKeys,
    store,
    service,
    contacts,
    webhooks,
    incidentTrail,

    register(scope: FastifyInstance): void {
      registerBankRoutes(scope, {
        store,
        service,
        contacts,
        keyring: deps.keyring,
        reputation: deps.reputation,
        parse: deps.plan.parse,
        alerts: deps.alerts,
        audit: deps.audit,
        clock,
        lookbackMs,
      });
      webhooks.register(scope);
      scope.get(
        '/v1/bank/warnings/daily',
        {
          schema: {
            summary: 'Potential-victim warnings queued per day (console Overview)',
            tags: ['banks'],
            querystring: {
              type: 'object',
              properties: { days: { type: 'integer', minimum: 1, maximum: 90, default: 14 } },
            },
          },
        },
        async (request) => {
          requireRole(request, 'admin', 'supervisor', 'analyst', 'operator_analyst', 'viewer');
          const { days } = request.query as { days: number };
          return { items: await webhooks.store.perDay('potential_victim', clock() - days * 86_400_000) };
        },
      );
    },

    async close(): Promise<void> {
      clearInterval(reloader);
      for (const u of unsubscribers) u();
      await service.close();
      await contacts.close();
      await webhooks.close();
    },
  };
}

export type Banks = Awaited<ReturnType<typeof createBanks>>;
