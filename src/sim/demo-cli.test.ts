/**
 * `callshield demo` as a newcomer runs it: it loads cell locations, keeps its operators' and banks' API keys
 * in the data directory (a restart creates none), and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

const bin = new URL('../../bin/callshield', import.meta.url).pathname;

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(CALLSHIELD_|DATABASE_URL|REDIS_URL|NATS_URL|PORT$)/.test(k)) env[k] = v;
  return env;
}

/** Starts the demo, waits until it replays calls, sends SIGTERM and waits for it to end. */
async function runUntilReplaying(
  dataDir: string,
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const child: ChildProcess = spawn(
    bin,
    ['demo', '--port', '0', '--data-dir', dataDir, '--subscribers', '1000', '--rate', '20'],
    { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b) => {
      stdout += b;
      if (stdout.includes('demo: replaying live calls')) resolve();
    });
    child.stderr?.on('data', (b) => {
      stderr += b;
    });
    exited.then(() => reject(new Error(`the demo ended before replaying calls:\n${stdout}\n${stderr}`)));
  });
  child.kill('SIGTERM');
  const { code, signal } = await exited;
  return { code, signal, stdout };
}

describe('callshield demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-demo-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loads cell locations, keeps its API keys across restarts and stops on SIGTERM', {
    timeout: 240_000,
  }, async () => {
    const first = await runUntilReplaying(dataDir);
    assert.equal(first.signal, null);
    assert.equal(first.code, 0);
    const loaded = /cell locations loaded: (\d+)/.exec(first.stdout);
    assert.ok(loaded && Number(loaded[1]) > 0, first.stdout);
    const keys = JSON.parse(readFileSync(join(dataDir, 'demo-keys.json'), 'utf8')) as Record<string, string>;
    assert.ok(Object.keys(keys).length >= 3, JSON.stringify(Object.keys(keys)));
    assert.match(first.stdout, /API keys: 0 reused, [1-9]\d* created/);
    // Two banks with keys kept beside the operators', their customers and their incidents.
    assert.match(
      first.stdout,
      /banks HALYK, KASPI: keys 0 reused, 2 created; [1-9]\d* customers; \d+\/\d+ incidents filed/,
    );
    assert.ok(keys['bank:HALYK'] && keys['bank:KASPI'], JSON.stringify(Object.keys(keys)));
    const operatorKeys = Object.keys(keys).filter((k) => !k.startsWith('bank:')).length;

    // A restart on the same data directory uses the same keys and creates none.
    const second = await runUntilReplaying(dataDir);
    assert.equal(second.code, 0);
    assert.deepEqual(JSON.parse(readFileSync(join(dataDir, 'demo-keys.json'), 'utf8')), keys);
    assert.match(second.stdout, new RegExp(`API keys: ${operatorKeys} reused, 0 created`));
    assert.match(second.stdout, /banks HALYK, KASPI: keys 2 reused, 0 created/);
    assert.doesNotMatch(second.stdout, /keys created/);
  });
});
