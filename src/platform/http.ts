/**
 * The HTTP server: Fastify with one error handler (every client-visible error is
 * `{"error":{"code","message"}}`), bearer-token authentication, the OpenAPI document, and
 * request metrics. Modules add their routes through `register*Routes(app, deps)` functions.
 */
import { createServer, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ajvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { AppError, type ErrorCode, errorBody } from '../errors.ts';
import { clientNetworkOf } from './client-network.ts';
import { Phase, phaseAdd, phaseTiming } from './phases.ts';
import { createWirePath, type WirePath } from './wire-path.ts';

/** Characters of an unknown path a 404 names at most. */
const MAX_NAMED_PATH = 120;

/**
 * The 404 message for a request no route serves: the path named, but not a long one whole (the
 * answer is not a mirror for what a client sends), and never its query.
 */
export function noRouteMessage(method: string, url: string): string {
  const path = url.split('?')[0];
  return `no route ${method} ${path.length > MAX_NAMED_PATH ? `${path.slice(0, MAX_NAMED_PATH)}…` : path}`;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** When the current phase of this request began (only while phase timing is on). */
    phaseAt?: number;
  }
  interface FastifyInstance {
    /** Routes a switch asks on every call, also answered in front of Fastify (platform/wire-path.ts). */
    wirePath: WirePath;
  }
}

export interface HttpOptions {
  bodyLimit: number;
  /** A connection whose client owes request bytes and sends none for this long is closed (0: never). */
  idleTimeoutMs?: number;
  logLevel: string;
  authenticate: (token: string) => Principal | null;
  /** Console sessions: the value of the session cookie to a principal (only asked when no bearer token). */
  authenticateSession?: (token: string) => Promise<Principal | null>;
  requestDuration?: { child(labels: Record<string, string>): { observe(value: number): void } };
  version: string;
  /** Reverse proxies whose X-Forwarded-For gives the client address (Fastify's trustProxy). */
  trustProxy?: boolean | number | string[];
  /** Off, every request goes through Fastify (tests compare the two). */
  wirePath?: boolean;
}

/** Fastify's own error codes mapped to ours. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

export function createHttpServer(options: HttpOptions): FastifyInstance {
  const wire = createWirePath({
    bodyLimit: options.bodyLimit,
    authenticate: options.authenticate,
    requestDuration: options.requestDuration,
    logError: (error) => app.log.error({ err: error }, 'unhandled error'),
  });
  const wireOn = options.wirePath !== false;
  /** Set when close() begins: from then on every request is refused with 503 SHUTTING_DOWN. */
  let closing = false;
  const app = Fastify({
    // Node's server as Fastify would make it, with the wire path in front of Fastify's handler.
    // (Fastify's defaults: keep-alive 72 s, no request timeout.) A total request timeout would cut
    // a long CDR upload (up to 256 MiB on a slow link), so the bound is on silence instead: the
    // socket's idle timeout closes a connection whose client owes bytes and sends none (a body
    // announced by Content-Length and never finished), but not one waiting for a slow answer.
    serverFactory: (handler) => {
      const exchanges = new WeakMap<Socket, ServerResponse>();
      const server = createServer((request, response) => {
        exchanges.set(request.socket, response);
        if (closing) refuseWhileClosing(response);
        else if (!(wireOn && wire.take(request, response))) handler(request, response);
      });
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 0;
      server.setTimeout(options.idleTimeoutMs ?? 0, (socket: Socket) => {
        const response = exchanges.get(socket);
        // The whole request is in and the server is still answering (a detection run, an export).
        if (response && !response.writableEnded && response.req.complete) return;
        socket.destroy();
      });
      return server;
    },
    // The router's own refusals, in our error shape, without echoing the path.
    frameworkErrors: (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      if (error.code === 'FST_ERR_BAD_URL')
        return reply.status(400).send(errorBody('INVALID_PATH', 'the path is not valid percent-encoded UTF-8'));
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
        return reply.status(414).send(errorBody('PATH_TOO_LONG', 'a part of the path is too long'));
      request.log.error({ err: error }, 'unhandled error');
      return reply.status(500).send(errorBody('INTERNAL', 'internal error; it has been logged'));
    },
    clientErrorHandler: answerClientError,
    // Ajv with one more rule: numbers are finite (see finiteNumbers).
    schemaController: { compilersFactory: { buildValidator: finiteNumbers(ajvCompiler()) } },
    bodyLimit: options.bodyLimit,
    logger: options.logLevel === 'silent' ? false : { level: options.logLevel },
    // No log line per request: the call path must not pay for logging.
    logController: new LogController({ disableRequestLogging: true }),
    // A child logger per request costs more than deciding the call; requests log through the root.
    childLoggerFactory: (logger) => logger,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Fastify's own 503 while closing has its own body ({statusCode,error,message}): requests that
    // arrive then (on a connection still open) are refused in front of it instead (refuseWhileClosing).
    return503OnClosing: false,
    // A hop count believes that many proxies nearest to the server.
    trustProxy:
      typeof options.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (options.trustProxy as number)
        : (options.trustProxy ?? false),
  });
  app.decorateRequest('principal', null);
  app.decorate('wirePath', wire);
  // While closing, every request is refused (503 SHUTTING_DOWN), the wire path's ones too. Fastify's
  // router closes just before this hook: a request arriving in between is still served.
  app.addHook('preClose', (done) => {
    closing = true;
    wire.close();
    done();
  });
  // Registry and list imports arrive as CSV; CDR uploads add their own parser for their size limit.
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  const authenticateSession = options.authenticateSession;
  const timed = phaseTiming.on;
  // Callback-style hooks: on the call path an async hook costs a promise per request.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      if (timed) {
        const started = performance.now();
        request.principal = options.authenticate(header.slice(7).trim());
        request.phaseAt = performance.now();
        phaseAdd(Phase.auth, request.phaseAt - started);
      } else request.principal = options.authenticate(header.slice(7).trim());
      done();
    } else if (authenticateSession && request.headers.cookie) {
      const token = sessionCookieOf(request.headers.cookie);
      if (!token) return done();
      authenticateSession(token).then((principal) => {
        request.principal = principal;
        done();
      }, done);
    } else done();
  });

  if (timed) addPhaseHooks(app);

  if (options.requestDuration) {
    const histogram = options.requestDuration;
    // The hook is attached per route with its path and children bound, so that a request costs
    // one observation: no route options object, no label hashing.
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const children = new Map<number | string, { observe(value: number): void }>();
      const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
        const key = methods.length === 1 ? reply.statusCode : `${request.method} ${reply.statusCode}`;
        let child = children.get(key);
        if (!child) {
          child = histogram.child({ route: route.url, method: request.method, status: String(reply.statusCode) });
          children.set(key, child);
        }
        if (timed) {
          const started = performance.now();
          child.observe(reply.elapsedTime / 1000);
          phaseAdd(Phase.requestMetrics, performance.now() - started);
        } else child.observe(reply.elapsedTime / 1000);
        done();
      };
      appendRouteHook(route, 'onResponse', hook);
    });
  }

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number; validation?: unknown }, request, reply) => {
    if (error instanceof AppError) return reply.status(error.status).send(errorBody(error.code, error.message));
    const code =
      (error.code && fastifyCodes[error.code]) || (error instanceof SyntaxError ? 'INVALID_JSON' : undefined);
    if (code) {
      const message =
        code === 'INVALID_JSON'
          ? 'the body is not valid JSON'
          : code === 'PAYLOAD_TOO_LARGE'
            ? // The route's own limit when it has one (the public report form takes 16 KiB, not the API's 1 MiB).
              `the body is larger than ${request.routeOptions?.bodyLimit ?? options.bodyLimit} bytes`
            : error.message;
      return reply
        .status(error.statusCode && error.statusCode < 500 ? error.statusCode : 400)
        .send(errorBody(code, message));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.status(error.statusCode).send(errorBody('BAD_REQUEST', 'the request cannot be processed'));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(errorBody('INTERNAL', 'internal error; it has been logged'));
  });

  // Requests for no route are timed here (they have no route to carry a hook).
  const unmatched = options.requestDuration?.child({ route: 'unmatched', method: 'any', status: '404' });
  app.setNotFoundHandler((request, reply) => {
    unmatched?.observe(reply.elapsedTime / 1000);
    return reply.status(404).send(errorBody('NOT_FOUND', noRouteMessage(request.method, request.url)));
  });

  // Routes declared on the root before the swagger plugin loads (the platform's /healthz, /metrics)
  // escape its own onRoute hook: they are collected here and added to the document by openApiRoutes.
  const declaredRoutes: RouteForDocument[] = [];
  app.addHook('onRoute', (route) => {
    declaredRoutes.push({ method: route.method, url: route.url, schema: route.schema, config: route.config });
  });
  app.register(swagger, {
    transform: ({ schema, url, route }) => ({ schema: documentedSchema(schema, url, route), url }),
    transformObject: (document) =>
      'openapiObject' in document
        ? (addUndocumentedRoutes(document.openapiObject as OpenApiDocument, declaredRoutes) as never)
        : document.swaggerObject,
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'callshield API',
        version: options.version,
        description:
          'National anti-fraud platform for telephone calls. Operators screen calls (originate/verify), sync lists, ' +
          'upload CDRs and act on alerts. Errors are {"error":{"code","message"}}.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description:
              'Authorization: Bearer <token>: the admin token (CALLSHIELD_ADMIN_TOKEN), an operator API key ' +
              '(POST /v1/admin/operators/{id}/keys), a bank API key (POST /v1/admin/banks/{id}/keys) or a ' +
              'report-channel key. Each operation says which of them it takes.',
          },
          cookie: {
            type: 'apiKey',
            in: 'cookie',
            name: sessionCookieName,
            description:
              'console session (POST /v1/console/login sets it); asked only when no Authorization header is sent',
          },
        },
      },
      // Either scheme; operations taking only API keys narrow it, public ones clear it.
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });
  return app;
}

/** The answer to a request that arrives while the server closes: retry, on another node if there is one. */
const shuttingDownBody = JSON.stringify(errorBody('SHUTTING_DOWN', 'this server is shutting down; send it again'));

function refuseWhileClosing(response: ServerResponse): void {
  // The connection closes after the answer, so that a client's next request opens one elsewhere.
  response.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(shuttingDownBody),
    connection: 'close',
  });
  response.end(shuttingDownBody);
}

/**
 * Answers a request Node's parser refused before Fastify saw it (raw non-ASCII bytes in the path,
 * a negative Content-Length, headers too large, a timeout) in our error shape, then closes the
 * connection, as Fastify's default handler does with its own body.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message]: [number, ErrorCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'REQUEST_TIMEOUT', 'the request did not arrive in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'HEADERS_TOO_LARGE', 'the request headers are too large']
        : [400, 'MALFORMED_REQUEST', 'the request is not valid HTTP/1.1'];
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy();
}

/**
 * Fastify's validator compiler (Ajv) with one more rule: numbers are finite. Ajv's type coercion
 * reads the text "Infinity" or "1e400" (in a query string, a path, a JSON string) as Infinity after
 * its own finite check, and its minimum and maximum let a non-finite value through, so `?since=1e400`
 * reached handlers (and the database) as Infinity. A schema that declares no number pays nothing.
 */
function finiteNumbers(build: ValidatorFactory): ValidatorFactory {
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      const validate = compile(route);
      if (!/"(?:number|integer)"/.test(JSON.stringify(route.schema))) return validate;
      const checked = ((data: unknown, context?: unknown) => {
        if (!(validate as (data: unknown, context?: unknown) => boolean)(data, context)) {
          checked.errors = validate.errors;
          return false;
        }
        const where = nonFiniteAt(data);
        if (where === undefined) return true;
        checked.errors = [
          { instancePath: where, schemaPath: '#', keyword: 'finite', params: {}, message: 'must be a finite number' },
        ];
        return false;
      }) as typeof validate;
      // Fastify hands Ajv the request as parent (so that a coerced root can be replaced) when it sees this.
      checked.schemaEnv = validate.schemaEnv;
      return checked;
    };
  };
}

/** The JSON pointer of the first non-finite number in a value, if any (no recursion: bodies nest freely). */
function nonFiniteAt(data: unknown): string | undefined {
  const values: unknown[] = [data];
  const paths: string[] = [''];
  while (values.length > 0) {
    const value = values.pop();
    const path = paths.pop() as string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return path;
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (typeof item === 'number' || (item !== null && typeof item === 'object')) {
          values.push(item);
          paths.push(`${path}/${key}`);
        }
      }
    }
  }
  return undefined;
}

/**
 * The hooks of phase timing (bench only): body parsing, schema validation, serialisation and the
 * write are timed per request between Fastify's stages; the handler marks its own phases.
 */
function addPhaseHooks(app: FastifyInstance): void {
  app.decorateRequest('phaseAt', 0);
  const since = (request: FastifyRequest, phase: number) => {
    const now = performance.now();
    if (request.phaseAt) phaseAdd(phase, now - request.phaseAt);
    request.phaseAt = now;
  };
  app.addHook('preValidation', (request, _reply, done) => {
    since(request, Phase.parse);
    done();
  });
  app.addHook('preHandler', (request, _reply, done) => {
    since(request, Phase.schema);
    done();
  });
  app.addHook('preSerialization', (request, _reply, payload, done) => {
    request.phaseAt = performance.now();
    done(null, payload);
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    since(request, Phase.serialisation);
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    since(request, Phase.write);
    done();
  });
}

/**
 * Adds a hook to one route's own hooks of a stage, after those it has (called from an onRoute
 * hook): a hook only some routes need costs the others nothing.
 */
export function appendRouteHook(
  route: { onSend?: unknown; onResponse?: unknown },
  stage: 'onSend' | 'onResponse',
  hook: unknown,
): void {
  const existing = route[stage];
  route[stage] = existing ? [...(Array.isArray(existing) ? existing : [existing]), hook] : [hook];
}

/**
 * Options of @fastify/rate-limit counting per client (`clientNetworkOf`: an IPv4 address, an IPv6
 * /64), whose refusal is the usual error
 * answer (429 RATE_LIMITED, thrown so that the one error handler writes it); `message` gets the
 * milliseconds until the client may try again.
 */
export function perClientRateLimit(max: number, timeWindow: number, message: (retryMs: number) => string) {
  return {
    max,
    timeWindow,
    keyGenerator: (request: FastifyRequest) => clientNetworkOf(request.ip),
    errorResponseBuilder: (_request: FastifyRequest, context: { ttl: number }) =>
      new AppError('RATE_LIMITED', message(context.ttl)) as never,
  };
}

/** The authenticated principal of a request, or a 401. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) {
    throw new AppError(
      'UNAUTHORIZED',
      request.headers.authorization ? 'the token is not valid' : 'an API key or token is required',
    );
  }
  return request.principal;
}

/** The operator a key is bound to, or a 403 for any other principal. */
export function requireOperator(request: FastifyRequest): string {
  const p = principalOf(request);
  if (p.kind !== 'operator') throw new AppError('FORBIDDEN', 'this call is made with an operator API key');
  return p.operatorId;
}

export function requireAdmin(request: FastifyRequest): void {
  const p = principalOf(request);
  if (p.kind !== 'admin' && !(p.kind === 'user' && p.role === 'admin')) {
    throw new AppError('FORBIDDEN', 'this call needs the admin token');
  }
}

/** Name of the console session cookie. */
export const sessionCookieName = 'callshield_session';

/** The session token in a Cookie header, if any. */
export function sessionCookieOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === sessionCookieName) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}

/** Console roles, from the most to the least powerful. */
export type UserRole = 'admin' | 'supervisor' | 'analyst' | 'operator_analyst' | 'viewer';

/**
 * The principal when it holds one of the roles, or a 403 (401 when anonymous). The admin token
 * counts as admin; operator keys hold no console role.
 */
export function requireRole(request: FastifyRequest, ...roles: UserRole[]): Principal {
  const p = principalOf(request);
  const role = p.kind === 'admin' ? 'admin' : p.kind === 'user' ? p.role : undefined;
  if (!role || !(roles as string[]).includes(role)) {
    throw new AppError('FORBIDDEN', `this call needs one of the roles: ${roles.join(', ')}`);
  }
  return p;
}

/** Sends a module result: the value with a status, or its error. */
export function sendResult<T>(
  reply: FastifyReply,
  result: { ok: true; value: T } | { ok: false; code: ErrorCode; message: string },
  status = 200,
) {
  if (!result.ok) throw new AppError(result.code, result.message);
  return reply.status(status).send(result.value);
}

/** The shared error schema for OpenAPI responses. */
export const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

/**
 * The incremental sync form shared by the number lists and the device blocklist:
 * `?since=<version>&limit=` → `{"version","added":[…],"removed":[…]}`.
 */
export const syncQuerystring = {
  type: 'object',
  properties: {
    since: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 100000, default: 10000 },
  },
} as const;

export function syncResponse(entry: object) {
  return {
    type: 'object',
    properties: {
      version: { type: 'integer' },
      added: { type: 'array', items: entry },
      removed: { type: 'array', items: { type: 'string' } },
      reset: {
        type: 'boolean',
        description:
          'Present (true) when `since` is a version the server never reached (its records restored from a backup ' +
          'behind it): `added` is then the whole list from its start, paged as for `since=0`; drop the local copy and ' +
          'apply the pages.',
      },
    },
  } as const;
}

/** A route as the OpenAPI document needs it. */
interface RouteForDocument {
  method: string | string[];
  url: string;
  schema?: unknown;
  config?: unknown;
}

type RouteSchema = Record<string, unknown> & {
  response?: Record<string, unknown>;
  security?: Array<Record<string, string[]>>;
  hide?: boolean;
};

interface OpenApiDocument {
  paths: Record<string, Record<string, unknown>>;
}

/** The error answers any route can give, by status, with the codes behind them. */
const commonErrors: Record<string, string> = {
  400:
    'VALIDATION_FAILED (a parameter or field breaks the schema), INVALID_JSON, BAD_REQUEST, INVALID_PATH; ' +
    'and the 400 codes the operation names',
  401: 'UNAUTHORIZED: no token or session, or one that is not valid',
  403: 'FORBIDDEN: this kind of token or this console role may not make the call; and the 403 codes the operation names',
  404: 'NOT_FOUND: no such resource, or one the caller may not see (answered alike)',
  413: 'PAYLOAD_TOO_LARGE: the body is larger than the limit',
  415: 'UNSUPPORTED_MEDIA_TYPE: a Content-Type the operation does not take',
  429: 'RATE_LIMITED: too many requests from this client; try again later',
  500: 'INTERNAL: an unexpected failure (logged; the message says nothing more)',
  503:
    'DEPENDENCY_UNAVAILABLE or NOT_READY: a dependency is down or the node is not ready; SHUTTING_DOWN: the node ' +
    'is closing (the connection is closed after the answer); retry',
};

/** Routes declared outside the modules (src/platform/endpoints.ts), with the access they really have. */
const platformRouteSecurity: Record<string, Array<Record<string, string[]>>> = {
  '/healthz': [],
  // Without a token /metrics answers the dependency health only.
  '/metrics': [{}, { bearer: [] }],
};

const isPublic = (security: unknown): boolean =>
  Array.isArray(security) && (security.length === 0 || security.some((s) => Object.keys(s).length === 0));

/**
 * A route's schema as the OpenAPI document shows it (the route's own schema is not changed: it
 * validates and serialises): the security it takes (bearer or console cookie unless it says), and
 * every error status it can answer with the `{"error":{"code","message"}}` shape. A route that
 * documents no success answer gets `2XX`, not a guessed status.
 */
export function documentedSchema(schema: unknown, url: string, route: RouteForDocument): RouteSchema {
  const own = (schema ?? {}) as RouteSchema;
  if (own.hide) return own;
  const security = own.security ?? platformRouteSecurity[url];
  const methods = (Array.isArray(route.method) ? route.method : [route.method]).map((m) => m.toUpperCase());
  const takesBody = methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH');
  const rateLimited =
    url.startsWith('/public/') ||
    url === '/v1/console/login' ||
    Boolean((route.config as { rateLimit?: unknown } | undefined)?.rateLimit);
  const response: Record<string, unknown> = { ...(own.response ?? {}) };
  if (!Object.keys(response).some((status) => status.startsWith('2'))) {
    response['2XX'] = { description: 'success (see the operation description)' };
  }
  const statuses = ['400'];
  if (!isPublic(security)) statuses.push('401', '403');
  if (url.includes(':') || url.includes('{')) statuses.push('404');
  if (takesBody) statuses.push('413', '415');
  if (rateLimited) statuses.push('429');
  statuses.push('500', '503');
  for (const status of statuses) {
    if (!(status in response)) response[status] = { ...errorSchema, description: commonErrors[status] };
  }
  // Errors are JSON even where the success answer is a file (`produces: ['text/csv']`).
  for (const [status, value] of Object.entries(response)) {
    const { description, content, ...body } = value as { description?: string; content?: unknown };
    if (/^[45]/.test(status) && content === undefined)
      response[status] = {
        description: description ?? commonErrors[status[0] === '4' ? '400' : '500'],
        content: { 'application/json': { schema: body } },
      };
  }
  return { ...own, ...(security ? { security } : {}), response };
}

/** Adds the routes the swagger plugin did not see (declared on the root before it loaded). */
function addUndocumentedRoutes(document: OpenApiDocument, routes: RouteForDocument[]): OpenApiDocument {
  for (const route of routes) {
    const own = (route.schema ?? {}) as RouteSchema;
    if (own.hide || route.url === '*') continue;
    const url = route.url.replace(/:(\w+)/g, '{$1}');
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    for (const method of methods) {
      const item = document.paths[url] ?? {};
      if (item[method.toLowerCase()]) continue;
      const schema = documentedSchema(own, route.url, route);
      const responses: Record<string, unknown> = {};
      for (const [status, value] of Object.entries(schema.response ?? {})) {
        const { description, ...body } = value as { description?: string; type?: string; content?: unknown };
        responses[status.toUpperCase()] = body.content
          ? { description, content: body.content }
          : body.type === undefined
            ? { description: description ?? 'success' }
            : { description: description ?? 'answer', content: { 'application/json': { schema: body } } };
      }
      const parameters = [...route.url.matchAll(/:(\w+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      item[method.toLowerCase()] = {
        ...(schema.summary ? { summary: schema.summary } : {}),
        ...(schema.description ? { description: schema.description } : {}),
        ...(schema.tags ? { tags: schema.tags } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(schema.security ? { security: schema.security } : {}),
        responses,
      };
      document.paths[url] = item;
    }
  }
  return document;
}
