/**
 * The console in Kazakh in Chromium: after switching to Қаз the navigation and the Overview page
 * show the Kazakh texts of messages.ts, and the longer Kazakh words fit the layout. Screenshots
 * land in .tmp/console-screenshots/ (kk-*.png).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { kk, type MessageKey } from '../src/messages.ts';
import { kk as caseKk } from '../src/pages/cases/messages.ts';
import { launchBrowser, logIn, type Server, shot, simulateTraffic, startServer } from './support.ts';

const adminPassword = 'Chief-passphrase-for-kazakh-3';
const navigation: MessageKey[] = [
  'nav.overview',
  'nav.decisions',
  'nav.alerts',
  'nav.cases',
  'nav.incidents',
  'nav.lookup',
  'nav.lists',
  'nav.operators',
  'nav.map',
  'nav.audit',
  'nav.users',
  'nav.compliance',
  'nav.reports',
];

describe('the console in Kazakh in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startServer();
    await simulateTraffic(server, 200);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the navigation and the Overview page in Kazakh after switching to Қаз', async () => {
    const first = server.app.firstAdmin;
    assert.ok(first, 'a fresh data directory creates the first admin');
    await logIn(page, server.url, first.username, first.password, adminPassword);
    await page.click('.langs button:has-text("Қаз")');
    await page.waitForFunction(
      (title) => document.querySelector('.topbar h1')?.textContent === title,
      kk['nav.overview'],
    );
    assert.equal(await page.getAttribute('html', 'lang'), 'kk');

    const links = await page.locator('.nav a').allTextContents();
    assert.deepEqual(
      links,
      navigation.map((key) => kk[key]),
    );
    assert.equal(await page.textContent('.brand small'), kk['app.subtitle']);
    assert.equal(await page.textContent('.topbar .right button.btn'), kk['nav.logout']);
    assert.equal(await page.textContent('.side-foot div:last-child'), kk['role.admin']);

    const periods = await page.locator('.period h3').allTextContents();
    assert.deepEqual(periods, [
      kk['overview.today'],
      kk['overview.year'],
      kk['overview.sinceLaunch'],
      // Messages (SMS), counted apart from calls.
      ...[kk['overview.today'], kk['overview.year'], kk['overview.sinceLaunch']].map(
        (p) => `${kk['overview.sms']} · ${p}`,
      ),
    ]);
    const figures = await page.locator('[data-period=today] .figure .name').allTextContents();
    assert.deepEqual(figures, [kk['overview.screened'], kk['overview.blocked'], kk['overview.labelled']]);
    const smsFigures = await page.locator('[data-period=sms-today] .figure .name').allTextContents();
    assert.deepEqual(smsFigures, [kk['overview.smsScreened'], kk['overview.blocked'], kk['overview.labelled']]);
    const panels = await page.locator('.panel > header h2').allTextContents();
    assert.deepEqual(panels, [
      kk['overview.series'],
      `${kk['overview.byReason']} · ${kk['overview.today']}`,
      `${kk['overview.byOperator']} · ${kk['overview.today']}`,
      kk['overview.warnings'],
    ]);
    const legend = await page.locator('.chart-legend span').allTextContents();
    assert.deepEqual(legend, [kk['overview.screened'], kk['overview.labelled'], kk['overview.blocked']]);
    assert.equal(await page.getAttribute('svg[role=img]', 'aria-label'), kk['overview.series']);

    // The longer Kazakh words neither overflow the side bar nor spill out of the period panels.
    await page.waitForFunction(
      () => document.querySelector('[data-period=launch] [data-figure=screened]')?.textContent !== '—',
    );
    const overflowing = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.nav a, .topbar h1, .period h3, .figure .name, .panel > header h2')]
        .filter((e) => e.scrollWidth > e.clientWidth + 1)
        .map((e) => e.textContent),
    );
    assert.deepEqual(overflowing, []);
    // Dates as Kazakh writes them (day first), also in a browser without Kazakh formats (ICU's root: 2026-12-06).
    await page.waitForSelector(`text=${kk['overview.launched']}`);
    const live = (await page.textContent('.panel > header .toolbar .muted')) ?? '';
    assert.match(live, new RegExp(`${kk['overview.launched']} \\d{2}\\.\\d{2}\\.\\d{4}, \\d{2}:\\d{2}:\\d{2}`), live);
    await shot(page, 'kk-01-overview');
  });

  it('keeps Kazakh on the other pages, each loaded afresh', async () => {
    for (const [path, title] of [
      ['/decisions', kk['nav.decisions']],
      ['/cases', kk['nav.cases']],
      ['/users', kk['nav.users']],
    ]) {
      await page.goto(`${server.url}${path}`);
      await page.waitForFunction((t) => document.querySelector('.topbar h1')?.textContent === t, title);
    }
    assert.equal(await page.textContent('.panel > header h2'), kk['users.create']);
    await page.goto(`${server.url}/cases`);
    await page.waitForSelector(`text=${caseKk.newCase}`);
    await shot(page, 'kk-02-cases');
    await page.goto(`${server.url}/decisions`);
    await page.waitForSelector('tr[data-decision]');
    await shot(page, 'kk-03-decisions');
    await page.click('tr[data-decision]');
    await page.waitForSelector('.drawer dl.kv');
    assert.ok((await page.locator('.drawer dt').allTextContents()).includes(kk['decisions.callId']));
    await shot(page, 'kk-04-decision-details');
  });
});
