import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { errorSchema, principalOf, requireAdmin } from '../platform/http.ts';
import { type Authority, viewOf } from './authority.ts';
import { policyError, type RequestError, type StirService, serviceError } from './service.ts';

const requestErrorSchema = {
  type: 'object',
  properties: {
    requestError: {
      type: 'object',
      properties: {
        serviceException: { type: 'object', additionalProperties: true },
        policyException: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

const tnObject = { type: 'object', properties: { tn: { type: 'string' } }, required: ['tn'] } as const;
const tnList = {
  type: 'object',
  properties: { tn: { type: 'array', items: { type: 'string' } } },
  required: ['tn'],
} as const;

const certificateView = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['root', 'intermediate', 'operator'] },
    operatorId: { type: 'string' },
    spc: { type: 'string' },
    issuerId: { type: 'string' },
    serial: { type: 'string' },
    x5u: { type: 'string' },
    notBefore: { type: 'string' },
    notAfter: { type: 'string' },
    revokedAt: { type: 'string' },
    revocationReason: { type: 'string' },
    hostedKey: { type: 'boolean' },
    certificate: { type: 'string', description: 'PEM' },
  },
} as const;

const isRequestError = (v: unknown): v is RequestError =>
  typeof v === 'object' && v !== null && 'status' in v && 'body' in v && 'requestError' in (v as RequestError).body;

/**
 * The ATIS-1000082 REST interface and the public certificate repository. Registered outside the
 * API's authenticated scope: the repository is public (relying parties fetch x5u and CRLs without a
 * key), and the REST interface answers its own error form.
 */
export function registerStirPublicRoutes(app: FastifyInstance, deps: { stir: StirService; authority: Authority }) {
  const { stir, authority } = deps;

  app.register(async (scope) => {
    // Errors in ATIS-1000082 form, not callshield's: SBCs that speak it parse these.
    scope.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      if (error instanceof AppError) {
        const e =
          error.status === 401 || error.status === 403
            ? policyError(error.status, error.message)
            : serviceError(error.status, error.message);
        return reply.status(e.status).send(e.body);
      }
      if (error.statusCode && error.statusCode < 500) {
        const e = serviceError(error.statusCode, 'the request body is not valid JSON');
        return reply.status(e.status).send(e.body);
      }
      request.log.error({ err: error }, 'stir request failed');
      const e = serviceError(500, 'internal error');
      return reply.status(500).send(e.body);
    });
    const operatorOf = (request: FastifyRequest) => {
      const p = principalOf(request);
      if (p.kind !== 'operator') throw new AppError('FORBIDDEN', 'this call is made with an operator API key');
      return p.operatorId;
    };
    const send = (reply: FastifyReply, result: unknown) =>
      isRequestError(result) ? reply.status(result.status).send(result.body) : reply.send(result);
    // The service checks every member itself, to answer with the missing or invalid one by name.
    const documentedOnly = { validatorCompiler: () => () => true };

    scope.post(
      '/stir/v1/signing',
      {
        ...documentedOnly,
        schema: {
          summary: 'Sign a PASSporT (STI-AS, ATIS-1000082)',
          description:
            'Signs a SHAKEN PASSporT with the calling operator’s hosted certificate and answers the SIP Identity header value.',
          tags: ['stir'],
          body: {
            type: 'object',
            required: ['signingRequest'],
            properties: {
              signingRequest: {
                type: 'object',
                required: ['attest', 'dest', 'iat', 'orig', 'origid'],
                properties: {
                  attest: { type: 'string', enum: ['A', 'B', 'C'] },
                  dest: tnList,
                  iat: { type: 'integer' },
                  orig: tnObject,
                  origid: { type: 'string' },
                },
              },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: { signingResponse: { type: 'object', properties: { identity: { type: 'string' } } } },
            },
            '4xx': requestErrorSchema,
          },
        },
      },
      async (request, reply) => send(reply, await stir.sign(request.body, operatorOf(request))),
    );

    scope.post(
      '/stir/v1/verification',
      {
        ...documentedOnly,
        schema: {
          summary: 'Verify an Identity header (STI-VS, ATIS-1000082)',
          description:
            'Answers verstat TN-Validation-Passed, TN-Validation-Failed (with the SIP reason code and text of RFC 8224) or No-TN-Validation.',
          tags: ['stir'],
          body: {
            type: 'object',
            required: ['verificationRequest'],
            properties: {
              verificationRequest: {
                type: 'object',
                required: ['from', 'to', 'time'],
                properties: {
                  from: tnObject,
                  to: tnList,
                  time: { type: 'integer', description: 'epoch seconds of the INVITE' },
                  identity: { type: 'string' },
                },
              },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                verificationResponse: {
                  type: 'object',
                  properties: {
                    verstat: {
                      type: 'string',
                      enum: ['TN-Validation-Passed', 'TN-Validation-Failed', 'No-TN-Validation'],
                    },
                    reasoncode: { type: 'integer' },
                    reasontext: { type: 'string' },
                  },
                },
              },
            },
            '4xx': requestErrorSchema,
          },
        },
      },
      async (request, reply) => send(reply, await stir.verify(request.body, operatorOf(request))),
    );
  });

  const fileId = (file: string, extension: string) => {
    if (!file.endsWith(extension)) throw new AppError('NOT_FOUND', 'no such file');
    return file.slice(0, -extension.length);
  };

  app.get(
    '/stir/v1/certificates/:file',
    {
      schema: {
        summary: 'An operator certificate and its intermediate (PEM): the x5u of its PASSporTs',
        tags: ['stir'],
        security: [],
        params: { type: 'object', properties: { file: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const id = fileId((request.params as { file: string }).file, '.pem');
      const pem = authority.chainPem(id);
      if (!pem) throw new AppError('NOT_FOUND', 'no such certificate');
      return reply.header('content-type', 'application/x-pem-file').header('cache-control', 'max-age=3600').send(pem);
    },
  );

  app.get(
    '/stir/v1/crl/:file',
    {
      schema: {
        summary: 'Certificate revocation list of a CA certificate (DER)',
        tags: ['stir'],
        security: [],
        params: { type: 'object', properties: { file: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const der = await authority.crl(fileId((request.params as { file: string }).file, '.crl'));
      if (!der) throw new AppError('NOT_FOUND', 'no such CRL');
      return reply.header('content-type', 'application/pkix-crl').header('cache-control', 'max-age=300').send(der);
    },
  );

  app.get(
    '/stir/v1/trust-anchors',
    { schema: { summary: 'The STI trust anchors (root certificates, PEM)', tags: ['stir'], security: [] } },
    async (_request, reply) => {
      // Only what exists: an anonymous request does not create the hierarchy.
      const pem = authority
        .list({ kind: 'root' })
        .filter((c) => c.revokedAt === null)
        .map((c) => c.certificatePem)
        .join('');
      return reply.header('content-type', 'application/x-pem-file').send(pem);
    },
  );
}

/** Administration of the STI-CA (admin token or console admin), in the API's authenticated scope. */
export function registerStirAdminRoutes(app: FastifyInstance, deps: { authority: Authority }) {
  const { authority } = deps;

  app.get(
    '/v1/admin/stir/certificates',
    {
      schema: {
        summary: 'STI certificates (roots, intermediates, operator certificates)',
        tags: ['stir'],
        querystring: {
          type: 'object',
          properties: {
            operatorId: { type: 'string' },
            kind: { type: 'string', enum: ['root', 'intermediate', 'operator'] },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: certificateView } } } },
      },
    },
    async (request) => {
      requireAdmin(request);
      const query = request.query as { operatorId?: string; kind?: 'root' | 'intermediate' | 'operator' };
      return { items: authority.list(query).map(viewOf) };
    },
  );

  app.post(
    '/v1/admin/stir/operators/:id/certificates',
    {
      schema: {
        summary: 'Issue an operator certificate (TNAuthList = its SPC)',
        description:
          'With `csr` (PEM PKCS#10, P-256) the operator keeps its key and signs in its own STI-AS; without it callshield ' +
          'generates the key and signs for the operator through POST /stir/v1/signing.',
        tags: ['stir'],
        params: { type: 'object', properties: { id: { type: 'string' } } },
        body: {
          type: 'object',
          properties: {
            spc: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,32}$', description: 'defaults to the operator id' },
            csr: { type: 'string' },
            days: { type: 'integer', minimum: 1, maximum: 3650 },
          },
        },
        response: { 201: certificateView, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const body = (request.body ?? {}) as { spc?: string; csr?: string; days?: number };
      const certificate = await authority.issueOperatorCertificate({
        operatorId: (request.params as { id: string }).id,
        ...body,
      });
      return reply.status(201).send(viewOf(certificate));
    },
  );

  app.post(
    '/v1/admin/stir/certificates/:id/revoke',
    {
      schema: {
        summary: 'Revoke a certificate (verifiers refuse it at once; listed in its issuer’s CRL)',
        tags: ['stir'],
        params: { type: 'object', properties: { id: { type: 'string' } } },
        body: {
          type: 'object',
          required: ['reason'],
          properties: { reason: { type: 'string', minLength: 1, maxLength: 500 } },
        },
        response: { 200: certificateView, '4xx': errorSchema },
      },
    },
    async (request) => {
      requireAdmin(request);
      const { id } = request.params as { id: string };
      return viewOf(await authority.revoke(id, (request.body as { reason: string }).reason));
    },
  );

  app.post(
    '/v1/admin/stir/rotate',
    {
      schema: {
        summary: 'Rotate the intermediate or the root of the STI-CA',
        description: 'Certificates already issued stay valid until they expire or are revoked.',
        tags: ['stir'],
        body: {
          type: 'object',
          required: ['kind'],
          properties: { kind: { type: 'string', enum: ['root', 'intermediate'] } },
        },
        response: { 201: certificateView, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireAdmin(request);
      const certificate = await authority.rotate((request.body as { kind: 'root' | 'intermediate' }).kind);
      return reply.status(201).send(viewOf(certificate));
    },
  );
}
