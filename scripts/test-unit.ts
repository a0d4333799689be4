/**
 * `npm run test:unit`: the tests that need no services — neither PostgreSQL, Redis nor NATS, nor
 * Chromium, Kamailio or SIPp. A test file is left out when it reaches for one of them (their
 * helpers, clients or URLs); the rest run as `npm test` runs them. `npm test` runs everything.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');

const needsServices =
  /(platform|distributed)\/test-support|harness\.ts|openPostgres|openRedis|ioredis|@nats-io|nats:\/\/|redis:\/\/|postgres:\/\/|postgresTestUrl|redisTestUrl|natsTestUrl|withTempSchema|recordsAdapters|playwright|chromium|kamailio|sipp|\.\/support\.ts/i;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const all = [...testFiles(join(root, 'src')), ...testFiles(join(root, 'web', 'tests'))].sort();
const unit = all.filter((file) => !needsServices.test(readFileSync(file, 'utf8')));
process.stderr.write(`test:unit: ${unit.length} of ${all.length} test files (the others need services)\n`);
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', ...process.argv.slice(2), ...unit.map((f) => relative(root, f))],
  { cwd: root, stdio: 'inherit' },
);
process.exitCode = result.status ?? 1;
