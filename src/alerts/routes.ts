import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import { describePrincipal } from '../auth/principal.ts';
import type { DetectionWorker } from '../detection/worker.ts';
import { AppError } from '../errors.ts';
import { errorSchema, principalOf, requireRole, syncQuerystring, syncResponse } from '../platform/http.ts';
import { readerScope } from './access.ts';
import type { DeviceBlocklist, SuspensionStore } from './actions-store.ts';
import type { AlertService } from './service.ts';
import { parseScoreCursor } from './store.ts';
import { alertKinds, alertStatuses, suspensionOutcomes } from './types.ts';

const nullableString = { type: ['string', 'null'] } as const;

const suspensionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    msisdn: { type: 'string' },
    imsi: nullableString,
    reason: { type: 'string' },
    alertId: { type: 'string' },
    operator: { type: 'string' },
    status: { type: 'string' },
    note: nullableString,
    version: { type: 'integer' },
    createdAt: { type: 'string' },
    ackedAt: nullableString,
    ackedBy: nullableString,
    deadline: nullableString,
  },
} as const;

const alertSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: alertKinds },
    msisdn: { type: 'string' },
    imsi: nullableString,
    imei: nullableString,
    score: { type: 'number' },
    evidence: { type: 'object', additionalProperties: true },
    status: { type: 'string', enum: alertStatuses },
    device: nullableString,
    firstSeen: nullableString,
    lastSeen: nullableString,
    operator: nullableString,
    operators: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    decidedBy: nullableString,
    decidedAt: nullableString,
    decisionReason: nullableString,
    suspension: {
      type: ['object', 'null'],
      properties: {
        id: { type: 'string' },
        status: { type: 'string' },
        note: nullableString,
        ackedAt: nullableString,
      },
    },
    actions: {
      type: 'object',
      properties: { blocklisted: { type: 'boolean' }, deviceBlocked: { type: 'boolean' } },
    },
  },
} as const;

const idParam = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 60 } },
  required: ['id'],
} as const;

const decisionBody = {
  type: 'object',
  required: ['reason'],
  properties: { reason: { type: 'string', minLength: 1, maxLength: 1000 } },
} as const;

/** Who decides alerts: the people who may also edit the national lists. */
const deciders = ['admin', 'supervisor', 'analyst'] as const;

/**
 * Alerts (`/v1/alerts`), their actions (`/v1/sim-suspensions`, `/v1/devices/blocklist`), the
 * detection worker's controls and the detection figures. Operator keys and operator analysts see
 * only alerts about their own subscribers or raised from their own CDRs; another operator's alert
 * answers 404, like an unknown one.
 */
export function registerAlertRoutes(
  app: FastifyInstance,
  deps: {
    alerts: AlertService;
    suspensions: SuspensionStore;
    devices: DeviceBlocklist;
    worker: DetectionWorker | null;
    audit?: AuditLog;
    clock: () => number;
  },
) {
  const { alerts, suspensions, devices } = deps;

  /**
   * Looks at personal data (numbers, IMSIs, IMEIs), by people and by operators' API keys alike, are
   * recorded once per 10 minutes per look (an operator's system polls).
   */
  const recentLooks = new Map<string, number>();
  async function auditLook(request: FastifyRequest, action: string, target: string, details: Record<string, unknown>) {
    if (!deps.audit || !request.principal) return;
    const actor = auditActorOf(request);
    const key = `${actor.actor}|${action}|${target}|${JSON.stringify(details)}`;
    const now = deps.clock();
    if ((recentLooks.get(key) ?? 0) > now - 600_000) return;
    if (recentLooks.size > 10_000) recentLooks.clear();
    await deps.audit.append({ ...actor, action, target, details });
    recentLooks.set(key, now);
  }

  app.get(
    '/v1/alerts',
    {
      schema: {
        summary: 'Detection alerts, newest first (or the highest score first with sort=score)',
        description:
          'Filter by kind and status; `sort=score` orders by score, then the newest. Page with the returned `next` as `cursor` (with the same sort).',
        tags: ['alerts'],
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: alertKinds },
            status: { type: 'string', enum: alertStatuses },
            msisdn: { type: 'string', maxLength: 40 },
            cursor: { type: 'string', maxLength: 60, pattern: '^([0-9]{1,18}|s[-0-9.e+]{1,30}_[0-9]{1,18})$' },
            sort: { type: 'string', enum: ['time', 'score'], default: 'time' },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: alertSchema }, next: nullableString },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const scope = readerScope(request);
      const q = request.query as {
        kind?: (typeof alertKinds)[number];
        status?: (typeof alertStatuses)[number];
        msisdn?: string;
        cursor?: string;
        sort: 'time' | 'score';
        limit: number;
      };
      // A cursor pages the order it came from: a time cursor with sort=score (or the reverse) is refused.
      const after = q.sort === 'score' && q.cursor ? parseScoreCursor(q.cursor) : undefined;
      if (q.cursor && (q.sort === 'score' ? !after : q.cursor.startsWith('s')))
        throw new AppError('VALIDATION_FAILED', 'this cursor pages another order: send the sort it came with');
      let msisdn: string | undefined;
      if (q.msisdn) {
        msisdn = alerts.normalise(q.msisdn) ?? undefined;
        if (!msisdn) throw new AppError('INVALID_NUMBER', `"${q.msisdn.slice(0, 40)}" is not a phone number`);
      }
      await auditLook(request, 'alerts.list', msisdn ?? '*', { kind: q.kind, status: q.status, cursor: q.cursor });
      return alerts.list({
        kind: q.kind,
        status: q.status,
        msisdn,
        operator: scope.operator,
        before: q.cursor && q.sort !== 'score' ? Number(q.cursor) : undefined,
        sort: q.sort,
        after: after ?? undefined,
        limit: q.limit,
      });
    },
  );

  app.get(
    '/v1/alerts/:id',
    {
      schema: {
        summary: 'One alert with its evidence and the state of its actions',
        tags: ['alerts'],
        params: idParam,
        response: { 200: alertSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const scope = readerScope(request);
      const { id } = request.params as { id: string };
      const alert = await alerts.get(id, scope.operator);
      if (!alert) throw new AppError('NOT_FOUND', 'no such alert');
      await auditLook(request, 'alert.view', id, { msisdn: alert.msisdn });
      return alert;
    },
  );

  for (const action of ['confirm', 'dismiss'] as const) {
    app.post(
      `/v1/alerts/:id/${action}`,
      {
        schema: {
          summary:
            action === 'confirm'
              ? 'Confirm an alert: block the number, ask the owner to suspend the SIM, block a SIM-box IMEI'
              : 'Dismiss an alert (a confirmed one has its blocks withdrawn and its suspension request cancelled)',
          tags: ['alerts'],
          params: idParam,
          body: decisionBody,
          response: { 200: alertSchema, '4xx': errorSchema },
        },
      },
      async (request) => {
        const p = requireRole(request, ...deciders);
        const { id } = request.params as { id: string };
        const { reason } = request.body as { reason: string };
        const actor = describePrincipal(p);
        return action === 'confirm'
          ? alerts.confirm(id, actor, reason.trim())
          : alerts.dismiss(id, actor, reason.trim());
      },
    );
  }

  app.get(
    '/v1/sim-suspensions',
    {
      schema: {
        summary: 'SIM suspension requests for your operator, after a version',
        description:
          "Oldest first, at most `limit`. Pull with the returned `version` (the last item's) as `since` until `items` " +
          'is empty. A request whose alert was dismissed comes again with status `cancelled`. A `since` past every ' +
          'version given gets the requests from the first again, with `reset: true`.',
        tags: ['alerts'],
        querystring: {
          type: 'object',
          properties: {
            since: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
            operator: { type: 'string', maxLength: 40 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              version: { type: 'integer' },
              items: { type: 'array', items: suspensionSchema },
              reset: {
                type: 'boolean',
                description:
                  'Present (true) when `since` is past every version the server gave (its records restored from a ' +
                  'backup behind it): `items` then start from the first request again.',
              },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const scope = readerScope(request);
      const q = request.query as { since: number; limit: number; operator?: string };
      return suspensions.since(scope.operator ?? q.operator, q.since, q.limit);
    },
  );

  app.post(
    '/v1/sim-suspensions/:id/ack',
    {
      schema: {
        summary: 'Tell the platform what you did with a suspension request',
        tags: ['alerts'],
        params: idParam,
        body: {
          type: 'object',
          required: ['outcome'],
          properties: {
            outcome: { type: 'string', enum: suspensionOutcomes },
            note: { type: 'string', maxLength: 1000 },
          },
        },
        response: { 200: suspensionSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const operator =
        p.kind === 'operator' ? p.operatorId : p.kind === 'user' && p.role === 'operator_analyst' ? p.operatorId : null;
      if (!operator) throw new AppError('FORBIDDEN', 'only the operator owning the SIM acknowledges its suspension');
      const { id } = request.params as { id: string };
      const body = request.body as { outcome: (typeof suspensionOutcomes)[number]; note?: string };
      const existing = await suspensions.get(id);
      // Another operator's request answers exactly like an unknown one.
      if (!existing || existing.operator !== operator) throw new AppError('NOT_FOUND', 'no such suspension request');
      const acked = await suspensions.ack(id, body.outcome, body.note?.trim() || null, describePrincipal(p));
      if (!acked) throw new AppError('CONFLICT', 'the request was cancelled: its alert was dismissed');
      return acked;
    },
  );

  app.get(
    '/v1/devices/blocklist',
    {
      schema: {
        summary: 'IMEI device blocklist (SIM-box hardware): incremental sync',
        description:
          'Same shape and loop as `GET /v1/lists/{list}`: changes after `since` (0: the whole list, paged by `limit`); ' +
          'ask again with the returned `version` until it equals the `since` you sent.',
        tags: ['alerts'],
        querystring: syncQuerystring,
        response: {
          200: syncResponse({
            type: 'object',
            properties: {
              imei: { type: 'string' },
              reason: { type: 'string' },
              alertId: nullableString,
              createdBy: { type: 'string' },
              createdAt: { type: 'string' },
              version: { type: 'integer' },
            },
          }),
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      principalOf(request);
      const q = request.query as { since: number; limit: number };
      return devices.changesSince(q.since, q.limit);
    },
  );

  app.get(
    '/v1/stats/detection',
    {
      schema: {
        summary: 'Detection figures: SIM-boxes, SIMs and devices found and blocked',
        description: 'An operator key or operator analyst sees the figures of its own alerts.',
        tags: ['stats'],
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const scope = readerScope(request);
      return { ...(scope.operator ? { operator: scope.operator } : {}), ...(await alerts.figures(scope.operator)) };
    },
  );

  app.post(
    '/v1/detection/run',
    {
      schema: {
        summary: 'Run the detectors now on every CDR accepted so far',
        tags: ['alerts'],
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      requireRole(request, ...deciders);
      if (!deps.worker) throw new AppError('NOT_READY', 'this node does not run the detect role');
      return deps.worker.run();
    },
  );

  app.get(
    '/v1/detection/status',
    {
      schema: { summary: 'State of the detection worker', tags: ['alerts'], response: { '4xx': errorSchema } },
    },
    async (request) => {
      requireRole(request, ...deciders);
      if (!deps.worker) throw new AppError('NOT_READY', 'this node does not run the detect role');
      return deps.worker.status();
    },
  );
}
