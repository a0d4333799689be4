/**
 * The citizens' page on a phone-sized screen in Debian's Chromium: report a call, check a number,
 * check a link, switch language. Screenshots land in .tmp/console-screenshots/public-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, type Server, shot, startServer } from './support.ts';

/**
 * Sends the report form once its last result is cleared, so that waiting for a result's tone waits
 * for this report's answer, not the one before (a proof of work can hold it for seconds).
 */
async function sendReport(page: Page): Promise<void> {
  await page.evaluate(() => {
    document.getElementById('report-result')!.className = 'result';
  });
  await page.click('#report-form button[type=submit]');
}

describe("citizens' page on a phone", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    // Room for every report these tests send (the limit itself is tested in src/reports).
    server = await startServer({ publicReportsPerMinute: 100 });
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
    // No category is chosen for the citizen: a default would bias what reports say.
    assert.equal(await page.inputValue('#report-category'), '');
    assert.equal(await page.textContent('#report-category option:checked'), 'Выберите…');
    await page.fill('#report-number', '8 916 111 22 33');
    await page.selectOption('#report-category', 'police');
    await page.fill('#report-text', 'Представился следователем, просил перевести деньги на безопасный счёт');
    await sendReport(page);
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
      await page.fill('#report-number', '+7 916 111 22 44');
      await page.selectOption('#report-category', 'bank');
      await sendReport(page);
      await page.waitForSelector('#report-result.ok', { timeout: 30_000 });
    }
    const queue = (await server.api('GET', '/v1/reports/queue')).json;
    const row = (queue.items as { number: string; reports: number }[]).find((r) => r.number === '+79161112244');
    assert.equal(row?.reports, 5);
  });

  it('ties an error to its field and takes the citizen there', async () => {
    await page.click('[data-lang=ru]');
    await page.click('#tab-report');
    let sent = 0;
    await page.route('**/public/v1/reports', (route) => {
      sent++;
      return route.continue();
    });
    // The category is required (DESIGN.md: "category" is not optional) and has no default.
    await page.fill('#report-number', '8 701 555 12 33');
    await page.selectOption('#report-category', '');
    await sendReport(page);
    await page.waitForSelector('#report-result.warn');
    assert.equal(await page.textContent('#report-result'), 'Выберите, кем представились.');
    assert.equal(await page.getAttribute('#report-category', 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute('#report-category', 'aria-describedby'), 'report-result');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'report-category');
    assert.equal(sent, 0, 'nothing is sent without a category');
    await page.unroute('**/public/v1/reports');
    await page.selectOption('#report-category', 'relatives');
    // A Kazakh number one digit short is not a number (the server refuses it).
    await page.fill('#report-number', '+7 701 123 45 6');
    await sendReport(page);
    await page.waitForSelector('#report-result.bad');
    assert.equal(await page.textContent('#report-result'), 'Это не похоже на номер телефона.');
    assert.equal(await page.getAttribute('#report-category', 'aria-invalid'), null, 'the category is fine now');
    await page.fill('#report-number', 'не помню');
    await sendReport(page);
    await page.waitForSelector('#report-result.bad');
    assert.equal(await page.textContent('#report-result'), 'Это не похоже на номер телефона.');
    assert.equal(await page.getAttribute('#report-number', 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute('#report-number', 'aria-describedby'), 'report-result');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'report-number');
    await page.fill('#report-number', '8 701 555 12 34');
    await page.fill('#report-when', '2099-01-01T10:00');
    await sendReport(page);
    assert.equal(await page.textContent('#report-result'), 'Дата и время не могут быть в будущем.');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'report-when');
    assert.equal(await page.getAttribute('#report-number', 'aria-invalid'), null, 'the number is fine now');
    await page.fill('#report-when', '');
  });

  it('says so when the network is down or the server is busy, keeping what the citizen wrote', async () => {
    const text = 'Звонили из «службы безопасности банка»';
    try {
      await page.route('**/public/v1/reports', (route) => route.abort('internetdisconnected'));
      await page.fill('#report-number', '8 701 555 12 35');
      await page.fill('#report-text', text);
      await sendReport(page);
      await page.waitForSelector('#report-result.bad', { timeout: 5_000 });
      assert.match((await page.textContent('#report-result')) ?? '', /^Нет связи с сервером/);
      assert.equal(await page.inputValue('#report-text'), text);
      await page.unroute('**/public/v1/reports');
      await page.route('**/public/v1/reports', (route) =>
        route.fulfill({ status: 429, contentType: 'application/json', body: '{"error":{"code":"RATE_LIMITED"}}' }),
      );
      await sendReport(page);
      await page.waitForFunction(() =>
        /Слишком много/.test(document.getElementById('report-result')!.textContent ?? ''),
      );
      assert.equal(await page.inputValue('#report-text'), text);
    } finally {
      await page.unroute('**/public/v1/reports');
    }
  });

  it('sends one report for a double tap', async () => {
    // Each press sends its first request at once (a proof of work, when asked for, follows with a header).
    let presses = 0;
    await page.route('**/public/v1/reports', (route) => {
      if (!route.request().headers()['x-callshield-proof']) presses++;
      return route.continue();
    });
    try {
      await page.fill('#report-number', '+7 916 111 22 55');
      await page.dblclick('#report-form button[type=submit]');
      await page.waitForSelector('#report-result.ok', { timeout: 30_000 });
      assert.equal(presses, 1, 'the second tap sent a second report');
    } finally {
      await page.unroute('**/public/v1/reports');
    }
  });

  it('lets a citizen type an SMS sender name with letters', async () => {
    await page.check('#report-form input[value=sms]');
    assert.equal(await page.getAttribute('#report-number', 'type'), 'text');
    assert.equal(await page.getAttribute('#report-number', 'inputmode'), 'text');
    assert.match((await page.textContent('label[for=report-number]')) ?? '', /имя отправителя SMS/);
    await page.check('#report-form input[value=call]');
    assert.equal(await page.getAttribute('#report-number', 'type'), 'tel', 'a call keeps the dial pad');
  });

  it('never calls a reported number unsuspicious, nor a look-alike of no one a brand look-alike', async () => {
    // +79161112244 has five anonymous reports from one network: a "low" risk, too few to judge.
    await page.click('#tab-number');
    await page.fill('#check-number', '+7 916 111 22 44');
    await page.click('#number-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('number-result')!.textContent !== '');
    const answer = (await page.textContent('#number-result')) ?? '';
    assert.doesNotMatch(answer, /не вызывает подозрений/, answer);
    assert.match(answer, /Будьте осторожны/);
    assert.equal(await page.getAttribute('#number-result', 'class'), 'result ', 'not painted safe-green');
    await page.click('#tab-link');
    await page.fill('#check-link', '192.168.1.1/login');
    await page.click('#link-form button[type=submit]');
    await page.waitForSelector('#link-result.bad');
    const link = (await page.textContent('#link-result')) ?? '';
    assert.match(link, /^Подозрительная ссылка\./);
    assert.doesNotMatch(link, /известной организации/, link);
    await page.fill('#check-link', 'kaspi-bank.top/pay');
    await page.click('#link-form button[type=submit]');
    await page.waitForFunction(() => /Kaspi/.test(document.getElementById('link-result')!.textContent ?? ''));
    assert.match((await page.textContent('#link-result')) ?? '', /похожа на сайт «Kaspi»/);
  });

  it('speaks of a sender, not a number, when an SMS sender ID is dangerous', async () => {
    const expected = {
      ru: /^KASPI-BANK: Опасно: отправитель связан с мошенничеством\./,
      kk: /^KASPI-BANK: Қауіпті: жіберуші алаяқтықпен байланысты\./,
      en: /^KASPI-BANK: Danger: this sender is linked to fraud\./,
    };
    for (const [language, sentence] of Object.entries(expected)) {
      await page.click(`[data-lang=${language}]`);
      await page.click('#tab-number');
      await page.evaluate(() => {
        document.getElementById('number-result')!.className = 'result';
      });
      await page.fill('#check-number', 'KASPI-BANK');
      await page.click('#number-form button[type=submit]');
      await page.waitForSelector('#number-result.bad');
      const answer = (await page.textContent('#number-result')) ?? '';
      assert.match(answer, sentence, answer);
      assert.doesNotMatch(answer, /номер|нөмір|number/i, answer);
    }
    await page.click('[data-lang=ru]');
  });

  it('follows the ARIA tabs pattern: arrows, Home and End move between tabs and select them', async () => {
    await page.click('#tab-report');
    const state = () =>
      page.evaluate(() => ({
        focused: document.activeElement?.id,
        selected: [...document.querySelectorAll('[role=tab][aria-selected=true]')].map((t) => t.id),
        inTabOrder: [...document.querySelectorAll('[role=tab]')]
          .filter((t) => t.getAttribute('tabindex') === '0')
          .map((t) => t.id),
        visible: [...document.querySelectorAll('[role=tabpanel]')]
          .filter((p) => p.getAttribute('hidden') === null)
          .map((p) => p.id),
      }));
    assert.deepEqual(await state(), {
      focused: 'tab-report',
      selected: ['tab-report'],
      inTabOrder: ['tab-report'],
      visible: ['panel-report'],
    });
    await page.keyboard.press('ArrowRight');
    assert.deepEqual(await state(), {
      focused: 'tab-number',
      selected: ['tab-number'],
      inTabOrder: ['tab-number'],
      visible: ['panel-number'],
    });
    await page.keyboard.press('End');
    assert.equal((await state()).selected[0], 'tab-link');
    await page.keyboard.press('ArrowRight');
    assert.equal((await state()).focused, 'tab-report', 'the arrows wrap around');
    await page.keyboard.press('ArrowLeft');
    assert.equal((await state()).selected[0], 'tab-link');
    await page.keyboard.press('Home');
    assert.deepEqual((await state()).visible, ['panel-report']);
    // Tab leaves the tab list for the panel, instead of walking through every tab.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), null);
    for (const tab of ['tab-report', 'tab-number', 'tab-link'])
      assert.match((await page.getAttribute(`#${tab}`, 'aria-controls')) ?? '', /^panel-/);
  });

  it('fits the phone screen without sideways scrolling', async () => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the screen`);
  });
});
