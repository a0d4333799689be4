/**
 * `callshield ingest <paths…>`: uploads CDR files to a running server (`POST /v1/cdr`), in parts
 * cut at line boundaries so that any file size fits the server's body limit, with a progress bar
 * on stderr. With `--data-dir` and no server, it ingests straight into that data directory's
 * records store instead (the server replays them into detection when it next starts).
 */
import { createReadStream, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { clientSettings, loadConfig } from '../config.ts';
import { createNumberRegistry } from '../number-registry/registry.ts';
import { loadPlan } from '../numbering/plan.ts';
import {
  CliError,
  describeError,
  describeServerError,
  eta,
  inputError,
  parseFlags,
  requireFiles,
  runCommand,
  ServerUnreachable,
  usageError,
} from '../platform/cli.ts';
import { migrate, openPglite, openPostgres } from '../platform/sql.ts';
import { createMemoryStream } from '../platform/stream.ts';
import { createSubscriberOwnership, sqlPortHistory } from './ownership.ts';
import { createIngestService, IngestStopped } from './service.ts';
import { createIngestStore } from './store.ts';
import type { IngestResult } from './types.ts';

const USAGE = `usage: callshield ingest <paths…> [--server URL] [--key KEY] [--part-mb 64]
       callshield ingest <paths…> --data-dir DIR [--operator ID]

  paths       CDR files: CSV with a header or JSON Lines, gzip allowed
  --server    server to upload to (default $CALLSHIELD_URL or http://127.0.0.1:8080)
  --key       the operator's API key (an admin token needs --operator)
  --operator  with an admin token or --data-dir: the operator whose records these are
              (with --data-dir and no --operator, each row's operator column is taken as given)
  --part-mb   largest part sent in one request (default 64)
  --data-dir  no server: ingest into this data directory (the server must not be running on it)
  --quiet     no progress bar
`;

interface Totals {
  accepted: number;
  duplicates: number;
  quarantined: number;
  bytes: number;
}

/** A progress line on stderr, redrawn at most every 200 ms, with an ETA over all the files' bytes. */
function progressBar(quiet: boolean, allBytes: number) {
  const started = performance.now();
  let last = 0;
  let filesDone = 0;
  return (file: string, done: number, total: number, totals: Totals, final = false) => {
    const overall = filesDone + Math.min(done, total);
    if (final) filesDone += total;
    const now = performance.now();
    if (quiet || (!final && now - last < 200)) return;
    last = now;
    const share = total > 0 ? Math.min(1, done / total) : 1;
    const width = 24;
    const filled = Math.round(share * width);
    const seconds = Math.max(0.001, (now - started) / 1000);
    const rows = totals.accepted + totals.duplicates + totals.quarantined;
    const name = file.length > 30 ? `…${file.slice(-29)}` : file;
    process.stderr.write(
      `\r${name} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(share * 100)}%  ` +
        `${(done / 1048576 / seconds).toFixed(1)} MB/s  ${Math.round(rows / seconds).toLocaleString('en')} rows/s  ` +
        `accepted ${totals.accepted.toLocaleString('en')}  dup ${totals.duplicates.toLocaleString('en')}  ` +
        `bad ${totals.quarantined.toLocaleString('en')}  ${eta(overall, allBytes, seconds)}\u001b[K${final ? '\n' : ''}`,
    );
  };
}

function isGzip(path: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const stream = createReadStream(path, { start: 0, end: 1 });
    const bytes: Buffer[] = [];
    stream.on('data', (b) => bytes.push(b as Buffer));
    stream.on('error', () => resolvePromise(false));
    stream.on('end', () => {
      const head = Buffer.concat(bytes);
      resolvePromise(head.length === 2 && head[0] === 0x1f && head[1] === 0x8b);
    });
  });
}

/** Counts raw bytes read from the file (for the progress bar) as they pass. */
function counter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

function contentTypeOf(path: string, firstByte: number): string {
  if (/\.(jsonl|ndjson)(\.gz)?$/i.test(path) || firstByte === 0x7b) return 'application/x-ndjson';
  return 'text/csv';
}

/**
 * Splits a file's text into parts of at most `partBytes` cut after a newline; CSV parts after the
 * first repeat the header. Yields each part with the offset of its line numbers in the file.
 */
async function* parts(
  source: AsyncIterable<Buffer>,
  partBytes: number,
): AsyncGenerator<{ body: Buffer; lineOffset: number; firstByte: number }> {
  let pending: Buffer = Buffer.alloc(0);
  let header: Buffer | null = null;
  let csv: boolean | null = null;
  let linesBefore = 0;
  let first = true;
  let firstByte = 0;
  const countLines = (b: Buffer) => {
    let n = 0;
    for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) n++;
    return n;
  };
  function emit(body: Buffer): { body: Buffer; lineOffset: number; firstByte: number } {
    if (csv === null) {
      const text = body
        .toString('utf8', 0, Math.min(body.length, 64))
        .replace(/^\uFEFF/, '')
        .trimStart();
      firstByte = text.charCodeAt(0);
      csv = !text.startsWith('{');
      if (csv) header = Buffer.from(body.subarray(0, body.indexOf(10) + 1 || body.length));
    }
    const lines = countLines(body);
    if (first) {
      first = false;
      linesBefore += lines;
      return { body, lineOffset: 0, firstByte };
    }
    // Later CSV parts repeat the header: their line 2 is the file's line linesBefore + 1.
    const part = csv && header ? Buffer.concat([header, body]) : body;
    const lineOffset = csv ? linesBefore - 1 : linesBefore;
    linesBefore += lines;
    return { body: part, lineOffset, firstByte };
  }
  /** Cuts whole parts off the pending bytes, each ending after a newline (the rest waits for more). */
  function* cut(final: boolean): Generator<{ body: Buffer; lineOffset: number; firstByte: number }> {
    let offset = 0;
    while (pending.length - offset >= partBytes) {
      let end = pending.lastIndexOf(10, offset + partBytes - 1) + 1;
      if (end <= offset) {
        // A line longer than a part goes whole (the server judges it).
        const newline = pending.indexOf(10, offset + partBytes);
        if (newline < 0) break;
        end = newline + 1;
      }
      yield emit(pending.subarray(offset, end));
      offset = end;
    }
    if (final && offset < pending.length) {
      yield emit(pending.subarray(offset));
      offset = pending.length;
    }
    pending = Buffer.from(pending.subarray(offset));
  }
  for await (const chunk of source) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    if (pending.length >= partBytes) yield* cut(false);
  }
  yield* cut(true);
}

/** Set once the server answered: from then on a failed connection is a restart, and retried. */
let reachedServer = false;

/** A server's refusal of an upload, with the counts of what it kept before stopping (when it says). */
class UploadRefused extends CliError {
  readonly kept: IngestResult | null;
  constructor(message: string, kept: IngestResult | null) {
    super(message);
    this.kept = kept;
  }
}

async function post(
  server: string,
  token: string,
  query: URLSearchParams,
  body: Buffer,
  contentType: string,
): Promise<IngestResult> {
  let lastError: unknown;
  // A server restarting mid-upload is retried: re-sent records only count as duplicates.
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 1000 * 2 ** (attempt - 1)));
    let response: Response;
    try {
      response = await fetch(`${server.replace(/\/$/, '')}/v1/cdr?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        body: new Uint8Array(body.buffer, body.byteOffset, body.length),
      });
    } catch (error) {
      lastError = new ServerUnreachable(server.replace(/\/$/, ''), error);
      // No server at all before anything was sent (a wrong URL, not a restart): say so at once.
      if (!reachedServer) throw lastError;
      continue;
    }
    reachedServer = true;
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as IngestResult;
    const message = `${server.replace(/\/$/, '')}/v1/cdr answered ${describeServerError(response.status, text)}`;
    let kept: IngestResult | null = null;
    try {
      kept = (JSON.parse(text) as { kept?: IngestResult }).kept ?? null;
    } catch {}
    if (response.status >= 500) {
      lastError = new CliError(message);
      continue;
    }
    throw new UploadRefused(message, kept);
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export async function run(argv: string[]): Promise<number> {
  return runCommand('ingest', USAGE, () => ingest(argv));
}

async function ingest(argv: string[]): Promise<number> {
  reachedServer = false;
  const { values, positionals } = parseFlags(
    argv,
    {
      server: { type: 'string' },
      key: { type: 'string' },
      operator: { type: 'string' },
      'part-mb': { type: 'string' },
      'data-dir': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw usageError('name at least one CDR file');
  requireFiles(positionals);
  const quiet = values.quiet ?? false;
  const show = progressBar(
    quiet,
    positionals.reduce((sum, path) => sum + statSync(path).size, 0),
  );
  const totals: Totals = { accepted: 0, duplicates: 0, quarantined: 0, bytes: 0 };
  const started = performance.now();
  let failed = 0;

  if (values['data-dir']) {
    const config = loadConfig({ dataDir: values['data-dir'], logLevel: 'silent' });
    const where = config.databaseUrl ? 'DATABASE_URL' : join(resolve(config.dataDir), 'pglite');
    const sql = await (config.databaseUrl ? openPostgres(config.databaseUrl) : openPglite(where)).catch((error) => {
      throw inputError(
        `cannot open the records in ${where} (${(error as Error).message}); ` +
          'an embedded data directory is held by a running server: stop it, or upload with --server',
      );
    });
    try {
      await migrate(sql);
      const plan = loadPlan(resolve(config.numberingPlan));
      const stream = createMemoryStream(() => {});
      const numbers = await createNumberRegistry(sql, plan);
      const service = createIngestService({
        plan,
        store: createIngestStore(sql),
        stream,
        ownership: createSubscriberOwnership({
          plan,
          ownerOf: numbers.ownerOf,
          portHistory: sqlPortHistory(sql, plan),
        }),
        limits: {
          inflatedBytes: config.cdrInflatedLimitBytes,
          maxCompressionRatio: config.cdrMaxCompressionRatio,
          maxBadRows: config.cdrMaxBadRows,
        },
      });
      for (const path of positionals) {
        const size = statSync(path).size;
        let read = 0;
        const source = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(
          counter((n) => {
            read += n;
            show(path, read, size, totals);
          }),
        );
        try {
          const result = await service.ingest(source, { operator: values.operator ?? null, file: path });
          totals.accepted += result.accepted;
          totals.duplicates += result.duplicates;
          totals.quarantined += result.quarantined;
          totals.bytes += result.bytes;
          show(path, size, size, totals, true);
        } catch (error) {
          failed++;
          if (error instanceof IngestStopped) {
            totals.accepted += error.kept.accepted;
            totals.duplicates += error.kept.duplicates;
            totals.quarantined += error.kept.quarantined;
          }
          const code = error instanceof IngestStopped ? `${error.code}: ` : '';
          process.stderr.write(`\n${path}: ${code}${describeError(error).message}\n`);
        }
      }
      await stream.close();
    } finally {
      await sql.close();
    }
  } else {
    const client = clientSettings({ server: values.server, token: values.key });
    if (!client.token) throw usageError('an operator API key is needed (--key)');
    const partMb = values['part-mb'] === undefined ? 64 : Number(values['part-mb']);
    if (!(partMb >= 0.01 && partMb <= 1024))
      throw usageError(`--part-mb must be a number of megabytes from 0.01 to 1024, got "${values['part-mb']}"`);
    const partBytes = Math.round(partMb * 1048576);
    for (const path of positionals) {
      const size = statSync(path).size;
      let read = 0;
      const gzip = await isGzip(path);
      const raw = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(
        counter((n) => {
          read += n;
        }),
      );
      const text = gzip ? raw.pipe(createGunzip()) : raw;
      const name = path.split('/').pop() ?? path;
      try {
        for await (const part of parts(text as AsyncIterable<Buffer>, partBytes)) {
          const query = new URLSearchParams({ file: name, lineOffset: String(part.lineOffset) });
          if (values.operator) query.set('operator', values.operator);
          const result = await post(client.server, client.token, query, part.body, contentTypeOf(path, part.firstByte));
          totals.accepted += result.accepted;
          totals.duplicates += result.duplicates;
          totals.quarantined += result.quarantined;
          totals.bytes += part.body.length;
          show(name, read, size, totals);
        }
        show(name, size, size, totals, true);
      } catch (error) {
        // No server or a refused key: the other files would fail the same way.
        if (error instanceof ServerUnreachable || /answered 40[13] /.test((error as Error).message)) {
          if (!quiet) process.stderr.write('\n');
          throw error;
        }
        failed++;
        let kept = '';
        if (error instanceof UploadRefused && error.kept) {
          // The server stopped this part but kept what it committed before the stop.
          totals.accepted += error.kept.accepted;
          totals.duplicates += error.kept.duplicates;
          totals.quarantined += error.kept.quarantined;
          kept =
            `\n${path}: the server stopped the upload and kept ${error.kept.accepted} accepted, ` +
            `${error.kept.duplicates} duplicate and ${error.kept.quarantined} quarantined rows of this part ` +
            `(upload ${error.kept.uploadId}); fix the file and send it again: kept rows count as duplicates`;
        }
        process.stderr.write(`\n${path}: ${describeError(error).message}${kept}\n`);
      }
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = totals.accepted + totals.duplicates + totals.quarantined;
  process.stderr.write(
    `${positionals.length - failed}/${positionals.length} file(s): ${totals.accepted.toLocaleString('en')} accepted, ` +
      `${totals.duplicates.toLocaleString('en')} duplicates, ${totals.quarantined.toLocaleString('en')} quarantined ` +
      `in ${seconds.toFixed(1)} s (${Math.round(rows / Math.max(seconds, 0.001)).toLocaleString('en')} rows/s)\n`,
  );
  return failed > 0 ? 1 : 0;
}
