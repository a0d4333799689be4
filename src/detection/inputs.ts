import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { mapHeader } from '../cdr/parse.ts';

/**
 * What `analyze` reads: the paths given, directories walked recursively for CSV, JSON Lines and
 * gzip files, and each file's first line checked to be a CDR header (canonical columns). Files
 * that are not CDRs (cells.csv, truth.csv, an earlier alerts.jsonl…) and paths that cannot be
 * read are skipped with a reason in words — never a raw EISDIR or ENOENT.
 */

export interface Skipped {
  path: string;
  reason: string;
}

export interface Inputs {
  files: string[];
  skipped: Skipped[];
}

const CDR_FILE = /\.(csv|jsonl|ndjson|json)(\.gz)?$|\.gz$/i;

/** The first line of a file (gunzipped when it starts with the gzip magic), up to 64 KiB. */
async function firstLine(path: string): Promise<string> {
  const head = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stream = createReadStream(path, { start: 0, end: 1 });
    stream.on('data', (c) => {
      chunks.push(c as Buffer);
      size += (c as Buffer).length;
    });
    stream.on('error', reject);
    stream.on('end', () => resolve(Buffer.concat(chunks, size)));
  });
  const gzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  return new Promise<string>((resolve, reject) => {
    const raw = createReadStream(path, gzip ? {} : { start: 0, end: 65_535 });
    const stream = gzip ? raw.pipe(createGunzip()) : raw;
    let text = '';
    const finish = () => {
      raw.destroy();
      resolve(text.split(/\r?\n/, 1)[0] ?? '');
    };
    stream.on('data', (c: Buffer) => {
      text += c.toString('utf8');
      if (text.includes('\n') || text.length > 65_536) finish();
    });
    stream.on('error', (error: Error) => (text ? finish() : reject(error)));
    stream.on('end', finish);
  });
}

/** Why a file is not a CDR file, or null when its first line is a CDR header or record. */
export function notCdrReason(line: string): string | null {
  const trimmed = line.trim();
  if (!trimmed) return 'empty file';
  if (trimmed.startsWith('{')) {
    try {
      const keys = Object.keys(JSON.parse(trimmed) as object);
      const mapped = mapHeader(keys);
      return typeof mapped === 'string' ? `not CDR records (${mapped})` : null;
    } catch {
      return 'first line is not a JSON object';
    }
  }
  const mapped = mapHeader(trimmed.split(','));
  return typeof mapped === 'string' ? `not a CDR file (${mapped})` : null;
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ELOOP') return 'too many symbolic links';
  return 'cannot be read';
}

/** Resolves the paths given to `analyze` into CDR files, in a stable order, and what was skipped. */
export async function resolveInputs(paths: string[]): Promise<Inputs> {
  const files: string[] = [];
  const skipped: Skipped[] = [];
  const seen = new Set<string>();
  const visit = async (path: string, explicit: boolean): Promise<void> => {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (error) {
      skipped.push({ path, reason: describe(error) });
      return;
    }
    if (info.isDirectory()) {
      let names: string[];
      try {
        names = (await readdir(path)).sort();
      } catch (error) {
        skipped.push({ path, reason: `directory ${describe(error)}` });
        return;
      }
      for (const name of names) if (!name.startsWith('.')) await visit(join(path, name), false);
      return;
    }
    if (!info.isFile()) {
      skipped.push({ path, reason: 'not a regular file' });
      return;
    }
    if (!explicit && !CDR_FILE.test(path)) {
      skipped.push({ path, reason: 'not a .csv, .jsonl or .gz file' });
      return;
    }
    if (seen.has(path)) return;
    seen.add(path);
    let reason: string | null;
    try {
      reason = notCdrReason(await firstLine(path));
    } catch (error) {
      reason = describe(error);
    }
    if (reason) skipped.push({ path, reason });
    else files.push(path);
  };
  for (const path of paths) await visit(path, true);
  return { files, skipped };
}
