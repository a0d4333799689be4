/**
 * `callshield demo` (npm run demo): a newcomer's first look. Starts the platform, simulates a
 * small country, uploads its CDRs as the operators would (so detection raises alerts), and
 * replays its call signalling live, so the console shows traffic, decisions, alerts and figures.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../app.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { drive, formatReport, loadScenery } from './driver.ts';
import { SCENARIOS } from './scenarios.ts';
import { simulate } from './simulate.ts';

const USAGE = `usage: callshield demo [--port 8080] [--data-dir ./data] [--subscribers 10000] [--scenario spoofing-wave]
                      [--rate 200] [--minutes 60]
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8080' },
      'data-dir': { type: 'string', default: './data' },
      subscribers: { type: 'string', default: '10000' },
      scenario: { type: 'string', default: 'spoofing-wave' },
      rate: { type: 'string', default: '200' },
      minutes: { type: 'string', default: '60' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const scenario = SCENARIOS[values.scenario as keyof typeof SCENARIOS];
  const subscribers = Number(values.subscribers);
  const rate = Number(values.rate);
  const minutes = Number(values.minutes);
  if (!scenario || !(subscribers >= 1000 && subscribers <= 1_000_000) || !(rate > 0) || !(minutes > 0)) {
    process.stderr.write(`callshield demo: bad option (scenarios: ${Object.keys(SCENARIOS).join(', ')})\n\n${USAGE}`);
    return 2;
  }
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ port: values.port, dataDir: values['data-dir'], host: '127.0.0.1' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`callshield demo: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
  const app = await createApp(
    loadConfig({ port: values.port, dataDir: values['data-dir'], host: '127.0.0.1', adminToken }),
  );
  const url = (await app.http.listen({ port: config.port, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  const say = (line: string) => process.stdout.write(`demo: ${line}\n`);
  say(`console at ${url}/  (citizens' page at ${url}/public/)`);
  if (app.firstAdmin)
    say(`log in as "${app.firstAdmin.username}" with the one-time password ${app.firstAdmin.password}`);
  say(`admin API token: ${adminToken}`);

  const dir = resolve(config.dataDir, `demo-${values.scenario}-${subscribers}`);
  const plan = (app.modules.plan ?? null) as Parameters<typeof loadScenery>[1];
  if (!existsSync(join(dir, 'truth.csv'))) {
    say(`simulating ${subscribers} subscribers, scenario ${values.scenario} …`);
    await simulate({ plan, scenario, subscribers, days: 1, seed: 2026, out: dir });
  }

  const api = async (path: string, token: string, body: string, contentType: string) => {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body,
    });
    return {
      status: response.status,
      json: (await response.json().catch(() => null)) as Record<string, unknown> | null,
    };
  };
  for (const file of readdirSync(dir)
    .filter((f) => /^cdr-[A-Z0-9_]+\.csv$/.test(f))
    .sort()) {
    const operator = file.slice(4, -4);
    const key = await api(`/v1/admin/operators/${operator}/keys`, adminToken, '{}', 'application/json');
    const upload = await api('/v1/cdr', String(key.json?.apiKey), readFileSync(join(dir, file), 'utf8'), 'text/csv');
    say(`${operator}: CDRs uploaded ${JSON.stringify(upload.json)}`);
  }

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const scenery = await loadScenery(dir, plan, Math.min(2_000_000, Math.ceil(rate * 600)));
  const deadline = Date.now() + minutes * 60_000;
  let setup = true;
  while (!stopping && Date.now() < deadline) {
    const report = await drive({
      server: url,
      adminToken,
      scenery,
      rate,
      duration: 60,
      batchSize: 100,
      setup,
      log: say,
    });
    setup = false;
    process.stdout.write(formatReport(report));
  }
  await app.close();
  return 0;
}
