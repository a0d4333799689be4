/**
 * The screening module: the state the engine reads (plan, registries, lists, reputation), the hot
 * state (origins and bursts), the policy, the service and its routes, and the recording of every
 * decision (stats, recent decisions, the decisions stream, metrics).
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { openHotState } from '../distributed/adapters.ts';
import type { ListsModule } from '../lists/module.ts';
import type { NumberRegistry } from '../number-registry/registry.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { OperatorRegistry } from '../operators/store.ts';
import type { Metrics } from '../platform/metrics.ts';
import { Phase, phaseMark, phaseTiming } from '../platform/phases.ts';
import type { EventStream } from '../platform/stream.ts';
import type { DecisionCounter } from '../stats/counter.ts';
import type { Stir } from '../stir/index.ts';
import type { ScreeningState } from './engine.ts';
import { compilePolicy } from './policy.ts';
import { createRecentDecisions } from './recent.ts';
import type { ReputationIndex } from './reputation.ts';
import { registerScreeningRoutes } from './routes.ts';
import { createScreeningService } from './service.ts';
import { type Decision, reasonCodes } from './types.ts';

export async function createScreening(deps: {
  config: Config;
  plan: NumberingPlan;
  numbers: NumberRegistry;
  operators: OperatorRegistry;
  lists: ListsModule;
  reputation: ReputationIndex;
  stir: Stir;
  counter: DecisionCounter;
  stream: EventStream;
  metrics: Metrics;
  clock: () => number;
  log: () => FastifyBaseLogger;
}) {
  const { config, plan, numbers, operators, lists, stream, metrics, clock, counter } = deps;
  const distributed = stream.kind === 'nats';
  const screeningRole = config.roles.includes('screening');
  const state: ScreeningState = {
    plan,
    ownerOf: numbers.ownerOf,
    isParticipating: operators.isParticipating,
    allowlist: lists.cache.view('allowlist'),
    dno: lists.cache.view('dno'),
    blocklist: lists.cache.view('blocklist'),
    protectedNumbers: lists.cache.view('protected'),
    isRoaming: numbers.isRoaming,
    isReported: deps.reputation.isReported,
  };
  // Only screening nodes use the hot state (other roles keep an unused in-memory one).
  const hotState = await openHotState(config, { clock, metrics, log: deps.log, useRedis: screeningRole });
  const { origins, bursts } = hotState;
  const recent = createRecentDecisions(10_000);
  // A console without screening shows the platform's decisions, as they come on the stream.
  const unsubscribeRecent =
    distributed && !screeningRole && config.roles.includes('console')
      ? stream.subscribe<Decision>('decisions', (decisions) => {
          for (const d of decisions) recent.push(d);
        })
      : () => {};

  const decisionMetrics = metrics.decisionRecorder(['allow', 'label', 'block'], reasonCodes);
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
  const service = createScreeningService({
    plan,
    state,
    policy,
    origins,
    bursts,
    clock,
    originWaitMs: config.originWaitMs,
    burstThreshold: config.burstThreshold,
    labelLanguage: config.labelLanguage,
    identityVerifier: deps.stir.verifier,
    onDecision: recordDecision,
  });
  metrics.gauge('callshield_origin_registrations', 'Live origin registrations', origins.size);

  return {
    name: 'screening',
    service,
    state,
    policy,
    recent,
    hotState,
    origins,
    recordDecision,
    register(scope: FastifyInstance): void {
      if (screeningRole) registerScreeningRoutes(scope, { screening: service, batchMaxItems: config.batchMaxItems });
    },
    close(): void {
      unsubscribeRecent();
    },
  };
}
