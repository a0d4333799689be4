import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { auditActorOf } from '../audit/context.ts';
import type { AuditLog } from '../audit/log.ts';
import { AppError } from '../errors.ts';
import type { OperatorRegistry } from '../operators/store.ts';
import { clientNetworkOf } from '../platform/client-network.ts';
import {
  errorSchema,
  perClientRateLimit,
  requireRole,
  sessionCookieName,
  sessionCookieOf,
  type UserRole,
} from '../platform/http.ts';
import type { Session, UserService } from './service.ts';
import { userRoles } from './types.ts';

const userSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    role: { type: 'string', enum: userRoles },
    operatorId: { type: 'string' },
    mustChangePassword: { type: 'boolean' },
    disabled: { type: 'boolean' },
    createdAt: { type: 'string' },
    createdBy: { type: 'string' },
    lastLoginAt: { type: 'string' },
  },
} as const;

const meSchema = {
  type: 'object',
  properties: {
    user: userSchema,
    mustChangePassword: { type: 'boolean' },
    expiresAt: { type: 'string' },
    idleMinutes: { type: 'integer' },
  },
} as const;

const oneTimeSchema = {
  type: 'object',
  properties: { user: userSchema, oneTimePassword: { type: 'string' } },
} as const;

export interface UserRouteDeps {
  users: UserService;
  audit: AuditLog;
  operators: OperatorRegistry;
  cookieSecure: 'auto' | 'always' | 'never';
  absoluteMs: number;
  idleMs: number;
  /** Log-in attempts per client address in 15 minutes. */
  loginAttemptsPerIp: number;
}

const LOGIN_WINDOW_MS = 15 * 60_000;

export function registerUserRoutes(app: FastifyInstance, deps: UserRouteDeps) {
  const { users, audit, operators } = deps;
  const throttledAt = new Map<string, number>();

  const secure = (request: FastifyRequest) =>
    deps.cookieSecure === 'always' ||
    (deps.cookieSecure === 'auto' &&
      (request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https'));

  const setCookie = (request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number) =>
    reply.header(
      'set-cookie',
      `${sessionCookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure(request) ? '; Secure' : ''}`,
    );

  /** The caller's session, including one that must still change its password. */
  async function sessionOrFail(request: FastifyRequest): Promise<{ token: string; session: Session }> {
    const token = sessionCookieOf(request.headers.cookie);
    const session = token ? await users.sessionOf(token) : null;
    if (!token || !session) throw new AppError('UNAUTHORIZED', 'not logged in, or the session has ended');
    return { token, session };
  }

  const me = (session: Session) => ({
    user: session.user,
    mustChangePassword: session.user.mustChangePassword,
    expiresAt: new Date(session.expiresAt).toISOString(),
    idleMinutes: Math.round(deps.idleMs / 60_000),
  });

  // Log-in attempts are throttled per client network (a password spray across many users), on
  // top of the lock of a user after wrong passwords; a throttled client is audited once per window.
  // The network is the one the lock uses (perClientRateLimit counts by clientNetworkOf: IPv4
  // address, IPv6 /64): one line holds a whole /64, so counting single IPv6 addresses would let one
  // client try without limit.
  app.register(async (scope) => {
    await scope.register(rateLimit, {
      ...perClientRateLimit(
        deps.loginAttemptsPerIp,
        LOGIN_WINDOW_MS,
        (retryMs) => `too many log-in attempts from this address; try again in ${Math.ceil(retryMs / 60_000)} min`,
      ),
      onExceeded: (request) => {
        const now = Date.now();
        const network = clientNetworkOf(request.ip);
        if ((throttledAt.get(network) ?? 0) > now - LOGIN_WINDOW_MS) return;
        throttledAt.set(network, now);
        for (const [key, at] of throttledAt) if (at <= now - LOGIN_WINDOW_MS) throttledAt.delete(key);
        audit
          .append({
            actor: `ip:${request.ip}`,
            role: 'none',
            action: 'user.login.throttled',
            target: 'console',
            clientIp: request.ip,
            details: { attemptsPerWindow: deps.loginAttemptsPerIp, windowMinutes: LOGIN_WINDOW_MS / 60_000 },
          })
          .catch((error) => request.log.error({ err: error }, 'audit append failed'));
      },
    });

    scope.post(
      '/v1/console/login',
      {
        schema: {
          summary: 'Log in to the console (sets the session cookie)',
          tags: ['console'],
          security: [],
          body: {
            type: 'object',
            required: ['username', 'password'],
            properties: { username: { type: 'string', maxLength: 100 }, password: { type: 'string', maxLength: 300 } },
          },
          response: { 200: meSchema, '4xx': errorSchema },
        },
      },
      async (request, reply) => {
        const body = request.body as { username: string; password: string };
        const result = await users.login(body.username, body.password, request.ip, request.headers['user-agent'] ?? '');
        const username = String(body.username).trim().toLowerCase().slice(0, 100);
        if (!result.ok) {
          // Nobody is known to act yet: the entry names the client as actor and the user name typed
          // as target, so that a user's own trail (by actor) holds no guess someone else made.
          await audit.append({
            actor: `ip:${request.ip}`,
            role: 'none',
            action: 'user.login.failed',
            target: `user:${username}`,
            clientIp: request.ip,
            details: { code: result.code },
          });
          throw new AppError(result.code, result.message);
        }
        const { token, session } = result.value;
        await audit.append({
          actor: `user:${session.user.id}`,
          role: session.user.role,
          action: 'user.login',
          target: `user:${session.user.id}`,
          clientIp: request.ip,
        });
        setCookie(request, reply, token, Math.floor(deps.absoluteMs / 1000));
        return me(session);
      },
    );
  });

  app.post(
    '/v1/console/logout',
    {
      schema: {
        summary: 'End the session',
        tags: ['console'],
        response: { 204: { type: 'null', description: 'the session is ended (no body)' }, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      const token = sessionCookieOf(request.headers.cookie);
      const session = token ? await users.sessionOf(token) : null;
      if (token) await users.logout(token);
      if (session) {
        await audit.append({
          actor: `user:${session.user.id}`,
          role: session.user.role,
          action: 'user.logout',
          target: `user:${session.user.id}`,
          clientIp: request.ip,
        });
      }
      setCookie(request, reply, '', 0);
      return reply.status(204).send();
    },
  );

  app.get(
    '/v1/console/me',
    { schema: { summary: 'The logged-in user', tags: ['console'], response: { 200: meSchema, '4xx': errorSchema } } },
    async (request) => me((await sessionOrFail(request)).session),
  );

  app.post(
    '/v1/console/password',
    {
      schema: {
        summary: "Change the logged-in user's password",
        tags: ['console'],
        body: {
          type: 'object',
          required: ['currentPassword', 'newPassword'],
          properties: {
            currentPassword: { type: 'string', maxLength: 300 },
            newPassword: { type: 'string', maxLength: 300 },
          },
        },
        response: { 200: meSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const { session } = await sessionOrFail(request);
      const body = request.body as { currentPassword: string; newPassword: string };
      const result = await users.changePassword(session, body.currentPassword, body.newPassword, request.ip);
      if (!result.ok) {
        // A wrong current password is a guess at it; a weak new one is only a typing matter.
        if (result.code !== 'WEAK_PASSWORD') {
          await audit.append({
            actor: `user:${session.user.id}`,
            role: session.user.role,
            action: 'user.password.change.failed',
            target: `user:${session.user.id}`,
            clientIp: request.ip,
            details: { code: result.code },
          });
        }
        throw new AppError(result.code, result.message);
      }
      await audit.append({
        actor: `user:${session.user.id}`,
        role: session.user.role,
        action: 'user.password.change',
        target: `user:${session.user.id}`,
        clientIp: request.ip,
      });
      session.user = result.value;
      return me(session);
    },
  );

  // ---- user administration (admins) ----

  const operatorKnown = (id: string | null | undefined) => {
    if (id && !operators.get(id)) throw new AppError('UNKNOWN_OPERATOR', `no operator "${id}"`);
  };

  app.get(
    '/v1/console/users',
    {
      schema: {
        summary: 'Console users (admins)',
        tags: ['console'],
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: userSchema } } } },
      },
    },
    async (request) => {
      requireRole(request, 'admin');
      return { items: await users.list() };
    },
  );

  app.post(
    '/v1/console/users',
    {
      schema: {
        summary: 'Create a console user (returns a one-time password, changed at first login)',
        tags: ['console'],
        body: {
          type: 'object',
          required: ['username', 'role'],
          properties: {
            username: { type: 'string', maxLength: 40 },
            displayName: { type: 'string', maxLength: 100 },
            role: { type: 'string', enum: userRoles },
            operatorId: { type: 'string' },
          },
        },
        response: { 201: oneTimeSchema, '4xx': errorSchema },
      },
    },
    async (request, reply) => {
      requireRole(request, 'admin');
      const body = request.body as { username: string; displayName?: string; role: UserRole; operatorId?: string };
      operatorKnown(body.operatorId);
      const result = await users.create(body, auditActorOf(request).actor);
      if (!result.ok) throw new AppError(result.code, result.message);
      await audit.append({
        ...auditActorOf(request),
        action: 'user.create',
        target: `user:${result.value.user.id}`,
        details: { role: body.role, ...(body.operatorId ? { operatorId: body.operatorId } : {}) },
      });
      return reply.status(201).send(result.value);
    },
  );

  app.patch(
    '/v1/console/users/:id',
    {
      schema: {
        summary: 'Change a user: name, role, operator, disabled',
        tags: ['console'],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        body: {
          type: 'object',
          properties: {
            displayName: { type: 'string', maxLength: 100 },
            role: { type: 'string', enum: userRoles },
            operatorId: { type: ['string', 'null'] },
            disabled: { type: 'boolean' },
          },
        },
        response: { 200: userSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      const caller = requireRole(request, 'admin');
      const { id } = request.params as { id: string };
      const body = request.body as {
        displayName?: string;
        role?: UserRole;
        operatorId?: string | null;
        disabled?: boolean;
      };
      operatorKnown(body.operatorId);
      // An admin cannot lock themselves out by accident.
      if (caller.kind === 'user' && caller.userId === id && (body.disabled || (body.role && body.role !== 'admin'))) {
        throw new AppError('CONFLICT', 'you cannot disable yourself or take away your own admin role');
      }
      const result = await users.update(id, body);
      if (!result.ok) throw new AppError(result.code, result.message);
      // The fields that were changed, never the rest of the body (a password sent by mistake stays out of the log).
      const { displayName, role, operatorId, disabled } = body;
      await audit.append({
        ...auditActorOf(request),
        action: 'user.update',
        target: `user:${id}`,
        details: Object.fromEntries(
          Object.entries({ displayName, role, operatorId, disabled }).filter(([, value]) => value !== undefined),
        ),
      });
      return result.value;
    },
  );

  app.post(
    '/v1/console/users/:id/reset-password',
    {
      schema: {
        summary: 'Give a user a new one-time password (their sessions end)',
        tags: ['console'],
        params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
        response: { 200: oneTimeSchema, '4xx': errorSchema },
      },
    },
    async (request) => {
      requireRole(request, 'admin');
      const { id } = request.params as { id: string };
      const result = await users.resetPassword(id);
      if (!result.ok) throw new AppError(result.code, result.message);
      await audit.append({ ...auditActorOf(request), action: 'user.password.reset', target: `user:${id}` });
      return result.value;
    },
  );
}
