import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { readerScope } from '../alerts/access.ts';
import { AppError, errorBody } from '../errors.ts';
import { errorSchema, principalOf } from '../platform/http.ts';
import { type IngestService, IngestStopped } from './service.ts';
import type { IngestStore } from './store.ts';

/** Body types a CDR upload may declare; gzip is recognised by its magic bytes in any of them. */
export const cdrContentTypes = [
  'text/csv',
  'text/plain',
  'application/x-ndjson',
  'application/jsonl',
  'application/x-jsonlines',
  'application/gzip',
  'application/x-gzip',
  'application/octet-stream',
];

/**
 * Content-Encoding values a CDR upload may declare: a gzip body is recognised by its magic bytes
 * and inflated; any other coding (br, deflate, zstd…) would be read as CSV text, so it is refused.
 */
const cdrContentEncodings = new Set(['', 'identity', 'gzip', 'x-gzip']);

const countsSchema = {
  type: 'object',
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    quarantined: { type: 'integer' },
    uploadId: { type: 'string' },
    file: { type: 'string' },
    bytes: { type: 'integer' },
  },
  required: ['accepted', 'duplicates', 'quarantined'],
} as const;

const uploadSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    operator: { type: 'string' },
    file: { type: 'string' },
    status: { type: 'string' },
    startedAt: { type: 'string' },
    finishedAt: { type: ['string', 'null'] },
    bytes: { type: 'integer' },
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    quarantined: { type: 'integer' },
  },
} as const;

/** An upload stopped by a limit: the error, and what the upload kept before the stop. */
const stoppedSchema = {
  type: 'object',
  properties: { ...errorSchema.properties, kept: countsSchema },
  required: ['error'],
} as const;

/**
 * The request body as a stream of chunks that stops with a 413 once it passes the limit. Neither
 * the stop nor leaving the loop early destroys the request: an upload stopped by a limit (a chunked
 * body declares no length to refuse it by) still gets its answer, the rest is dropped by discardRest.
 */
async function* limited(body: IncomingMessage, limit: number): AsyncGenerator<Uint8Array> {
  let received = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > limit) {
      throw new AppError('PAYLOAD_TOO_LARGE', `a CDR upload is at most ${limit} bytes; send the file in parts`);
    }
    yield chunk;
  }
}

/**
 * Reads and drops what is left of a body whose upload was stopped, so that the client (still
 * sending) reads the answer instead of a reset connection; a body that goes on past `limit`
 * bytes is cut off.
 */
function discardRest(body: IncomingMessage, limit: number): void {
  if (body.complete || body.destroyed) return;
  let dropped = 0;
  body.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > limit) body.destroy();
  });
  body.resume();
}

/**
 * `POST /v1/cdr` and the quarantine. The upload route has its own scope whose content-type
 * parsers hand the raw request stream over, so a body of hundreds of megabytes is parsed as it
 * arrives, under its own size limit, never held whole in memory.
 */
export function registerIngestRoutes(
  app: FastifyInstance,
  deps: { ingest: IngestService; store: IngestStore; bodyLimit: number; operatorExists: (id: string) => boolean },
) {
  const { ingest, store, bodyLimit } = deps;

  app.register(async (scope) => {
    for (const type of ['text/csv', 'text/plain', 'application/json'])
      if (scope.hasContentTypeParser(type)) scope.removeContentTypeParser(type);
    scope.addContentTypeParser([...cdrContentTypes, 'application/json'], (_request, payload, done) =>
      done(null, payload),
    );

    scope.post(
      '/v1/cdr',
      {
        schema: {
          summary: 'Upload CDRs (CSV with a header, or JSON Lines; gzip allowed)',
          description:
            'Rows are validated one by one: bad rows, rows of another operator and rows whose served subscriber ' +
            "(msisdn) is not the uploading operator's at the row's time (numbering plan and MNP; reason " +
            'NOT_OPERATOR_SUBSCRIBER — foreign numbers, inbound roamers, are kept) go to the quarantine with their ' +
            'line and reason, records already received (same operator and record_id) count as duplicates, the rest ' +
            'are accepted and handed to detection. An upload cut off midway keeps the batches already committed: ' +
            'send the file again and they count as duplicates. The quarantine keeps the first 100 000 bad rows of an ' +
            'upload (all are counted). An upload with too many bad rows (400 TOO_MANY_BAD_ROWS), or a gzip body ' +
            'inflating too far (413 INFLATED_TOO_LARGE, COMPRESSION_RATIO_TOO_HIGH) is stopped, as is a body found ' +
            'bad part-way (invalid or truncated gzip, 400; past the size limit without a Content-Length, 413): the ' +
            'answer is the error plus `kept`, the counts of what was committed before the stop. A Content-Encoding other than ' +
            'gzip or identity is refused (415 UNSUPPORTED_CONTENT_ENCODING).',
          tags: ['cdr'],
          security: [{ bearer: [] }],
          consumes: cdrContentTypes,
          querystring: {
            type: 'object',
            properties: {
              file: { type: 'string', maxLength: 200, description: 'name of the file, shown in the quarantine' },
              lineOffset: {
                type: 'integer',
                minimum: 0,
                default: 0,
                description: 'lines of the file before this part (a file sent in parts)',
              },
              operator: { type: 'string', maxLength: 40, description: 'admin token only: upload for this operator' },
            },
          },
          response: { 200: countsSchema, '4xx': stoppedSchema },
        },
      },
      async (request, reply) => {
        const p = principalOf(request);
        const q = request.query as { file?: string; lineOffset: number; operator?: string };
        let operator: string;
        if (p.kind === 'operator') operator = p.operatorId;
        else if (p.kind === 'admin' && q.operator) {
          if (!deps.operatorExists(q.operator)) throw new AppError('UNKNOWN_OPERATOR', `no operator "${q.operator}"`);
          operator = q.operator;
        } else throw new AppError('FORBIDDEN', 'CDRs are uploaded with an operator API key');
        const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (type === 'application/json')
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', `send CDRs as ${cdrContentTypes.slice(0, 4).join(', ')}`);
        const encoding = request.headers['content-encoding'];
        if (
          encoding !== undefined &&
          !encoding.split(',').every((c) => cdrContentEncodings.has(c.trim().toLowerCase()))
        ) {
          // The body is not read (as for a body over the limit below).
          reply.header('connection', 'close');
          throw new AppError(
            'UNSUPPORTED_CONTENT_ENCODING',
            'a CDR upload is sent plain or with Content-Encoding gzip',
          );
        }
        const declared = Number(request.headers['content-length'] ?? 0);
        if (declared > bodyLimit) {
          // The body is not read: closing the connection after the answer spares receiving it.
          reply.header('connection', 'close');
          throw new AppError('PAYLOAD_TOO_LARGE', `a CDR upload is at most ${bodyLimit} bytes; send the file in parts`);
        }
        const body = request.body as IncomingMessage | undefined;
        if (!body || typeof (body as { on?: unknown }).on !== 'function')
          throw new AppError('BAD_REQUEST', 'the body must be a CDR file');
        try {
          return await ingest.ingest(limited(body, bodyLimit), {
            operator,
            file: q.file ?? '',
            lineOffset: q.lineOffset,
          });
        } catch (error) {
          discardRest(body, bodyLimit);
          if (!(error instanceof IngestStopped)) throw error;
          // The counts of what was kept travel with the error (the same fields as a 200 answer).
          return reply.status(error.status).send({ ...errorBody(error.code, error.message), kept: error.kept });
        }
      },
    );
  });

  app.get(
    '/v1/cdr/quarantine',
    {
      schema: {
        summary: 'Quarantined CDR rows, newest first',
        description: 'An operator sees its own rows. Page with the returned `next` as `cursor`.',
        tags: ['cdr'],
        querystring: {
          type: 'object',
          properties: {
            cursor: { type: 'string', pattern: '^[0-9]{1,18}$' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            uploadId: { type: 'string', maxLength: 60 },
            operator: { type: 'string', maxLength: 40 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'integer' },
                    operator: { type: 'string' },
                    uploadId: { type: 'string' },
                    file: { type: 'string' },
                    line: { type: 'integer' },
                    reason: { type: 'string' },
                    raw: { type: 'string' },
                    at: { type: 'string' },
                  },
                },
              },
              next: { type: ['string', 'null'] },
            },
          },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const scope = readerScope(request);
      const q = request.query as { cursor?: string; limit: number; uploadId?: string; operator?: string };
      return store.quarantine({
        operator: scope.operator ?? q.operator,
        uploadId: q.uploadId,
        before: q.cursor ? Number(q.cursor) : undefined,
        limit: q.limit,
      });
    },
  );

  app.get(
    '/v1/cdr/uploads',
    {
      schema: {
        summary: 'Recent CDR uploads with their counts, newest first',
        tags: ['cdr'],
        querystring: {
          type: 'object',
          properties: { limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 } },
        },
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: uploadSchema } } },
          '4xx': errorSchema,
        },
      },
    },
    async (request) => {
      const scope = readerScope(request);
      const q = request.query as { limit: number };
      return { items: await store.uploads({ operator: scope.operator, limit: q.limit }) };
    },
  );

  app.get(
    '/v1/cdr/uploads/:id',
    {
      schema: {
        summary: 'One CDR upload',
        tags: ['cdr'],
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 60 } }, required: ['id'] },
        response: { 200: uploadSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const scope = readerScope(request);
      const upload = await store.upload((request.params as { id: string }).id);
      // Another operator's upload answers exactly like an unknown one.
      if (!upload || (scope.operator !== undefined && upload.operator !== scope.operator))
        throw new AppError('NOT_FOUND', 'no such upload');
      return upload;
    },
  );
}
