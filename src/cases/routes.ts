import type { FastifyInstance, FastifyRequest } from 'fastify';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import { describePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { parseCsv } from '../platform/csv.ts';
import { errorSchema, requireRole } from '../platform/http.ts';
import { type Citation, citationAction, citationForm } from './citations.ts';
import { buildCaseExport } from './export.ts';
import type { CaseService, CreateFrom, ItemInput } from './service.ts';
import type { CaseSources } from './sources.ts';
import { type CaseScope, type CaseStatus, caseStatuses, type ItemType, itemTypes, seizedKinds } from './types.ts';

const readers = ['admin', 'supervisor', 'analyst', 'operator_analyst'] as const;
const writers = ['admin', 'supervisor', 'analyst'] as const;

const nullableString = { type: ['string', 'null'] } as const;
const idParam = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 60 } },
  required: ['id'],
} as const;

const caseSummarySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'string', enum: caseStatuses },
    assignee: nullableString,
    externalRef: nullableString,
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    items: { type: 'integer' },
  },
} as const;

const itemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: itemTypes },
    value: { type: 'string' },
    operators: { type: 'array', items: { type: 'string' } },
    note: nullableString,
    addedBy: { type: 'string' },
    addedAt: { type: 'string' },
  },
} as const;

const seizedSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: seizedKinds },
    identifier: nullableString,
    description: nullableString,
    seizedAt: { type: 'string' },
    place: { type: 'string' },
    operators: { type: 'array', items: { type: 'string' } },
    addedBy: { type: 'string' },
    addedAt: { type: 'string' },
  },
} as const;

const caseDetailSchema = {
  type: 'object',
  properties: {
    ...caseSummarySchema.properties,
    summary: nullableString,
    caseItems: { type: 'array', items: itemSchema },
    seized: { type: 'array', items: seizedSchema },
    timeline: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          seq: { type: 'integer' },
          at: { type: 'string' },
          actor: { type: 'string' },
          kind: { type: 'string' },
          details: { type: 'object', additionalProperties: true },
        },
      },
    },
    hidden: { type: 'integer' },
    nextStatuses: { type: 'array', items: { type: 'string' } },
  },
} as const;

const graphSchema = {
  type: 'object',
  properties: {
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          type: { type: 'string' },
          value: { type: 'string' },
          label: { type: 'string' },
          operators: { type: 'array', items: { type: 'string' } },
          depth: { type: 'integer' },
          firstSeen: nullableString,
          lastSeen: nullableString,
          events: { type: 'integer' },
          x: { type: 'number' },
          y: { type: 'number' },
          alert: { type: 'object', additionalProperties: true },
          location: {
            type: 'object',
            properties: { lat: { type: 'number' }, lon: { type: 'number' }, region: nullableString },
          },
        },
      },
    },
    edges: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          from: { type: 'string' },
          to: { type: 'string' },
          type: { type: 'string' },
          firstSeen: nullableString,
          lastSeen: nullableString,
          count: { type: 'integer' },
        },
      },
    },
    truncated: { type: 'boolean' },
  },
} as const;

/** A change that answers nothing but its status. */
const noContent = (description: string) => ({ 204: { type: 'null', description } }) as const;

const graphQuery = {
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  depth: { type: 'integer', minimum: 1, maximum: 4, default: 2 },
  maxNodes: { type: 'integer', minimum: 10, maximum: 1000, default: 300 },
} as const;

/** The reader's scope: an operator analyst sees their operator's part of a case only. */
function scopeOf(request: FastifyRequest): CaseScope {
  const p = requireRole(request, ...readers);
  if (p.kind === 'user' && p.role === 'operator_analyst') {
    if (!p.operatorId) throw new AppError('FORBIDDEN', 'this operator analyst is bound to no operator');
    return { operator: p.operatorId };
  }
  return { operator: undefined };
}

const actorOf = (request: FastifyRequest) => describePrincipal(requireRole(request, ...readers));

export function registerCaseRoutes(
  app: FastifyInstance,
  deps: { cases: CaseService; sources: CaseSources; audit: AuditLog; clock: () => number },
) {
  const { cases, audit } = deps;
  const tags = ['cases'];

  /** Audits a look at personal data; the answer waits for the entry, so no look goes unrecorded. */
  const audited = (request: FastifyRequest, action: string, target: string, details: Record<string, unknown>) =>
    audit.append({ ...auditActorOf(request), action, target, details });

  /**
   * Records the content digests of the alerts, reports and incidents an addition cited, in an entry
   * of their own (the generic action entry holds the request, not what the records said), so the
   * export can tell a record changed since (citations.ts).
   */
  const recordCitations = async (
    request: FastifyRequest,
    caseId: string,
    source: string | null,
    citations: Citation[],
  ) => {
    if (citations.length === 0) return;
    await audited(request, citationAction, caseId, {
      form: citationForm,
      algorithm: 'SHA-256',
      source,
      citations,
    });
  };

  const withLocations = async <G extends { nodes: { type: string; value: string }[] }>(graph: G) => {
    const located = new Map(
      (await deps.sources.cells(graph.nodes.filter((n) => n.type === 'cell').map((n) => n.value))).map((c) => [
        c.cell,
        c,
      ]),
    );
    return {
      ...graph,
      nodes: graph.nodes.map((n) => {
        const c = n.type === 'cell' ? located.get(n.value) : undefined;
        return c ? { ...n, location: { lat: c.lat, lon: c.lon, region: c.region } } : n;
      }),
    };
  };

  const timeFilter = (q: { from?: string; to?: string }) => ({
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
  });

  app.get<{ Querystring: { status?: CaseStatus; alertId?: string } }>(
    '/v1/cases',
    {
      schema: {
        summary: 'Cases, newest first (an operator analyst sees the cases holding records of their operator)',
        tags,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: caseStatuses },
            alertId: { type: 'string', maxLength: 60, description: 'Only cases holding this alert' },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: caseSummarySchema } } } },
      },
    },
    async (request) => ({ items: await cases.list(scopeOf(request), request.query.status, request.query.alertId) }),
  );

  app.post<{
    Body: { title: string; summary?: string; assignee?: string; externalRef?: string; from?: CreateFrom };
  }>(
    '/v1/cases',
    {
      schema: {
        summary:
          'Open a case, optionally from an alert, a device/farm or an identifier (pulls in everything connected)',
        tags,
        body: {
          type: 'object',
          required: ['title'],
          additionalProperties: false,
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 200 },
            summary: { type: 'string', maxLength: 5000 },
            assignee: { type: 'string', maxLength: 100 },
            externalRef: { type: 'string', maxLength: 100 },
            from: {
              type: 'object',
              minProperties: 1,
              maxProperties: 1,
              additionalProperties: false,
              properties: {
                alertId: { type: 'string', maxLength: 60 },
                device: { type: 'string', maxLength: 100 },
                number: { type: 'string', maxLength: 40 },
                imsi: { type: 'string', pattern: '^[0-9]{6,15}$' },
                imei: { type: 'string', pattern: '^[0-9]{14,16}$' },
              },
            },
          },
        },
        response: { 201: { type: 'object', properties: { id: { type: 'string' }, pulled: { type: 'integer' } } } },
      },
    },
    async (request, reply) => {
      requireRole(request, ...writers);
      const { id, pulled, source, citations } = await cases.create(request.body, actorOf(request), {
        operator: undefined,
      });
      await recordCitations(request, id, source, citations);
      return reply.status(201).send({ id, pulled });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/cases/:id',
    {
      schema: {
        summary: 'A case with its items, seized items and timeline (within the reader’s operator scope; audited)',
        tags,
        params: idParam,
        response: { 200: caseDetailSchema },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const detail = await cases.detail(request.params.id, scope);
      await audited(request, 'case.view', detail.id, {
        items: detail.caseItems.length,
        scope: scope.operator ?? 'all',
      });
      return detail;
    },
  );

  app.patch<{
    Params: { id: string };
    Body: Partial<{
      title: string;
      summary: string | null;
      assignee: string | null;
      externalRef: string | null;
      base: Partial<Record<string, string | null>>;
    }>;
  }>(
    '/v1/cases/:id',
    {
      schema: {
        summary: 'Change a case’s title, summary, assignee or criminal case number (each change on the timeline)',
        tags,
        params: idParam,
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 200 },
            summary: { type: ['string', 'null'], maxLength: 5000 },
            assignee: { type: ['string', 'null'], maxLength: 100 },
            externalRef: { type: ['string', 'null'], maxLength: 100 },
            base: {
              type: 'object',
              description:
                'The values the editor started from; a field changed meanwhile by someone else answers 409 CONFLICT instead of being overwritten',
              additionalProperties: false,
              properties: {
                title: { type: 'string', maxLength: 200 },
                summary: { type: ['string', 'null'], maxLength: 5000 },
                assignee: { type: ['string', 'null'], maxLength: 100 },
                externalRef: { type: ['string', 'null'], maxLength: 100 },
              },
            },
          },
        },
        response: {
          ...noContent('changed (no body)'),
          400: {
            ...errorSchema,
            description: 'VALIDATION_FAILED: nothing to change, or a field breaks the schema; INVALID_JSON',
          },
          404: { ...errorSchema, description: 'NOT_FOUND: no such case' },
          409: {
            ...errorSchema,
            description:
              'CONFLICT: a field named in `base` was changed meanwhile by someone else (nothing is changed; reload the case)',
          },
        },
      },
    },
    async (request, reply) => {
      requireRole(request, ...writers);
      const { base, ...patch } = request.body;
      if (Object.keys(patch).length === 0) throw new AppError('VALIDATION_FAILED', 'nothing to change');
      await cases.update(request.params.id, patch, actorOf(request), base);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: { to: CaseStatus; reason?: string } }>(
    '/v1/cases/:id/transition',
    {
      schema: {
        summary:
          'Move a case along its workflow (new → investigating → action_requested → closed); 409 INVALID_TRANSITION otherwise',
        tags,
        params: idParam,
        body: {
          type: 'object',
          required: ['to'],
          additionalProperties: false,
          properties: {
            to: { type: 'string', enum: caseStatuses },
            reason: { type: 'string', maxLength: 1000 },
          },
        },
        response: {
          ...noContent('moved (no body)'),
          404: { ...errorSchema, description: 'NOT_FOUND: no such case' },
          409: {
            ...errorSchema,
            description:
              'INVALID_TRANSITION: the workflow does not lead from the case’s status to `to`; ' +
              'CONFLICT: the case changed status meanwhile (reload it)',
          },
        },
      },
    },
    async (request, reply) => {
      requireRole(request, ...writers);
      await cases.transition(request.params.id, request.body.to, request.body.reason ?? null, actorOf(request));
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: { text: string; shared?: boolean } }>(
    '/v1/cases/:id/notes',
    {
      schema: {
        summary: 'Add a note to the timeline (national notes reach operator analysts only when shared)',
        tags,
        params: idParam,
        body: {
          type: 'object',
          required: ['text'],
          additionalProperties: false,
          properties: { text: { type: 'string', minLength: 1, maxLength: 5000 }, shared: { type: 'boolean' } },
        },
        response: {
          ...noContent('added to the timeline (no body)'),
          404: { ...errorSchema, description: 'NOT_FOUND: no such case, or one outside the reader’s operator scope' },
        },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      await cases.note(request.params.id, request.body.text, request.body.shared === true, actorOf(request), scope);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string }; Body: { items: ItemInput[] } }>(
    '/v1/cases/:id/items',
    {
      schema: {
        summary: 'Add alerts, numbers, SIMs (IMSI/ICCID), devices (IMEI), cells or reports to a case',
        tags,
        params: idParam,
        body: {
          type: 'object',
          required: ['items'],
          additionalProperties: false,
          properties: {
            items: {
              type: 'array',
              minItems: 1,
              maxItems: 500,
              items: {
                type: 'object',
                required: ['type', 'value'],
                additionalProperties: false,
                properties: {
                  type: { type: 'string', enum: itemTypes },
                  value: { type: 'string', minLength: 1, maxLength: 100 },
                  note: { type: 'string', maxLength: 1000 },
                  operator: { type: 'string', maxLength: 40 },
                },
              },
            },
          },
        },
        response: { 201: { type: 'object', properties: { items: { type: 'array', items: itemSchema } } } },
      },
    },
    async (request, reply) => {
      requireRole(request, ...writers);
      const { items, citations } = await cases.addItems(request.params.id, request.body.items, actorOf(request));
      await recordCitations(request, request.params.id, 'manual', citations);
      return reply.status(201).send({ items });
    },
  );

  app.delete<{ Params: { id: string; type: ItemType; value: string } }>(
    '/v1/cases/:id/items/:type/:value',
    {
      schema: {
        summary: 'Remove an item from a case',
        tags,
        params: {
          type: 'object',
          required: ['id', 'type', 'value'],
          properties: {
            id: { type: 'string', maxLength: 60 },
            type: { type: 'string', enum: itemTypes },
            value: { type: 'string', maxLength: 100 },
          },
        },
        response: {
          ...noContent('removed (no body)'),
          400: {
            ...errorSchema,
            description:
              'VALIDATION_FAILED: an item type the API does not know; INVALID_NUMBER: a `number` item whose value is not a telephone number',
          },
          404: { ...errorSchema, description: 'NOT_FOUND: no such case, or the case does not hold this item' },
        },
      },
    },
    async (request, reply) => {
      requireRole(request, ...writers);
      await cases.removeItem(request.params.id, request.params.type, request.params.value, actorOf(request));
      return reply.status(204).send();
    },
  );

  app.post<{
    Params: { id: string };
    Body: {
      kind: (typeof seizedKinds)[number];
      identifier?: string;
      description?: string;
      seizedAt: string;
      place: string;
      operator?: string;
    };
  }>(
    '/v1/cases/:id/seized',
    {
      schema: {
        summary: 'Record a seized SIM card, SIM-box or phone, with where and when it was seized',
        tags,
        params: idParam,
        body: {
          type: 'object',
          required: ['kind', 'seizedAt', 'place'],
          additionalProperties: false,
          properties: {
            kind: { type: 'string', enum: seizedKinds },
            identifier: { type: 'string', maxLength: 40 },
            description: { type: 'string', maxLength: 2000 },
            seizedAt: { type: 'string', format: 'date-time' },
            place: { type: 'string', minLength: 1, maxLength: 500 },
            operator: { type: 'string', maxLength: 40 },
          },
        },
        response: { 201: seizedSchema },
      },
    },
    async (request, reply) => {
      requireRole(request, ...writers);
      return reply.status(201).send(await cases.addSeized(request.params.id, request.body, actorOf(request)));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from?: string; to?: string; depth: number; maxNodes: number } }>(
    '/v1/cases/:id/graph',
    {
      schema: {
        summary: 'The link graph around a case’s numbers, SIMs and devices, with a time filter (audited)',
        tags,
        params: idParam,
        querystring: { type: 'object', properties: graphQuery },
        response: { 200: graphSchema },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const { depth, maxNodes } = request.query;
      const { graph } = await cases.caseGraph(request.params.id, timeFilter(request.query), { depth, maxNodes }, scope);
      await audited(request, 'case.graph', request.params.id, { nodes: graph.nodes.length, ...request.query });
      return withLocations(graph);
    },
  );

  app.get<{
    Querystring: {
      type: 'number' | 'imsi' | 'imei' | 'cell';
      value: string;
      from?: string;
      to?: string;
      depth: number;
      maxNodes: number;
    };
  }>(
    '/v1/links',
    {
      schema: {
        summary: 'Link analysis from one number, SIM (IMSI), device (IMEI) or cell, with a time filter (audited)',
        tags,
        querystring: {
          type: 'object',
          required: ['type', 'value'],
          properties: {
            type: { type: 'string', enum: ['number', 'imsi', 'imei', 'cell'] },
            value: { type: 'string', minLength: 1, maxLength: 100 },
            ...graphQuery,
          },
        },
        response: { 200: graphSchema },
      },
    },
    async (request) => {
      const scope = scopeOf(request);
      const { type, value, depth, maxNodes } = request.query;
      const graph = await cases.graph(
        { type, value },
        { ...timeFilter(request.query), operator: scope.operator },
        { depth, maxNodes },
      );
      // The time filter is part of what was looked at (the same number over another week is another look).
      const { from, to } = request.query;
      await audited(request, 'links.graph', `${type}:${value}`, {
        nodes: graph.nodes.length,
        depth,
        maxNodes,
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
      });
      return withLocations(graph);
    },
  );

  app.get<{ Params: { id: string }; Querystring: { lang: 'ru' | 'en' } }>(
    '/v1/cases/:id/export',
    {
      schema: {
        summary:
          'Evidence export: a ZIP of CSVs of the records, a PDF summary and manifest.json with SHA-256 digests (audited)',
        tags,
        params: idParam,
        querystring: { type: 'object', properties: { lang: { type: 'string', enum: ['ru', 'en'], default: 'ru' } } },
      },
    },
    async (request, reply) => {
      const scope = scopeOf(request);
      const actor = actorOf(request);
      const evidence = await cases.evidence(request.params.id, scope);
      const generatedAt = new Date(deps.clock()).toISOString();
      const exported = await buildCaseExport(evidence, {
        generatedAt,
        generatedBy: actor,
        operator: scope.operator,
        language: request.query.lang,
      });
      const changed = [...evidence.citations.values()]
        .filter((c) => c.changed === true)
        .map((c) => `${c.type}:${c.value}`);
      await cases.recordExport(request.params.id, actor, {
        files: exported.files.length + 1,
        sha256: exported.sha256,
        scope: scope.operator ?? 'all',
      });
      await audited(request, 'case.export', request.params.id, {
        sha256: exported.sha256,
        bytes: exported.zip.byteLength,
        files: exported.files,
        scope: scope.operator ?? 'all',
        changedSinceCitation: changed,
      });
      return reply
        .header('content-type', 'application/zip')
        .header('content-disposition', `attachment; filename="${exported.fileName}"`)
        .header('x-content-sha256', exported.sha256)
        .send(exported.zip);
    },
  );

  app.put<{ Body: string }>(
    '/v1/cells',
    {
      schema: {
        summary: 'Import cell locations (CSV cell_id,lat,lon[,region]) for the map of cases',
        tags,
        consumes: ['text/csv'],
        response: { 200: { type: 'object', properties: { imported: { type: 'integer' } } } },
      },
    },
    async (request) => {
      requireRole(request, ...writers);
      if (typeof request.body !== 'string') throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the cells as text/csv');
      const parsed = parseCsv(request.body, ['cell_id', 'lat', 'lon'], 500_000);
      if (!parsed.ok) throw new AppError(parsed.code, parsed.message);
      const cells = parsed.value.map((r, i) => {
        const lat = Number(r.lat);
        const lon = Number(r.lon);
        if (!r.cell_id || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180)
          throw new AppError('VALIDATION_FAILED', `row ${i + 2}: a cell needs an id and a valid lat and lon`);
        return { cell: r.cell_id, lat, lon, region: r.region || null };
      });
      return { imported: await deps.sources.putCells(cells) };
    },
  );
}
