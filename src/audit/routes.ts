import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import { errorSchema, requireRole } from '../platform/http.ts';
import { auditActorOf } from './context.ts';
import { type AuditLog, type AuditQuery, auditCsv, type VerifyResult } from './log.ts';

const entrySchema = {
  type: 'object',
  properties: {
    seq: { type: 'integer' },
    id: { type: 'string' },
    at: { type: 'string' },
    actor: { type: 'string' },
    role: { type: 'string' },
    action: { type: 'string' },
    target: { type: 'string' },
    details: { type: 'object', additionalProperties: true },
    clientIp: { type: 'string' },
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;

const filterSchema = {
  type: 'object',
  properties: {
    actor: { type: 'string', maxLength: 200 },
    action: { type: 'string', maxLength: 100, description: 'prefix, e.g. "number." or "lists."' },
    target: { type: 'string', maxLength: 200 },
    from: { type: 'string' },
    to: { type: 'string' },
    cursor: { type: 'integer', minimum: 1, description: '`next` of the previous page' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
  },
} as const;

type Filter = {
  actor?: string;
  action?: string;
  target?: string;
  from?: string;
  to?: string;
  cursor?: number;
  limit: number;
};

function toQuery(q: Filter, limit = q.limit): AuditQuery {
  const time = (s: string | undefined, name: string) => {
    if (!s) return undefined;
    const t = Date.parse(s);
    if (Number.isNaN(t)) throw new AppError('INVALID_TIME', `"${name}" must be an ISO 8601 date-time`);
    return new Date(t);
  };
  return {
    actor: q.actor || undefined,
    action: q.action || undefined,
    target: q.target || undefined,
    from: time(q.from, 'from'),
    to: time(q.to, 'to'),
    before: q.cursor,
    limit,
  };
}

/** Browsing, export and verification of the audit log, for supervisors (and admins). */
export function registerAuditRoutes(
  app: FastifyInstance,
  deps: { audit: AuditLog /** The chain against the signed checkpoints. */; verify?: () => Promise<VerifyResult> },
) {
  const { audit } = deps;
  const verify = deps.verify ?? (() => audit.verify());

  app.get(
    '/v1/audit',
    {
      schema: {
        summary: 'Browse the audit log, newest first (supervisors)',
        tags: ['audit'],
        querystring: filterSchema,
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: entrySchema }, next: { type: ['integer', 'null'] } },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      requireRole(request, 'admin', 'supervisor');
      const q = request.query as Filter;
      const page = await audit.query(toQuery(q));
      // Reading the audit log is itself a look at personal data.
      await audit.append({
        ...auditActorOf(request),
        action: 'audit.browse',
        target: q.target ?? q.actor ?? '*',
        details: { filter: { ...q, limit: undefined } },
      });
      return page;
    },
  );

  app.get(
    '/v1/audit/export',
    {
      schema: {
        summary: 'Export the audit log as CSV (supervisors); same filters, up to 100 000 entries',
        tags: ['audit'],
        querystring: filterSchema,
        produces: ['text/csv'],
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireRole(request, 'admin', 'supervisor');
      const q = request.query as Filter;
      await audit.append({
        ...auditActorOf(request),
        action: 'audit.export',
        target: q.target ?? q.actor ?? '*',
        details: { filter: { ...q, limit: undefined } },
      });
      // Paged reads so that a large export does not hold the whole log at once in one query.
      const chunks: string[] = [];
      let before = q.cursor;
      let total = 0;
      let first = true;
      while (total < 100_000) {
        const page = await audit.query(toQuery({ ...q, cursor: before }, 5000));
        chunks.push(auditCsv(page.items, first));
        first = false;
        total += page.items.length;
        if (page.next === null) break;
        before = page.next;
      }
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="callshield-audit-${stamp}.csv"`)
        .send(chunks.join(''));
    },
  );

  app.get(
    '/v1/audit/verify',
    {
      schema: {
        summary: 'Check the hash chain of the whole audit log against its signed checkpoints (supervisors)',
        tags: ['audit'],
        response: {
          200: {
            type: 'object',
            properties: {
              ok: { type: 'boolean' },
              entries: { type: 'integer' },
              headSeq: { type: 'integer' },
              headHash: { type: 'string' },
              problem: { type: 'string' },
              seq: { type: 'integer' },
              checkpoints: { type: 'integer' },
              signedUpTo: { type: 'integer' },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      requireRole(request, 'admin', 'supervisor');
      const result = await verify();
      await audit.append({ ...auditActorOf(request), action: 'audit.verify', target: '*', details: { ok: result.ok } });
      return result;
    },
  );
}
