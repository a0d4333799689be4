/**
 * The records port: one PostgreSQL dialect, two adapters. Embedded mode runs PGlite (PostgreSQL
 * compiled to WebAssembly, in-process, with a data directory); distributed mode runs node-postgres
 * against a PostgreSQL server. The same migrations run on both.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../errors.ts';

export interface SqlRows<T> {
  rows: T[];
  affectedRows: number;
}

/** What modules use: parameterised queries and transactions. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<SqlRows<T>>;
  /** Runs `work` in one transaction; its queries must go through the `tx` it is given. */
  transaction<T>(work: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  readonly kind: 'pglite' | 'postgres';
}

export type SqlQueryable = Pick<Sql, 'query'>;

/** A PGlite instance on a data directory (made if missing), or in memory when dir is "memory://". */
export async function createPglite(dir: string): Promise<import('@electric-sql/pglite').PGlite> {
  const { PGlite } = await import('@electric-sql/pglite');
  if (dir.startsWith('memory://')) return PGlite.create();
  mkdirSync(dir, { recursive: true });
  return PGlite.create(dir);
}

/** Opens PGlite on a data directory, or in memory when dir is "memory://", on this thread. */
export async function openPglite(dir: string): Promise<Sql> {
  return pgliteSql(await createPglite(dir));
}

/** Wraps an open PGlite instance (tests open one from a dump). */
export function pgliteSql(db: import('@electric-sql/pglite').PGlite): Sql {
  const wrap = (q: { query: typeof db.query }) => ({
    async query<T>(text: string, params?: unknown[]): Promise<SqlRows<T>> {
      const r = await q.query<T>(text, params as unknown[]).catch((error: unknown) => {
        throw unstorable(error);
      });
      // PGlite runs each statement synchronously on this thread and resolves at once, so a chain
      // of statements (a CDR upload, a relation fold) would run as one long block of microtasks
      // and hold every call waiting for its answer. One turn of the event loop after each
      // statement lets the calls in between: a stall lasts one statement, not a whole upload.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { rows: r.rows, affectedRows: r.affectedRows ?? 0 };
    },
  });
  return {
    kind: 'pglite',
    ...wrap(db),
    transaction: (work) => db.transaction((tx) => work(wrap(tx as unknown as { query: typeof db.query }))),
    close: () => db.close(),
  };
}

/** A request to the records store's thread (sql-thread.ts); each is answered with its id. */
export type ThreadRequest =
  | { id: number; op: 'query'; text: string; params?: unknown[]; tx?: number }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

/** The thread's answer: rows, a transaction begun, or an error's fields (id 0: the store is open). */
export type ThreadReply =
  | { id: number; rows: unknown[]; affectedRows: number }
  | { id: number; transaction: number }
  | { id: number; error: Record<string, unknown> };

type Ask = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, 'id'> : never) : never;

/** An error of the thread as an Error with the same fields (a constraint's `code` stays readable). */
function threadError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message)), fields);
}

/**
 * Opens PGlite on a thread of its own (sql-thread.ts): the server's embedded store. PGlite runs each
 * statement synchronously on the thread it lives on; on the server's thread a long statement (an
 * upload's rows, a console's report) held every call waiting for its answer. Queries and
 * transactions behave as `pgliteSql`'s: each transaction's queries go to its own PGlite transaction,
 * and other queries wait for it as on one connection. The thread holds the process open only while
 * a query waits for it.
 */
export async function openPgliteThread(dir: string): Promise<Sql> {
  const worker = new Worker(new URL('./sql-thread.ts', import.meta.url), { workerData: { dir } });
  const waiting = new Map<number, { resolve: (reply: ThreadReply) => void; reject: (error: unknown) => void }>();
  let nextId = 1;
  let stopped: Error | null = null;
  const opened = new Promise<ThreadReply>((resolve, reject) => waiting.set(0, { resolve, reject }));
  worker.on('message', (reply: ThreadReply) => {
    const w = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    w?.resolve(reply);
  });
  // A thread that failed or stopped fails what waits for it, and every later query.
  const stop = (error: Error) => {
    stopped ??= error;
    for (const w of waiting.values()) w.reject(stopped);
    waiting.clear();
  };
  worker.on('error', stop);
  worker.on('exit', (code) => stop(new Error(`the records store's thread stopped (exit ${code})`)));
  const ask = (request: Ask) =>
    new Promise<ThreadReply>((resolve, reject) => {
      if (stopped) return reject(stopped);
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ ...request, id });
    });
  const rowsOf = <T>(reply: ThreadReply): SqlRows<T> => {
    if ('error' in reply) throw unstorable(threadError(reply.error));
    const { rows, affectedRows } = reply as { rows: T[]; affectedRows: number };
    return { rows, affectedRows };
  };
  const query = async <T>(text: string, params?: unknown[], tx?: number) =>
    rowsOf<T>(await ask({ op: 'query', text, params, tx }));

  const first = await opened;
  if ('error' in first) {
    await worker.terminate();
    throw threadError(first.error);
  }
  return {
    kind: 'pglite',
    query: (text, params) => query(text, params),
    async transaction(work) {
      const begun = await ask({ op: 'begin' });
      if ('error' in begun) throw unstorable(threadError(begun.error));
      const tx = (begun as { transaction: number }).transaction;
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work({ query: (text, params) => query(text, params, tx) });
      } catch (error) {
        await ask({ op: 'end', tx, commit: false }).catch(() => {});
        throw error;
      }
      rowsOf(await ask({ op: 'end', tx, commit: true }));
      return result;
    },
    async close() {
      if (stopped) return;
      const reply = await ask({ op: 'close' });
      await worker.terminate();
      if ('error' in reply) throw threadError(reply.error);
    },
  };
}

/** Connects a pool to a PostgreSQL server. */
export async function openPostgres(url: string): Promise<Sql> {
  const pg = (await import('pg')).default;
  // BIGINT and NUMERIC come back as strings by default; counts here fit in a double.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  pg.types.setTypeParser(1700, (v: string) => Number(v));
  // A server that does not answer must not hold a request forever.
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000, keepAlive: true });
  // A PostgreSQL restart breaks idle clients; the pool replaces them, the error must not crash us.
  pool.on('error', () => {});
  await pool.query('select 1');
  const query = async <T>(client: Pick<import('pg').Pool, 'query'>, text: string, params?: unknown[]) => {
    try {
      const r = await client.query(text, params as unknown[]);
      return { rows: r.rows as T[], affectedRows: r.rowCount ?? 0 };
    } catch (error) {
      throw unavailable(error);
    }
  };
  return {
    kind: 'postgres',
    query: (text, params) => query(pool, text, params),
    async transaction(work) {
      const client = await pool.connect().catch((error) => {
        throw unavailable(error);
      });
      let broken = false;
      // A checked-out client is not covered by the pool's error listener: a server that goes away
      // mid-transaction would emit an unhandled 'error' and end the process. The query fails instead.
      const onError = () => {
        broken = true;
      };
      client.on('error', onError);
      try {
        await client.query('begin');
        const result = await work({ query: (text, params) => query(client, text, params) });
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => {});
        const mapped = unavailable(error);
        broken ||= mapped !== error;
        throw mapped;
      } finally {
        // A client whose connection broke is dropped, not handed to the next caller.
        client.off('error', onError);
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The server is down, restarting or unreachable: the caller gets DEPENDENCY_UNAVAILABLE (503,
 * "try again") rather than an internal error. Other errors (constraints, bugs) pass unchanged.
 */
function unavailable(error: unknown): unknown {
  const e = error as { code?: string; message?: string };
  const connection =
    (typeof e?.code === 'string' &&
      (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(e.code) ||
        // Class 57 (operator intervention: shutdown, cannot connect now) and 08 (connection exception).
        /^(57P0[1-3]|08...)$/.test(e.code))) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      e?.message ?? '',
    );
  return connection
    ? new AppError('DEPENDENCY_UNAVAILABLE', 'the records store is unavailable for a moment; try again')
    : unstorable(error);
}

/**
 * PostgreSQL text cannot hold U+0000 (22021), nor jsonb a `\u0000` escape (22P05): such a value can
 * only come from a request, and is refused as one (400 VALIDATION_FAILED) rather than answered as
 * an internal error. Other errors pass unchanged.
 */
function unstorable(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '22021' || code === '22P05'
    ? new AppError('VALIDATION_FAILED', 'a text holds a NUL character (U+0000), which cannot be stored')
    : error;
}

/** The versioned change logs that clients pull with `?since={version}`, each with its own lock. */
const changeLogLocks = { lists: 1, devices: 2, smsSenders: 3, simSuspensions: 4 } as const;

/**
 * Takes, until the transaction ends, the lock of a change log pulled with `?since={version}`;
 * call it before the transaction takes a version. A sequence hands out versions in the order
 * transactions ask, not the order they commit: on PostgreSQL a reader could see version 6
 * committed while 5 was still open, answer `version: 6`, and the client asking `since=6` next
 * would never get 5. Holding the lock from the version's allocation to the commit makes the
 * versions commit in order (PGlite runs one transaction at a time anyway).
 */
export async function lockChangeLog(tx: SqlQueryable, log: keyof typeof changeLogLocks): Promise<void> {
  await tx.query('select pg_advisory_xact_lock(7262, $1)', [changeLogLocks[log]]);
}

const migrationsDir = new URL('../../migrations/', import.meta.url).pathname;

/**
 * Applies the plain SQL files of migrations/ in name order, each once, each in a transaction.
 * A lock keeps two processes starting together from running the same migration twice.
 */
export async function migrate(sql: Sql, dir = migrationsDir): Promise<string[]> {
  await sql.query(
    'create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())',
  );
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const applied: string[] = [];
  await sql.transaction(async (tx) => {
    if (sql.kind === 'postgres') await tx.query('select pg_advisory_xact_lock(7261)');
    const done = new Set(
      (await tx.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name),
    );
    for (const file of files) {
      if (done.has(file)) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      for (const statement of splitStatements(text)) await tx.query(statement);
      await tx.query('insert into schema_migrations (name) values ($1)', [file]);
      applied.push(file);
    }
  });
  return applied;
}

/** Splits a migration file on semicolons at line ends (migrations keep one statement per block). */
function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

/**
 * Keeps one table's planner statistics fresh across bulk writes. PGlite runs no autovacuum, so a
 * table filled after its last ANALYZE keeps the statistics of a small table, and a lookup by an
 * index becomes a sequential scan (a bank's 540 k customers: 35–77 ms a lookup on the event loop
 * instead of about 1 ms). Stores call `changed(rows)` after a bulk write; the table is analyzed
 * once the changes reach a fifth of its rows at the last analysis (at least 1 000). On a
 * PostgreSQL server autovacuum does the same, and an ANALYZE after a bulk load is usual practice.
 */
export function statisticsKeeper(sql: SqlQueryable, table: string): { changed(rows: number): Promise<void> } {
  let changedSince = 0;
  let rowsAtLast = 0;
  let running: Promise<void> | null = null;
  return {
    async changed(rows: number): Promise<void> {
      changedSince += rows;
      if (running || changedSince < Math.max(1000, rowsAtLast / 5)) return;
      changedSince = 0;
      running = (async () => {
        await sql.query(`analyze ${table}`);
        const { rows: stats } = await sql.query<{ n: number }>(
          'select reltuples::float8 as n from pg_class where oid = $1::regclass',
          [table],
        );
        rowsAtLast = Math.max(0, Number(stats[0]?.n ?? 0));
      })().finally(() => {
        running = null;
      });
      await running;
    },
  };
}

/**
 * SQL of the local calendar day (`YYYY-MM-DD`) of a timestamptz column, for an offset from UTC in
 * minutes given as a parameter (`$n`): the country's days (Almaty, UTC+5) as `GET /v1/stats` cuts
 * them, whatever the session's time zone.
 */
export function localDaySql(column: string, offsetMinutesParam: string): string {
  return `to_char((${column} at time zone 'UTC') + make_interval(mins => ${offsetMinutesParam}::int), 'YYYY-MM-DD')`;
}
