import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { OperatorRegistry } from '../operators/store.ts';
import { parseCsv } from '../platform/csv.ts';
import { errorSchema, principalOf, requireAdmin, requireOperator } from '../platform/http.ts';
import { parseTime } from '../screening/service.ts';
import type { NumberRegistry } from './registry.ts';

const msisdnParam = { type: 'object', properties: { msisdn: { type: 'string' } }, required: ['msisdn'] } as const;

/** A roaming registration as answered (RoamingRegistration): `until` only when it has an end. */
const roamingSchema = {
  type: 'object',
  required: ['msisdn', 'operator', 'visitedCountry', 'since'],
  properties: {
    msisdn: { type: 'string' },
    operator: { type: 'string' },
    visitedCountry: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
  },
} as const;

export function registerNumberRoutes(
  app: FastifyInstance,
  deps: { plan: NumberingPlan; registry: NumberRegistry; operators: OperatorRegistry },
) {
  const { plan, registry, operators } = deps;
  const parse = (s: string) => {
    const n = plan.parse(s);
    if (n < 0 || plan.classify(n).zone !== 'domestic')
      throw new AppError('INVALID_NUMBER', `"${s.slice(0, 40)}" is not an allocated domestic number`);
    return n;
  };
  /** Only the home operator (owner after MNP) may register its subscriber's roaming. */
  const ownNumber = (operator: string, s: string) => {
    const n = parse(s);
    if (registry.ownerOf(n) !== operator)
      throw new AppError('NOT_NUMBER_OWNER', `${formatNumber(n)} does not belong to operator ${operator}`);
    return n;
  };

  app.put(
    '/v1/roaming/:msisdn',
    {
      schema: {
        summary: 'Register a subscriber abroad (home operator only)',
        description:
          'Answers 200 with the registration. 400 INVALID_NUMBER (not an allocated domestic number), INVALID_TIME, ' +
          'VALIDATION_FAILED (`until` not after `since`); 403 NOT_NUMBER_OWNER when the number is not yours.',
        tags: ['numbers'],
        security: [{ bearer: [] }],
        params: msisdnParam,
        body: {
          type: 'object',
          required: ['visitedCountry', 'since'],
          properties: {
            visitedCountry: { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' },
            since: { type: 'string' },
            until: { type: 'string' },
          },
        },
        response: { 200: roamingSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const operator = requireOperator(request);
      const n = ownNumber(operator, (request.params as { msisdn: string }).msisdn);
      const body = request.body as { visitedCountry: string; since: string; until?: string };
      const since = parseTime(body.since, 'since');
      if (!since.ok) throw new AppError(since.code, since.message);
      let until: number | undefined;
      if (body.until !== undefined) {
        const u = parseTime(body.until, 'until');
        if (!u.ok) throw new AppError(u.code, u.message);
        if (u.value <= since.value) throw new AppError('VALIDATION_FAILED', '"until" must be after "since"');
        until = u.value;
      }
      await registry.setRoaming(n, { operator, visitedCountry: body.visitedCountry, since: since.value, until });
      return reply.status(200).send(await registry.getRoaming(n));
    },
  );

  app.delete(
    '/v1/roaming/:msisdn',
    {
      schema: {
        summary: 'End a roaming registration',
        description: '403 NOT_NUMBER_OWNER when the number is not yours; 404 NOT_FOUND when it has no registration.',
        tags: ['numbers'],
        security: [{ bearer: [] }],
        params: msisdnParam,
        response: { 204: { type: 'null', description: 'the registration is removed' }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const operator = requireOperator(request);
      const n = ownNumber(operator, (request.params as { msisdn: string }).msisdn);
      if (!(await registry.clearRoaming(n))) throw new AppError('NOT_FOUND', 'no roaming registration for this number');
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/roaming/:msisdn',
    {
      schema: {
        summary: 'Read a roaming registration',
        tags: ['numbers'],
        security: [{ bearer: [] }],
        params: msisdnParam,
        response: { 200: roamingSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const p = principalOf(request);
      // Console users look numbers up through the audited lookup; this is the operators' API.
      if (p.kind === 'user') throw new AppError('FORBIDDEN', 'use the number lookup of the console');
      const n = parse((request.params as { msisdn: string }).msisdn);
      if (p.kind === 'operator' && registry.ownerOf(n) !== p.operatorId) {
        throw new AppError('NOT_NUMBER_OWNER', `${formatNumber(n)} does not belong to operator ${p.operatorId}`);
      }
      const r = await registry.getRoaming(n);
      if (!r) throw new AppError('NOT_FOUND', 'no roaming registration for this number');
      return r;
    },
  );

  app.put(
    '/v1/admin/mnp/:msisdn',
    {
      schema: {
        summary: 'Record a ported number',
        tags: ['admin'],
        params: msisdnParam,
        body: { type: 'object', required: ['operator'], properties: { operator: { type: 'string' } } },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      requireAdmin(request);
      const n = parse((request.params as { msisdn: string }).msisdn);
      const { operator } = request.body as { operator: string };
      if (!operators.get(operator)) throw new AppError('UNKNOWN_OPERATOR', `no operator "${operator}"`);
      await registry.setPorted(n, operator, 'api');
      return {
        msisdn: formatNumber(n),
        operator,
        rangeOwner: plan.rangeOwner(n),
        ported: plan.rangeOwner(n) !== operator,
      };
    },
  );

  app.get(
    '/v1/admin/mnp/:msisdn',
    {
      schema: {
        summary: 'Who serves a number',
        tags: ['admin'],
        params: msisdnParam,
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      requireAdmin(request);
      const n = parse((request.params as { msisdn: string }).msisdn);
      const entry = await registry.getPorted(n);
      return {
        msisdn: formatNumber(n),
        operator: registry.ownerOf(n),
        rangeOwner: plan.rangeOwner(n),
        ported: entry !== null,
        ...(entry ? { updatedAt: entry.updatedAt } : {}),
      };
    },
  );

  app.post(
    '/v1/admin/mnp/import',
    {
      schema: {
        summary: 'Bulk MNP import (CSV msisdn,operator)',
        tags: ['admin'],
        consumes: ['text/csv'],
        response: {
          200: { type: 'object', properties: { imported: { type: 'integer' }, rejected: { type: 'array' } } },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      requireAdmin(request);
      const rows = parseCsv(String(request.body ?? ''), ['msisdn', 'operator']);
      if (!rows.ok) throw new AppError('VALIDATION_FAILED', rows.message);
      const good: { e164: number; operator: string }[] = [];
      const rejected: { line: number; reason: string }[] = [];
      rows.value.forEach((r, i) => {
        const n = plan.parse(r.msisdn);
        if (n < 0 || plan.classify(n).zone !== 'domestic') rejected.push({ line: i + 2, reason: 'INVALID_NUMBER' });
        else if (!operators.get(r.operator)) rejected.push({ line: i + 2, reason: 'UNKNOWN_OPERATOR' });
        else good.push({ e164: n, operator: r.operator });
      });
      await registry.importPorted(good, 'import');
      return { imported: good.length, rejected: rejected.slice(0, 1000) };
    },
  );
}
