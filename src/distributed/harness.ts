/**
 * Processes for the fault tests and the distributed benchmark: PRIVATE redis-server and
 * nats-server instances on free ports of 127.0.0.1 with their own temp dirs (the shared services
 * on 6379/4222 are never touched), a fresh schema on the shared PostgreSQL, and callshield nodes
 * started as real processes (`bin/callshield serve --roles …`) that can be killed and restarted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../platform/sql.ts';
import { postgresTestUrl } from '../platform/test-support.ts';

const root = new URL('../../', import.meta.url).pathname;
const executable = join(root, 'bin/callshield');

export const REDIS_SERVER = process.env.CALLSHIELD_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';
export const NATS_SERVER = process.env.CALLSHIELD_TEST_NATS_SERVER ?? '/usr/sbin/nats-server';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(200);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}

async function waitForPort(port: number, open: boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await portOpen(port)) === open) return;
    await delay(50);
  }
  throw new Error(`port ${port} did not ${open ? 'open' : 'close'} within ${timeoutMs} ms`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A private server process that can be stopped and started again on the same port and data. */
export interface PrivateService {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  /** The process id while it runs (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** SIGKILL by default: the service dies as in a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and removes its temp dir. */
  remove(): Promise<void>;
}

function privateService(
  name: string,
  port: number,
  url: string,
  dir: string,
  command: string,
  args: string[],
): PrivateService {
  let child: ChildProcess | null = null;
  const service: PrivateService = {
    port,
    url,
    get running() {
      return child !== null;
    },
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child) return;
      child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
      let stderr = '';
      child.stderr?.on('data', (chunk) => {
        stderr += chunk;
      });
      const started = child;
      const died = exited(started).then(() => {
        throw new Error(`${name} exited at start: ${stderr.slice(-500)}`);
      });
      await Promise.race([waitForPort(port, true), died]);
      died.catch(() => {});
    },
    async stop(signal = 'SIGKILL') {
      const running = child;
      if (!running) return;
      child = null;
      running.kill(signal);
      await exited(running);
      await waitForPort(port, false);
    },
    async remove() {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return service;
}

/** A private redis-server (no persistence: hot state is rebuilt by traffic after a restart). */
export async function startRedis(): Promise<PrivateService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'callshield-redis-'));
  const service = privateService('redis-server', port, `redis://127.0.0.1:${port}`, dir, REDIS_SERVER, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  await service.start();
  return service;
}

/** A private nats-server with JetStream, its store in its own dir (kept across restarts). */
export async function startNats(): Promise<PrivateService> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'callshield-nats-'));
  const config = join(dir, 'nats.conf');
  writeFileSync(
    config,
    `listen: 127.0.0.1:${port}\nmax_payload: 8MB\njetstream {\n  store_dir: "${join(dir, 'store')}"\n}\n`,
  );
  const service = privateService('nats-server', port, `nats://127.0.0.1:${port}`, dir, NATS_SERVER, ['-c', config]);
  await service.start();
  return service;
}

/** Where the PostgreSQL server binaries are (Debian keeps them per version), or null. */
export function postgresBinaries(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const version = readdirSync(base).sort().at(-1);
  const bin = version ? join(base, version, 'bin') : '';
  return version && existsSync(join(bin, 'pg_ctl')) ? bin : null;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')}: ${stderr}`))));
  });
}

/**
 * A PRIVATE PostgreSQL server (initdb in a temp dir, its own port), run as the postgres user:
 * `stop` is an immediate shutdown (as in a crash: the next start replays the WAL). Needs root
 * (to act as the postgres user) and the server binaries; null when the machine has neither.
 */
export async function startPostgres(): Promise<(PrivateService & { databaseUrl: string }) | null> {
  const bin = postgresBinaries();
  if (!bin || process.getuid?.() !== 0) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'callshield-pg-'));
  const { uid, gid } = await new Promise<{ uid: number; gid: number }>((resolve, reject) => {
    const child = spawn('id', ['-u', 'postgres']);
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error('no postgres user'));
      const id = Number(out.trim());
      resolve({ uid: id, gid: id });
    });
  }).catch(() => ({ uid: -1, gid: -1 }));
  if (uid < 0) return null;
  chownSync(dir, uid, gid);
  const asPostgres = (tool: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]);
  await asPostgres('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on`;
  let running = false;
  const service = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // pg_ctl starts the server in the background: its pid is not a child's.
    pid: undefined,
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      await asPostgres('pg_ctl', [
        '-D',
        join(dir, 'data'),
        '-o',
        options,
        '-w',
        '-t',
        '30',
        '-l',
        join(dir, 'log'),
        'start',
      ]);
      running = true;
    },
    async stop() {
      if (!running) return;
      running = false;
      await asPostgres('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      await waitForPort(port, false);
    },
    async remove() {
      await service.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await service.start();
  return service;
}

/** A fresh schema on the shared PostgreSQL, and a URL whose connections use it. */
export async function tempDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = postgresTestUrl();
  const schema = `dist_${randomBytes(5).toString('hex')}`;
  const admin = await openPostgres(base);
  await admin.query(`create schema ${schema}`);
  await admin.close();
  const separator = base.includes('?') ? '&' : '?';
  return {
    url: `${base}${separator}options=-c%20search_path%3D${schema}`,
    async drop() {
      const cleanup = await openPostgres(base);
      await cleanup.query(`drop schema if exists ${schema} cascade`);
      await cleanup.close();
    },
  };
}

/** A callshield process (`serve --roles …`). */
export interface Node {
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** The process id while it runs (benchmarks read its CPU time). */
  readonly pid: number | undefined;
  output(): string;
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Prepares a node; `start` spawns it and resolves once it listens. Only the given settings and
 * PATH reach it, so the test runner's environment cannot change what it does.
 */
export async function callshieldNode(roles: string, settings: Record<string, string>): Promise<Node> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  let log = '';
  const node: Node = {
    url: `http://127.0.0.1:${port}`,
    port,
    get running() {
      return child !== null;
    },
    get pid() {
      return child?.pid;
    },
    output: () => log,
    async start() {
      if (child) return;
      log = '';
      child = spawn(executable, ['serve', '--roles', roles, '--port', String(port), '--host', '127.0.0.1'], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...settings },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const started = child;
      const listening = new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          log += chunk;
          if (log.includes('callshield listening')) resolve();
        };
        started.stdout?.on('data', onData);
        started.stderr?.on('data', (chunk: Buffer) => {
          log += chunk;
        });
        started.once('exit', (code) => reject(new Error(`node (${roles}) exited with ${code}: ${log.slice(-2000)}`)));
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`node (${roles}) did not start: ${log.slice(-2000)}`)), 30_000);
      });
      try {
        await Promise.race([listening, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async kill(signal = 'SIGKILL') {
      const running = child;
      if (!running) return;
      child = null;
      running.kill(signal);
      await exited(running);
    },
  };
  return node;
}

/** A JSON request with a bearer token; never hangs longer than `timeoutMs`. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; raw?: string; contentType?: string; timeoutMs?: number } = {},
): Promise<{ status: number; body: Record<string, unknown>; text: string; ms: number }> {
  const started = performance.now();
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined || options.raw !== undefined)
    headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON (metrics): the text is there.
  }
  return { status: response.status, body, text, ms: performance.now() - started };
}

/** Polls `check` until it holds or the deadline passes; returns whether it held. */
export async function eventually(check: () => Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return true;
    } catch {
      // Not yet (a node restarting): try again.
    }
    if (Date.now() >= deadline) return false;
    await delay(everyMs);
  }
}

/**
 * A TCP proxy on 127.0.0.1 in front of a service, for the faults a network makes that a stopped
 * process does not: `hold` keeps the service's answers back (a slow or stalled server: the
 * commands still run there, their answers come late), `release` lets them through in order.
 */
export interface TcpProxy {
  readonly port: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let holding = false;
  const held: [Socket, Buffer][] = [];
  const server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (holding) held.push([client, chunk]);
      else client.write(chunk);
    });
    upstream.connect(targetPort, '127.0.0.1');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    hold() {
      holding = true;
    },
    release() {
      holding = false;
      for (const [client, chunk] of held.splice(0)) if (!client.destroyed) client.write(chunk);
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
