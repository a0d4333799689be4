/**
 * SMS screening (DESIGN.md §3.1): the sender-ID registry, the screening service and their routes,
 * built from what the composition root gives. Screening nodes judge messages in memory; the
 * registry's changes reach other nodes through the records store (each node re-reads what changed).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { BrandCatalogue } from '../links/check.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { RedisConnection } from '../platform/redis.ts';
import type { Sql } from '../platform/sql.ts';
import type { SenderIdLookup } from '../reports/service.ts';
import { type BurstCounter, createMemoryBurstCounter } from '../screening/burst.ts';
import { createRedisBurstCounter } from '../screening/burst-redis.ts';
import type { ScreeningState } from '../screening/engine.ts';
import { guardBurstCounter } from '../screening/hot-state-guard.ts';
import { type Language, labelText } from '../screening/labels.ts';
import type { Policy } from '../screening/policy.ts';
import type { Decision } from '../screening/types.ts';
import { createLinkJudge } from './links.ts';
import { createSenderRegistry } from './registry.ts';
import { registerSmsRoutes } from './routes.ts';
import { senderIdProblem } from './sender-id.ts';
import { createSmsService, looksNumeric } from './service.ts';

const brandsFile = new URL('../../data/brands/kz.json', import.meta.url);

export interface SmsModuleDeps {
  sql: Sql;
  plan: NumberingPlan;
  state: ScreeningState;
  policy: Policy;
  clock: () => number;
  labelLanguage: Language;
  /** Whether this node screens (answers /v1/sms/verify). */
  screening: boolean;
  /** The phishing-domain list of the link check. */
  isPhishing: (domain: string) => boolean;
  burstWindowSeconds: number;
  burstThreshold: number;
  /** Distributed mode: senders' bursts are counted across every screening node in Redis, apart from calls'. */
  redis: RedisConnection | null;
  redisPrefix: string;
  batchMaxItems: number;
  /** Distributed mode: how often the registry is re-read for other nodes' changes (0: never). */
  syncIntervalMs: number;
  /** Distributed mode: tells the other nodes the registry changed (they re-read it at once). */
  announce?: () => void;
  onDecision: (decision: Decision, decidedAtMs: number) => void;
  log?: () => { warn(o: object, msg: string): void };
}

export async function createSms(deps: SmsModuleDeps) {
  const brands = JSON.parse(readFileSync(brandsFile, 'utf8')) as BrandCatalogue;
  const registry = createSenderRegistry(deps.sql, brands, deps.announce);
  await registry.refresh();
  const windowMs = deps.burstWindowSeconds * 1000;
  const bursts: BurstCounter = deps.redis
    ? guardBurstCounter(createRedisBurstCounter(deps.redis, windowMs, `${deps.redisPrefix}sms:`), deps.redis, () => {})
    : createMemoryBurstCounter(windowMs);
  const service = deps.screening
    ? createSmsService({
        plan: deps.plan,
        state: deps.state,
        policy: deps.policy,
        registry,
        judgeLinks: createLinkJudge(brands, deps.isPhishing),
        bursts,
        burstThreshold: deps.burstThreshold,
        clock: deps.clock,
        labelLanguage: deps.labelLanguage,
        onDecision: deps.onDecision,
      })
    : null;
  const timer =
    deps.syncIntervalMs > 0
      ? setInterval(() => {
          registry
            .refresh()
            .catch((error) => deps.log?.().warn({ err: error }, 'sender-ID registry refresh failed; next try later'));
        }, deps.syncIntervalMs)
      : null;
  timer?.unref();
  const isSenderId = (text: string) => !looksNumeric(text) && senderIdProblem(text) === null;
  /** What the public number check answers for a sender ID: verified, an imitation, reported, or unregistered. */
  const publicSenders: SenderIdLookup = {
    isSenderId,
    answer(text, language, reported) {
      if (!isSenderId(text)) return null;
      const standing = registry.standing(text);
      if (standing.kind === 'registered')
        return { number: text, risk: 'low', label: labelText('VERIFIED_BUSINESS', language, standing.owner) };
      if (standing.kind === 'imitation' || reported === 'high')
        return { number: text, risk: 'high', label: labelText('SUSPECTED_FRAUD', language) };
      return {
        number: text,
        risk: reported === 'medium' ? 'medium' : 'unknown',
        label: labelText('UNREGISTERED_SENDER', language),
      };
    },
  };
  return {
    name: 'sms',
    registry,
    service,
    publicSenders,
    register(scope: FastifyInstance) {
      registerSmsRoutes(scope, { sms: service, registry, batchMaxItems: deps.batchMaxItems });
    },
    close() {
      if (timer) clearInterval(timer);
      bursts.close();
    },
  };
}

export type SmsModule = Awaited<ReturnType<typeof createSms>>;
