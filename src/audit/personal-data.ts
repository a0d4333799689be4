/**
 * Looks at subscriber data through routes that do not audit themselves: the audit entry is written
 * before the answer leaves, and when it cannot be written the answer is not sent (503
 * AUDIT_UNAVAILABLE), so no one sees a reporter's number or a raw CDR row unrecorded. Routes that
 * audit their own looks (console lookups, decisions, cases, alerts) are not listed here; the route
 * walk in personal-data.test.ts fails for any route that answers such data with neither.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { appendRouteHook } from '../platform/http.ts';
import { auditActorOf } from './context.ts';
import type { AuditLog } from './log.ts';

interface PersonalDataRoute {
  action: string;
  /**
   * What was looked at: a number, an upload, or '*' for a list. `operator` is the operator the caller
   * is held to (an operator's key or an operator analyst), whatever the query asked for.
   */
  target(params: Record<string, string>, query: Record<string, unknown>, operator: string | undefined): string;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/** GET routes answering subscriber data (msisdn, IMSI, IMEI, reporter numbers, raw CDR rows). */
export const personalDataRoutes: Record<string, PersonalDataRoute> = {
  // Every report about a number, with the reporters' verified numbers.
  '/v1/reports/numbers/:number': { action: 'reports.read', target: (p) => p.number },
  // Reported numbers with their reporters' counts and links.
  '/v1/reports/queue': { action: 'reports.queue', target: () => '*' },
  // Raw quarantined CDR rows: msisdn, IMSI, IMEI as the operator sent them.
  '/v1/cdr/quarantine': {
    action: 'cdr.quarantine.read',
    target: (_p, q, operator) => text(q.uploadId) ?? operator ?? text(q.operator) ?? '*',
  },
  // Campaigns list the numbers that took part.
  '/v1/campaigns': { action: 'campaigns.browse', target: () => '*' },
  // Which operator serves a subscriber now.
  '/v1/admin/mnp/:msisdn': { action: 'mnp.read', target: (p) => p.msisdn },
  // Where a subscriber is abroad (country, since, until): read with the admin token or an operator's key.
  '/v1/roaming/:msisdn': { action: 'roaming.read', target: (p) => p.msisdn },
  // The national lists name subscribers' numbers (blocked, protected): each sync or browse is a look.
  '/v1/lists/:list': { action: 'lists.read', target: (p, q) => `${p.list}@${text(q.since) ?? '0'}` },
  '/v1/lists/:list/entries': { action: 'lists.browse', target: (p) => p.list },
  // Suspension requests name the SIM (number, IMSI); the device blocklist names IMEIs.
  '/v1/sim-suspensions': { action: 'sim_suspensions.read', target: (_p, q) => `since ${text(q.since) ?? '0'}` },
  '/v1/devices/blocklist': { action: 'devices.blocklist.read', target: (_p, q) => `since ${text(q.since) ?? '0'}` },
};

/** The operator a caller's reads are held to, if any: the route answers that operator's rows only. */
function scopedOperator(request: FastifyRequest): string | undefined {
  const p = request.principal;
  if (p?.kind === 'operator') return p.operatorId;
  if (p?.kind === 'user' && p.role === 'operator_analyst') return p.operatorId;
  return undefined;
}

export function installPersonalDataAudit(app: FastifyInstance, audit: AuditLog): void {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('GET')) return;
    const spec = personalDataRoutes[route.url];
    if (!spec) return;
    const hook = async (request: FastifyRequest, reply: { statusCode: number }, payload: unknown) => {
      // Refusals and errors show nothing.
      if (reply.statusCode >= 300) return payload;
      const params = (request.params ?? {}) as Record<string, string>;
      const query = (request.query ?? {}) as Record<string, unknown>;
      try {
        await audit.append({
          ...auditActorOf(request),
          action: spec.action,
          target: spec.target(params, query, scopedOperator(request)),
          details: { path: route.url, params, query },
        });
      } catch (error) {
        request.log.error({ err: error }, 'audit append failed');
        throw new AppError('AUDIT_UNAVAILABLE', 'the look cannot be recorded in the audit log, so nothing is shown');
      }
      return payload;
    };
    appendRouteHook(route, 'onSend', hook);
  });
}
