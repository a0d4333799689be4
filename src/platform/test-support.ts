/**
 * Helpers for integration tests against the real services of the machine (PostgreSQL, Redis, NATS).
 * Each test gets its own PostgreSQL schema, so tests never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import { openPglite, openPgliteThread, openPostgres, type Sql } from './sql.ts';

/** Where the test PostgreSQL runs; CI starts it (.ci/run). */
export function postgresTestUrl(): string {
  return process.env.CALLSHIELD_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/** Opens a pool whose search_path is a fresh schema, dropped by `done`. */
export async function withTempSchema(url: string): Promise<{ sql: Sql; done: () => Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openPostgres(url);
  await admin.query(`create schema ${schema}`);
  await admin.close();
  const separator = url.includes('?') ? '&' : '?';
  const sql = await openPostgres(`${url}${separator}options=-c%20search_path%3D${schema}`);
  return {
    sql,
    async done() {
      await sql.close();
      const cleanup = await openPostgres(url);
      await cleanup.query(`drop schema ${schema} cascade`);
      await cleanup.close();
    },
  };
}

/**
 * The adapters of the records store, for port tests that run the same checks on each, so the
 * embedded one cannot drift: a fresh in-memory PGlite (on the caller's thread, as tests and the CLI
 * open it, and on a thread of its own, as the server does), and a private schema on PostgreSQL.
 */
export const recordsAdapters: [string, () => Promise<{ sql: Sql; done: () => Promise<void> }>][] = [
  [
    'pglite',
    async () => {
      const sql = await openPglite('memory://');
      return { sql, done: () => sql.close() };
    },
  ],
  [
    'pglite on its own thread',
    async () => {
      const sql = await openPgliteThread('memory://');
      return { sql, done: () => sql.close() };
    },
  ],
  ['postgres', () => withTempSchema(postgresTestUrl())],
];

/**
 * The records store with a writer slow to commit: the first transaction stops after its first
 * statement matching `at` until `release()`, while every other query and transaction goes on.
 */
export function pauseFirstTransaction(sql: Sql, at: RegExp): { sql: Sql; reached: Promise<void>; release(): void } {
  let taken = false;
  let reach = () => {};
  let release = () => {};
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const paused: Sql = {
    kind: sql.kind,
    query: (text, params) => sql.query(text, params),
    close: () => sql.close(),
    transaction(work) {
      if (taken) return sql.transaction(work);
      taken = true;
      return sql.transaction((tx) =>
        work({
          async query<T>(text: string, params?: unknown[]) {
            const result = await tx.query<T>(text, params);
            if (at.test(text)) {
              reach();
              await gate;
            }
            return result;
          },
        }),
      );
    },
  };
  return { sql: paused, reached, release };
}
