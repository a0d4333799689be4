/**
 * An analyst's day with the keyboard alone, at the console's narrowest width (768 px) and in a
 * browser set to New York's time: the Lists page's CSV import is reached by Tab and opened by
 * Enter, and its entries say where they came from in words; deciding an alert or reading a call
 * from the live feed leaves the keyboard on the list; the Overview names its days as the language
 * writes dates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { simBoxCdrs } from '../../src/datapath/test-support.ts';
import { ru } from '../src/messages.ts';
import { launchBrowser, logIn, type Server, shot, simulateTraffic, startServer, uploadCdrs } from './support.ts';

const password = 'Keyboard-passphrase-for-tests-5';

/** What has the keyboard's focus: a row's data attribute, or the element's tag. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el.tagName === 'BODY') return 'body';
    return el.getAttribute('data-alert') ?? el.getAttribute('data-decision') ?? el.tagName.toLowerCase();
  });

describe('the console by keyboard at 768 px', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let traffic: Awaited<ReturnType<typeof simulateTraffic>>;

  before(async () => {
    // Alerts wait for an analyst here (no auto-confirmation).
    server = await startServer({ alertPolicy: { autoConfirmAbove: null } });
    traffic = await simulateTraffic(server, 120);
    await uploadCdrs(server, traffic.keys.KCELL, simBoxCdrs('KCELL').text());
    assert.equal((await server.api('POST', '/v1/detection/run')).status, 200);
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1440, height: 900 },
      timezoneId: 'America/New_York',
    });
    await context.addInitScript(() => localStorage.setItem('callshield.language', 'ru'));
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const first = server.app.firstAdmin;
    assert.ok(first);
    await logIn(page, server.url, first.username, first.password, password);
    // The menu names the user at full width only.
    await page.setViewportSize({ width: 768, height: 900 });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('imports a CSV into a list with the keyboard alone, and names where each entry came from', async () => {
    // An alert confirmed by an analyst blocks its number: the entry comes from detection.
    const [alert] = (await server.api('GET', '/v1/alerts?status=open&sort=score')).json.items;
    const confirmed = await server.api('POST', `/v1/alerts/${alert.id}/confirm`, { reason: 'field team' });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
    await page.goto(`${server.url}/lists`);
    await page.waitForSelector(`tr[data-entry="${alert.msisdn}"]`);
    // Listening for the file chooser before the keys are pressed (Playwright starts catching it then).
    const chooser = page.waitForEvent('filechooser');
    await page.focus('[data-form=add-entry] input[name=number]');
    // Shift+Tab from the add form's number goes back to the import button: Tab reaches it.
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), ru['lists.import']);
    await page.keyboard.press('Enter');
    await (await chooser).setFiles({
      name: 'blocklist.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('number,reason\n+77019990001,call-centre complaint 7781\n'),
    });
    await page.waitForSelector('tr[data-entry="+77019990001"]');
    assert.equal(await page.textContent('.notice.ok'), `${ru['lists.imported']}: 1`);
    const source = (number: string) => page.textContent(`tr[data-entry="${number}"] [data-source]`);
    assert.equal(await source('+77019990001'), ru['lists.source.import']);
    assert.equal(await source(alert.msisdn), ru['lists.source.detection']);
    assert.equal(await source(traffic.fraudster), ru['lists.source.api']);
    // The detection's score reads as on the Alerts page, with the decimal comma.
    const reason = (await page.textContent(`tr[data-entry="${alert.msisdn}"] td:nth-child(2)`)) ?? '';
    assert.match(reason, /\(оценка \d,\d\d\)$/, reason);
    // Each entry's remove button says which number it removes (a screen reader's list of buttons).
    const remove = page.getByRole('button', { name: `${ru['lists.remove']} +77019990001`, exact: true });
    assert.equal(await remove.count(), 1);
    await shot(page, 'keyboard-lists-768');
  });

  it('keeps the keyboard on the alerts list after an alert is decided and leaves it', async () => {
    await page.goto(`${server.url}/alerts`);
    await page.waitForSelector('tr[data-alert]');
    const rows = await page.$$eval('tr[data-alert]', (trs) => trs.map((tr) => tr.getAttribute('data-alert')));
    assert.ok(rows.length > 2, `${rows.length} open alerts`);
    await page.focus(`tr[data-alert="${rows[1]}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.drawer');
    await page.focus('.drawer textarea[name=reason]');
    await page.keyboard.type('a subscriber with many contacts, not a SIM-box');
    // Reason, then Confirm, then Dismiss.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), ru['alerts.dismiss']);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`tr[data-alert="${rows[1]}"]`, { state: 'detached' });
    // The row that took the dismissed one's place has the focus, not the page as a whole.
    await page.waitForFunction((id) => document.activeElement?.getAttribute('data-alert') === id, rows[2]);
    assert.equal(await focused(page), rows[2]);
  });

  it('opens an alert without the refusal of the one before (a decision the server refused)', async () => {
    await page.goto(`${server.url}/alerts`);
    await page.waitForSelector('tr[data-alert]');
    const rows = await page.$$eval('tr[data-alert]', (trs) => trs.map((tr) => tr.getAttribute('data-alert')));
    assert.ok(rows.length > 1, `${rows.length} open alerts`);
    // The server refuses this one decision (as when Redis or the database is away).
    await page.route('**/v1/alerts/*/confirm', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'the records store is away' } }),
      }),
    );
    await page.focus(`tr[data-alert="${rows[0]}"]`);
    await page.keyboard.press('Enter');
    await page.fill('.drawer textarea[name=reason]', 'two victims named this number');
    await page.click(`.drawer button:has-text("${ru['alerts.confirm']}")`);
    await page.waitForSelector('.drawer .notice.error[data-error-code=DEPENDENCY_UNAVAILABLE]');
    await page.unroute('**/v1/alerts/*/confirm');
    await page.keyboard.press('Escape');
    await page.waitForSelector('.drawer', { state: 'detached' });
    await page.focus(`tr[data-alert="${rows[1]}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.drawer textarea[name=reason]');
    assert.equal(await page.locator('.drawer .notice.error').count(), 0);
    await page.keyboard.press('Escape');
  });

  it('holds the live feed still while a call is open, and gives the keyboard back to its row', async () => {
    await page.clock.install();
    await page.goto(`${server.url}/decisions`);
    await page.waitForSelector('tr[data-decision]');
    const id = await page.getAttribute('tr[data-decision]', 'data-decision');
    assert.ok(id);
    await page.focus(`tr[data-decision="${id}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('.drawer');
    // A busy minute: more calls than the feed shows arrive while the analyst reads this one.
    await simulateTraffic(server, 260);
    let polled: Promise<unknown> | undefined;
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/v1/decisions') polled ??= request.response();
    });
    await page.clock.runFor(10_000);
    // Requests the page started during those seconds have been reported by now.
    await page.evaluate(() => document.documentElement.id);
    if (polled) {
      // The feed refreshed under the panel: the call leaves it (the list shows the latest 200).
      await polled;
      await page.waitForSelector(`tr[data-decision="${id}"]`, { state: 'detached' });
    }
    await page.keyboard.press('Escape');
    await page.waitForSelector('.drawer', { state: 'detached' });
    assert.equal(await focused(page), id);
    // Once the keyboard leaves the feed, it goes live again and shows the new calls.
    await page.focus('input[name=number]');
    await page.clock.runFor(4_000);
    await page.waitForSelector(`tr[data-decision="${id}"]`, { state: 'detached' });
  });

  it('names the days of the warnings to banks as the language writes dates, whatever the browser’s zone', async () => {
    await page.route('**/v1/bank/warnings/daily**', (route) =>
      route.fulfill({
        json: {
          items: [
            { day: '2026-03-09', events: 4, deliveries: 6 },
            { day: '2026-03-10', events: 7, deliveries: 9 },
          ],
        },
      }),
    );
    await page.goto(`${server.url}/`);
    await page.waitForSelector('[data-bar="2026-03-10"]');
    const days = await page.$$eval('[data-bar^="2026-03-"] .name', (els) => els.map((el) => el.textContent));
    assert.deepEqual(days, ['09.03.2026', '10.03.2026']);
  });
});
