import type { FastifyInstance } from 'fastify';
import { describePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { parseCsv } from '../platform/csv.ts';
import { errorSchema, principalOf, requireRole, syncQuerystring, syncResponse } from '../platform/http.ts';
import type { AddEntryInput, ListService } from './service.ts';
import type { ListStore } from './store.ts';
import { isListName, type ListName, listNames } from './types.ts';

const entrySchema = {
  type: 'object',
  properties: {
    number: { type: 'string' },
    reason: { type: 'string' },
    source: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string' },
    expiresAt: { type: 'string' },
    displayName: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

const listParam = {
  type: 'object',
  properties: { list: { type: 'string', enum: listNames } },
  required: ['list'],
} as const;

/** Who may change lists: the admin token and console admins, supervisors and analysts (operator keys read). */
const requireListEditor = (request: Parameters<typeof requireRole>[0]) =>
  requireRole(request, 'admin', 'supervisor', 'analyst');

function listOf(params: unknown): ListName {
  const list = (params as { list: string }).list;
  if (!isListName(list)) throw new AppError('UNKNOWN_LIST', `no list "${list}" (lists: ${listNames.join(', ')})`);
  return list;
}

export function registerListRoutes(app: FastifyInstance, deps: { lists: ListService; store: ListStore }) {
  const { lists, store } = deps;
  // Unknown list names get UNKNOWN_LIST rather than a schema error.
  const unknownList = async (request: { params: unknown }) => void listOf(request.params);

  app.post(
    '/v1/lists/:list/entries',
    {
      preValidation: unknownList,
      schema: {
        summary: 'Add a number to a list',
        tags: ['lists'],
        params: listParam,
        body: {
          type: 'object',
          required: ['number', 'reason'],
          properties: {
            number: { type: 'string' },
            reason: { type: 'string' },
            expiresAt: { type: 'string' },
            displayName: { type: 'string', description: 'allowlist: the name shown to callees' },
          },
        },
        response: { 201: entrySchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireListEditor(request);
      const [change] = await lists.add(
        listOf(request.params),
        [request.body as never],
        describePrincipal(principalOf(request)),
        'api',
      );
      return reply.status(201).send(change.entry);
    },
  );

  app.post(
    '/v1/lists/:list/import',
    {
      preValidation: unknownList,
      schema: {
        summary: 'Import entries from CSV (number,reason[,expiresAt][,displayName])',
        description:
          'Every valid row is imported; a bad row is answered in `rejected` with its line (1 is the header), ' +
          'its error code and why, and does not stop the others.',
        tags: ['lists'],
        params: listParam,
        consumes: ['text/csv'],
        response: {
          200: {
            type: 'object',
            properties: {
              imported: { type: 'integer' },
              version: { type: 'integer' },
              rejected: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { line: { type: 'integer' }, code: { type: 'string' }, reason: { type: 'string' } },
                },
              },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      requireListEditor(request);
      const rows = parseCsv(String(request.body ?? ''), ['number', 'reason']);
      if (!rows.ok) throw new AppError('VALIDATION_FAILED', rows.message);
      const actor = describePrincipal(principalOf(request));
      const valid: AddEntryInput[] = [];
      const rejected: { line: number; code: string; reason: string }[] = [];
      rows.value.forEach((r, i) => {
        const input = {
          number: r.number,
          reason: r.reason,
          expiresAt: r.expiresAt || undefined,
          displayName: r.displayName || undefined,
        };
        try {
          lists.normalise(input, actor, 'import');
          valid.push(input);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          // Line 1 is the header.
          rejected.push({ line: i + 2, code: error.code, reason: error.message });
        }
      });
      const changes = valid.length ? await lists.add(listOf(request.params), valid, actor, 'import') : [];
      return { imported: changes.length, version: changes.at(-1)?.version ?? 0, rejected: rejected.slice(0, 1000) };
    },
  );

  app.delete(
    '/v1/lists/:list/entries/:number',
    {
      preValidation: unknownList,
      schema: {
        summary: 'Remove a number from a list',
        description: '404 UNKNOWN_LIST for another list name, NOT_FOUND when the number is not on the list.',
        tags: ['lists'],
        response: { 204: { type: 'null', description: 'removed' }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireListEditor(request);
      const { number } = request.params as { number: string };
      const change = await lists.remove(listOf(request.params), number, describePrincipal(principalOf(request)));
      if (!change) throw new AppError('NOT_FOUND', 'the number is not on this list');
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/lists/:list',
    {
      preValidation: unknownList,
      schema: {
        summary: 'Incremental list sync',
        description:
          'Changes after `since` (0 or absent: the whole list, paged by `limit`). Apply `added` and `removed`, then ask ' +
          'again with the returned `version` until it equals the `since` you sent. An entry whose `expiresAt` passes ' +
          'comes as removed. A `since` the server never reached (its records restored from a backup) gets the whole ' +
          'list again with `reset: true`: replace the local copy with it.',
        tags: ['lists'],
        params: listParam,
        querystring: syncQuerystring,
        response: {
          200: syncResponse(entrySchema),
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      principalOf(request);
      const q = request.query as { since: number; limit: number };
      return store.changesSince(listOf(request.params), q.since, q.limit);
    },
  );

  app.get(
    '/v1/lists/:list/entries',
    {
      preValidation: unknownList,
      schema: {
        summary: 'Browse and search a list',
        tags: ['lists'],
        params: listParam,
        querystring: {
          type: 'object',
          properties: {
            prefix: { type: 'string' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
          },
        },
      },
    },
    async (request) => {
      principalOf(request);
      const q = request.query as { prefix?: string; limit: number; offset: number };
      const prefix = q.prefix?.replace(/[^\d+]/g, '');
      return store.search(listOf(request.params), {
        prefix: prefix ? (prefix.startsWith('+') ? prefix : `+${prefix}`) : undefined,
        limit: q.limit,
        offset: q.offset,
      });
    },
  );
}
