/**
 * Builds the console when web/dist is missing or older than its sources, so that
 * `npm ci && npm start` on a fresh clone serves the console. Run by `npm start` (prestart)
 * and by the browser tests.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const web = import.meta.dirname;

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

export function consoleIsStale(): boolean {
  const index = join(web, 'dist', 'index.html');
  if (!existsSync(index)) return true;
  const sources = [join(web, 'src'), join(web, 'index.html'), join(web, 'public'), join(web, 'vite.config.ts')];
  return Math.max(...sources.filter(existsSync).map(newest)) > statSync(index).mtimeMs;
}

export function ensureConsoleBuilt(): void {
  if (!consoleIsStale()) return;
  process.stderr.write('building the console (web/dist)…\n');
  const vite = join(web, '..', 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.ts'), '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
}

if (import.meta.main) ensureConsoleBuilt();
