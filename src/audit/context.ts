import type { FastifyRequest } from 'fastify';
import { describePrincipal } from '../auth/principal.ts';
import type { NewAuditEntry } from './log.ts';

/** Who is acting in a request, as the audit log records it. */
export function auditActorOf(request: FastifyRequest): Pick<NewAuditEntry, 'actor' | 'role' | 'clientIp'> {
  const p = request.principal;
  return {
    actor: p ? describePrincipal(p) : 'anonymous',
    role: !p ? 'none' : p.kind === 'user' ? p.role : p.kind,
    clientIp: request.ip,
  };
}
