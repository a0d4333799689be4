/**
 * Browser-test support: a real callshield server on a temporary data directory with simulated
 * screening traffic, and Debian's Chromium driven through playwright-core.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { type App, createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { ensureConsoleBuilt } from '../ensure-built.ts';

export const adminToken = 'browser-test-admin-token-0123';
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots for reviewers, in a git-ignored folder. */
export const screenshotDir = join(import.meta.dirname, '..', '..', '.tmp', 'console-screenshots');

export interface Server {
  app: App;
  url: string;
  dataDir: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read the API's answers freely
  api(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

/** A server on a fresh data directory; `settings` adds to (or overrides) the test settings. */
export async function startServer(settings: Record<string, unknown> = {}): Promise<Server> {
  ensureConsoleBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-console-'));
  const config = loadConfig(
    {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      logLevel: 'warn',
      adminToken,
      originWaitMs: 0,
      statsFlushMs: 200,
      ...settings,
    },
    {},
  );
  const app = await createApp(config, { scryptCost: { N: 4096, r: 8, p: 1 } });
  const url = (await app.http.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  const api = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  return {
    app,
    url,
    dataDir,
    api,
    close: () => app.close(),
  };
}

const prefixes: Record<string, string[]> = {
  KCELL: ['701', '702', '775', '778'],
  BEELINE: ['705', '771', '776', '777'],
  TELE2: ['707', '747'],
  ALTEL: ['700', '708'],
};

/** Deterministic pseudo-random numbers so that every run shows the same picture. */
function random(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/**
 * Screening traffic between the mobile operators: confirmed calls, spoofed calls from abroad,
 * unconfirmed origins and blocklisted callers. Returns numbers of interest to the tests.
 */
export async function simulateTraffic(server: Server, calls = 400) {
  const rnd = random(42);
  const operators = Object.keys(prefixes);
  const keys: Record<string, string> = {};
  for (const op of operators) keys[op] = await operatorKey(server, op);
  const numberOf = (op: string) => {
    const list = prefixes[op];
    return `+7${list[Math.floor(rnd() * list.length)]}${String(Math.floor(rnd() * 1e7)).padStart(7, '0')}`;
  };
  const fraudster = '+77059990011';
  await server.api('POST', '/v1/lists/blocklist/entries', { number: fraudster, reason: 'confirmed fraud call-centre' });
  await server.api('POST', '/v1/lists/blocklist/entries', {
    number: '+77770001122',
    reason: 'SIM-box, police case 2207',
  });
  await server.api('POST', '/v1/lists/dno/entries', {
    number: '+77172000000',
    reason: 'government inbound-only number',
  });
  const originate: Record<string, object[]> = {};
  const verify: Record<string, object[]> = {};
  const add = (into: Record<string, object[]>, operator: string, call: object) => {
    if (!into[operator]) into[operator] = [];
    into[operator].push(call);
  };
  const kcellSubscriber = '+77011234567';
  for (let i = 0; i < calls; i++) {
    const from = operators[Math.floor(rnd() * operators.length)];
    const to = i % 5 === 0 ? 'KCELL' : operators[Math.floor(rnd() * operators.length)];
    const a = numberOf(from);
    const b = i % 25 === 0 ? kcellSubscriber : numberOf(to);
    const at = new Date().toISOString();
    const roll = rnd();
    const call = { callId: `sim-${i}`, a, b, at, fromOperator: from, ingress: from === to ? 'on-net' : 'domestic' };
    if (roll < 0.62) {
      add(originate, from, { callId: call.callId, a, b, at });
      add(verify, to, call);
    } else if (roll < 0.78) {
      add(verify, to, { ...call, ingress: 'international', fromOperator: undefined });
    } else if (roll < 0.9) {
      add(verify, to, { ...call, ingress: 'domestic' });
    } else {
      add(verify, to, { ...call, a: fraudster, fromOperator: 'BEELINE' });
    }
  }
  for (const [op, batch] of Object.entries(originate)) {
    await server.api('POST', '/v1/calls/originate/batch', { calls: batch }, keys[op]);
  }
  for (const [op, batch] of Object.entries(verify)) {
    await server.api('POST', '/v1/calls/verify/batch', { calls: batch }, keys[op]);
  }
  return { kcellSubscriber, fraudster, keys };
}

/** Debian's Chromium; a missing one fails the test (never skips it). */
export async function launchBrowser(): Promise<Browser> {
  assert.ok(existsSync(chromiumPath), `no Chromium at ${chromiumPath} (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/** Logs in through the login page (changing a one-time password when asked). */
export async function logIn(page: Page, url: string, username: string, password: string, newPassword?: string) {
  await page.goto(`${url}/`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  if (newPassword) {
    await page.waitForSelector('input[name=new]');
    await page.fill('input[name=current]', password);
    await page.fill('input[name=new]', newPassword);
    await page.fill('input[name=repeat]', newPassword);
    await page.click('button[type=submit]');
  }
  await page.waitForSelector(`[data-user="${username}"]`);
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`) });
}

/**
 * Chromium with one page of the given size, logged in as the server's first admin (who changes
 * the one-time password to `newPassword`). The caller closes the browser.
 */
export async function openAsFirstAdmin(
  server: Server,
  newPassword: string,
  viewport: { width: number; height: number } = { width: 1440, height: 1000 },
): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport });
  const first = server.app.firstAdmin;
  assert.ok(first, 'a fresh data directory creates the first admin');
  await logIn(page, server.url, first.username, first.password, newPassword);
  return { browser, page };
}

/** Issues an API key for an operator (which the server then knows); returns the key. */
export async function operatorKey(server: Server, operator: string): Promise<string> {
  const { status, json } = await server.api('POST', `/v1/admin/operators/${operator}/keys`);
  assert.equal(typeof json?.apiKey, 'string', `no key for ${operator}: ${status} ${JSON.stringify(json)}`);
  return json.apiKey;
}

/** Sends a CSV file (CDRs, cells) with a key; anything but 200 fails the test. */
export async function uploadCsv(server: Server, token: string, path: string, csv: string, method = 'POST') {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body: csv,
  });
  assert.equal(response.status, 200, await response.text());
}

/** An operator uploads a CDR file (CSV) with its API key; anything but 200 fails the test. */
export async function uploadCdrs(server: Server, key: string, csv: string) {
  await uploadCsv(server, key, '/v1/cdr', csv);
}
