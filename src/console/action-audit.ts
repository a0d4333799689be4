/**
 * Records every change made by a person (console user or admin token) in the audit log: list
 * entries, keys, operators, MNP, alerts… Routes that audit themselves (login, users) and the
 * machine paths of operators (calls, CDRs, roaming) are left out; so are GETs, which audit their
 * own looks at personal data. The hook is attached per route, so the call path pays nothing.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import { appendRouteHook } from '../platform/http.ts';

const skipped = [
  /^\/v1\/calls\//,
  /^\/v1\/sms\/verify/,
  /^\/v1\/cdr/,
  /^\/public\//,
  /^\/v1\/console\//,
  /^\/v1\/roaming\//,
];

/** Body fields never copied into the log. */
const secretField = /password|token|apikey|secret/i;

function summariseBody(body: unknown): unknown {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return { bytes: Buffer.byteLength(body), lines: body.split('\n').length };
  if (typeof body !== 'object') return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (secretField.test(k)) continue;
    out[k] = typeof v === 'string' && v.length > 500 ? `${v.slice(0, 500)}…` : v;
  }
  const text = JSON.stringify(out);
  return text.length > 4000 ? { truncated: text.slice(0, 4000) } : out;
}

export function installActionAudit(app: FastifyInstance, audit: AuditLog) {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((m) => m === 'GET' || m === 'HEAD' || m === 'OPTIONS')) return;
    if (skipped.some((re) => re.test(route.url))) return;
    const action = `${route.url
      .replace(/^\/v1\//, '')
      .replace(/\/:[^/]+/g, '')
      .replace(/\//g, '.')}.${methods[0].toLowerCase()}`;
    // Written before the answer is sent: when the caller sees the change done, its audit entry is stored.
    const hook = async (request: FastifyRequest, reply: { statusCode: number }, payload: unknown) => {
      const p = request.principal;
      // Machines' calls (operator and bank keys) are left out; bank routes audit themselves, without personal data.
      if (!p || p.kind === 'operator' || p.kind === 'bank') return payload;
      const params = request.params as Record<string, string>;
      const body = request.body as { number?: unknown } | undefined;
      const parts = [...Object.values(params ?? {}), typeof body?.number === 'string' ? body.number : undefined];
      const target = parts.filter(Boolean).join('/') || '*';
      await audit
        .append({
          ...auditActorOf(request),
          action,
          target,
          details: { status: reply.statusCode, params, body: summariseBody(request.body) },
        })
        .catch((error) => request.log.error({ err: error }, 'audit append failed'));
      return payload;
    };
    appendRouteHook(route, 'onSend', hook);
  });
}
