import { isUtf8 } from 'node:buffer';
import fastJson from 'fast-json-stringify';
import type { FastifyInstance } from 'fastify';
import { describePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors.ts';
import { parseCsv } from '../platform/csv.ts';
import {
  errorSchema,
  principalOf,
  requireAdmin,
  requireOperator,
  sendResult,
  syncQuerystring,
  syncResponse,
} from '../platform/http.ts';
import { parseUtf8JsonBody } from '../platform/wire-path.ts';
import { type AnswerFields, answerSerializer, resultsSerializer } from '../screening/answer-json.ts';
import { batchItems, decisionAnswerProperties } from '../screening/routes.ts';
import { ingressTypes } from '../screening/types.ts';
import type { SenderRegistry } from './registry.ts';
import type { SmsService } from './service.ts';

const messageBody = {
  type: 'object',
  required: ['messageId', 'sender', 'b', 'at', 'ingress'],
  properties: {
    messageId: { type: 'string' },
    sender: {
      type: 'string',
      description:
        'A number (E.164 with or without +, or national format) or an alphanumeric sender ID: 1–11 letters of any script, digits, space and -._&',
    },
    b: { type: 'string', description: 'the recipient' },
    at: { type: 'string', description: 'ISO 8601 date-time' },
    ingress: { type: 'string', enum: ingressTypes },
    fromOperator: { type: 'string', description: 'carrier that delivered the message' },
    text: {
      type: 'string',
      description:
        'At most 10 kB of UTF-8. Read for links, then dropped: never stored, logged or emitted; only the verdict, the reasons and the domains of phishing or suspicious links are kept.',
    },
  },
} as const;

export const smsAnswer = {
  type: 'object',
  properties: decisionAnswerProperties,
  required: ['decisionId', 'verdict', 'reasons', 'shadow'],
} as const;

const senderSchema = {
  type: 'object',
  properties: {
    senderId: { type: 'string' },
    owner: { type: 'string' },
    routes: { type: 'array', items: { type: 'string', enum: ingressTypes } },
    version: { type: 'integer' },
    updatedAt: { type: 'string' },
  },
} as const;

const senderParam = {
  type: 'object',
  properties: { senderId: { type: 'string' } },
  required: ['senderId'],
} as const;

/** A message body: valid UTF-8 (INVALID_TEXT) holding JSON (INVALID_JSON; prototype poisoning refused as on calls). */
function parseMessageBody(bytes: Buffer): unknown {
  if (!isUtf8(bytes)) throw new AppError('INVALID_TEXT', 'the body is not valid UTF-8');
  try {
    return parseUtf8JsonBody(bytes);
  } catch {
    throw new AppError('INVALID_JSON', 'the body is not valid JSON');
  }
}

export function registerSmsRoutes(
  app: FastifyInstance,
  deps: { sms: SmsService | null; registry: SenderRegistry; batchMaxItems: number },
) {
  const { sms, registry, batchMaxItems } = deps;
  // Screening routes validate in the service (the batch answers a bad item in its place).
  const documentedOnly = { validatorCompiler: () => () => true };
  const answerJson = answerSerializer();
  // One batch serializer (and its cache of labels) for the Fastify route and the wire path.
  const batchJson = resultsSerializer();

  // Messages' texts must be valid UTF-8 (the body parser would turn bad bytes into U+FFFD silently).
  // Bodies are read as bytes and checked here, in this scope only.
  app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
      try {
        done(null, parseMessageBody(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    });
    if (!sms) return;

    scope.post(
      '/v1/sms/verify',
      {
        ...documentedOnly,
        schema: {
          summary: 'Screen an SMS before delivery',
          description:
            'Asked by an SMS hub or the terminating operator. Numeric senders go through the call checks; ' +
            'alphanumeric sender IDs through the sender-ID registry; links in the text through the link check.',
          tags: ['sms'],
          security: [{ bearer: [] }],
          body: messageBody,
          response: { 200: smsAnswer, '4xx': errorSchema },
        },
        // The answer as UTF-8 bytes: Fastify then neither measures the string for its length nor
        // encodes it again on the socket. Other statuses keep the schemas' compiled serializers.
        serializerCompiler: ({ schema, httpStatus }: { schema: unknown; httpStatus?: string }) => {
          if (httpStatus !== '200') return fastJson(schema as Parameters<typeof fastJson>[0]);
          return (data: unknown) => Buffer.from(answerJson(data as AnswerFields)) as unknown as string;
        },
      },
      (request, reply) => {
        const operator = requireOperator(request);
        const result = sms.verify(request.body, operator);
        return sendResult(reply, result);
      },
    );

    // The same answers for the ordinary requests of SMS hubs, in front of Fastify (platform/wire-path.ts).
    scope.wirePath.serve('/v1/sms/verify', {
      parse: parseMessageBody,
      answer(body, operator) {
        const result = sms.verify(body, operator);
        if (!result.ok) throw new AppError(result.code, result.message);
        return answerJson(result.value);
      },
    });

    scope.post(
      '/v1/sms/verify/batch',
      {
        ...documentedOnly,
        schema: {
          summary: 'Screen many SMS',
          description:
            'Results in request order; a bad item gets {"error":{…}} in its place and does not fail the rest.',
          tags: ['sms'],
          security: [{ bearer: [] }],
          body: {
            type: 'object',
            required: ['messages'],
            properties: { messages: { type: 'array', items: messageBody } },
          },
          response: {
            200: {
              type: 'object',
              properties: { results: { type: 'array', items: { anyOf: [smsAnswer, errorSchema] } } },
            },
            '4xx': errorSchema,
          },
        },
        // Each answer written by hand (answer-json.ts): a schema with anyOf would make the compiled
        // serializer try every item against each branch.
        serializerCompiler: () => batchJson,
      },
      (request, reply) => {
        const operator = requireOperator(request);
        reply.send({ results: sms.verifyBatch(batchItems(request.body, 'messages', batchMaxItems), operator) });
        return reply;
      },
    );

    // The batch form too, for hubs' ordinary requests, in front of Fastify as the single form is.
    scope.wirePath.serve('/v1/sms/verify/batch', {
      parse: parseMessageBody,
      answer: (body, operator) =>
        batchJson({ results: sms.verifyBatch(batchItems(body, 'messages', batchMaxItems), operator) }),
    });
  });

  app.put(
    '/v1/admin/sms-senders/:senderId',
    {
      schema: {
        summary: 'Register an SMS sender ID (or change its owner and routes)',
        description: 'Routes are those by which the sender may arrive. Sender IDs compare case-insensitively.',
        tags: ['sms'],
        params: senderParam,
        body: {
          type: 'object',
          required: ['owner', 'routes'],
          properties: {
            owner: { type: 'string' },
            routes: { type: 'array', items: { type: 'string', enum: ingressTypes } },
          },
        },
        response: { 200: senderSchema, 201: senderSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { senderId } = request.params as { senderId: string };
      const r = await registry.put(senderId, request.body, describePrincipal(principalOf(request)));
      return reply.status(r.created ? 201 : 200).send(r.sender);
    },
  );

  app.delete(
    '/v1/admin/sms-senders/:senderId',
    {
      schema: {
        summary: 'Remove an SMS sender ID from the registry',
        tags: ['sms'],
        params: senderParam,
        response: { 204: { type: 'null', description: 'removed (no body)' }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const { senderId } = request.params as { senderId: string };
      if (!(await registry.remove(senderId, describePrincipal(principalOf(request)))))
        throw new AppError('NOT_FOUND', 'no such sender ID in the registry');
      return reply.status(204).send();
    },
  );

  app.post(
    '/v1/admin/sms-senders/import',
    {
      schema: {
        summary: 'Import sender IDs from CSV (senderId,owner,routes; routes separated by ; or space)',
        tags: ['sms'],
        consumes: ['text/csv'],
        response: {
          200: {
            type: 'object',
            properties: {
              imported: { type: 'integer' },
              rejected: {
                type: 'array',
                items: { type: 'object', properties: { line: { type: 'integer' }, reason: { type: 'string' } } },
              },
              version: { type: 'integer' },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      requireAdmin(request);
      const rows = parseCsv(String(request.body ?? ''), ['senderId', 'owner', 'routes']);
      if (!rows.ok) throw new AppError('VALIDATION_FAILED', rows.message);
      const actor = describePrincipal(principalOf(request));
      let imported = 0;
      const rejected: { line: number; reason: string }[] = [];
      for (let i = 0; i < rows.value.length; i++) {
        const r = rows.value[i];
        try {
          await registry.put(r.senderId, { owner: r.owner, routes: r.routes.split(/[;\s|]+/).filter(Boolean) }, actor);
          imported++;
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          // Line 1 is the header.
          rejected.push({ line: i + 2, reason: error.message });
        }
      }
      return { imported, rejected, version: registry.version };
    },
  );

  app.get(
    '/v1/sms-senders',
    {
      schema: {
        summary: 'Incremental sync of the SMS sender-ID registry',
        description:
          'Changes after `since` (0 or absent: the whole registry, paged by `limit`). Ask again with the returned ' +
          '`version` until it equals the `since` you sent. Sender IDs compare case-insensitively.',
        tags: ['sms'],
        querystring: syncQuerystring,
        response: { 200: syncResponse(senderSchema), '4xx': errorSchema },
      },
    },
    async (request) => {
      principalOf(request);
      const q = request.query as { since: number; limit: number };
      return registry.changesSince(q.since, q.limit);
    },
  );
}
