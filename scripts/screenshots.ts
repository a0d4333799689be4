/**
 * `npm run screenshots`: starts the platform on a temporary data directory with the demo's
 * simulated country (CDRs uploaded, cells loaded, a short live replay, a few citizens' reports),
 * logs in to the console in Debian's Chromium and writes the README's screenshots to
 * docs/screenshots/: the Overview, an alert, a case's link graph and the Reports page.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { drive, loadScenery } from '../src/sim/driver.ts';
import { SCENARIOS } from '../src/sim/scenarios.ts';
import { simulate } from '../src/sim/simulate.ts';
import { ensureConsoleBuilt } from '../web/ensure-built.ts';

const out = resolve(import.meta.dirname, '..', 'docs', 'screenshots');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const viewport = { width: 1440, height: 900 };
const say = (line: string) => process.stdout.write(`screenshots: ${line}\n`);

async function main(): Promise<void> {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath} (apt-get install chromium)`);
  ensureConsoleBuilt();
  mkdirSync(out, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-screenshots-'));
  const adminToken = randomBytes(24).toString('base64url');
  const app = await createApp(
    loadConfig(
      {
        dataDir,
        port: 0,
        host: '127.0.0.1',
        logLevel: 'warn',
        adminToken,
        statsFlushMs: 200,
        publicReportsBeforeProof: 100,
      },
      {},
    ),
    { scryptCost: { N: 4096, r: 8, p: 1 } },
  );
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const url = (await app.http.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    const api = async (
      method: string,
      path: string,
      body?: string,
      type?: string,
      token = adminToken,
      // biome-ignore lint/suspicious/noExplicitAny: the script reads the API's answers freely
    ): Promise<any> => {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) },
        body,
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
      return text ? JSON.parse(text) : null;
    };

    // The demo's country, smaller: one simulated day of CDRs, uploaded as the operators would.
    const dir = join(dataDir, 'demo');
    const plan = app.modules.plan as Parameters<typeof loadScenery>[1];
    say('simulating 3000 subscribers (scenario spoofing-wave) …');
    await simulate({ plan, scenario: SCENARIOS['spoofing-wave'], subscribers: 3000, days: 1, seed: 2026, out: dir });
    const cells = join(dir, 'cells.csv');
    if (existsSync(cells)) await api('PUT', '/v1/cells', readFileSync(cells, 'utf8'), 'text/csv');
    const keys = new Map<string, string>();
    for (const file of readdirSync(dir)
      .filter((f) => /^cdr-[A-Z0-9_]+\.csv$/.test(f))
      .sort()) {
      const operator = file.slice(4, -4);
      const key = (await api('POST', `/v1/admin/operators/${operator}/keys`, '{}', 'application/json')).apiKey;
      keys.set(operator, key);
      await api('POST', '/v1/cdr', readFileSync(join(dir, file), 'utf8'), 'text/csv', key);
    }
    const run = await api('POST', '/v1/detection/run');
    say(`detection: ${JSON.stringify(run)}`);
    say('replaying live calls for 15 s …');
    const scenery = await loadScenery(dir, plan, 200 * 15);
    await drive({ server: url, adminToken, scenery, rate: 200, duration: 15, batchSize: 100, keys });
    await app.stream.drain();

    // The alert with the highest score, and citizens' reports about its number.
    const alerts = (await api('GET', '/v1/alerts?limit=200')).items as { id: string; msisdn: string; score: number }[];
    if (alerts.length === 0) throw new Error('the simulation raised no alerts');
    const ranked = [...alerts].sort((a, b) => b.score - a.score);
    const alert = ranked[0];
    const reports = [
      { category: 'bank', text: 'said he was from the bank and asked for the SMS code' },
      { category: 'bank', text: 'asked to move my savings to a "safe account"' },
      { category: 'delivery', text: 'a recorded voice about a parcel held at customs' },
    ];
    for (const [i, a] of ranked.slice(0, 3).entries())
      for (const report of reports.slice(i))
        await api(
          'POST',
          '/public/v1/reports',
          JSON.stringify({ number: a.msisdn, channel: 'call', ...report }),
          'application/json',
        );

    const page = await browser.newPage({ viewport });
    // The README is in English: so is the console in its pictures.
    await page.addInitScript("localStorage.setItem('callshield.language', 'en')");
    const first = app.firstAdmin;
    if (!first) throw new Error('no first admin');
    const password = `Screenshots-${randomBytes(6).toString('hex')}`;
    await page.goto(`${url}/`);
    await page.fill('input[name=username]', first.username);
    await page.fill('input[name=password]', first.password);
    await page.click('button[type=submit]');
    await page.waitForSelector('input[name=new]');
    await page.fill('input[name=current]', first.password);
    await page.fill('input[name=new]', password);
    await page.fill('input[name=repeat]', password);
    await page.click('button[type=submit]');
    await page.waitForSelector(`[data-user="${first.username}"]`);
    const settle = () => page.waitForLoadState('networkidle').then(() => page.waitForTimeout(500));
    const shot = async (name: string) => {
      await page.evaluate('scrollTo(0, 0)');
      await page.screenshot({ path: join(out, `${name}.png`) });
      say(`wrote docs/screenshots/${name}.png`);
    };

    await page.goto(`${url}/`);
    await settle();
    await shot('overview');

    await page.goto(`${url}/alerts?id=${encodeURIComponent(alert.id)}`);
    await page.waitForSelector(`[data-open-case="${alert.id}"]`);
    await settle();
    await shot('alert');

    await page.click(`[data-open-case="${alert.id}"]`);
    await page.waitForSelector('[data-case-title]');
    await page.waitForSelector('[data-graph-canvas] canvas');
    await settle();
    await page.locator('.link-graph').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(out, 'case-graph.png') });
    say('wrote docs/screenshots/case-graph.png');

    await page.goto(`${url}/reports`);
    await page.waitForSelector('tr[data-queue-number]');
    await settle();
    await shot('reports');
  } finally {
    await browser.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`screenshots: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
