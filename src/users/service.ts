/**
 * Console users and their sessions. A session is a 256-bit random token in an HttpOnly cookie;
 * the records store keeps only its SHA-256 (so a leaked table opens no session). Sessions end
 * after an idle time and an absolute lifetime. Valid sessions are cached briefly in memory, so a
 * console request costs a map lookup; logout and user changes on this node take effect at once,
 * on other nodes within the cache time.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal } from '../auth/principal.ts';
import { fail, ok, type Result } from '../errors.ts';
import { clientNetworkOf } from '../platform/client-network.ts';
import type { UserRole } from '../platform/http.ts';
import type { Sql } from '../platform/sql.ts';
import { defaultScryptCost, hashPassword, oneTimePassword, passwordProblem, verifyPassword } from './passwords.ts';
import { createUserStore, toUser } from './store.ts';
import type { User } from './types.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** After this many wrong passwords in a row from one network, a user name is locked there for `lockMinutes`. */
const lockAfterFailures = 10;
const lockMinutes = 15;
const lockedMessage = 'too many wrong passwords from this address; try again later';
/** How long a node trusts its cached view of a session before reading the store again. */
const cacheMs = 15_000;
/** How often the last-seen time of an active session is written (idle expiry is this precise). */
const touchEveryMs = 30_000;

export interface Session {
  tokenHash: string;
  user: User;
  createdAt: number;
  expiresAt: number;
  lastSeen: number;
}

interface CachedSession extends Session {
  checkedAt: number;
  writtenAt: number;
}

export interface UserServiceOptions {
  sql: Sql;
  clock?: () => number;
  idleMs: number;
  absoluteMs: number;
  /** Tests lower the scrypt cost; production keeps the default. */
  scryptCost?: { N: number; r: number; p: number };
}

export function createUserService(options: UserServiceOptions) {
  const store = createUserStore(options.sql);
  const clock = options.clock ?? Date.now;
  const cost = options.scryptCost ?? defaultScryptCost;
  const cache = new Map<string, CachedSession>();
  // Unknown users cost as much as known ones, so timing does not tell which user names exist.
  const dummyDigest = hashPassword(randomBytes(16).toString('hex'), cost);

  const principalOfUser = (u: User): Principal => ({
    kind: 'user',
    userId: u.id,
    role: u.role,
    ...(u.operatorId ? { operatorId: u.operatorId } : {}),
  });

  function forgetUser(userId: string) {
    for (const [hash, s] of cache) if (s.user.id === userId) cache.delete(hash);
  }

  async function loadSession(tokenHash: string, now: number): Promise<CachedSession | null> {
    const row = await store.session(tokenHash);
    if (!row) return null;
    const session: CachedSession = {
      tokenHash,
      user: toUser(row.user),
      createdAt: new Date(row.created_at).getTime(),
      expiresAt: new Date(row.expires_at).getTime(),
      lastSeen: new Date(row.last_seen_at).getTime(),
      checkedAt: now,
      writtenAt: new Date(row.last_seen_at).getTime(),
    };
    return session;
  }

  /** The live session of a cookie token, its idle time renewed; null when unknown, expired or disabled. */
  async function sessionOf(token: string): Promise<Session | null> {
    if (token.length < 20 || token.length > 100) return null;
    const tokenHash = sha256(token);
    const now = clock();
    let session = cache.get(tokenHash);
    if (!session || now - session.checkedAt > cacheMs) {
      const loaded = await loadSession(tokenHash, now);
      if (!loaded) {
        cache.delete(tokenHash);
        return null;
      }
      // Keep the newer last-seen of this node (it may not be written yet).
      if (session) loaded.lastSeen = Math.max(loaded.lastSeen, session.lastSeen);
      session = loaded;
      cache.set(tokenHash, session);
    }
    if (now >= session.expiresAt || now - session.lastSeen >= options.idleMs || session.user.disabled) {
      cache.delete(tokenHash);
      await store.deleteSession(tokenHash).catch(() => {});
      return null;
    }
    session.lastSeen = now;
    if (now - session.writtenAt >= touchEveryMs) {
      session.writtenAt = now;
      void store.touchSession(tokenHash, new Date(now)).catch(() => {});
    }
    return session;
  }

  async function newSession(
    user: User,
    clientIp: string,
    userAgent: string,
  ): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = sha256(token);
    const now = clock();
    const expiresAt = now + options.absoluteMs;
    await store.createSession({
      tokenHash,
      userId: user.id,
      now: new Date(now),
      expiresAt: new Date(expiresAt),
      clientIp,
      userAgent,
    });
    const session: CachedSession = {
      tokenHash,
      user,
      createdAt: now,
      expiresAt,
      lastSeen: now,
      checkedAt: now,
      writtenAt: now,
    };
    cache.set(tokenHash, session);
    return { token, session };
  }

  const isLocked = (lock: { lockedUntil: number | null } | null, now: number) =>
    Boolean(lock?.lockedUntil && lock.lockedUntil > now);

  /** Counts a wrong password for a user name from a client network (locks it after `lockAfterFailures`). */
  const countWrongPassword = (username: string, client: string, now: number) =>
    store.loginFailedFrom(
      username,
      client,
      new Date(now),
      new Date(now - lockMinutes * 60_000),
      lockAfterFailures,
      new Date(now + lockMinutes * 60_000),
    );

  return {
    store,
    sessionOf,

    /**
     * The principal of a session cookie for every API route. A user who must still change the
     * one-time password gets none: only the console's own routes (me, password, logout) serve them.
     */
    async authenticateSession(token: string): Promise<Principal | null> {
      const session = await sessionOf(token);
      if (!session || session.user.mustChangePassword) return null;
      return principalOfUser(session.user);
    },

    /**
     * At first start (no user yet) creates the `admin` user with a one-time password and returns
     * it to be shown once. While that admin has never logged in, each start makes a new one, so a
     * lost first password is not a dead end.
     */
    async bootstrapAdmin(): Promise<{ username: string; password: string } | null> {
      const users = await store.list();
      const password = oneTimePassword();
      if (users.length === 0) {
        await store.insert({
          id: 'admin',
          username: 'admin',
          displayName: 'Administrator',
          role: 'admin',
          passwordHash: await hashPassword(password, cost),
          createdBy: 'bootstrap',
        });
        return { username: 'admin', password };
      }
      const only = users.length === 1 ? users[0] : null;
      if (only && only.created_by === 'bootstrap' && only.must_change_password && !only.last_login_at) {
        await store.setPassword(only.id, await hashPassword(password, cost), true);
        return { username: only.username, password };
      }
      return null;
    },

    /**
     * Logs in. Wrong passwords lock the user name from the client's network only (IPv4 address,
     * IPv6 /64) — an attacker elsewhere cannot lock the real user out — and names that do not exist
     * are counted and locked the same way, with the password hashed in every case, so neither the
     * answers nor the work tell which names exist.
     */
    async login(
      username: string,
      password: string,
      clientIp: string,
      userAgent: string,
    ): Promise<Result<{ token: string; session: Session }>> {
      const name = String(username).trim().toLowerCase();
      const client = clientNetworkOf(clientIp);
      const [row, lock] = await Promise.all([store.byUsername(name), store.loginLock(name, client)]);
      const passwordOk = await verifyPassword(password, row?.password_hash ?? (await dummyDigest));
      const now = clock();
      if (isLocked(lock, now)) return fail('RATE_LIMITED', lockedMessage);
      if (!row || !passwordOk || row.disabled) {
        await countWrongPassword(name, client, now);
        return fail('INVALID_CREDENTIALS', 'wrong user name or password');
      }
      if (lock) await store.loginClearedFrom(name, client);
      await store.loginSucceeded(row.id, new Date(now));
      return ok(await newSession(toUser({ ...row, last_login_at: new Date(now) }), clientIp, userAgent));
    },

    async logout(token: string): Promise<void> {
      const tokenHash = sha256(token);
      cache.delete(tokenHash);
      await store.deleteSession(tokenHash);
    },

    /**
     * Changes the session user's password; other sessions of the user end. A wrong current password
     * counts towards the same lock as a wrong password at log-in (user name and client network):
     * a session left open on a desk is not an unlimited oracle for its user's password.
     */
    async changePassword(session: Session, current: string, next: string, clientIp: string): Promise<Result<User>> {
      const row = await store.byId(session.user.id);
      if (!row) return fail('INVALID_CREDENTIALS', 'the current password is wrong');
      const client = clientNetworkOf(clientIp);
      const lock = await store.loginLock(row.username, client);
      const passwordOk = await verifyPassword(current, row.password_hash);
      const now = clock();
      if (isLocked(lock, now)) return fail('RATE_LIMITED', lockedMessage);
      if (!passwordOk) {
        await countWrongPassword(row.username, client, now);
        return fail('INVALID_CREDENTIALS', 'the current password is wrong');
      }
      if (lock) await store.loginClearedFrom(row.username, client);
      const problem = passwordProblem(next, row.username);
      if (problem) return fail('WEAK_PASSWORD', problem);
      if (next === current) return fail('WEAK_PASSWORD', 'the new password must differ from the current one');
      await store.setPassword(row.id, await hashPassword(next, cost), false);
      await store.deleteSessionsOf(row.id, session.tokenHash);
      forgetUser(row.id);
      const updated = await store.byId(row.id);
      return ok(toUser(updated!));
    },

    async list(): Promise<User[]> {
      return (await store.list()).map(toUser);
    },

    async get(id: string): Promise<User | null> {
      const row = await store.byId(id);
      return row ? toUser(row) : null;
    },

    /** Creates a user with a one-time password (returned once; changed at first login). */
    async create(
      input: { username: string; displayName?: string; role: UserRole; operatorId?: string },
      createdBy: string,
    ): Promise<Result<{ user: User; oneTimePassword: string }>> {
      const username = input.username.trim().toLowerCase();
      if (!/^[a-z0-9][a-z0-9._-]{1,39}$/.test(username)) {
        return fail('VALIDATION_FAILED', 'the user name must be 2–40 of a-z, 0-9, dot, dash, underscore');
      }
      if ((input.role === 'operator_analyst') !== Boolean(input.operatorId)) {
        return fail('VALIDATION_FAILED', 'an operator analyst needs an operator, and only an operator analyst has one');
      }
      const password = oneTimePassword();
      const row = await store.insert({
        id: username,
        username,
        displayName: input.displayName?.trim() || username,
        role: input.role,
        operatorId: input.operatorId,
        passwordHash: await hashPassword(password, cost),
        createdBy,
      });
      if (!row) return fail('USER_EXISTS', `user "${username}" exists`);
      return ok({ user: toUser(row), oneTimePassword: password });
    },

    /** Changes role, operator, name or disables; the user's sessions end on role/operator/disable changes. */
    async update(
      id: string,
      patch: { displayName?: string; role?: UserRole; operatorId?: string | null; disabled?: boolean },
    ): Promise<Result<User>> {
      const before = await store.byId(id);
      if (!before) return fail('NOT_FOUND', `no user "${id}"`);
      const role = patch.role ?? before.role;
      const operatorId = patch.operatorId !== undefined ? patch.operatorId : before.operator_id;
      if ((role === 'operator_analyst') !== Boolean(operatorId)) {
        return fail('VALIDATION_FAILED', 'an operator analyst needs an operator, and only an operator analyst has one');
      }
      const row = await store.update(id, {
        ...patch,
        operatorId: patch.operatorId !== undefined || patch.role ? operatorId : undefined,
      });
      if (patch.role !== undefined || patch.operatorId !== undefined || patch.disabled)
        await store.deleteSessionsOf(id);
      forgetUser(id);
      return ok(toUser(row!));
    },

    async resetPassword(id: string): Promise<Result<{ user: User; oneTimePassword: string }>> {
      const row = await store.byId(id);
      if (!row) return fail('NOT_FOUND', `no user "${id}"`);
      const password = oneTimePassword();
      await store.setPassword(id, await hashPassword(password, cost), true);
      await store.deleteSessionsOf(id);
      forgetUser(id);
      return ok({ user: toUser((await store.byId(id))!), oneTimePassword: password });
    },

    /** Drops expired sessions from the store; runs periodically. */
    async sweep(): Promise<void> {
      const now = clock();
      await store.deleteExpiredSessions(new Date(now), new Date(now - options.idleMs));
      await store.deleteOldLoginFailures(new Date(now - lockMinutes * 60_000));
      for (const [hash, s] of cache) if (now >= s.expiresAt || now - s.lastSeen >= options.idleMs) cache.delete(hash);
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
