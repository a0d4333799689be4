import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { describePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import type { ListService } from '../lists/service.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { parseCsv } from '../platform/csv.ts';
import { errorSchema, perClientRateLimit, principalOf, requireAdmin, requireRole } from '../platform/http.ts';
import type { Language } from '../screening/labels.ts';
import type { ReportService } from './service.ts';
import { type createChannelStore, type createReportStore, reportCategories, reportChannels } from './store.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function languageOf(request: FastifyRequest): Language {
  const q = (request.query as { lang?: string } | undefined)?.lang;
  const wanted = (q ?? request.headers['accept-language'] ?? '').toLowerCase();
  return wanted.startsWith('kk') ? 'kk' : wanted.startsWith('en') ? 'en' : 'ru';
}

export interface ReportRoutesDeps {
  reports: ReportService;
  store: ReturnType<typeof createReportStore>;
  channels: ReturnType<typeof createChannelStore>;
  lists: ListService;
  plan: NumberingPlan;
  publicRequestsPerMinute: number;
  publicReportsPerMinute: number;
}

const publicBodyLimit = 16 * 1024;
const pageFiles: Record<string, { type: string; body: Buffer }> = Object.fromEntries(
  [
    ['/public/', 'index.html', 'text/html; charset=utf-8'],
    ['/public/app.js', 'app.js', 'text/javascript; charset=utf-8'],
    ['/public/style.css', 'style.css', 'text/css; charset=utf-8'],
  ].map(([path, file, type]) => [
    path,
    { type, body: readFileSync(new URL(`./public-page/${file}`, import.meta.url)) },
  ]),
);

/** The public channel (no key, rate-limited per client, nothing personal in any answer). */
export async function registerPublicRoutes(app: FastifyInstance, deps: ReportRoutesDeps) {
  await app.register(async (scope) => {
    await scope.register(
      rateLimit,
      perClientRateLimit(
        deps.publicRequestsPerMinute,
        60_000,
        (retryMs) => `too many requests; try again in ${Math.ceil(retryMs / 1000)} s`,
      ),
    );

    for (const [path, file] of Object.entries(pageFiles)) {
      scope.get(path, { schema: { hide: true } }, async (_request, reply) =>
        reply
          .type(file.type)
          .headers({
            'content-security-policy':
              "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
            'x-content-type-options': 'nosniff',
            'cache-control': 'no-cache',
          })
          .send(file.body),
      );
    }

    scope.post(
      '/public/v1/reports',
      {
        bodyLimit: publicBodyLimit,
        config: { rateLimit: { max: deps.publicReportsPerMinute, timeWindow: 60_000 } },
        schema: {
          summary: 'Report a fraud call, SMS or link (citizens, no key)',
          description:
            'After a few reports in an hour from one address (more from its subnet) each further report needs a ' +
            'proof of work: 428 PROOF_OF_WORK_REQUIRED until it is sent as the X-Callshield-Proof header ' +
            '("<challenge>:<nonce>", see GET /public/v1/reports/challenge). Past the rate limit, 429 RATE_LIMITED.',
          tags: ['public'],
          security: [],
          body: {
            type: 'object',
            required: ['channel', 'category'],
            properties: {
              number: { type: 'string' },
              channel: { type: 'string', enum: reportChannels },
              category: { type: 'string', enum: reportCategories },
              text: { type: 'string', maxLength: 2000 },
              url: { type: 'string', maxLength: 2048 },
              at: { type: 'string' },
            },
          },
          response: {
            202: { type: 'object', properties: { reportId: { type: 'string' } }, required: ['reportId'] },
            428: {
              ...errorSchema,
              description:
                'PROOF_OF_WORK_REQUIRED: many reports came from your network; get a challenge from ' +
                'GET /public/v1/reports/challenge, solve it and send the report again with X-Callshield-Proof ' +
                '(also when the proof sent is wrong, expired, used or of another network)',
            },
            429: {
              ...errorSchema,
              description:
                'RATE_LIMITED: too many reports or requests from this address; the message and the Retry-After ' +
                'header say when to try again',
            },
            '4xx': errorSchema,
          },
        },
      },
      async (request, reply) => {
        // A burst from one address or subnet pays a proof of work per report (friction.ts).
        const proof = request.headers['x-callshield-proof'];
        const checked = deps.reports.friction.check(request.ip, typeof proof === 'string' ? proof : undefined);
        if (!checked.ok) throw new AppError('PROOF_OF_WORK_REQUIRED', checked.message);
        // The reporter is its network, kept only as a salted digest; the User-Agent plays no part.
        const accepted = await deps.reports.submit(request.body as never, { kind: 'web', ip: request.ip });
        deps.reports.friction.note(request.ip);
        return reply.status(202).send(accepted);
      },
    );

    scope.get(
      '/public/v1/reports/challenge',
      {
        schema: {
          summary:
            'A proof-of-work challenge for reporting after a burst from your network: find a nonce whose SHA-256 of "<challenge>:<nonce>" starts with `bits` zero bits, send "<challenge>:<nonce>" as X-Callshield-Proof',
          tags: ['public'],
          security: [],
          response: {
            200: {
              type: 'object',
              properties: {
                challenge: { type: 'string' },
                bits: { type: 'integer' },
                expiresAt: { type: 'string' },
                required: { type: 'boolean' },
              },
              required: ['challenge', 'bits', 'expiresAt', 'required'],
            },
          },
        },
      },
      async (request, reply) =>
        reply.header('cache-control', 'no-store').send({
          ...deps.reports.friction.challenge(request.ip),
          required: deps.reports.friction.bitsNeeded(request.ip) > 0,
        }),
    );

    scope.get(
      '/public/v1/numbers/:number',
      {
        schema: {
          summary: 'Check a number before trusting a call',
          tags: ['public'],
          security: [],
          querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['ru', 'kk', 'en'] } } },
          response: {
            200: {
              type: 'object',
              properties: {
                number: { type: 'string' },
                risk: { type: 'string', enum: ['unknown', 'low', 'medium', 'high'] },
                label: { type: 'string' },
              },
              required: ['number', 'risk'],
            },
            '4xx': errorSchema,
          },
        },
      },
      async (request) => deps.reports.publicNumber((request.params as { number: string }).number, languageOf(request)),
    );

    scope.get(
      '/public/v1/links',
      {
        schema: {
          summary: 'Check a link: trusted (official domain of a protected brand), unknown, suspicious or phishing',
          tags: ['public'],
          security: [],
          querystring: { type: 'object', required: ['url'], properties: { url: { type: 'string', maxLength: 2048 } } },
          response: {
            200: {
              type: 'object',
              properties: {
                verdict: { type: 'string', enum: ['trusted', 'unknown', 'suspicious', 'phishing'] },
                reasons: { type: 'array', items: { type: 'string' } },
                brand: { type: 'string' },
                domain: { type: 'string' },
              },
              required: ['verdict', 'reasons'],
            },
            '4xx': errorSchema,
          },
        },
      },
      async (request) => deps.reports.checkLink((request.query as { url: string }).url),
    );
  });
}

/** Trusted channels (their own keys) and the analysts' side of reports. */
export async function registerReportRoutes(app: FastifyInstance, deps: ReportRoutesDeps) {
  const channelOf = async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const channel = token ? await deps.channels.byKeyHash(sha256(token)) : null;
    if (!channel) throw new AppError('UNAUTHORIZED', 'a report channel key is required');
    return channel;
  };

  app.post(
    '/v1/reports',
    {
      schema: {
        summary:
          'Submit a report through a trusted channel (operator short number, bank, bot) with the verified reporter number',
        tags: ['reports'],
        body: {
          type: 'object',
          required: ['channel', 'category', 'reporterNumber'],
          properties: { reporterNumber: { type: 'string' } },
        },
        response: { 202: { type: 'object', properties: { reportId: { type: 'string' } } }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const channel = await channelOf(request);
      return reply
        .status(202)
        .send(await deps.reports.submit(request.body as never, { kind: 'channel', channelId: channel.id }));
    },
  );

  app.post(
    '/v1/channel/dno',
    {
      schema: {
        summary: 'A bank registers a number it never calls from (its hotline) on the DNO list',
        tags: ['reports'],
        body: {
          type: 'object',
          required: ['number', 'reason'],
          properties: { number: { type: 'string' }, reason: { type: 'string' } },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const channel = await channelOf(request);
      if (channel.kind !== 'bank') throw new AppError('FORBIDDEN', 'only bank channels register DNO numbers');
      const body = request.body as { number: string; reason: string };
      // Registering again would take the entry over (its source is overwritten), and with it the
      // right to remove it: a bank adds and renews only numbers no one else has registered.
      const n = deps.plan.parse(body.number);
      const existing = n >= 0 ? await deps.lists.entry('dno', formatNumber(n)) : null;
      if (existing && existing.source !== `bank:${channel.id}`)
        throw new AppError('CONFLICT', 'the number is already on the DNO list, registered by someone else');
      const [change] = await deps.lists.add(
        'dno',
        [{ number: body.number, reason: body.reason }],
        `channel:${channel.id}`,
        `bank:${channel.id}`,
      );
      return reply.status(201).send(change.entry);
    },
  );

  app.delete(
    '/v1/channel/dno/:number',
    {
      schema: {
        summary: 'A bank removes one of its own DNO registrations',
        tags: ['reports'],
        response: { 204: { type: 'null', description: 'removed (no body)' }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const channel = await channelOf(request);
      if (channel.kind !== 'bank') throw new AppError('FORBIDDEN', 'only bank channels register DNO numbers');
      const n = deps.plan.parse((request.params as { number: string }).number);
      if (n < 0) throw new AppError('INVALID_NUMBER', 'not a phone number');
      const entries = await deps.lists.entry('dno', formatNumber(n));
      // A bank removes only what it registered: not another bank's hotline.
      if (!entries || entries.source !== `bank:${channel.id}`)
        throw new AppError('NOT_FOUND', 'no DNO registration of this bank for the number');
      await deps.lists.remove('dno', formatNumber(n), `channel:${channel.id}`);
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/admin/report-channels',
    {
      schema: {
        summary: 'Create a trusted report channel and its key (shown once)',
        tags: ['admin'],
        body: {
          type: 'object',
          required: ['id', 'name', 'kind'],
          properties: {
            id: { type: 'string', pattern: '^[a-z0-9_-]{2,40}$' },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            kind: { type: 'string', enum: ['operator', 'bank', 'bot'] },
            trust: { type: 'number', minimum: 0.1, maximum: 2, default: 1 },
          },
        },
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { id: string; name: string; kind: string; trust: number };
      const apiKey = `csr_${randomBytes(32).toString('base64url')}`;
      if (!(await deps.channels.create({ ...body, keyHash: sha256(apiKey) })))
        throw new AppError('CONFLICT', `channel "${body.id}" exists`);
      return reply.status(201).send({ id: body.id, apiKey });
    },
  );

  app.get(
    '/v1/admin/report-channels',
    { schema: { summary: 'Trusted report channels', tags: ['admin'] } },
    async (request) => {
      requireAdmin(request);
      return { items: await deps.channels.list() };
    },
  );

  const analysts = ['admin', 'supervisor', 'analyst'] as const;
  /** The public risk of a reported number or sender ID; a number stored before the length check stays listed. */
  const queueRisk = (reported: string) => {
    const n = deps.plan.parse(reported);
    return n >= 0 ? deps.reports.risk(n) : deps.reports.publicNumber(reported, 'en').risk;
  };

  app.get(
    '/v1/reports/queue',
    {
      schema: {
        summary: 'Open reports grouped by number, most reporters first',
        tags: ['reports'],
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
          },
        },
      },
    },
    async (request) => {
      requireRole(request, ...analysts);
      const q = request.query as { limit: number; offset: number };
      const rows = await deps.store.queue(q.limit, q.offset);
      return {
        items: rows.map((r) => ({
          number: r.number,
          reports: r.reports,
          verifiedReports: r.verified,
          reporters: r.reporters,
          firstAt: new Date(r.first_at).toISOString(),
          lastAt: new Date(r.last_at).toISOString(),
          categories: r.categories,
          channels: r.channels,
          urls: r.urls,
          score: r.number ? Number(deps.reports.scoreOf(r.number).toFixed(2)) : 0,
          risk: r.number ? queueRisk(r.number) : 'unknown',
        })),
      };
    },
  );

  app.get(
    '/v1/reports/numbers/:number',
    {
      schema: {
        summary: "Every report about a number (reporters' numbers: an audited look at personal data)",
        tags: ['reports'],
      },
    },
    async (request) => {
      requireRole(request, ...analysts);
      const n = deps.plan.parse((request.params as { number: string }).number);
      if (n < 0) throw new AppError('INVALID_NUMBER', 'not a phone number');
      const rows = await deps.store.byNumber(formatNumber(n), 500);
      return {
        number: formatNumber(n),
        items: rows.map((r) => ({
          id: r.id,
          channel: r.channel,
          category: r.category,
          text: r.text,
          url: r.url,
          at: new Date(r.at).toISOString(),
          receivedAt: new Date(r.received_at).toISOString(),
          source: r.source,
          verified: r.verified,
          reporterNumber: r.reporter_number,
          status: r.status,
          decidedBy: r.decided_by,
        })),
      };
    },
  );

  for (const decision of ['confirm', 'reject'] as const) {
    app.post(
      `/v1/reports/numbers/:number/${decision}`,
      {
        schema: {
          summary:
            decision === 'confirm'
              ? 'Confirm the reports about a number (optionally block it)'
              : 'Reject the reports about a number (clears it for 30 days)',
          tags: ['reports'],
          body: {
            type: 'object',
            required: ['reason'],
            properties: {
              reason: { type: 'string', minLength: 1, maxLength: 500 },
              ...(decision === 'confirm' ? { block: { type: 'boolean', default: false } } : {}),
            },
          },
          response: { '4xx': errorSchema },
        },
      },
      async (request) => {
        const p = requireRole(request, ...analysts);
        const body = request.body as { reason: string; block?: boolean };
        return deps.reports.decide((request.params as { number: string }).number, decision, describePrincipal(p), body);
      },
    );
  }

  app.get(
    '/v1/links/phishing',
    {
      schema: {
        summary: 'The phishing-domain list',
        tags: ['reports'],
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
          },
        },
      },
    },
    async (request) => {
      principalOf(request);
      const q = request.query as { limit: number; offset: number };
      return { items: await deps.reports.phishing.list(q.limit, q.offset), total: deps.reports.phishing.size() };
    },
  );

  app.post(
    '/v1/links/phishing',
    {
      schema: {
        summary: 'Add phishing domains (JSON {domain, reason} or CSV domain,reason)',
        tags: ['reports'],
        response: { '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const p = requireRole(request, ...analysts);
      const rows =
        typeof request.body === 'string'
          ? (() => {
              const parsed = parseCsv(request.body, ['domain', 'reason']);
              if (!parsed.ok) throw new AppError('VALIDATION_FAILED', parsed.message);
              return parsed.value as { domain: string; reason: string }[];
            })()
          : [request.body as { domain: string; reason: string }];
      const entries = rows.map((r) => {
        const domain = String(r.domain ?? '')
          .trim()
          .toLowerCase()
          .replace(/\.$/, '');
        if (!/^(?=.{3,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{2,63}$/.test(domain))
          throw new AppError('VALIDATION_FAILED', `"${domain.slice(0, 60)}" is not a domain`);
        if (!r.reason) throw new AppError('VALIDATION_FAILED', '"reason" is required');
        return {
          domain,
          reason: String(r.reason),
          source: typeof request.body === 'string' ? 'import' : 'analyst',
          addedBy: describePrincipal(p),
        };
      });
      return reply.status(201).send({ added: await deps.reports.phishing.add(entries) });
    },
  );
}
