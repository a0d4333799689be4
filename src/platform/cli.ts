/**
 * What every `callshield` command shares: flags parsed with the command's usage, errors a person
 * can act on (naming the file or URL, exit 2 for usage errors), calls to a running server, and a
 * progress line with an ETA for long runs.
 *
 * A command throws CliError (or lets a file or network error escape) and `runCommand` turns it
 * into one line on stderr and an exit status.
 */
import { readFileSync, statSync } from 'node:fs';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

/** An error shown to the user as one line; exit 2 for usage errors (with the usage after it). */
export class CliError extends Error {
  readonly exitCode: number;
  readonly showUsage: boolean;
  constructor(message: string, exitCode = 1, showUsage = false) {
    super(message);
    this.exitCode = exitCode;
    this.showUsage = showUsage;
  }
}

/** A usage error: a bad or missing flag or argument. Exit status 2, the command's usage follows. */
export function usageError(message: string): CliError {
  return new CliError(message, 2, true);
}

/** A problem with what the user named (a file, a server): exit status 2, no usage. */
export function inputError(message: string): CliError {
  return new CliError(message, 2, false);
}

/**
 * parseArgs with messages a person can act on: "unknown option --x", "--port needs a value",
 * "unexpected argument "y"" — thrown as usage errors.
 */
export function parseFlags<O extends ParseArgsOptionsConfig>(
  argv: string[],
  options: O,
  allowPositionals = false,
): {
  values: {
    [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : O[K]['multiple'] extends true ? string[] : string;
  };
  positionals: string[];
} {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return parsed as never;
  } catch (error) {
    throw flagError(error);
  }
}

/** Node's parseArgs error as a usage error a person can act on. */
function flagError(error: unknown): CliError {
  const e = error as Error & { code?: string };
  const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
  const flag = quoted.split(' ')[0];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return usageError(`unknown option ${flag}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return usageError(/argument missing/.test(e.message) ? `${flag} needs a value` : `${flag} takes no value`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return usageError(`unexpected argument "${quoted}"`);
    default:
      return usageError(e.message);
  }
}

/** A whole number flag within [min, max], or a usage error naming the flag and what was given. */
export function intFlag(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const value = /^\s*[+-]?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw usageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

const fsReasons: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EMFILE: 'too many open files',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

const netReasons: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the server running?)',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset by the server',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  CERT_HAS_EXPIRED: 'the server certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the server certificate is self-signed',
};

/** "cannot read data/x.csv: no such file or directory" for a Node file-system error, else null. */
export function describeFsError(error: unknown, verb = 'read'): string | null {
  const e = error as { code?: string; path?: string; syscall?: string };
  if (!e || typeof e.code !== 'string' || !fsReasons[e.code] || typeof e.path !== 'string') return null;
  const action = e.syscall === 'open' || e.syscall === 'read' || e.syscall === 'stat' ? verb : (e.syscall ?? verb);
  return `cannot ${action === 'mkdir' ? 'create' : action === 'scandir' ? 'list' : action} ${e.path}: ${fsReasons[e.code]}`;
}

/** The reason a fetch failed, from undici's cause chain ("connection refused", …). */
export function networkReason(error: unknown): string {
  let e = error as { code?: string; message?: string; cause?: unknown; errors?: unknown[] } | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && netReasons[e.code]) return netReasons[e.code];
    if (Array.isArray(e.errors) && e.errors.length > 0) {
      const inner = e.errors[0] as { code?: string };
      if (inner?.code && netReasons[inner.code]) return netReasons[inner.code];
    }
    if (!e.cause) break;
    e = e.cause as typeof e;
  }
  const message = (e as { message?: string } | undefined)?.message ?? String(error);
  return message === 'fetch failed' ? 'the request failed' : message;
}

/** A network failure while calling a server: exit 1, naming the URL. */
export class ServerUnreachable extends CliError {
  constructor(url: string, error: unknown) {
    super(`cannot reach ${url}: ${networkReason(error)}`, 1);
  }
}

/** Reads a text file the user named, or throws a CliError naming it (exit 2). */
export function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw inputError(describeFsError(error) ?? `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** Checks that every path is a readable regular file, or throws a CliError naming the first bad one. */
export function requireFiles(paths: string[]): void {
  for (const path of paths) {
    let file: boolean;
    try {
      file = statSync(path).isFile();
    } catch (error) {
      throw inputError(describeFsError(error) ?? `cannot read ${path}: ${(error as Error).message}`);
    }
    if (!file) throw inputError(`cannot read ${path}: it is a directory, not a file`);
  }
}

const statusHints: Record<number, string> = {
  401: ' (check --token / --key, or CALLSHIELD_ADMIN_TOKEN)',
  403: ' (this token may not do that)',
};

/** One line from a server's error answer: "401 UNAUTHORIZED: invalid token" rather than a JSON dump. */
export function describeServerError(status: number, text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (parsed?.error?.code) {
      return `${status} ${parsed.error.code}${parsed.error.message ? `: ${parsed.error.message}` : ''}${statusHints[status] ?? ''}`;
    }
  } catch {}
  const line = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return `${status}${line ? ` ${line}` : ''}${statusHints[status] ?? ''}`;
}

/** The server's answer to a call that succeeded (2xx). */
export interface ServerAnswer {
  status: number;
  body: Buffer;
  json<T = unknown>(): T;
}

/**
 * Calls a running server. Network failures become "cannot reach URL: connection refused"; an
 * error status becomes "METHOD URL: 401 UNAUTHORIZED: …" (both CliError, exit 1).
 */
export async function callServer(
  server: string,
  token: string | undefined,
  method: string,
  path: string,
  body?: string | Buffer,
  contentType = 'application/json',
): Promise<ServerAnswer> {
  let url: URL;
  try {
    url = new URL(path, server);
  } catch {
    throw usageError(`--server must be a URL such as http://127.0.0.1:8080, got "${server}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw usageError(`--server must be an http(s) URL, got "${server}"`);
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': contentType } : {}),
      },
      body: typeof body === 'string' || body === undefined ? body : new Uint8Array(body),
    });
  } catch (error) {
    throw new ServerUnreachable(url.origin, error);
  }
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!response.ok)
    throw new CliError(
      `${method} ${url.origin}${url.pathname}: ${describeServerError(response.status, bytes.toString())}`,
    );
  return {
    status: response.status,
    body: bytes,
    json: <T>() => (bytes.length ? JSON.parse(bytes.toString('utf8')) : null) as T,
  };
}

/** The line for any error that escaped a command, and its exit status. */
export function describeError(error: unknown): { message: string; exitCode: number; showUsage: boolean } {
  if (error instanceof CliError)
    return { message: error.message, exitCode: error.exitCode, showUsage: error.showUsage };
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return describeError(flagError(error));
  // A bad setting (ConfigError from src/config.ts) is a usage error.
  if (error instanceof Error && error.constructor.name === 'ConfigError')
    return { message: error.message, exitCode: 2, showUsage: false };
  const fs = describeFsError(error);
  if (fs) return { message: fs, exitCode: 2, showUsage: false };
  if (error instanceof TypeError && error.message === 'fetch failed')
    return { message: `cannot reach the server: ${networkReason(error)}`, exitCode: 1, showUsage: false };
  return { message: error instanceof Error ? error.message : String(error), exitCode: 1, showUsage: false };
}

/**
 * Runs a command's body: a CliError or a file error becomes "callshield NAME: message" on stderr
 * (and the usage for usage errors), with its exit status.
 */
export async function runCommand(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    const { message, exitCode, showUsage } = describeError(error);
    process.stderr.write(`callshield ${name}: ${message}\n${showUsage ? `\n${usage}` : ''}`);
    return exitCode;
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The time left at the average speed so far: "ETA 1 min 05 s", or "" before there is a speed. */
export function eta(done: number, total: number, elapsedSeconds: number): string {
  if (done <= 0 || total <= 0 || elapsedSeconds < 0.5) return 'ETA …';
  if (done >= total) return 'ETA 0 s';
  return `ETA ${formatDuration((elapsedSeconds * (total - done)) / done)}`;
}

/**
 * A progress line on stderr with a bar, a share and an ETA: redrawn in place on a terminal (at
 * most 5 times a second), a plain line every 5 s elsewhere. `update(done, detail)` with `done`
 * out of `total`, `finish()` ends the line.
 */
export function createProgress(label: string, total: number, options: { quiet?: boolean } = {}) {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let last = 0;
  let drawn = false;
  const line = (done: number, detail: string) => {
    const seconds = (performance.now() - started) / 1000;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(share * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%  ${eta(done, total, seconds)}${detail ? `  ${detail}` : ''}`;
  };
  return {
    update(done: number, detail = '') {
      if (options.quiet) return;
      const now = performance.now();
      if (now - last < (tty ? 200 : 5000)) return;
      last = now;
      if (tty) {
        process.stderr.write(`\r${line(done, detail)}\u001b[K`);
        drawn = true;
      } else process.stderr.write(`${line(done, detail)}\n`);
    },
    finish(detail = '') {
      if (options.quiet) return;
      if (tty) process.stderr.write(`\r${line(total, detail)}\u001b[K\n`);
      else if (drawn || performance.now() - started > 1000) process.stderr.write(`${line(total, detail)}\n`);
    },
  };
}
