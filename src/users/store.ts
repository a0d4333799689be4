import type { UserRole } from '../platform/http.ts';
import type { Sql } from '../platform/sql.ts';
import type { User } from './types.ts';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: UserRole;
  operator_id: string | null;
  password_hash: string;
  must_change_password: boolean;
  disabled: boolean;
  failed_logins: number;
  locked_until: Date | string | null;
  created_at: Date | string;
  created_by: string;
  last_login_at: Date | string | null;
}

export const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  ...(r.operator_id ? { operatorId: r.operator_id } : {}),
  mustChangePassword: r.must_change_password,
  disabled: r.disabled,
  createdAt: new Date(r.created_at).toISOString(),
  createdBy: r.created_by,
  ...(r.last_login_at ? { lastLoginAt: new Date(r.last_login_at).toISOString() } : {}),
});

export interface SessionRow {
  token_hash: string;
  user_id: string;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
}

/** Users and sessions in the records store. */
export function createUserStore(sql: Sql) {
  return {
    async count(): Promise<number> {
      const { rows } = await sql.query<{ n: number | string }>('select count(*) as n from users');
      return Number(rows[0].n);
    },
    async byUsername(username: string): Promise<UserRow | null> {
      const { rows } = await sql.query<UserRow>('select * from users where username = $1', [username]);
      return rows[0] ?? null;
    },
    async byId(id: string): Promise<UserRow | null> {
      const { rows } = await sql.query<UserRow>('select * from users where id = $1', [id]);
      return rows[0] ?? null;
    },
    async list(): Promise<UserRow[]> {
      return (await sql.query<UserRow>('select * from users order by username')).rows;
    },
    async insert(u: {
      id: string;
      username: string;
      displayName: string;
      role: UserRole;
      operatorId?: string;
      passwordHash: string;
      createdBy: string;
    }): Promise<UserRow | null> {
      const { rows } = await sql.query<UserRow>(
        `insert into users (id, username, display_name, role, operator_id, password_hash, created_by)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning *`,
        [u.id, u.username, u.displayName, u.role, u.operatorId ?? null, u.passwordHash, u.createdBy],
      );
      return rows[0] ?? null;
    },
    async update(
      id: string,
      patch: { displayName?: string; role?: UserRole; operatorId?: string | null; disabled?: boolean },
    ): Promise<UserRow | null> {
      const { rows } = await sql.query<UserRow>(
        `update users set display_name = coalesce($2, display_name), role = coalesce($3, role),
           operator_id = case when $4::boolean then $5 else operator_id end, disabled = coalesce($6, disabled)
         where id = $1 returning *`,
        [
          id,
          patch.displayName ?? null,
          patch.role ?? null,
          patch.operatorId !== undefined,
          patch.operatorId ?? null,
          patch.disabled ?? null,
        ],
      );
      return rows[0] ?? null;
    },
    async setPassword(id: string, passwordHash: string, mustChange: boolean): Promise<void> {
      await sql.query(
        'update users set password_hash = $2, must_change_password = $3, failed_logins = 0, locked_until = null where id = $1',
        [id, passwordHash, mustChange],
      );
    },
    async loginFailed(id: string, lockAfter: number, lockUntil: Date): Promise<void> {
      await sql.query(
        `update users set failed_logins = failed_logins + 1,
           locked_until = case when failed_logins + 1 >= $2 then $3 else locked_until end where id = $1`,
        [id, lockAfter, lockUntil],
      );
    },
    /** The wrong-password record of a user name from a client network. */
    async loginLock(
      username: string,
      client: string,
    ): Promise<{ failures: number; lockedUntil: number | null } | null> {
      const { rows } = await sql.query<{ failures: number; locked_until: Date | string | null }>(
        'select failures, locked_until from login_failures where username = $1 and client = $2',
        [username, client],
      );
      if (!rows[0]) return null;
      return {
        failures: rows[0].failures,
        lockedUntil: rows[0].locked_until ? new Date(rows[0].locked_until).getTime() : null,
      };
    },
    /** Counts a wrong password; the count restarts when the previous failure is older than `window`. */
    async loginFailedFrom(
      username: string,
      client: string,
      now: Date,
      windowStart: Date,
      lockAfter: number,
      lockUntil: Date,
    ): Promise<void> {
      await sql.query(
        `insert into login_failures (username, client, failures, last_failure_at, locked_until)
         values ($1, $2, 1, $3, case when 1 >= $5 then $6::timestamptz end)
         on conflict (username, client) do update set
           failures = case when login_failures.last_failure_at < $4 then 1 else login_failures.failures + 1 end,
           last_failure_at = $3,
           locked_until = case
             when (case when login_failures.last_failure_at < $4 then 1 else login_failures.failures + 1 end) >= $5 then $6
             else login_failures.locked_until end`,
        [username, client, now, windowStart, lockAfter, lockUntil],
      );
    },
    async loginClearedFrom(username: string, client: string): Promise<void> {
      await sql.query('delete from login_failures where username = $1 and client = $2', [username, client]);
    },
    async deleteOldLoginFailures(before: Date): Promise<void> {
      await sql.query(
        'delete from login_failures where last_failure_at < $1 and (locked_until is null or locked_until < $1)',
        [before],
      );
    },
    async loginSucceeded(id: string, at: Date): Promise<void> {
      await sql.query('update users set failed_logins = 0, locked_until = null, last_login_at = $2 where id = $1', [
        id,
        at,
      ]);
    },

    async createSession(s: {
      tokenHash: string;
      userId: string;
      now: Date;
      expiresAt: Date;
      clientIp: string;
      userAgent: string;
    }): Promise<void> {
      await sql.query(
        `insert into user_sessions (token_hash, user_id, created_at, last_seen_at, expires_at, client_ip, user_agent)
         values ($1, $2, $3, $3, $4, $5, $6)`,
        [s.tokenHash, s.userId, s.now, s.expiresAt, s.clientIp, s.userAgent.slice(0, 300)],
      );
    },
    async session(tokenHash: string): Promise<(SessionRow & { user: UserRow }) | null> {
      const { rows } = await sql.query<SessionRow & { session_user_id: string }>(
        'select * from user_sessions where token_hash = $1',
        [tokenHash],
      );
      if (!rows[0]) return null;
      const user = await this.byId(rows[0].user_id);
      return user ? { ...rows[0], user } : null;
    },
    async touchSession(tokenHash: string, at: Date): Promise<void> {
      await sql.query('update user_sessions set last_seen_at = $2 where token_hash = $1', [tokenHash, at]);
    },
    async deleteSession(tokenHash: string): Promise<void> {
      await sql.query('delete from user_sessions where token_hash = $1', [tokenHash]);
    },
    /** Ends every session of a user (password change, disabling, role change). */
    async deleteSessionsOf(userId: string, except?: string): Promise<void> {
      await sql.query('delete from user_sessions where user_id = $1 and token_hash <> $2', [userId, except ?? '']);
    },
    async deleteExpiredSessions(now: Date, idleSince: Date): Promise<void> {
      await sql.query('delete from user_sessions where expires_at <= $1 or last_seen_at <= $2', [now, idleSince]);
    },
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
