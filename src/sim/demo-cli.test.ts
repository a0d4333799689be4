/**
 * `callshield demo` as a newcomer runs it: it loads cell locations, keeps its operators' and banks' API keys
 * in the data directory (a restart creates none), leaves alerts for an analyst to triage, and stops
 * cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEMO_ALERT_POLICY, DEMO_ANALYST } from './demo-analyst.ts';

const bin = new URL('../../bin/callshield', import.meta.url).pathname;

function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(CALLSHIELD_|DATABASE_URL|REDIS_URL|NATS_URL|PORT$)/.test(k)) env[k] = v;
  return env;
}

/**
 * Starts the demo, waits until it replays calls, runs `whileReplaying` against its server, sends
 * SIGTERM and waits for it to end.
 */
async function runUntilReplaying(
  dataDir: string,
  whileReplaying?: (server: string, adminToken: string) => Promise<void>,
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
  try {
    const server = /demo: console at (http:\/\/\S+?)\//.exec(stdout)?.[1];
    const adminToken = /demo: admin API token: (\S+)/.exec(stdout)?.[1];
    assert.ok(server && adminToken, stdout);
    await whileReplaying?.(server, adminToken);
  } finally {
    child.kill('SIGTERM');
  }
  const { code, signal } = await exited;
  return { code, signal, stdout };
}

describe('callshield demo', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-demo-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('loads cell locations, keeps its API keys across restarts and stops on SIGTERM', {
    timeout: 240_000,
  }, async () => {
    let analystConfirmed = 0;
    const first = await runUntilReplaying(dataDir, async (server, adminToken) => {
      const get = async (path: string) => {
        const response = await fetch(server + path, { headers: { authorization: `Bearer ${adminToken}` } });
        assert.equal(response.status, 200, path);
        return (await response.json()) as { items: Array<Record<string, unknown>> };
      };
      // Ported numbers are loaded before the CDRs, so no row of a subscriber ported in is refused.
      const quarantine = (await get('/v1/cdr/quarantine?limit=1000')).items;
      const refused = quarantine.filter((q) => String(q.reason).startsWith('NOT_OPERATOR_SUBSCRIBER'));
      assert.equal(refused.length, 0, JSON.stringify(refused.slice(0, 3)));
      const analyst = (await get('/v1/console/users')).items.find((u) => u.username === DEMO_ANALYST);
      assert.ok(analyst, 'the demo made its analyst');
      // The platform confirms only wangiri by itself; the SIM boxes and fraud callers confirmed are
      // the few the demo's analyst confirmed, and the other alerts wait in the queue.
      const confirmed = (await get('/v1/alerts?status=confirmed&limit=500')).items;
      for (const alert of confirmed) {
        if (alert.decidedBy === 'policy') assert.equal(alert.kind, 'wangiri', JSON.stringify(alert));
        else assert.equal(alert.decidedBy, `user:${analyst.id}`, JSON.stringify(alert));
      }
      analystConfirmed = confirmed.filter((a) => a.decidedBy === `user:${analyst.id}`).length;
      assert.ok(analystConfirmed > 0, 'the analyst confirmed some alerts');
      assert.ok(
        confirmed.some((a) => a.kind === 'simbox' || a.kind === 'fraud_caller'),
        'a SIM box or a fraud caller is confirmed (blocks, suspension requests)',
      );
      const open = (await get('/v1/alerts?status=open&limit=500')).items;
      assert.ok(open.length > 0, 'alerts wait for an analyst');
      const suspensions = (await get('/v1/sim-suspensions?since=0')).items;
      assert.ok(suspensions.length > 0, 'the confirmed SIM boxes and fraud callers have suspension requests');
    });
    assert.equal(first.signal, null);
    assert.equal(first.code, 0);
    const loaded = /cell locations loaded: (\d+)/.exec(first.stdout);
    assert.ok(loaded && Number(loaded[1]) > 0, first.stdout);
    const keys = JSON.parse(readFileSync(join(dataDir, 'demo-keys.json'), 'utf8')) as Record<string, string>;
    assert.ok(Object.keys(keys).length >= 3, JSON.stringify(Object.keys(keys)));
    assert.match(first.stdout, /API keys: 0 reused, [1-9]\d* created/);
    assert.match(first.stdout, /log in as "admin" with the one-time password/);
    assert.match(
      first.stdout,
      new RegExp(`analyst "${DEMO_ANALYST}" confirmed .*alerts .*; [1-9]\\d*\\+? open alerts wait for an analyst`),
    );
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
    // The admin who never logged in gets a new one-time password; the analyst does not decide again.
    assert.match(second.stdout, /log in as "admin" with the one-time password/);
    assert.doesNotMatch(second.stdout, /analyst "demo-analyst" confirmed/);
    assert.match(second.stdout, /[1-9]\d*\+? open alerts wait for an analyst/);
  });

  it('starts the platform with a policy that leaves SIM boxes and fraud callers to analysts', () => {
    assert.deepEqual(DEMO_ALERT_POLICY.autoConfirmKinds, ['wangiri']);
    assert.equal(DEMO_ALERT_POLICY.blockNumbers && DEMO_ALERT_POLICY.suspendSims, true);
  });
});
