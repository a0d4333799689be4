/**
 * Starts a real app for HTTP tests. Opening a fresh PGlite and migrating takes ~2 s, so the
 * migrated database is dumped once (cached on disk by a digest of the migrations) and every test
 * app loads a copy of it (~0.5 s).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { type App, createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { migrate, pgliteSql, type Sql } from './sql.ts';

export const testAdminToken = 'test-admin-token-0123456789';

const migrationsDir = new URL('../../migrations/', import.meta.url).pathname;

function migrationsDigest(): string {
  const h = createHash('sha256');
  for (const f of readdirSync(migrationsDir).sort()) h.update(f).update(readFileSync(join(migrationsDir, f)));
  return h.digest('hex').slice(0, 16);
}

let template: Promise<Blob> | undefined;

async function migratedTemplate(): Promise<Blob> {
  const { PGlite } = await import('@electric-sql/pglite');
  const file = join(tmpdir(), `callshield-test-pglite-${migrationsDigest()}.tar.gz`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const db = await PGlite.create();
  await migrate(pgliteSql(db));
  const dump = await db.dumpDataDir('gzip');
  await db.close();
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, file);
  return dump;
}

/** A migrated in-memory PGlite, private to the caller. */
export async function openTestPglite(): Promise<Sql> {
  template ??= migratedTemplate();
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create({ loadDataDir: await template });
  return pgliteSql(db);
}

export interface TestApp {
  app: App;
  /** Moves the app's clock forward. */
  advance(ms: number): void;
  request(
    method: string,
    url: string,
    options?: { token?: string; body?: unknown; raw?: string; contentType?: string },
  ): Promise<LightMyRequestResponse>;
  /** Issues an API key for an operator. */
  keyFor(operator: string): Promise<string>;
  close(): Promise<void>;
}

/** A real app (all modules, real records store) answering through Fastify's inject. */
export async function startTestApp(settings: Record<string, unknown> = {}, sql?: Sql): Promise<TestApp> {
  let offset = 0;
  const clock = () => Date.now() + offset;
  const config = loadConfig(
    { logLevel: 'silent', adminToken: testAdminToken, dataDir: 'memory://', statsFlushMs: 60_000, ...settings },
    {},
  );
  const ownSql = sql ?? (await openTestPglite());
  // Low scrypt cost: tests exercise the logic, not the hardness of password hashing.
  const app = await createApp(config, { sql: ownSql, clock, scryptCost: { N: 1024, r: 8, p: 1 } });
  const t: TestApp = {
    app,
    advance(ms) {
      offset += ms;
    },
    request(method, url, options = {}) {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.contentType) headers['content-type'] = options.contentType;
      else if (options.raw !== undefined || options.body !== undefined) headers['content-type'] = 'application/json';
      return app.http.inject({
        method: method as 'GET',
        url,
        headers,
        payload: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
      });
    },
    async keyFor(operator) {
      const r = await t.request('POST', `/v1/admin/operators/${operator}/keys`, { token: testAdminToken, body: {} });
      if (r.statusCode !== 201) throw new Error(`key for ${operator}: ${r.statusCode} ${r.body}`);
      return (r.json() as { apiKey: string }).apiKey;
    },
    async close() {
      await app.close();
      if (!sql) await ownSql.close();
    },
  };
  return t;
}
