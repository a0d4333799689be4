import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import { errorSchema, principalOf } from '../platform/http.ts';
import type { DecisionCounter } from './counter.ts';
import type { createStatsStore } from './store.ts';

const DAY = 86_400_000;

export function registerStatsRoutes(
  app: FastifyInstance,
  deps: { store: ReturnType<typeof createStatsStore>; counter: DecisionCounter; clock: () => number },
) {
  app.get(
    '/v1/stats',
    {
      schema: {
        summary: 'Screening figures: totals, by reason, by operator, a time series and since-launch totals',
        description: 'An operator key sees its own figures. Default: the last 24 hours by hour.',
        tags: ['stats'],
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string' },
            to: { type: 'string' },
            groupBy: { type: 'string', enum: ['hour', 'day'], default: 'hour' },
          },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const q = request.query as { from?: string; to?: string; groupBy: 'hour' | 'day' };
      const to = q.to ? Date.parse(q.to) : deps.clock() + 3_600_000;
      const from = q.from ? Date.parse(q.from) : deps.clock() - DAY;
      if (Number.isNaN(to) || Number.isNaN(from))
        throw new AppError('INVALID_TIME', '"from" and "to" must be ISO 8601 date-times');
      if (from >= to) throw new AppError('VALIDATION_FAILED', '"from" must be before "to"');
      // Figures include the decisions of the last second.
      await deps.counter.flush();
      return deps.store.query({
        from: new Date(from),
        to: new Date(to),
        groupBy: q.groupBy,
        operator: p.kind === 'operator' ? p.operatorId : p.kind === 'user' ? p.operatorId : undefined,
      });
    },
  );
}
