import fastJson from 'fast-json-stringify';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import { errorSchema, requireOperator, sendResult } from '../platform/http.ts';
import { phaseStart, phaseTiming } from '../platform/phases.ts';
import { parseJsonBody } from '../platform/wire-path.ts';
import { type AnswerFields, answerSerializer, resultsSerializer } from './answer-json.ts';
import type { ScreeningService } from './service.ts';
import { ingressTypes, reasonCodes } from './types.ts';

const number = { type: 'string', description: 'E.164 with or without +, or national format (8 7xx …)' } as const;
const at = { type: 'string', description: 'ISO 8601 date-time' } as const;

const verifyBody = {
  type: 'object',
  required: ['callId', 'a', 'b', 'at', 'ingress'],
  properties: {
    callId: { type: 'string' },
    a: number,
    b: number,
    at,
    ingress: { type: 'string', enum: ingressTypes },
    fromOperator: { type: 'string', description: 'carrier that delivered the call' },
    identity: {
      type: 'string',
      description:
        'SIP Identity header of the call (STIR/SHAKEN, RFC 8224); a valid A attestation by the owner of `a` confirms the origin at once',
    },
  },
} as const;

/** The fields of a screening answer that calls and messages share (DESIGN.md §3, §3.1). */
export const decisionAnswerProperties = {
  decisionId: { type: 'string' },
  verdict: { type: 'string', enum: ['allow', 'label', 'block'] },
  reasons: { type: 'array', items: { type: 'string', enum: reasonCodes } },
  label: { type: 'string' },
  labelCode: { type: 'string' },
  shadow: { type: 'boolean' },
  shadowVerdict: { type: 'string' },
} as const;

export const verifyAnswer = {
  type: 'object',
  properties: {
    ...decisionAnswerProperties,
    verstat: { type: 'string', enum: ['TN-Validation-Passed', 'TN-Validation-Failed', 'No-TN-Validation'] },
    attest: { type: 'string', enum: ['A', 'B', 'C'] },
  },
  required: ['decisionId', 'verdict', 'reasons', 'shadow'],
} as const;

const originateBody = {
  type: 'object',
  required: ['callId', 'a', 'b', 'at'],
  properties: { callId: { type: 'string' }, a: number, b: number, at },
} as const;

/** The items of a batch body `{"<field>": […]}`, at most `max` of them; anything else is refused. */
export function batchItems(body: unknown, field: 'calls' | 'messages', max: number): unknown[] {
  const items = (body as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(items)) throw new AppError('VALIDATION_FAILED', `"${field}" must be an array`);
  if (items.length > max) throw new AppError('BATCH_TOO_LARGE', `at most ${max} ${field} per batch`);
  return items;
}

const batchOf = (item: object) =>
  ({ type: 'object', required: ['calls'], properties: { calls: { type: 'array', items: item } } }) as const;

const itemOrError = (item: object) => ({ anyOf: [item, errorSchema] });

export function registerScreeningRoutes(
  app: FastifyInstance,
  deps: { screening: ScreeningService; batchMaxItems: number },
) {
  const { screening, batchMaxItems } = deps;
  // The body schemas document the API; the service validates every call itself (the batch forms
  // must answer a bad item in its place), so validating twice would only cost time. Each handler
  // asks for an operator key first thing (403 for any other caller).
  const documentedOnly = { validatorCompiler: () => () => true };
  // A schema with anyOf makes fast-json-stringify test every item against each branch; the batch
  // answers are plain data, so JSON.stringify is both correct and faster.
  const plainSerializer = { serializerCompiler: () => (data: unknown) => JSON.stringify(data) };
  // Answers written by hand, byte for byte as the compiled serializer of verifyAnswer would
  // (answer-json.ts); the batch's straight into one buffer.
  const answerJson = answerSerializer();
  // One batch serializer (and its cache of labels) for the Fastify route and the wire path.
  const batchJson = resultsSerializer();
  const verifyBatchSerializer = { serializerCompiler: () => batchJson };
  const checkBatch = (body: unknown): unknown[] => batchItems(body, 'calls', batchMaxItems);

  app.post(
    '/v1/calls/originate',
    {
      ...documentedOnly,
      schema: {
        summary: 'Register a call started by one of your subscribers',
        description:
          'Sent by the originating operator on every call its subscriber starts. 403 NOT_NUMBER_OWNER when `a` is not yours (numbering plan + MNP). ' +
          'Idempotent on (operator, `callId`) while the registration lives (CALLSHIELD_ORIGIN_TTL_SECONDS): the same call sent again ' +
          '(after a lost answer, a timeout or a 503) gets 202 again and adds no confirmation; give every call its own `callId`.',
        tags: ['screening'],
        security: [{ bearer: [] }],
        body: originateBody,
        response: {
          202: { type: 'object', properties: { accepted: { type: 'boolean' } } },
          400: { ...errorSchema, description: 'VALIDATION_FAILED, INVALID_JSON, INVALID_NUMBER, INVALID_TIME (`at`)' },
          403: {
            ...errorSchema,
            description: 'NOT_NUMBER_OWNER: `a` is not yours; FORBIDDEN: not an operator API key',
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request, reply) => {
      const operator = requireOperator(request);
      const result = screening.originate(request.body, operator);
      if (!result.ok) return sendResult(reply, result);
      return reply.status(202).send(await result.value);
    },
  );

  app.post(
    '/v1/calls/verify',
    {
      ...documentedOnly,
      schema: {
        summary: 'Screen an incoming call',
        description:
          'Asked by the terminating or transit operator. Answers allow / label / block with reason codes. ' +
          'May wait up to the configured origin wait (150 ms by default) for a racing originate.',
        tags: ['screening'],
        security: [{ bearer: [] }],
        body: verifyBody,
        response: {
          200: verifyAnswer,
          400: {
            ...errorSchema,
            description: 'VALIDATION_FAILED (a field breaks the schema), INVALID_JSON, INVALID_TIME (`at`)',
          },
          403: { ...errorSchema, description: 'FORBIDDEN: calls are screened with an operator API key' },
          '4xx': errorSchema,
        },
      },
      // Other statuses keep the schemas' compiled serializers.
      serializerCompiler: ({ schema, httpStatus }: { schema: unknown; httpStatus?: string }) =>
        httpStatus === '200'
          ? (data: unknown) => answerJson(data as AnswerFields)
          : fastJson(schema as Parameters<typeof fastJson>[0]),
    },
    // Not async: most calls are decided synchronously, and a promise per call is measurable here.
    (request, reply) => {
      if (phaseTiming.on) phaseStart();
      const operator = requireOperator(request);
      const result = screening.verify(request.body, operator);
      if (!result.ok) return sendResult(reply, result);
      const answer = result.value;
      if (answer instanceof Promise)
        answer.then(
          (value) => reply.send(value),
          (error) => reply.send(error),
        );
      else reply.send(answer);
      return reply;
    },
  );

  // The same answers for the ordinary requests of switches, in front of Fastify (platform/wire-path.ts).
  app.wirePath.serve('/v1/calls/verify', {
    parse: parseJsonBody,
    answer(body, operator) {
      const result = screening.verify(body, operator);
      if (!result.ok) throw new AppError(result.code, result.message);
      const answer = result.value;
      return answer instanceof Promise ? answer.then(answerJson) : answerJson(answer);
    },
  });

  app.post(
    '/v1/calls/originate/batch',
    {
      ...documentedOnly,
      ...plainSerializer,
      schema: {
        summary: 'Register many originations',
        description:
          'Results in request order; an item that fails gets {"error":{…}} in its place (e.g. NOT_NUMBER_OWNER) and ' +
          'does not fail the rest. 413 BATCH_TOO_LARGE past CALLSHIELD_BATCH_MAX_ITEMS. ' +
          'Each item is idempotent on (operator, `callId`) as a single originate is.',
        tags: ['screening'],
        security: [{ bearer: [] }],
        body: batchOf({}),
        response: {
          200: {
            type: 'object',
            properties: {
              results: {
                type: 'array',
                items: itemOrError({
                  type: 'object',
                  properties: { accepted: { type: 'boolean' } },
                  required: ['accepted'],
                }),
              },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return { results: await screening.originateBatch(checkBatch(request.body), operator) };
    },
  );

  app.post(
    '/v1/calls/verify/batch',
    {
      ...documentedOnly,
      ...verifyBatchSerializer,
      schema: {
        summary: 'Screen many calls',
        description:
          'Results in request order; a bad item gets {"error":{…}} in its place and does not fail the rest. ' +
          'The whole batch is refused with 400 VALIDATION_FAILED when `calls` is not an array, 413 BATCH_TOO_LARGE ' +
          'past CALLSHIELD_BATCH_MAX_ITEMS, 403 FORBIDDEN without an operator API key.',
        tags: ['screening'],
        security: [{ bearer: [] }],
        body: batchOf({}),
        response: {
          200: { type: 'object', properties: { results: { type: 'array', items: itemOrError(verifyAnswer) } } },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const operator = requireOperator(request);
      return { results: await screening.verifyBatch(checkBatch(request.body), operator) };
    },
  );

  // The batch form too, for switches' ordinary requests: its body read by `parseJsonBody`, which
  // spares a large body without `__proto__`, `constructor` or `\u` secure-json-parse's two regexes
  // over the whole text (Fastify's parser runs them on every body).
  app.wirePath.serve('/v1/calls/verify/batch', {
    parse: parseJsonBody,
    answer(body, operator) {
      return screening.verifyBatch(checkBatch(body), operator).then((results) => batchJson({ results }));
    },
  });
}
