/** Prevention: citizens' reports, reputation, number and link checks, trusted channels. */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { BrandCatalogue } from '../links/check.ts';
import type { ListService } from '../lists/service.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Sql } from '../platform/sql.ts';
import type { ListView } from '../screening/engine.ts';
import type { ReputationIndex } from '../screening/reputation.ts';
import type { Decision } from '../screening/types.ts';
import { type Corroboration, isEvidenceAgainstCaller } from './reputation.ts';
import { registerPublicRoutes, registerReportRoutes } from './routes.ts';
import { createReportService, type SenderIdLookup } from './service.ts';
import { createChannelStore, createReportStore } from './store.ts';

const brandsFile = new URL('../../data/brands/kz.json', import.meta.url);

export async function createReports(deps: {
  sql: Sql;
  config: Config;
  plan: NumberingPlan;
  reputation: ReputationIndex;
  lists: ListService;
  views: { blocklist: ListView; dno: ListView; allowlist: ListView };
  clock: () => number;
  recentDecisions: (number: string) => Decision[];
  alertsOf?: (msisdn: string) => Promise<{ kind: string; status?: string }[]>;
  senderIds?: SenderIdLookup;
}) {
  const store = createReportStore(deps.sql);
  const channels = createChannelStore(deps.sql);
  const brands = JSON.parse(readFileSync(brandsFile, 'utf8')) as BrandCatalogue;
  const corroborate = async (number: string): Promise<Corroboration> => {
    const decisions = deps.recentDecisions(number).filter((d) => isEvidenceAgainstCaller(d.reasons));
    const alerts = deps.alertsOf ? (await deps.alertsOf(number)).filter((a) => a.status !== 'dismissed') : [];
    return { alerts: alerts.length, suspiciousDecisions: decisions.length };
  };
  const reports = await createReportService({
    sql: deps.sql,
    plan: deps.plan,
    store,
    reputation: deps.reputation,
    lists: deps.lists,
    views: deps.views,
    brands,
    clock: deps.clock,
    corroborate,
    proof: {
      reportsBeforeProof: deps.config.publicReportsBeforeProof,
      bits: deps.config.publicReportProofBits,
    },
    senderIds: deps.senderIds,
  });
  const routeDeps = {
    reports,
    store,
    channels,
    lists: deps.lists,
    plan: deps.plan,
    publicRequestsPerMinute: deps.config.publicRequestsPerMinute,
    publicReportsPerMinute: deps.config.publicReportsPerMinute,
  };
  return {
    name: 'prevention',
    service: reports,
    async registerPublic(http: FastifyInstance): Promise<void> {
      // Public routes (own scope, rate-limited).
      await registerPublicRoutes(http, routeDeps);
      // Channel and analyst routes: trusted report channels authenticate with their own keys, so
      // these sit in a scope of their own, outside the one that wants an operator key, the admin
      // token or a console session.
      http.register(async (scope) => registerReportRoutes(scope, routeDeps));
    },
    close: () => reports.close(),
  };
}
