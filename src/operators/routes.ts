import type { FastifyInstance } from 'fastify';
import type { Keyring } from '../auth/keys.ts';
import { describePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { errorSchema, principalOf, requireAdmin } from '../platform/http.ts';
import type { OperatorRegistry } from './store.ts';

const operatorSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    participating: { type: 'boolean' },
    createdAt: { type: 'string' },
  },
} as const;

export function registerOperatorRoutes(app: FastifyInstance, deps: { operators: OperatorRegistry; keyring: Keyring }) {
  const { operators, keyring } = deps;
  const known = (id: string) => {
    if (!operators.get(id)) throw new AppError('UNKNOWN_OPERATOR', `no operator "${id}"`);
    return id;
  };

  app.get(
    '/v1/operators',
    {
      schema: {
        summary: 'Operators (an operator key sees itself)',
        tags: ['operators'],
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: operatorSchema } } } },
      },
    },
    async (request) => {
      const p = principalOf(request);
      const all = operators.list();
      return { items: p.kind === 'operator' ? all.filter((o) => o.id === p.operatorId) : all };
    },
  );

  app.post(
    '/v1/admin/operators',
    {
      schema: {
        summary: 'Add an operator',
        tags: ['admin'],
        body: {
          type: 'object',
          required: ['id', 'name'],
          properties: {
            id: { type: 'string', pattern: '^[A-Z0-9_]{2,32}$' },
            name: { type: 'string', minLength: 1, maxLength: 200 },
            participating: { type: 'boolean', default: true },
          },
        },
        response: { 201: operatorSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = request.body as { id: string; name: string; participating: boolean };
      const created = await operators.create(body);
      if (!created) throw new AppError('OPERATOR_EXISTS', `operator "${body.id}" exists`);
      return reply.status(201).send(created);
    },
  );

  app.patch(
    '/v1/admin/operators/:id',
    {
      schema: {
        summary: 'Change an operator (name, participation)',
        tags: ['admin'],
        body: {
          type: 'object',
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, participating: { type: 'boolean' } },
        },
        response: { 200: operatorSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      requireAdmin(request);
      const updated = await operators.update(known((request.params as { id: string }).id), request.body as never);
      return updated;
    },
  );

  app.post(
    '/v1/admin/operators/:id/keys',
    {
      schema: {
        summary: 'Issue an API key for an operator (shown once)',
        tags: ['admin'],
        response: {
          201: {
            type: 'object',
            properties: {
              apiKey: { type: 'string' },
              id: { type: 'string' },
              operatorId: { type: 'string' },
              prefix: { type: 'string' },
              createdAt: { type: 'string' },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const id = known((request.params as { id: string }).id);
      const { apiKey, info } = await keyring.issue(id, describePrincipal(principalOf(request)));
      return reply.status(201).send({ apiKey, ...info });
    },
  );

  app.get(
    '/v1/admin/operators/:id/keys',
    {
      schema: {
        summary: "List an operator's keys (never the keys themselves)",
        tags: ['admin'],
        response: { '4xx': errorSchema },
      },
    },
    async (request) => {
      requireAdmin(request);
      return { items: await keyring.list(known((request.params as { id: string }).id)) };
    },
  );

  app.delete(
    '/v1/admin/operators/:id/keys/:keyId',
    {
      schema: {
        summary: 'Revoke a key',
        tags: ['admin'],
        response: { 204: { type: 'null', description: 'revoked (no body)' }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { id, keyId } = request.params as { id: string; keyId: string };
      if (!(await keyring.revoke(known(id), keyId))) throw new AppError('NOT_FOUND', 'no such active key');
      return reply.status(204).send();
    },
  );
}
