/**
 * `callshield demo` (npm run demo): a newcomer's first look. Starts the platform, simulates a
 * small country, uploads its CDRs as the operators would (so detection raises alerts), and
 * replays its call signalling live, so the console shows traffic, decisions, alerts and figures.
 * Simulated SMS are screened beside the calls (banks' and state's registered sender IDs, shops,
 * look-alike senders, phishing links, spoofed numbers, SIM-box bulk sends), so the Overview and the
 * decisions (channel SMS) show messages too.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApp } from '../app.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { inputError, intFlag, parseFlags, runCommand, usageError } from '../platform/cli.ts';
import { analystTriage, DEMO_ALERT_POLICY, firstAdminAgain } from './demo-analyst.ts';
import { bankKeyName, type DemoBanks, setUpDemoBanks } from './demo-banks.ts';
import { drive, formatReport, loadScenery } from './driver.ts';
import { SCENARIOS } from './scenarios.ts';
import { simulate } from './simulate.ts';
import { simulateSms } from './sms.ts';

const USAGE = `usage: callshield demo [--port 8080] [--data-dir ./data] [--subscribers 10000] [--scenario spoofing-wave]
                      [--rate 200] [--sms-rate 100] [--minutes 60]
`;

/** Where the demo keeps its operators' API keys, so restarts and minutes reuse them. */
const KEYS_FILE = 'demo-keys.json';

function readKeys(path: string): Map<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return new Map(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return new Map();
  }
}

/** Set when a stop comes during the simulation, which cannot be cut short: the process ends at once. */
let leaveNow = false;

export async function run(argv: string[]): Promise<number> {
  const code = await runCommand('demo', USAGE, () => demo(argv));
  // The half-written simulation (it has no truth.csv yet) is made again at the next start.
  if (leaveNow) process.exit(code);
  return code;
}

async function demo(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string', default: '8080' },
    'data-dir': { type: 'string', default: './data' },
    subscribers: { type: 'string', default: '10000' },
    scenario: { type: 'string', default: 'spoofing-wave' },
    rate: { type: 'string', default: '200' },
    'sms-rate': { type: 'string' },
    minutes: { type: 'string', default: '60' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const scenario = SCENARIOS[values.scenario as keyof typeof SCENARIOS];
  if (!scenario)
    throw usageError(`unknown scenario "${values.scenario}" (known: ${Object.keys(SCENARIOS).join(', ')})`);
  const subscribers = intFlag('subscribers', values.subscribers, 10_000, 1000, 1_000_000);
  const rate = intFlag('rate', values.rate, 200, 1, 100_000);
  // Half as many messages as calls unless told: enough for a SIM-box farm's numbers to burst.
  const smsRate = intFlag('sms-rate', values['sms-rate'], Math.ceil(rate / 2), 0, 100_000);
  const minutes = intFlag('minutes', values.minutes, 60, 1, 100_000);
  if (values.port !== undefined && !(/^\d{1,5}$/.test(values.port) && Number(values.port) <= 65535))
    throw usageError(`--port must be a whole number from 1 to 65535, got "${values.port}"`);

  // SIGINT/SIGTERM stop every phase (simulation, uploads, the replay) within a tick or a request.
  const stopper = new AbortController();
  const stop = () => stopper.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const stopping = () => stopper.signal.aborted;

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ port: values.port, dataDir: values['data-dir'], host: '127.0.0.1' });
  } catch (error) {
    if (error instanceof ConfigError) throw inputError(error.message);
    throw error;
  }
  const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
  // The demo's banks receive their warnings on 127.0.0.1 (a receiver inside the demo).
  const webhookAllowHosts = process.env.CALLSHIELD_WEBHOOK_ALLOW_HOSTS ? undefined : '127.0.0.1';
  // SIM boxes and fraud callers wait for an analyst, so the console's queue has work (demo-analyst.ts).
  const alertPolicy = process.env.CALLSHIELD_ALERT_POLICY ? undefined : DEMO_ALERT_POLICY;
  const app = await createApp(
    loadConfig({
      port: values.port,
      dataDir: values['data-dir'],
      host: '127.0.0.1',
      adminToken,
      webhookAllowHosts,
      alertPolicy,
    }),
  );
  let banks: DemoBanks | undefined;
  try {
    const url = (await app.http.listen({ port: config.port, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    const say = (line: string) => process.stdout.write(`demo: ${line}\n`);

    const api = async (method: string, path: string, token: string, body?: string, contentType?: string) => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(contentType ? { 'content-type': contentType } : {}) },
        body,
        signal: stopper.signal,
      });
      return {
        status: response.status,
        json: (await response.json().catch(() => null)) as Record<string, unknown> | null,
      };
    };

    say(`console at ${url}/  (citizens' page at ${url}/public/)`);
    const firstAdmin = app.firstAdmin ?? (await firstAdminAgain(api, adminToken));
    if (firstAdmin)
      say(
        `log in as "${firstAdmin.username}" with the one-time password ${firstAdmin.password} (you choose a new one at first login)`,
      );
    say(`admin API token: ${adminToken}`);

    const dir = resolve(config.dataDir, `demo-${values.scenario}-${subscribers}`);
    const plan = (app.modules.plan ?? null) as Parameters<typeof loadScenery>[1];
    if (!existsSync(join(dir, 'truth.csv'))) {
      say(`simulating ${subscribers} subscribers, scenario ${values.scenario} …`);
      const stopped = new Promise<void>((resolve) => stopper.signal.addEventListener('abort', () => resolve()));
      await Promise.race([simulate({ plan, scenario, subscribers, days: 1, seed: 2026, out: dir }), stopped]);
      leaveNow = stopping();
    }
    if (stopping()) return 0;

    // One API key per operator, kept in the data directory: a key that the server still knows
    // (it sees its own operator) is used again, across minutes and restarts.
    const keysPath = resolve(config.dataDir, KEYS_FILE);
    const keys = new Map<string, string>();
    let created = 0;
    for (const [operator, key] of readKeys(keysPath)) {
      // Banks' keys are checked where the banks are set up (demo-banks.ts).
      if (operator.startsWith(bankKeyName(''))) {
        keys.set(operator, key);
        continue;
      }
      const check = await api('GET', '/v1/operators', key);
      const items = (check.json?.items ?? []) as { id?: string }[];
      if (check.status === 200 && items.some((o) => o.id === operator)) keys.set(operator, key);
    }
    let keysSaved = keys.size;
    const saveKeys = () => {
      keysSaved = keys.size;
      writeFileSync(keysPath, `${JSON.stringify(Object.fromEntries(keys), null, 2)}\n`, { mode: 0o600 });
    };
    const keyFor = async (operator: string): Promise<string> => {
      const known = keys.get(operator);
      if (known) return known;
      const answer = await api(
        'POST',
        `/v1/admin/operators/${encodeURIComponent(operator)}/keys`,
        adminToken,
        '{}',
        'application/json',
      );
      const key = answer.json?.apiKey;
      if (typeof key !== 'string') throw new Error(`creating a key for ${operator} failed with HTTP ${answer.status}`);
      keys.set(operator, key);
      created++;
      saveKeys();
      return key;
    };

    // Cell locations, so the map and the cases' cell maps have places to show.
    const cellsFile = join(dir, 'cells.csv');
    if (existsSync(cellsFile)) {
      const cells = await api('PUT', '/v1/cells', adminToken, readFileSync(cellsFile, 'utf8'), 'text/csv');
      say(
        cells.status === 200
          ? `cell locations loaded: ${cells.json?.imported}`
          : `cell locations not loaded (HTTP ${cells.status})`,
      );
    }

    // Ported numbers before the CDRs: an operator's CDRs of a subscriber ported in are its own
    // (without the MNP entries they would be quarantined as NOT_OPERATOR_SUBSCRIBER).
    const mnpFile = join(dir, 'mnp.csv');
    if (existsSync(mnpFile)) {
      const mnp = await api('POST', '/v1/admin/mnp/import', adminToken, readFileSync(mnpFile, 'utf8'), 'text/csv');
      say(
        mnp.status === 200
          ? `ported numbers loaded: ${mnp.json?.imported}`
          : `ported numbers not loaded (HTTP ${mnp.status})`,
      );
    }

    for (const file of readdirSync(dir)
      .filter((f) => /^cdr-[A-Z0-9_]+\.csv$/.test(f))
      .sort()) {
      if (stopping()) return 0;
      const operator = file.slice(4, -4);
      const upload = await api(
        'POST',
        '/v1/cdr',
        await keyFor(operator),
        readFileSync(join(dir, file), 'utf8'),
        'text/csv',
      );
      say(`${operator}: CDRs uploaded ${JSON.stringify(upload.json)}`);
    }
    if (stopping()) return 0;

    // Two banks, their customers and the incidents of the simulation's victims.
    banks = await setUpDemoBanks({ api, adminToken, dir, keys, saveKeys, say });
    if (stopping()) return 0;

    // The first start's analyst confirms a few SIM boxes and fraud callers; the rest wait in the queue.
    await analystTriage({ url, api, adminToken, say, signal: stopper.signal });
    if (stopping()) return 0;

    // Ten minutes of distinct calls; each minute replays the next stretch of them, from a place
    // that differs between runs, so the traffic changes from minute to minute.
    const scenery = await loadScenery(dir, plan, Math.min(2_000_000, Math.ceil(rate * 600)));
    for (const operator of scenery.operators) await keyFor(operator);
    const operatorKeys = [...keys.keys()].filter((k) => !k.startsWith(bankKeyName(''))).length;
    say(`API keys: ${operatorKeys - created} reused, ${created} created (kept in ${keysPath})`);
    // Ten minutes of distinct messages, replayed in a loop like the calls.
    const sms =
      smsRate > 0 ? { rate: smsRate, messages: simulateSms(2026, Math.min(200_000, smsRate * 600)) } : undefined;
    let smsStart = 0;
    const perMinute = rate * 60;
    let start = randomInt(Math.max(1, scenery.calls.length));
    const deadline = Date.now() + minutes * 60_000;
    let setup = true;
    say(sms ? `replaying live calls and ${smsRate} SMS/s (Ctrl-C to stop)` : 'replaying live calls (Ctrl-C to stop)');
    while (!stopping() && Date.now() < deadline) {
      const report = await drive({
        server: url,
        adminToken,
        scenery,
        rate,
        duration: 60,
        batchSize: 100,
        setup,
        log: say,
        keys,
        start,
        signal: stopper.signal,
        sms: sms && { ...sms, start: smsStart },
      });
      if (sms) smsStart = (smsStart + smsRate * 60) % sms.messages.length;
      setup = false;
      start = (start + perMinute) % scenery.calls.length;
      // The drive may have made a key for a roamer's home operator that had none yet.
      if (keys.size > keysSaved) saveKeys();
      process.stdout.write(formatReport(report));
      const warned = [...banks.received].map(([bank, n]) => `${bank} ${n}`).join(', ');
      say(`potential-victim warnings received by the banks: ${warned || 'none yet'}`);
    }
    return 0;
  } catch (error) {
    // A request cut short by the stop signal is not an error.
    if (stopping()) return 0;
    throw error;
  } finally {
    await banks?.close();
    await app.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
