/**
 * Browser tests of the analyst's language and the citizens' reports in Chromium: the Reports page
 * (triage, block), a number's reports in lookup, and texts that speak words instead of codes —
 * audit actions, actors, detection's blocklist reasons with the alert as a link.
 * Screenshots land in .tmp/console-screenshots/reports-*.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openAsFirstAdmin, operatorKey, type Server, shot, startServer } from './support.ts';

const reported = '+77021234567';

describe('reports and the analyst’s language in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startServer();
    for (const text of ['said he was from the bank', 'asked for the SMS code'])
      assert.equal(
        (await server.api('POST', '/public/v1/reports', { number: reported, channel: 'call', category: 'bank', text }))
          .status,
        202,
      );
    await operatorKey(server, 'KCELL');
    await server.api('POST', '/v1/lists/blocklist/entries', {
      number: '+77029876543',
      reason: 'detection alert alr_test1: fraud caller (score 1)',
    });
    ({ browser, page } = await openAsFirstAdmin(server, 'Chief-passphrase-for-reports-7'));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists reported numbers, shows their reports and lets an analyst confirm and block one', async () => {
    await page.goto(`${server.url}/reports`);
    await page.waitForSelector(`tr[data-queue-number="${reported}"]`);
    assert.match((await page.textContent(`tr[data-queue-number="${reported}"]`)) ?? '', /сотрудник банка/);
    await page.focus(`tr[data-queue-number="${reported}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-report]');
    assert.equal(await page.locator('[data-report]').count(), 2);
    await shot(page, 'reports-1-triage');
    await page.fill('input[name=triage-reason]', 'один сценарий с двух сторон');
    await page.check('input[name=triage-block]');
    await page.click('[data-triage=confirm]');
    await page.waitForFunction((n) => !document.querySelector(`tr[data-queue-number="${n}"]`), reported);
    const lookup = (await server.api('GET', `/v1/numbers/${encodeURIComponent(reported)}/lookup`)).json;
    assert.equal(lookup.reputation, 'high', 'blocked: one risk everywhere');
  });

  it("shows a number's reports in lookup, with the blocklist reason in words", async () => {
    await page.goto(`${server.url}/lookup/${encodeURIComponent(reported)}`);
    await page.waitForSelector('[data-lookup-reports] [data-report]');
    assert.equal(await page.locator('[data-lookup-reports] [data-report]').count(), 2);
    assert.match((await page.textContent('[data-owner]')) ?? '', /./);
    const lists = (await page.locator('table').first().textContent()) ?? '';
    assert.match(lists, /Жалобы граждан подтверждены: один сценарий/);
    assert.doesNotMatch(lists, /user:/);
  });

  it('speaks words, not codes: detection reasons with the alert as a link, audit actions and actors', async () => {
    await page.goto(`${server.url}/lists`);
    await page.waitForSelector('tr[data-entry]');
    const row = page.locator('tr[data-entry]', { hasText: '+77029876543' });
    assert.match(
      (await row.textContent()) ?? '',
      // The score as the Alerts page writes it: two decimals, the decimal comma.
      /Оповещение обнаружения alr_test1: Мошеннический абонент \(оценка 1,00\)/,
    );
    assert.equal(await row.locator('a').getAttribute('href'), '/alerts?id=alr_test1');
    await page.goto(`${server.url}/audit`);
    await page.waitForSelector('tr[data-audit-action="admin.operators.keys.post"]');
    const audit = (await page.textContent('tr[data-audit-action="admin.operators.keys.post"]')) ?? '';
    assert.match(audit, /Выдан API-ключ/);
    assert.doesNotMatch(audit, /admin\.operators\.keys\.post/);
    const body = (await page.textContent('main')) ?? '';
    assert.doesNotMatch(body, /\/v1\//, 'no API path is shown');
    await shot(page, 'reports-2-audit');
  });
});
