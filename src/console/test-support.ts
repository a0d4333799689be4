/** A real app on in-memory records for the console's HTTP tests, with a clock the test moves. */
import type { LightMyRequestResponse } from 'fastify';
import { type App, createApp } from '../app.ts';
import { loadConfig } from '../config.ts';

export const testAdminToken = 'test-admin-token-0123456789';

export interface ConsoleTestApp {
  app: App;
  /** Moves the app's clock forward. */
  advance(ms: number): void;
  /** A request with the admin token. */
  admin(method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** A request with a session cookie (or none). */
  as(cookie: string | undefined, method: string, url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** Creates a user and logs them in with a changed password; returns the session cookie. */
  user(username: string, role: string, operatorId?: string): Promise<string>;
  login(username: string, password: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const cookieOf = (response: LightMyRequestResponse): string => {
  const header = response.headers['set-cookie'];
  const line = Array.isArray(header) ? header[0] : String(header ?? '');
  return line.split(';')[0];
};

export async function startConsoleTestApp(settings: Record<string, unknown> = {}): Promise<ConsoleTestApp> {
  let offset = 0;
  const clock = () => Date.now() + offset;
  const config = loadConfig(
    {
      logLevel: 'silent',
      adminToken: testAdminToken,
      dataDir: 'memory://',
      originWaitMs: 0,
      statsFlushMs: 60_000,
      ...settings,
    },
    {},
  );
  const { openPglite } = await import('../platform/sql.ts');
  const sql = await openPglite('memory://');
  // Low scrypt cost: tests exercise the logic, not the hardness.
  const app = await createApp(config, { sql, clock, scryptCost: { N: 1024, r: 8, p: 1 } });
  const inject = (headers: Record<string, string>, method: string, url: string, payload?: unknown) =>
    app.http.inject({
      method: method as 'GET',
      url,
      headers,
      ...(payload === undefined
        ? {}
        : typeof payload === 'string'
          ? { payload, headers: { ...headers, 'content-type': 'text/csv' } }
          : { payload: payload as object }),
    });
  const t: ConsoleTestApp = {
    app,
    advance(ms) {
      offset += ms;
    },
    admin: (method, url, payload) => inject({ authorization: `Bearer ${testAdminToken}` }, method, url, payload),
    as: (cookie, method, url, payload) => inject(cookie ? { cookie } : {}, method, url, payload),
    login: (username, password) => inject({}, 'POST', '/v1/console/login', { username, password }),
    async user(username, role, operatorId) {
      const created = await t.admin('POST', '/v1/console/users', {
        username,
        role,
        ...(operatorId ? { operatorId } : {}),
      });
      if (created.statusCode !== 201) throw new Error(`create ${username}: ${created.body}`);
      const { oneTimePassword } = created.json() as { oneTimePassword: string };
      const login = await t.login(username, oneTimePassword);
      const cookie = cookieOf(login);
      const changed = await t.as(cookie, 'POST', '/v1/console/password', {
        currentPassword: oneTimePassword,
        newPassword: testPasswordOf(username),
      });
      if (changed.statusCode !== 200) throw new Error(`password ${username}: ${changed.body}`);
      return cookie;
    },
    async close() {
      await app.close();
      await sql.close();
    },
  };
  return t;
}

/** The password `user()` gives each test user. */
export const testPasswordOf = (username: string) => `Secret-pass-42-${username.split('').reverse().join('')}`;
