/**
 * One schema for every setting. Values come from command-line flags, then environment variables,
 * then defaults; they are validated once at start (a clear message per bad setting) and frozen.
 * Nothing outside this file reads process.env.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { parseDeadline } from './compliance/deadline.ts';
import { reasonCodes } from './screening/types.ts';

export const roleNames = ['screening', 'ingest', 'detect', 'console', 'smpp'] as const;
export type Role = (typeof roleNames)[number];
/** Roles of a plain `serve`: the SMPP firewall runs only when asked for (it needs an upstream SMSC). */
const defaultRoles: Role[] = ['screening', 'ingest', 'detect', 'console'];

/** `host:port` of a TCP peer. */
const hostPort = z
  .string()
  .regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'host:port')
  .transform((s) => {
    const at = s.lastIndexOf(':');
    return { host: s.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(s.slice(at + 1)) };
  });

const action = z.enum(['block', 'label', 'allow', 'monitor']);

export const policySchema = z
  .object({
    /** What each reason does to the verdict. Reasons not named keep their default. */
    actions: z.partialRecord(z.enum(reasonCodes), action).default({}),
    /** Reasons decided and counted but not enforced. */
    shadow: z.array(z.enum(reasonCodes)).default([]),
    /** Label every international call that is not blocked ("international call"). */
    labelInternational: z.boolean().default(false),
  })
  .strict();
export type PolicyInput = z.infer<typeof policySchema>;

const intFrom = (min: number, max: number) => {
  const error = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

/** What the platform does with detection alerts (DESIGN.md §2, data path: alerts → policy → actions). */
export const alertPolicySchema = z
  .object({
    /** Alerts scoring at or above this are confirmed by the platform itself; below, they wait for an analyst. */
    autoConfirmAbove: z.number().min(0).max(1).nullable().default(0.99),
    /** Kinds the platform may confirm by itself. */
    autoConfirmKinds: z
      .array(z.enum(['simbox', 'fraud_caller', 'wangiri']))
      .default(['simbox', 'fraud_caller', 'wangiri']),
    /** A confirmed alert puts its number on the blocklist. */
    blockNumbers: z.boolean().default(true),
    /** A confirmed SIM-box or fraud-caller alert asks the owning operator to suspend the SIM. */
    suspendSims: z.boolean().default(true),
    /** A confirmed SIM-box alert puts the device's IMEI on the device blocklist. */
    blockDevices: z.boolean().default(true),
  })
  .strict();
export type AlertPolicy = z.infer<typeof alertPolicySchema>;

const configSchema = z
  .object({
    port: intFrom(0, 65535).default(8080),
    host: z.string().min(1).default('0.0.0.0'),
    dataDir: z.string().min(1).default('./data'),
    roles: z
      .string()
      .default(defaultRoles.join(','))
      .transform((s, ctx) => {
        const list = s
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
        for (const r of list) {
          if (!(roleNames as readonly string[]).includes(r)) {
            ctx.addIssue({ code: 'custom', message: `unknown role "${r}" (roles: ${roleNames.join(', ')})` });
          }
        }
        return list as Role[];
      }),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    databaseUrl: z.url().optional(),
    redisUrl: z.url().optional(),
    natsUrl: z.string().min(1).optional(),
    // Relative to the installation, so that serve works from any working directory.
    numberingPlan: z
      .string()
      .min(1)
      .default(new URL('../data/numbering/kz.json', import.meta.url).pathname),
    policy: policySchema.default({ actions: {}, shadow: [], labelInternational: false }),
    /** How long verify waits for a racing originate before deciding UNCONFIRMED_ORIGIN. */
    originWaitMs: intFrom(0, 2000).default(150),
    /** How long an origin registration can confirm a verification. */
    originTtlSeconds: intFrom(1, 3600).default(30),
    /** How many verifications one registration confirms (transit legs, forwarding). */
    originMaxConfirmations: intFrom(1, 100).default(3),
    burstWindowSeconds: intFrom(1, 3600).default(60),
    /** Calls from one number across the platform within the window that count as a burst. */
    burstThreshold: intFrom(2, 1_000_000).default(100),
    /** Messages from one sender across the platform within the burst window that count as a burst (SMS_BURST). */
    smsBurstThreshold: intFrom(2, 1_000_000).default(300),
    labelLanguage: z.enum(['ru', 'kk', 'en']).default('ru'),
    /** What screening answers when a dependency it needs is down. */
    failurePolicy: z.enum(['open', 'closed']).default('open'),
    /** Longest wait for Redis on the call path before the failure policy applies. */
    hotStateTimeoutMs: intFrom(1, 1000).default(50),
    /** Redis keys of this platform start with it (several platforms, or tests, can share a Redis). */
    redisPrefix: z.string().min(1).max(64).default('callshield:'),
    /** NATS stream and subject names start with it. */
    natsPrefix: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,32}$/, 'letters, digits, - and _ only')
      .default('callshield'),
    /** Copies of each JetStream stream: 1 on a single NATS server, 3 in a production cluster. */
    natsReplicas: intFrom(1, 5).default(1),
    /** Partitions of the CDR stream (by served subscriber); fixed for the life of a deployment. */
    cdrPartitions: intFrom(1, 1024).default(16),
    /** CDR partitions this detect worker takes, e.g. "0-7" or "8-15,20"; all when not set. */
    detectPartitions: z
      .string()
      .regex(/^\d+(-\d+)?(,\d+(-\d+)?)*$/, 'a list of partitions like "0-7,12"')
      .transform((s) => {
        const out = new Set<number>();
        for (const part of s.split(',')) {
          const [from, to = from] = part.split('-').map(Number);
          for (let p = from; p <= to; p++) out.add(p);
        }
        return [...out].sort((x, y) => x - y);
      })
      .optional(),
    /** Distributed mode: how often a node re-reads lists, keys and operators as a safety net behind the streams. */
    syncIntervalSeconds: intFrom(1, 3600).default(30),
    bodyLimitBytes: intFrom(1024, 512 * 1024 * 1024).default(1024 * 1024),
    /**
     * A connection whose client owes bytes of its request (headers or body) and sends none for this
     * long is closed: a slow client cannot hold connections open. Idle, not total, time: a long CDR
     * upload that keeps sending is never cut, nor is a request the server takes long to answer.
     */
    httpIdleTimeoutMs: intFrom(10, 3_600_000).default(60_000),
    cdrBodyLimitBytes: intFrom(1024, 4 * 1024 * 1024 * 1024).default(256 * 1024 * 1024),
    batchMaxItems: intFrom(1, 100_000).default(5000),
    /** A gzip CDR upload is stopped (413) once it has inflated past this many bytes. */
    cdrInflatedLimitBytes: intFrom(1024, 1024 * 1024 * 1024 * 1024).default(4 * 1024 * 1024 * 1024),
    /** …or once it has inflated more than this many times its compressed size (0: no ratio limit). */
    cdrMaxCompressionRatio: intFrom(0, 1_000_000).default(100),
    /** A CDR upload is stopped (400) once it has more bad rows than this; what came before is kept. */
    cdrMaxBadRows: intFrom(0, 1_000_000_000).default(100_000),
    alertPolicy: alertPolicySchema.default({
      autoConfirmAbove: 0.99,
      autoConfirmKinds: ['simbox', 'fraud_caller', 'wangiri'],
      blockNumbers: true,
      suspendSims: true,
      blockDevices: true,
    }),
    /** The detectors run this often while new CDRs arrive… */
    detectionIntervalSeconds: intFrom(1, 86_400).default(60),
    /** …and as soon as this many new CDRs arrived. */
    detectionAfterCdrs: intFrom(1, 1_000_000_000).default(1_000_000),
    /** Feature window: entities idle longer are forgotten; the CDR journal is kept (and replayed) this long. */
    detectionWindowDays: intFrom(1, 90).default(14),
    /** Open alerts without new evidence this many days close by themselves (dismissed, reason "quiet"); 0 never. */
    alertQuietDays: intFrom(0, 3650).default(14),
    /** How long (operator, record_id) keys are kept to recognise re-sent CDRs. */
    cdrDedupDays: intFrom(1, 3650).default(90),
    /** How long link analysis keeps who used which SIM, device and cell (the CDR relation table), by day. */
    relationRetentionDays: intFrom(1, 3650).default(400),
    statsFlushMs: intFrom(50, 60_000).default(1000),
    /** Requests per minute and client address on the public endpoints. */
    publicRequestsPerMinute: intFrom(1, 100_000).default(120),
    /** Reports per minute and client address (a stricter limit on the write path). */
    publicReportsPerMinute: intFrom(1, 100_000).default(10),
    /** Console log-in attempts per client address in 15 minutes (each user is also locked after 10 wrong passwords). */
    loginAttemptsPerIp: intFrom(1, 100_000).default(30),
    /**
     * Reverse proxies in front of the server whose X-Forwarded-For is believed, for the client
     * address that rate limits, log-in throttling and the audit use: "true" (any), a number of
     * hops, or addresses and CIDR ranges ("10.0.0.1,10.1.0.0/16"). Not set: none, the peer is the client.
     */
    trustProxy: z
      .string()
      .regex(/^(true|\d{1,2}|[0-9a-fA-F:./]+(,[0-9a-fA-F:./]+)*)$/, '"true", a number of hops, or addresses/CIDRs')
      .transform((s): boolean | number | string[] =>
        s === 'true' ? true : /^\d+$/.test(s) ? Number(s) : s.split(',').map((x) => x.trim()),
      )
      .optional(),
    /** SMPP firewall (role smpp): the port ESMEs bind to… */
    smppPort: intFrom(0, 65535).default(2775),
    /** …the upstream SMSC allowed messages go to (host:port)… */
    smppUpstream: hostPort.optional(),
    /** …and the firewall's own bind there. */
    smppSystemId: z.string().min(1).max(15).optional(),
    smppPassword: z.string().max(8).optional(),
    /**
     * ESME accounts that may bind: `system_id:password[:ingress]`, comma-separated; ingress
     * (`domestic` by default) is the route their messages are screened as.
     */
    smppAccounts: z
      .string()
      .regex(
        /^[^:,]{1,15}:[^:,]{0,8}(:(domestic|on-net|international))?(,[^:,]{1,15}:[^:,]{0,8}(:(domestic|on-net|international))?)*$/,
        'system_id:password[:ingress],…',
      )
      .transform((s) =>
        s.split(',').map((account) => {
          const [systemId, password, ingress = 'domestic'] = account.split(':');
          return { systemId, password, ingress: ingress as 'domestic' | 'on-net' | 'international' };
        }),
      )
      .optional(),
    /** The operator the firewall screens for (in process); over HTTP the API key's operator. */
    smppOperator: z.string().min(1).max(64).optional(),
    /** A screening node to ask over HTTP when this process does not run the screening role. */
    smppScreeningUrl: z.url().optional(),
    smppApiKey: z.string().min(1).optional(),
    /** How long the firewall waits for a screening node before the failure policy decides. */
    smppScreeningTimeoutMs: intFrom(1, 10_000).default(500),
    /** Also screen the deliver_sm the SMSC sends to ESMEs (a firewall placed before the SMSC); receipts pass. */
    smppScreenDeliver: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** How long the parts of a long message are awaited before the parts in hand are screened alone. */
    smppReassemblyMs: intFrom(10, 600_000).default(5000),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** A console session ends after this long without a request… */
    sessionIdleMinutes: intFrom(1, 24 * 60).default(30),
    /** …and after this long in any case. */
    sessionAbsoluteHours: intFrom(1, 24 * 30).default(12),
    /** Secure flag of the session cookie: auto sets it when the request came over TLS (or a proxy says so). */
    cookieSecure: z.enum(['auto', 'always', 'never']).default('auto'),
    /** Built console (web/dist of the installation when not set). */
    consoleDir: z.string().min(1).optional(),
    /** Public HTTPS base of the STIR certificate repository (x5u and CRL URLs of issued certificates). */
    stirRepositoryUrl: z.url({ protocol: /^https$/ }).optional(),
    /** Lifetime of operator STIR certificates. */
    stirCertificateDays: intFrom(1, 3650).default(90),
    /** A PASSporT whose iat is further than this from now is stale (RFC 8224: 60 s). */
    stirMaxAgeSeconds: intFrom(1, 600).default(60),
    /** Cap on fetching a PASSporT's x5u certificate: whole exchange… */
    stirFetchTimeoutMs: intFrom(10, 10_000).default(500),
    /** …and size. */
    stirFetchMaxBytes: intFrom(1024, 1024 * 1024).default(16 * 1024),
    /** How long a fetched x5u certificate is cached (less when its server says so). */
    stirCacheSeconds: intFrom(1, 7 * 86_400).default(3600),
    /** Extra TLS roots (PEM file) trusted for x5u servers, e.g. a private repository's CA. */
    stirTlsCaFile: z.string().min(1).optional(),
    /**
     * Hosts (host or host:port, comma-separated) x5u URLs may point to; any host when not set. A
     * country whose operators all use the national repository lists it, so tokens cannot make the
     * verifier fetch from anywhere else. Listed hosts are also the only x5u hosts that may resolve to
     * loopback, private or link-local addresses (the outbound guard refuses those otherwise).
     */
    stirX5uHosts: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      )
      .optional(),
    /**
     * Key material for secrets kept at rest (webhook secrets, AES-256-GCM) and keyed hashes (bank
     * customers, HMAC-SHA256); purpose keys are derived from it. Embedded mode without it generates
     * one into the data dir.
     */
    secretKey: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Hosts or CIDRs (comma-separated) webhooks may reach although they resolve to private addresses. */
    webhookAllowHosts: z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean),
      )
      .default([]),
    /**
     * Keys the coverage join keeps at most (verifies waiting for their CDR and CDRs waiting for
     * their verify), 32–64 bytes each: at a high verify rate the index fills to this cap and
     * holds it, the oldest minutes going first.
     */
    coverageMaxKeys: intFrom(10_000, 1_000_000_000).default(10_000_000),
    /** How far before a bank incident its contact trail looks. */
    incidentLookbackHours: intFrom(1, 24 * 30).default(72),
    /**
     * How long an operator has to act on a SIM suspension request: an ISO 8601 duration (PT48H)
     * or working days by the Kazakh calendar (2WD, ending 18:00 Almaty time of the last one).
     */
    suspensionDeadline: z
      .string()
      .default('2WD')
      .transform((s, ctx) => {
        const parsed = parseDeadline(s);
        if (typeof parsed === 'string') {
          ctx.addIssue({ code: 'custom', message: parsed });
          return z.NEVER;
        }
        return parsed;
      }),
    /**
     * PEM file of the Ed25519 key that signs audit checkpoints (kept away from the database). Unset:
     * embedded mode creates `<data-dir>/audit-key.pem`; distributed mode signs nothing.
     */
    auditKeyFile: z.string().min(1).optional(),
    /** Append-only file of signed audit checkpoints; `<data-dir>/audit-checkpoints.jsonl` by default. */
    auditCheckpointsFile: z.string().min(1).optional(),
    /** Public reports per address in an hour before each further one needs a proof of work (subnet: 4×). */
    publicReportsBeforeProof: intFrom(1, 100_000).default(3),
    /** Difficulty of the first proof of work (leading zero bits of SHA-256); grows with the burst. */
    publicReportProofBits: intFrom(1, 26).default(16),
    /** Bearer token a Prometheus scraper sends for /metrics (the admin token works too). */
    metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  })
  .strict();

export type Config = Readonly<z.infer<typeof configSchema>>;

/** Raw settings before validation: strings from flags and environment. */
export type RawSettings = Record<string, unknown>;

const envNames: Record<string, string> = {
  port: 'PORT',
  host: 'CALLSHIELD_HOST',
  dataDir: 'CALLSHIELD_DATA_DIR',
  roles: 'CALLSHIELD_ROLES',
  adminToken: 'CALLSHIELD_ADMIN_TOKEN',
  databaseUrl: 'DATABASE_URL',
  redisUrl: 'REDIS_URL',
  natsUrl: 'NATS_URL',
  numberingPlan: 'CALLSHIELD_NUMBERING_PLAN',
  policy: 'CALLSHIELD_POLICY',
  originWaitMs: 'CALLSHIELD_ORIGIN_WAIT_MS',
  originTtlSeconds: 'CALLSHIELD_ORIGIN_TTL_SECONDS',
  originMaxConfirmations: 'CALLSHIELD_ORIGIN_MAX_CONFIRMATIONS',
  burstWindowSeconds: 'CALLSHIELD_BURST_WINDOW_SECONDS',
  burstThreshold: 'CALLSHIELD_BURST_THRESHOLD',
  smsBurstThreshold: 'CALLSHIELD_SMS_BURST_THRESHOLD',
  labelLanguage: 'CALLSHIELD_LABEL_LANGUAGE',
  failurePolicy: 'CALLSHIELD_FAILURE_POLICY',
  hotStateTimeoutMs: 'CALLSHIELD_HOT_STATE_TIMEOUT_MS',
  redisPrefix: 'CALLSHIELD_REDIS_PREFIX',
  natsPrefix: 'CALLSHIELD_NATS_PREFIX',
  natsReplicas: 'CALLSHIELD_NATS_REPLICAS',
  cdrPartitions: 'CALLSHIELD_CDR_PARTITIONS',
  detectPartitions: 'CALLSHIELD_DETECT_PARTITIONS',
  syncIntervalSeconds: 'CALLSHIELD_SYNC_INTERVAL_SECONDS',
  bodyLimitBytes: 'CALLSHIELD_BODY_LIMIT_BYTES',
  httpIdleTimeoutMs: 'CALLSHIELD_HTTP_IDLE_TIMEOUT_MS',
  cdrBodyLimitBytes: 'CALLSHIELD_CDR_BODY_LIMIT_BYTES',
  batchMaxItems: 'CALLSHIELD_BATCH_MAX_ITEMS',
  cdrInflatedLimitBytes: 'CALLSHIELD_CDR_INFLATED_LIMIT_BYTES',
  cdrMaxCompressionRatio: 'CALLSHIELD_CDR_MAX_COMPRESSION_RATIO',
  cdrMaxBadRows: 'CALLSHIELD_CDR_MAX_BAD_ROWS',
  alertPolicy: 'CALLSHIELD_ALERT_POLICY',
  detectionIntervalSeconds: 'CALLSHIELD_DETECTION_INTERVAL_SECONDS',
  detectionAfterCdrs: 'CALLSHIELD_DETECTION_AFTER_CDRS',
  detectionWindowDays: 'CALLSHIELD_DETECTION_WINDOW_DAYS',
  alertQuietDays: 'CALLSHIELD_ALERT_QUIET_DAYS',
  cdrDedupDays: 'CALLSHIELD_CDR_DEDUP_DAYS',
  relationRetentionDays: 'CALLSHIELD_RELATION_RETENTION_DAYS',
  statsFlushMs: 'CALLSHIELD_STATS_FLUSH_MS',
  publicRequestsPerMinute: 'CALLSHIELD_PUBLIC_REQUESTS_PER_MINUTE',
  publicReportsPerMinute: 'CALLSHIELD_PUBLIC_REPORTS_PER_MINUTE',
  loginAttemptsPerIp: 'CALLSHIELD_LOGIN_ATTEMPTS_PER_IP',
  trustProxy: 'CALLSHIELD_TRUST_PROXY',
  smppPort: 'CALLSHIELD_SMPP_PORT',
  smppUpstream: 'CALLSHIELD_SMPP_UPSTREAM',
  smppSystemId: 'CALLSHIELD_SMPP_SYSTEM_ID',
  smppPassword: 'CALLSHIELD_SMPP_PASSWORD',
  smppAccounts: 'CALLSHIELD_SMPP_ACCOUNTS',
  smppOperator: 'CALLSHIELD_SMPP_OPERATOR',
  smppScreeningUrl: 'CALLSHIELD_SMPP_SCREENING_URL',
  smppApiKey: 'CALLSHIELD_SMPP_API_KEY',
  smppScreeningTimeoutMs: 'CALLSHIELD_SMPP_SCREENING_TIMEOUT_MS',
  smppReassemblyMs: 'CALLSHIELD_SMPP_REASSEMBLY_MS',
  smppScreenDeliver: 'CALLSHIELD_SMPP_SCREEN_DELIVER',
  logLevel: 'CALLSHIELD_LOG_LEVEL',
  sessionIdleMinutes: 'CALLSHIELD_SESSION_IDLE_MINUTES',
  sessionAbsoluteHours: 'CALLSHIELD_SESSION_ABSOLUTE_HOURS',
  cookieSecure: 'CALLSHIELD_COOKIE_SECURE',
  consoleDir: 'CALLSHIELD_CONSOLE_DIR',
  stirRepositoryUrl: 'CALLSHIELD_STIR_REPOSITORY_URL',
  stirCertificateDays: 'CALLSHIELD_STIR_CERTIFICATE_DAYS',
  stirMaxAgeSeconds: 'CALLSHIELD_STIR_MAX_AGE_SECONDS',
  stirFetchTimeoutMs: 'CALLSHIELD_STIR_FETCH_TIMEOUT_MS',
  stirFetchMaxBytes: 'CALLSHIELD_STIR_FETCH_MAX_BYTES',
  stirCacheSeconds: 'CALLSHIELD_STIR_CACHE_SECONDS',
  stirTlsCaFile: 'CALLSHIELD_STIR_TLS_CA_FILE',
  stirX5uHosts: 'CALLSHIELD_STIR_X5U_HOSTS',
  secretKey: 'CALLSHIELD_SECRET_KEY',
  webhookAllowHosts: 'CALLSHIELD_WEBHOOK_ALLOW_HOSTS',
  incidentLookbackHours: 'CALLSHIELD_INCIDENT_LOOKBACK_HOURS',
  coverageMaxKeys: 'CALLSHIELD_COVERAGE_MAX_KEYS',
  suspensionDeadline: 'CALLSHIELD_SUSPENSION_DEADLINE',
  auditKeyFile: 'CALLSHIELD_AUDIT_KEY',
  auditCheckpointsFile: 'CALLSHIELD_AUDIT_CHECKPOINTS',
  publicReportsBeforeProof: 'CALLSHIELD_PUBLIC_REPORTS_BEFORE_PROOF',
  publicReportProofBits: 'CALLSHIELD_PUBLIC_REPORT_PROOF_BITS',
  metricsToken: 'CALLSHIELD_METRICS_TOKEN',
};

/** The environment variable of each setting, for the README and error messages. */
export const settingEnvNames: Readonly<Record<string, string>> = Object.freeze({ ...envNames });

/** `CALLSHIELD_POLICY` and `--policy` name a JSON file, or hold inline JSON. */
function readPolicy(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim().startsWith('{') ? value : readFileSync(resolve(value), 'utf8');
  return JSON.parse(text);
}

export class ConfigError extends Error {}

/**
 * Builds the config from flags (highest precedence) and an environment.
 * Throws ConfigError listing every bad setting with its flag or variable.
 */
export function loadConfig(flags: RawSettings = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const raw: RawSettings = {};
  for (const [key, name] of Object.entries(envNames)) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) raw[key] = value;
  for (const key of ['policy', 'alertPolicy']) {
    if (raw[key] === undefined) continue;
    try {
      raw[key] = readPolicy(raw[key]);
    } catch (error) {
      throw new ConfigError(`${key}: cannot read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const where = key ? `${key}${envNames[key] ? ` (${envNames[key]})` : ''}` : 'settings';
      const rest = issue.path.slice(1).join('.');
      // The value given, for scalar settings: "must be a whole number from 0 to 65535, got "abc"".
      // Never for secrets (tokens, keys, passwords, URLs that may hold one).
      const secret = /token|key|secret|password|url/i.test(key);
      const scalar = typeof raw[key] === 'string' || typeof raw[key] === 'number';
      const given = !rest && !secret && scalar ? raw[key] : undefined;
      return `  ${where}${rest ? `.${rest}` : ''}: ${issue.message}${given !== undefined ? `, got ${JSON.stringify(String(given))}` : ''}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return deepFreeze(parsed.data);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Settings of the CLI commands that talk to a running server. */
export function clientSettings(flags: { server?: string; token?: string }, env: NodeJS.ProcessEnv = process.env) {
  return Object.freeze({
    server: flags.server ?? env.CALLSHIELD_URL ?? 'http://127.0.0.1:8080',
    token: flags.token ?? env.CALLSHIELD_ADMIN_TOKEN,
  });
}
