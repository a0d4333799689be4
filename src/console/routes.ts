/**
 * API helpers of the analyst console: the live decision feed, number lookups and the operators
 * overview. Every look at personal data (numbers in decisions, a number's registrations) is
 * written to the audit log before the data is sent; operator analysts see their operator only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import type { Keyring } from '../auth/keys.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import type { NumberRegistry } from '../number-registry/registry.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { OperatorRegistry } from '../operators/store.ts';
import { errorSchema, requireRole } from '../platform/http.ts';
import type { Sql } from '../platform/sql.ts';
import type { createRecentDecisions } from '../screening/recent.ts';
import type { ReputationIndex, Risk } from '../screening/reputation.ts';
import { type Decision, reasonCodes } from '../screening/types.ts';
import type { createStatsStore } from '../stats/store.ts';

export interface ConsoleRouteDeps {
  sql: Sql;
  plan: NumberingPlan;
  numbers: NumberRegistry;
  operators: OperatorRegistry;
  keyring: Keyring;
  recent: ReturnType<typeof createRecentDecisions>;
  reputation: ReputationIndex;
  /** The one risk of a number (the public page's), once the reports module provides it. */
  numberRisk?: (e164: number) => Risk;
  stats: ReturnType<typeof createStatsStore>;
  audit: AuditLog;
  clock: () => number;
  /** Alerts about a number, once the alerts module provides them. */
  alertsOf?: (msisdn: string, operatorId?: string) => Promise<unknown[]>;
}

/** Roles that may see personal data (numbers of calls, registrations). */
const investigators = ['admin', 'supervisor', 'analyst', 'operator_analyst'] as const;

/** The operator an operator analyst is bound to (undefined: sees every operator). */
const scopeOf = (p: Principal): string | undefined =>
  p.kind === 'user' && p.role === 'operator_analyst' ? p.operatorId : undefined;

const decisionSchema = {
  type: 'object',
  properties: {
    decisionId: { type: 'string' },
    callId: { type: 'string' },
    channel: { type: 'string', enum: ['call', 'sms'] },
    operator: { type: 'string' },
    fromOperator: { type: 'string' },
    a: { type: 'string' },
    b: { type: 'string' },
    ingress: { type: 'string' },
    at: { type: 'string' },
    decidedAt: { type: 'string' },
    verdict: { type: 'string' },
    reasons: { type: 'array', items: { type: 'string' } },
    labelCode: { type: 'string' },
    label: { type: 'string' },
    shadow: { type: 'boolean' },
    shadowVerdict: { type: 'string' },
    latencyUs: { type: 'number' },
    linkDomains: { type: 'array', items: { type: 'string' } },
  },
} as const;

export function registerConsoleRoutes(app: FastifyInstance, deps: ConsoleRouteDeps) {
  const { plan, numbers, operators, recent, audit } = deps;

  /** Feeds are polled every few seconds: the same look by the same person is recorded once per 10 minutes. */
  const recentLooks = new Map<string, number>();
  async function auditLook(request: FastifyRequest, action: string, target: string, details: Record<string, unknown>) {
    const actor = auditActorOf(request);
    const key = `${actor.actor}|${action}|${target}|${JSON.stringify(details)}`;
    const now = deps.clock();
    if ((recentLooks.get(key) ?? 0) > now - 600_000) return;
    if (recentLooks.size > 10_000) recentLooks.clear();
    await audit.append({ ...actor, action, target, details });
    recentLooks.set(key, now);
  }

  const canSee = (scope: string | undefined, d: Decision) =>
    scope === undefined || d.operator === scope || d.fromOperator === scope;

  app.get(
    '/v1/decisions',
    {
      schema: {
        summary: 'Live feed of the latest screening decisions, newest first',
        description:
          'From the in-memory window of recent decisions. An operator analyst sees the calls its operator asked about or delivered.',
        tags: ['console'],
        querystring: {
          type: 'object',
          properties: {
            verdict: { type: 'string', enum: ['allow', 'label', 'block'] },
            reason: { type: 'string', enum: reasonCodes },
            operator: { type: 'string', maxLength: 40 },
            number: { type: 'string', maxLength: 40 },
            channel: { type: 'string', enum: ['call', 'sms'], description: 'calls or messages (SMS) only' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: decisionSchema } } },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const p = requireRole(request, ...investigators);
      const q = request.query as {
        verdict?: string;
        reason?: string;
        operator?: string;
        number?: string;
        channel?: 'call' | 'sms';
        limit: number;
      };
      const scope = scopeOf(p);
      if (scope && q.operator && q.operator !== scope) {
        throw new AppError('FORBIDDEN', `you see operator ${scope} only`);
      }
      let number: string | undefined;
      if (q.number) {
        const n = plan.parse(q.number);
        if (n < 0) throw new AppError('INVALID_NUMBER', `"${q.number.slice(0, 40)}" is not a phone number`);
        number = formatNumber(n);
      }
      const items = recent.list(
        (d) =>
          canSee(scope, d) &&
          (!q.verdict || d.verdict === q.verdict) &&
          (!q.reason || d.reasons.includes(q.reason as never)) &&
          (!q.operator || d.operator === q.operator || d.fromOperator === q.operator) &&
          (!q.channel || (d.channel ?? 'call') === q.channel) &&
          (!number || d.a === number || d.b === number),
        q.limit,
      );
      await auditLook(request, 'decisions.browse', number ?? '*', {
        ...(q.verdict ? { verdict: q.verdict } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
        ...(q.operator ? { operator: q.operator } : {}),
        ...(q.channel ? { channel: q.channel } : {}),
      });
      return { items };
    },
  );

  app.get(
    '/v1/decisions/:decisionId',
    {
      schema: {
        summary: 'One recent decision in full',
        tags: ['console'],
        params: {
          type: 'object',
          properties: { decisionId: { type: 'string', maxLength: 100 } },
          required: ['decisionId'],
        },
        response: { 200: decisionSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const p = requireRole(request, ...investigators);
      const { decisionId } = request.params as { decisionId: string };
      const [decision] = recent.list((d) => d.decisionId === decisionId, 1);
      // Another operator's decision answers exactly like an unknown one.
      if (!decision || !canSee(scopeOf(p), decision)) {
        throw new AppError('NOT_FOUND', 'no such decision among the recent ones');
      }
      await audit.append({
        ...auditActorOf(request),
        action: 'decision.view',
        target: decisionId,
        details: { a: decision.a, b: decision.b },
      });
      return decision;
    },
  );

  app.get(
    '/v1/numbers/:number/lookup',
    {
      schema: {
        summary: 'Everything about one number (recorded in the audit log)',
        description:
          'Owner from the numbering plan and MNP, roaming, list memberships, reputation and recent decisions. ' +
          "An operator analyst can look up its own operator's subscribers only.",
        tags: ['console'],
        params: { type: 'object', properties: { number: { type: 'string', maxLength: 40 } }, required: ['number'] },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const p = requireRole(request, ...investigators);
      const raw = (request.params as { number: string }).number;
      const n = plan.parse(raw);
      if (n < 0) throw new AppError('INVALID_NUMBER', `"${raw.slice(0, 40)}" is not a phone number`);
      const number = formatNumber(n);
      const classification = plan.classify(n);
      const owner = numbers.ownerOf(n);
      const scope = scopeOf(p);
      if (scope && owner !== scope) {
        await audit.append({
          ...auditActorOf(request),
          action: 'number.lookup.denied',
          target: number,
          details: { owner },
        });
        throw new AppError('NOT_NUMBER_OWNER', `${number} is not a subscriber of operator ${scope}`);
      }
      // Recorded before anything is read, so that no look goes unrecorded.
      await audit.append({ ...auditActorOf(request), action: 'number.lookup', target: number, details: {} });
      const domestic = classification.zone === 'domestic';
      const ported = domestic ? await numbers.getPorted(n) : null;
      const roaming = domestic ? await numbers.getRoaming(n) : null;
      const lists = await deps.sql.query<{
        list: string;
        reason: string;
        created_by: string;
        created_at: Date;
        expires_at: Date | null;
        source: string;
      }>(
        'select list, reason, created_by, created_at, expires_at, source from list_entries where number = $1 order by list',
        [number],
      );
      const decisions = recent.list((d) => (d.a === number || d.b === number) && canSee(scope, d), 50);
      return {
        number,
        zone: classification.zone,
        ...(classification.zone === 'domestic'
          ? { numberType: classification.allocation.type, region: classification.allocation.region }
          : {}),
        ...(classification.zone === 'foreign' ? { country: classification.country } : {}),
        rangeOwner: domestic ? plan.rangeOwner(n) : null,
        owner,
        ownerName: owner ? (operators.get(owner)?.name ?? owner) : null,
        ported: ported !== null,
        ...(ported ? { portedAt: ported.updatedAt } : {}),
        roaming,
        lists: lists.rows.map((r) => ({
          list: r.list,
          reason: r.reason,
          source: r.source,
          createdBy: r.created_by,
          createdAt: new Date(r.created_at).toISOString(),
          ...(r.expires_at ? { expiresAt: new Date(r.expires_at).toISOString() } : {}),
        })),
        reputation: deps.numberRisk ? deps.numberRisk(n) : deps.reputation.risk(n),
        decisions,
        alerts: deps.alertsOf ? await deps.alertsOf(number, scope) : [],
      };
    },
  );

  app.get(
    '/v1/console/operators',
    {
      schema: {
        summary: 'Operators overview: participation, keys, traffic of the last 24 hours, last seen',
        tags: ['console'],
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const p = requireRole(request, 'admin', 'supervisor', 'analyst', 'operator_analyst', 'viewer');
      const scope = scopeOf(p);
      const now = deps.clock();
      const traffic = await deps.stats.query({
        from: new Date(now - 86_400_000),
        to: new Date(now + 3_600_000),
        groupBy: 'hour',
        operator: scope,
      });
      const items = [];
      for (const o of operators.list()) {
        if (scope && o.id !== scope) continue;
        const keys = await deps.keyring.list(o.id);
        const active = keys.filter((k) => !k.revokedAt);
        const lastSeenAt = active
          .map((k) => k.lastUsedAt)
          .filter(Boolean)
          .sort()
          .at(-1);
        const figures = traffic.byOperator[o.id] ?? { screened: 0, allowed: 0, labelled: 0, blocked: 0, shadow: 0 };
        items.push({
          ...o,
          keys: { active: active.length, revoked: keys.length - active.length },
          ...(lastSeenAt ? { lastSeenAt } : {}),
          traffic24h: figures,
        });
      }
      return { items };
    },
  );
}
