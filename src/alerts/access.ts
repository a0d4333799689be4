import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { principalOf } from '../platform/http.ts';

/** Console roles that see every operator's data-path records. */
const nationalReaders = new Set(['admin', 'supervisor', 'analyst']);

/**
 * Who may read data-path records (alerts, suspensions, quarantine) and how far: the operator a
 * reader is confined to, or undefined for a national reader (admin token, admin, supervisor,
 * analyst). Operator keys and operator analysts see their own operator only; anyone else is refused.
 */
export function readerScope(request: FastifyRequest): { principal: Principal; operator: string | undefined } {
  const principal = principalOf(request);
  if (principal.kind === 'admin') return { principal, operator: undefined };
  if (principal.kind === 'operator') return { principal, operator: principal.operatorId };
  if (principal.kind === 'bank') throw new AppError('FORBIDDEN', 'a bank key does not read data-path records');
  if (principal.role === 'operator_analyst' && principal.operatorId)
    return { principal, operator: principal.operatorId };
  if (nationalReaders.has(principal.role)) return { principal, operator: undefined };
  throw new AppError('FORBIDDEN', 'this call needs an operator key or an analyst role');
}
