/**
 * `bin/callshield serve` in a child process on a free port of 127.0.0.1 with a temporary data
 * directory, for the tests and the bench that measure the server from outside: its memory as the
 * kernel sees it (/proc/<pid>/status), its answers over real HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ADMIN_TOKEN = 'server-process-admin-token-0123456789';
const executable = new URL('../../bin/callshield', import.meta.url).pathname;

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident memory now and its high-water mark, bytes. */
  memory(): { rss: number; hwm: number };
  /** Resets the high-water mark to the resident memory now (the start-up peak is not the upload's). */
  resetPeak(): void;
  keyFor(operator: string): Promise<string>;
  json(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: string }>;
  upload(token: string, body: Buffer, contentType: string): Promise<{ status: number; body: string }>;
  /**
   * POSTs to /v1/cdr a body written chunk by chunk by `produce` (each write waits for the socket
   * to drain, and says false once the server has answered: the rest need not be sent); resolves
   * with the answer once both the answer and the body are done.
   */
  stream(
    token: string,
    contentType: string,
    produce: (write: (chunk: Buffer) => Promise<boolean>) => Promise<void>,
  ): Promise<{ status: number; body: string }>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function statusValue(pid: number, field: string): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Starts the server with these extra environment settings and waits until it answers /healthz. */
export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-server-'));
  const port = await freePort();
  const clean: NodeJS.ProcessEnv = {};
  // Embedded storage only, whatever the caller's environment says.
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('CALLSHIELD_') && !['DATABASE_URL', 'REDIS_URL', 'NATS_URL', 'PORT'].includes(k)) clean[k] = v;
  const child: ChildProcess = spawn(executable, ['serve', '--port', String(port), '--data-dir', dataDir], {
    env: {
      ...clean,
      CALLSHIELD_HOST: '127.0.0.1',
      CALLSHIELD_ADMIN_TOKEN: ADMIN_TOKEN,
      CALLSHIELD_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;

  function send(
    method: string,
    path: string,
    headers: Record<string, string>,
    produce: (write: (chunk: Buffer) => Promise<boolean>) => Promise<void>,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(`${url}${path}`, { method, headers });
      let answer: { status: number; body: string } | null = null;
      let sent = false;
      const settle = () => {
        if (answer && sent) resolve(answer);
      };
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (b: Buffer) => parts.push(b));
        res.on('end', () => {
          answer = { status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') };
          settle();
        });
      });
      req.on('error', reject);
      // Once the server has answered, the rest of the body is not sent (a Node client's request
      // is detached from its socket when its answer ends, and would wait for 'drain' forever).
      const write = (chunk: Buffer) =>
        new Promise<boolean>((done, fail) => {
          if (answer) return done(false);
          if (req.destroyed) return fail(new Error('the request was closed'));
          if (req.write(chunk)) done(true);
          else {
            const check = setInterval(() => {
              if (answer) finish(false);
            }, 50);
            const finish = (more: boolean) => {
              clearInterval(check);
              req.off('drain', onDrain);
              done(more);
            };
            const onDrain = () => finish(true);
            req.once('drain', onDrain);
          }
        });
      produce(write)
        .then(() => {
          req.end();
          sent = true;
          settle();
        })
        .catch(reject);
    });
  }

  const server: ServerProcess = {
    url,
    pid: child.pid ?? 0,
    memory: () => ({ rss: statusValue(child.pid ?? 0, 'VmRSS'), hwm: statusValue(child.pid ?? 0, 'VmHWM') }),
    resetPeak: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    async keyFor(operator) {
      const r = await server.json('POST', `/v1/admin/operators/${operator}/keys`, ADMIN_TOKEN, {});
      if (r.status !== 201) throw new Error(`key for ${operator}: ${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { apiKey: string }).apiKey;
    },
    json(method, path, token, body) {
      const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
      return send(
        method,
        path,
        { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
        async (write) => {
          if (payload) await write(payload);
        },
      );
    },
    upload(token, body, contentType) {
      return send(
        'POST',
        '/v1/cdr',
        { authorization: `Bearer ${token}`, 'content-type': contentType },
        async (write) => {
          await write(body);
        },
      );
    },
    stream(token, contentType, produce) {
      return send('POST', '/v1/cdr', { authorization: `Bearer ${token}`, 'content-type': contentType }, produce);
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`the server did not answer /healthz in 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return server;
}
