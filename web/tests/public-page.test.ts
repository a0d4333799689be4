/**
 * The citizens' page on a phone-sized screen in Debian's Chromium: report a call, check a number,
 * check a link, switch language. Screenshots land in .tmp/console-screenshots/public-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, type Server, shot, startServer } from './support.ts';

describe("citizens' page on a phone", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'ru-RU',
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('takes a report in Russian', async () => {
    await page.goto(`${server.url}/public/`);
    await page.waitForSelector('#report-form');
    assert.equal(await page.textContent('#tab-report'), 'Сообщить');
    await shot(page, 'public-1-report-ru');
    await page.fill('#report-number', '8 916 111 22 33');
    await page.selectOption('#report-category', 'police');
    await page.fill('#report-text', 'Представился следователем, просил перевести деньги на безопасный счёт');
    await page.click('#report-form button[type=submit]');
    await page.waitForSelector('#report-result.ok');
    const sent = (await page.textContent('#report-result')) ?? '';
    assert.match(sent, /^Спасибо! Сообщение принято\./);
    const reportId = /Номер вашего сообщения: (rep_[\w-]+)/.exec(sent)?.[1];
    assert.ok(reportId, `the citizen sees their report id: ${sent}`);
    await shot(page, 'public-2-report-sent');
    const queue = (await server.api('GET', '/v1/reports/queue')).json;
    const row = queue.items.find((i: { number: string }) => i.number === '+79161112233');
    assert.ok(row, "the report reached the analysts' queue");
    assert.deepEqual(row.categories, ['police']);
  });

  it('checks a number, in Kazakh, remembering the choice', async () => {
    await server.api('POST', '/v1/lists/dno/entries', { number: '+77172555777', reason: 'bank hotline' });
    await page.click('[data-lang=kk]');
    await page.click('#tab-number');
    await page.fill('#check-number', '+7 717 255 57 77');
    await page.click('#number-form button[type=submit]');
    await page.waitForSelector('#number-result.bad');
    assert.match((await page.textContent('#number-result')) ?? '', /Қауіпті/);
    await shot(page, 'public-3-number-kk');
    await page.reload();
    await page.waitForSelector('#report-form');
    assert.equal(await page.getAttribute('html', 'lang'), 'kk');
  });

  it('warns about a look-alike link, in English', async () => {
    await page.click('[data-lang=en]');
    await page.click('#tab-link');
    await page.fill('#check-link', 'https://kaspi.kz.secure-login.example.com/verify');
    await page.click('#link-form button[type=submit]');
    await page.waitForSelector('#link-result.bad');
    const warning = (await page.textContent('#link-result')) ?? '';
    assert.match(warning, /Suspicious link/);
    assert.match(warning, /only the start of the address/, 'the specific reason is shown');
    await page.fill('#check-link', 'https://kaspi.kz/shop');
    await page.click('#link-form button[type=submit]');
    await page.waitForSelector('#link-result.ok');
    assert.equal(await page.textContent('#link-result'), 'Official site: Kaspi');
    await shot(page, 'public-4-link-en');
  });

  it('keeps taking reports after a burst from one address, solving the proof of work the server asks for', async () => {
    await page.click('#tab-report');
    for (let i = 0; i < 5; i++) {
      await page.evaluate(() => {
        document.getElementById('report-result')!.className = 'result';
      });
      await page.fill('#report-number', '+7 916 111 22 44');
      await page.selectOption('#report-category', 'bank');
      await page.click('#report-form button[type=submit]');
      await page.waitForSelector('#report-result.ok', { timeout: 30_000 });
    }
    const queue = (await server.api('GET', '/v1/reports/queue')).json;
    const row = (queue.items as { number: string; reports: number }[]).find((r) => r.number === '+79161112244');
    assert.equal(row?.reports, 5);
  });

  it('fits the phone screen without sideways scrolling', async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  });
});
