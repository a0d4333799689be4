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
          'the last `hours` hours (at most a week). The hourly figures are kept in the records store (written every ' +
          '30 s and on shutdown, by every node that folds decisions; a stored hour is only replaced by one with ' +
          'more calls) and reloaded at start, so a restart keeps them; the last seconds before an abrupt stop can ' +
          'be missing. After a restart, `distinctNumbers` of the hours before it is a lower bound.',
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
