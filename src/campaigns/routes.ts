import type { FastifyInstance } from 'fastify';
import { errorSchema, requireRole } from '../platform/http.ts';
import type { SpoofingCampaigns } from './aggregator.ts';

/** `GET /v1/campaigns`: which carriers deliver spoofed calls, which numbers are spoofed most. */
export function registerCampaignRoutes(
  app: FastifyInstance,
  deps: { campaigns: SpoofingCampaigns; clock: () => number },
) {
  app.get(
    '/v1/campaigns',
    {
      schema: {
        summary: 'Spoofing campaigns: top delivering carriers, top spoofed numbers, calls per hour',
        description:
          'Blocked SPOOFED_DOMESTIC_FROM_ABROAD and UNCONFIRMED_ORIGIN calls (shadow-mode blocks counted apart) over ' +
          'the last `hours` hours (at most a week), from the decisions this node has seen since it started.',
        tags: ['campaigns'],
        querystring: {
          type: 'object',
          properties: {
            hours: { type: 'integer', minimum: 1, maximum: 168, default: 24 },
            limit: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
          },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      requireRole(request, 'admin', 'supervisor', 'analyst');
      const q = request.query as { hours: number; limit: number };
      return deps.campaigns.report(deps.clock(), q.hours, q.limit);
    },
  );
}
