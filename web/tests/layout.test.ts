/**
 * Every console page at a desktop width (1440 px) and a narrow one (800 px; 768 px, in Kazakh too,
 * for the layout alone), in Russian and English: no sideways page scroll, tables scroll inside
 * their box, the Overview's headline figures and bars are whole, and axe-core finds no serious or
 * critical accessibility problem. Then the keyboard: the login field has the cursor, alert rows are
 * reached by Tab and opened by Enter, the panel takes the focus and Escape gives it back.
 * Screenshots land in .tmp/console-screenshots/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { simBoxCdrs } from '../../src/datapath/test-support.ts';
import { en, ru } from '../src/messages.ts';
import { launchBrowser, logIn, type Server, shot, simulateTraffic, startServer, uploadCdrs } from './support.ts';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const password = 'Layout-passphrase-for-tests-3';
const widths = [1440, 800] as const;
const languages = ['ru', 'en'] as const;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe-core's serious and critical findings on the page as it is now. */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = (await page.evaluate(async () => {
    // biome-ignore lint/suspicious/noExplicitAny: axe-core is injected into the page as a script
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  })) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id} (${v.help}): ${v.nodes
          .slice(0, 3)
          .map((n) => `${n.target.join(' ')} ${n.failureSummary ?? ''}`)
          .join(' | ')}`,
    );
}

/**
 * Words a user would see in the wrong form: a select's option, a column header or a badge that
 * begins in lower case (the console capitalises them in every language), and the browser's own
 * date, month or time inputs, which name months and order dates in the browser's language.
 */
async function wordingProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const main = document.querySelector('main') ?? document.documentElement;
    // The new case's "from" options finish their label's sentence ("…связано с номером").
    const options = [...main.querySelectorAll('select:not([name=case-from]) option')];
    for (const el of [...options, ...main.querySelectorAll('th, .badge')]) {
      const text = el.textContent?.trim() ?? '';
      if (/^\p{Ll}/u.test(text)) problems.push(`${el.tagName.toLowerCase()} "${text}" begins in lower case`);
    }
    for (const input of main.querySelectorAll('input')) {
      const type = input.getAttribute('type') ?? 'text';
      if (['date', 'datetime-local', 'month', 'week', 'time'].includes(type))
        problems.push(`input[name=${input.getAttribute('name')}] is the browser's ${type} input`);
    }
    return problems;
  });
}

/** What a user would see wrong with the layout: sideways page scroll, boxes past the window's edge. */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1)
      problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in a ${width} px window`);
    for (const el of document.querySelectorAll<HTMLElement>('.panel, .table-box, .topbar, .toolbar')) {
      // What is inside a table's box scrolls with it, and is clipped by it.
      if (el.parentElement?.closest('.table-box')) continue;
      const box = el.getBoundingClientRect();
      if (box.width > 0 && box.right > width + 1)
        problems.push(`${el.className} ends at ${Math.round(box.right)} px, past the ${width} px window`);
    }
    return problems;
  });
}

describe('console layout, accessibility and keyboard in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let pages: { path: string; ready: string }[];

  before(async () => {
    // Alerts wait for an analyst here (no auto-confirmation), so the pages show open ones to act on.
    server = await startServer({ alertPolicy: { autoConfirmAbove: null } });
    const traffic = await simulateTraffic(server, 200);
    await uploadCdrs(server, traffic.keys.KCELL, simBoxCdrs('KCELL').text());
    assert.equal((await server.api('POST', '/v1/detection/run')).status, 200);
    const alerts = (await server.api('GET', '/v1/alerts?status=open')).json.items;
    assert.ok(
      alerts.length > 1,
      `detection raised alerts: ${JSON.stringify(alerts.map((a: { msisdn: string }) => a.msisdn))}`,
    );
    const opened = await server.api('POST', '/v1/cases', { title: 'SIM-box Almaty', from: { alertId: alerts[0].id } });
    assert.equal(opened.status, 201, JSON.stringify(opened.json));
    const reported = await server.api('POST', '/public/v1/reports', {
      number: traffic.fraudster,
      channel: 'call',
      category: 'bank',
      text: 'said he was from the bank',
    });
    assert.equal(reported.status, 202, JSON.stringify(reported.json));
    pages = [
      { path: '/', ready: '[data-bar]' },
      { path: '/decisions', ready: 'tr[data-decision]' },
      { path: '/alerts', ready: 'tr[data-alert]' },
      { path: '/cases', ready: '[data-case]' },
      { path: `/cases/${opened.json.id}`, ready: '[data-item]' },
      { path: `/lookup/${encodeURIComponent(traffic.fraudster)}`, ready: '[data-owner]' },
      { path: '/lists', ready: 'tr[data-entry]' },
      { path: '/operators', ready: 'tr[data-operator]' },
      { path: '/map', ready: 'svg[data-map=kz]' },
      { path: '/audit', ready: 'tr[data-audit-action]' },
      { path: '/users', ready: '[data-form=create-user]' },
      { path: '/compliance', ready: 'tr[data-operator]' },
      { path: '/incidents', ready: '[data-empty], tr[data-incident]' },
      { path: '/reports', ready: 'tr[data-queue-number]' },
    ];
    browser = await launchBrowser();
    // The console's CSP allows only its own scripts; axe-core is injected by the test.
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, bypassCSP: true });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const setLanguage = (language: string) =>
    page.evaluate((l) => localStorage.setItem('callshield.language', l), language);

  it('puts the cursor in the login field, says which language is on, and passes axe at both widths', async () => {
    await page.goto(`${server.url}/`);
    for (const language of languages) {
      for (const width of widths) {
        await setLanguage(language);
        await page.setViewportSize({ width, height: 900 });
        await page.reload();
        await page.waitForSelector('input[name=username]');
        assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'username');
        assert.equal(await page.getAttribute(`.langs button[lang=${language}]`, 'aria-pressed'), 'true');
        const other = language === 'ru' ? 'en' : 'ru';
        assert.equal(await page.getAttribute(`.langs button[lang=${other}]`, 'aria-pressed'), 'false');
        assert.deepEqual(await layoutProblems(page), [], `login, ${language}, ${width} px`);
        assert.deepEqual(await seriousViolations(page), [], `login, ${language}, ${width} px`);
      }
    }
    await setLanguage('ru');
    await page.setViewportSize({ width: 1440, height: 900 });
    const first = server.app.firstAdmin;
    assert.ok(first);
    await logIn(page, server.url, first.username, first.password, password);
  });

  for (const language of languages) {
    for (const width of widths) {
      it(`shows every page whole at ${width} px in ${language}, with no serious axe finding`, async () => {
        await setLanguage(language);
        await page.setViewportSize({ width, height: 900 });
        for (const { path, ready } of pages) {
          await page.goto(`${server.url}${path}`);
          await page.waitForSelector(ready);
          await page.waitForFunction(() => !document.querySelector('[data-loading]'));
          const where = `${path}, ${language}, ${width} px`;
          assert.equal(await page.getAttribute('html', 'lang'), language, where);
          assert.deepEqual(await layoutProblems(page), [], where);
          assert.deepEqual(await seriousViolations(page), [], where);
          const name = path === '/' ? 'overview' : path.startsWith('/cases/') ? 'case' : path.split('/')[1];
          await shot(page, `layout-${width}-${language}-${name}`);
        }
      });
    }
  }

  it('keeps every page within the window at 768 px, the narrowest width the console supports, its words capitalised', async () => {
    await page.setViewportSize({ width: 768, height: 900 });
    // Kazakh's long words too.
    for (const language of ['ru', 'kk']) {
      await setLanguage(language);
      for (const { path, ready } of pages) {
        await page.goto(`${server.url}${path}`);
        await page.waitForSelector(ready);
        await page.waitForFunction(() => !document.querySelector('[data-loading]'));
        assert.deepEqual(await layoutProblems(page), [], `${path}, ${language}, 768 px`);
        assert.deepEqual(await wordingProblems(page), [], `${path}, ${language}, 768 px`);
      }
    }
  });

  for (const width of widths) {
    it(`shows the Overview's headline figures whole and its bars at ${width} px`, async () => {
      await setLanguage('ru');
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() =>
        [...document.querySelectorAll('[data-figure]')].every((el) => /\d/.test(el.textContent ?? '')),
      );
      await page.waitForSelector('[data-bar]');
      const figures = await page.$$eval('[data-figure]', (els) =>
        els.map((el) => {
          const box = el.getBoundingClientRect();
          const panel = (el.closest('.panel') as HTMLElement).getBoundingClientRect();
          return {
            text: el.textContent ?? '',
            cut: el.scrollWidth > el.clientWidth + 1,
            inside: box.left >= panel.left && box.right <= panel.right + 1,
            visible: box.width > 0 && box.height > 0,
          };
        }),
      );
      // Calls' figures, and the SMS figures beside them once SMS screening counts messages.
      assert.ok(figures.length >= 9, `${figures.length} figures`);
      // The SMS periods count messages, not calls.
      assert.equal(await page.textContent('[data-period=today] .figure .name'), ru['overview.screened']);
      assert.equal(await page.textContent('[data-period=sms-today] .figure .name'), ru['overview.smsScreened']);
      // A national platform counts billions of calls: such figures stay whole too.
      const large = await page.$$eval('[data-figure]', (els) =>
        els.map((el) => {
          el.textContent = '1 234 567 890';
          const box = el.getBoundingClientRect();
          const panel = (el.closest('.panel') as HTMLElement).getBoundingClientRect();
          return el.scrollWidth <= el.clientWidth + 1 && box.left >= panel.left && box.right <= panel.right + 1;
        }),
      );
      assert.deepEqual(large, Array(figures.length).fill(true));
      for (const f of figures) {
        assert.match(f.text, /^[\d\s\u00a0\u202f]+$/, `a figure reads "${f.text}"`);
        assert.deepEqual(
          { cut: f.cut, inside: f.inside, visible: f.visible },
          { cut: false, inside: true, visible: true },
        );
      }
      const tracks = await page.$$eval('[data-bar] .track', (els) => els.map((el) => el.getBoundingClientRect().width));
      assert.ok(tracks.length > 0);
      for (const w of tracks) assert.ok(w >= 40, `a bar's track is ${w} px wide`);
      const fills = await page.$$eval('[data-bar] .fill', (els) => els.map((el) => el.getBoundingClientRect().width));
      assert.ok(
        fills.some((w) => w >= 30),
        `the longest bar shows (${fills.join(', ')} px)`,
      );
    });
  }

  it('lists alerts by score, then time, with time, operator, kind and status; the panel shows them too', async () => {
    await setLanguage('ru');
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${server.url}/alerts`);
    await page.waitForSelector('tr[data-alert]');
    const rows = await page.$$eval('tr[data-alert]', (trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-alert') ?? '',
        score: tr.querySelector('[data-score]')?.textContent ?? '',
        raised: tr.querySelector('[data-raised]')?.textContent ?? '',
        operator: tr.querySelector('[data-operator]')?.textContent ?? '',
        status: tr.querySelector('[data-status]')?.textContent ?? '',
      })),
    );
    const api = (await server.api('GET', '/v1/alerts?status=open&limit=500')).json.items as {
      id: string;
      score: number;
      createdAt: string;
    }[];
    const expected = [...api]
      .sort((a, b) => b.score - a.score || b.createdAt.localeCompare(a.createdAt))
      .map((a) => a.id);
    assert.deepEqual(
      rows.map((r) => r.id),
      expected,
    );
    for (const r of rows) {
      assert.match(r.score, /^\d,\d\d$/, `a score in Russian reads "${r.score}"`);
      assert.match(r.raised, /^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2}$/, r.raised);
      assert.equal(r.operator, 'KCELL');
      assert.equal(r.status, ru['alerts.status.open']);
    }
    await page.click('tr[data-alert]');
    await page.waitForSelector('.drawer [data-alert-summary]');
    assert.equal(await page.textContent('.drawer [data-alert-summary] [data-score]'), rows[0].score);
    assert.equal(await page.textContent('.drawer [data-alert-summary] [data-raised]'), rows[0].raised);
    assert.equal(await page.textContent('.drawer [data-alert-summary] [data-operator]'), 'KCELL');
    // Shares read as percentages and fractions with the language's decimal comma.
    const values = await page.$$eval('.drawer tr[data-feature]', (trs) =>
      trs.map((tr) => ({ name: tr.getAttribute('data-feature') ?? '', value: tr.children[1]?.textContent ?? '' })),
    );
    const shares = values.filter((v) => v.name.endsWith('Share'));
    // The models' evidence may be traits only (0 or 1): shares, where shown, read as percentages.
    assert.ok(values.length > 0, 'the panel shows the evidence');
    for (const v of shares) assert.match(v.value, /^\d+(,\d)?\s?%$/, `${v.name}: ${v.value}`);
    for (const v of values)
      assert.doesNotMatch(v.value, /\d\.\d/, `${v.name}: ${v.value} has a decimal point in Russian`);
    await shot(page, 'layout-alert-panel-ru');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.drawer', { state: 'detached' });
  });

  it('reaches alert rows by Tab, opens one by Enter, focuses the panel and closes it by Escape', async () => {
    await setLanguage('en');
    await page.goto(`${server.url}/alerts`);
    await page.waitForSelector('tr[data-alert]');
    // The first Tab offers to skip the menu.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip-link');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'content');
    let focused: string | null = null;
    for (let i = 0; i < 10 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.getAttribute('data-alert') ?? null);
    }
    assert.ok(focused, 'Tab reaches an alert row');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.drawer');
    assert.ok(
      await page.evaluate(() => document.querySelector('.drawer')?.contains(document.activeElement)),
      'the panel has the focus',
    );
    assert.equal((await page.getAttribute('.drawer', 'aria-labelledby')) !== null, true);
    assert.deepEqual(await seriousViolations(page), [], 'the open panel');
    await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => document.querySelector('.drawer')?.contains(document.activeElement)));
    await page.keyboard.press('Escape');
    await page.waitForSelector('.drawer', { state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-alert')), focused);
    // The language buttons say which one is on; the menu says which page is on.
    assert.equal(await page.getAttribute('.langs button[lang=en]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('.nav a[aria-current=page]', 'href'), '/alerts');
    assert.equal((await page.textContent('.nav a[aria-current=page]'))?.trim(), en['nav.alerts']);
  });

  it('counts today and this year, and names the chart’s hours and days, on Almaty’s clock in a browser set to New York', async () => {
    // 08:00 on 10 March 2026 in Almaty is still 23:00 on 9 March in New York (UTC-4 since 8 March).
    const now = Date.parse('2026-03-10T03:00:00Z');
    const almatyToday = '2026-03-09T19:00:00.000Z';
    const almatyYear = '2025-12-31T19:00:00.000Z';
    const newYorkToday = '2026-03-09T04:00:00.000Z';
    const newYorkYear = '2026-01-01T05:00:00.000Z';
    // Calls the two clocks put on different days: 01:00 on 1 January 2026 in Almaty (still 2025 in
    // New York); 15:00 on 9 March in Almaty (New York's "today"); 01:00 on 10 March in Almaty.
    await server.app.sql.query(
      `insert into stats_hourly (hour, operator_id, metric, count) values
         ('2025-12-31T20:00:00Z', 'KCELL', 'screened', 7), ('2025-12-31T20:00:00Z', 'KCELL', 'verdict:block', 2),
         ('2026-03-09T10:00:00Z', 'KCELL', 'screened', 11), ('2026-03-09T10:00:00Z', 'KCELL', 'verdict:block', 3),
         ('2026-03-09T20:00:00Z', 'KCELL', 'screened', 13), ('2026-03-09T20:00:00Z', 'KCELL', 'verdict:label', 5)
       on conflict (hour, operator_id, metric) do update set count = stats_hourly.count + excluded.count`,
    );
    // The figures the Overview's periods show, as the API counts them from a period's start.
    const totals = async (from: string) => {
      const { screened, blocked, labelled } = (await server.api('GET', `/v1/stats?from=${from}&groupBy=day`)).json
        .totals as Record<string, number>;
      return { screened, blocked, labelled };
    };
    const today = await totals(almatyToday);
    const year = await totals(almatyYear);
    // The test tells the two days apart only if their figures differ.
    assert.equal(today.screened - (await totals(newYorkToday)).screened, -11);
    assert.equal(year.screened - (await totals(newYorkYear)).screened, 7);

    const newYork = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      storageState: await context.storageState(),
      timezoneId: 'America/New_York',
    });
    try {
      await newYork.addInitScript(() => localStorage.setItem('callshield.language', 'ru'));
      const analyst = await newYork.newPage();
      analyst.setDefaultTimeout(10_000);
      await analyst.clock.setFixedTime(now);
      await analyst.goto(`${server.url}/`);
      assert.equal(
        await analyst.evaluate(() => new Date().getTimezoneOffset()),
        240,
        'the browser is on New York time',
      );
      await analyst.waitForSelector('[data-period=today]');
      assert.equal(await analyst.getAttribute('[data-period=today]', 'data-from'), almatyToday);
      assert.equal(await analyst.getAttribute('[data-period=year]', 'data-from'), almatyYear);
      const shown = (period: string) =>
        analyst.$eval(`[data-period=${period}]`, (el) =>
          Object.fromEntries(
            ['screened', 'blocked', 'labelled'].map((name) => [
              name,
              Number(el.querySelector(`[data-figure=${name}]`)?.textContent?.replace(/\D/g, '')),
            ]),
          ),
        );
      // The page shows dashes until its first answers: read until it shows figures, then compare.
      let figures = { today: await shown('today'), year: await shown('year') };
      for (let i = 0; i < 100 && !(figures.today.screened > 0 && figures.year.screened > 0); i++) {
        await sleep(100);
        figures = { today: await shown('today'), year: await shown('year') };
      }
      assert.deepEqual(figures, { today, year });

      // The last 24 hours end at 03:00 UTC; every third hour is named on Almaty's clock, and each
      // Almaty day under its first hour: 9 March from 09:00, 10 March from midnight.
      const ticks = await analyst.$$eval('[data-tick]', (els) =>
        els.map((el) => ({
          at: el.getAttribute('data-tick'),
          hour: el.querySelector('text:not([data-day])')?.textContent,
          day: el.querySelector('[data-day]')?.textContent ?? null,
        })),
      );
      const hour = (at: string, h: string, day: string | null = null) => ({
        at: `2026-03-${at}:00:00.000Z`,
        hour: h,
        day,
      });
      assert.deepEqual(ticks, [
        hour('09T04', '09:00', '09.03'),
        hour('09T07', '12:00'),
        hour('09T10', '15:00'),
        hour('09T13', '18:00'),
        hour('09T16', '21:00'),
        hour('09T19', '00:00', '10.03'),
        hour('09T22', '03:00'),
        hour('10T01', '06:00'),
      ]);
      await shot(analyst, 'layout-overview-new-york');
    } finally {
      await newYork.close();
    }
  });
});
