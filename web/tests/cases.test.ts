/**
 * Browser tests of the investigation pages in Chromium: a case opened from an alert, its workflow,
 * timeline and export, and the link-analysis graph with its time filter and cells on the map.
 * Screenshots land in .tmp/console-screenshots/ (cases-*.png).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { beelineCdrs, boxA, cellsCsv, insertAlertsAndReports, kcellCdrs } from '../../src/cases/test-support.ts';
import {
  adminToken,
  openAsFirstAdmin,
  operatorKey,
  type Server,
  shot,
  startServer,
  uploadCdrs,
  uploadCsv,
} from './support.ts';

const adminPassword = 'Chief-passphrase-for-cases-7';

describe('investigations in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startServer();
    await uploadCdrs(server, await operatorKey(server, 'KCELL'), kcellCdrs);
    await uploadCdrs(server, await operatorKey(server, 'BEELINE'), beelineCdrs);
    await uploadCsv(server, adminToken, '/v1/cells', cellsCsv, 'PUT');
    await insertAlertsAndReports(server.app.sql);
    await server.app.stream.drain();
    ({ browser, page } = await openAsFirstAdmin(server, adminPassword));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens a case from an alert, pulling in the box’s SIMs, and moves it along the workflow', async () => {
    await page.goto(`${server.url}/alerts`);
    await page.click('[data-alert=alr_boxA1]');
    await page.click('[data-open-case=alr_boxA1]');
    await page.waitForSelector('[data-case-title]');
    assert.match(page.url(), /\/cases\/case_/);
    for (const item of ['number:+77011110002', 'number:+77051110005', `imei:${boxA}`, 'cell:ALA-001', 'report:rep_1'])
      await page.waitForSelector(`[data-item="${item}"]`);
    assert.equal(await page.getAttribute('[data-status]', 'data-status'), 'new');
    // The workflow offers only the allowed next steps.
    assert.equal(await page.locator('[data-move=action_requested]').count(), 0);
    await page.click('[data-move=investigating]');
    await page.waitForSelector('[data-status=investigating]');
    await page.fill('input[name=externalRef]', 'УД 2026-0117');
    await page.fill('input[name=assignee]', 'aigerim');
    await page.click('[data-save-case]');
    await page.fill('input[name=transition-reason]', 'изъятие SIM-бокса');
    await page.click('[data-move=action_requested]');
    await page.waitForSelector('[data-status=action_requested]');
    await page.fill('input[name=note]', 'Запрошены данные у Beeline');
    await page.click('button:has-text("Добавить заметку")');
    await page.waitForSelector('[data-event=note]');
    await page.selectOption('select[name=seized-kind]', 'simbox');
    await page.fill('input[name=seized-identifier]', boxA);
    await page.fill('input[name=seized-description]', 'GoIP-32');
    await page.fill('input[name=seized-at]', '2026-03-10T11:30');
    await page.fill('input[name=seized-place]', 'Алматы, ул. Толе би 101');
    await page.click('button:has-text("Записать")');
    await page.waitForSelector('[data-event=seized]');
    const events = await page
      .locator('[data-event]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-event')));
    assert.deepEqual(events.filter((e) => e === 'status').length, 2);
    assert.ok(events.includes('external_ref') && events.includes('assignee'));
    await page.waitForSelector('[data-node]');
    // The case's own entities first, with translated words instead of codes.
    assert.match((await page.textContent('[data-case-title]')) ?? '', /^SIM-бокс \+7701/);
    assert.match((await page.textContent('[data-event=items_added]')) ?? '', /подтянуто из оповещения alr_boxA1/);
    assert.equal(
      await page.getAttribute('[data-event=items_added] a[href*=alr_boxA1]', 'href'),
      '/alerts?id=alr_boxA1',
    );
    // Expanding the device by keyboard fetches its neighbours: the cells it was seen at.
    assert.equal(await page.locator('[data-node="cell:ALA-001"]').count(), 0);
    await page.focus(`[data-expand="imei:${boxA}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-node="cell:ALA-001"]');
    await page.waitForSelector('.node-detail');
    // Drawn by Cytoscape on a canvas, box A and its SIMs grouped as one device.
    await page.waitForSelector('[data-graph-canvas] canvas');
    assert.equal(await page.getAttribute('[data-graph-canvas]', 'data-devices'), '1');
    await page.evaluate(() => scrollTo(0, 0));
    await shot(page, 'cases-01-case-page');
    await page.locator('.link-graph').scrollIntoViewIfNeeded();
    await shot(page, 'cases-02-case-graph');

    // The export link answers a ZIP, and the export is on the timeline once the page reloads.
    const href = await page.getAttribute('[data-export]', 'href');
    const zip = await page.evaluate(async (url) => {
      const r = await fetch(url ?? '');
      const bytes = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), magic: [bytes[0], bytes[1]] };
    }, href);
    assert.deepEqual(zip, { status: 200, type: 'application/zip', magic: [0x50, 0x4b] });
    await page.reload();
    await page.waitForSelector('[data-event=exported]');
  });

  it('asks before opening a second case from the same alert', async () => {
    await page.goto(`${server.url}/alerts`);
    await page.click('[data-alert=alr_boxA1]');
    await page.click('[data-open-case=alr_boxA1]');
    await page.waitForSelector('[data-case-exists]');
    assert.match((await page.textContent('[data-case-exists]')) ?? '', /Дело по этому оповещению уже открыто/);
    const before = (await server.api('GET', '/v1/cases')).json.items.length;
    await page.click('[data-case-exists] button:has-text("Перейти к этому делу")');
    await page.waitForSelector('[data-case-title]');
    assert.equal((await server.api('GET', '/v1/cases')).json.items.length, before, 'no second case');
    // The alert id on the timeline leads to the alert itself.
    await page.click('[data-event=items_added] a[href*=alr_boxA1]');
    await page.waitForSelector('dialog [data-open-case=alr_boxA1]');
  });

  it('draws the link graph from a number, narrows it with the time filter and puts the cells on the map', async () => {
    await page.goto(`${server.url}/cases`);
    await page.waitForSelector('[data-case]');
    await shot(page, 'cases-03-list');
    await page.selectOption('select[name=link-type]', 'number');
    await page.fill('input[name=link-value]', '+77011110003');
    await page.click('button:has-text("Анализировать")');
    await page.waitForSelector(`[data-node="imei:${boxA}"]`);
    await page.waitForFunction(() => document.querySelectorAll('[data-node]').length === 6);
    // SIM 3 sat in box A on 2 March and in box B from 5 March: one hop shows both boxes and cells.
    const nodes = async () =>
      (await page.locator('[data-node]').evaluateAll((els) => els.map((e) => e.getAttribute('data-node')))).sort();
    assert.deepEqual(await nodes(), [
      'cell:ALA-001',
      'cell:ALA-003',
      `imei:${boxA}`,
      'imei:350000000000022',
      'imsi:401020000000003',
      'number:+77011110003',
    ]);
    await page.fill('input[name=graph-from]', '2026-03-04');
    await page.waitForFunction(() => !document.querySelector('[data-node="cell:ALA-001"]'));
    assert.deepEqual(await nodes(), [
      'cell:ALA-003',
      'imei:350000000000022',
      'imsi:401020000000003',
      'number:+77011110003',
    ]);
    await page.fill('input[name=graph-from]', '');
    await page.waitForSelector('[data-node="cell:ALA-001"]');
    // A click on a node in the picture fetches its neighbours (box A's other SIMs and numbers).
    await page.click(`[data-expand="imei:${boxA}"]`);
    await page.waitForSelector('[data-node="number:+77011110001"]');
    await page.waitForSelector('.node-detail');
    assert.equal(await page.locator('.cell-list li').count(), 3);
    await page.locator('.link-graph').scrollIntoViewIfNeeded();
    await shot(page, 'cases-04-link-analysis');
  });

  it('keeps the alert filters on coming back, and shows a confirmed alert’s SIM suspension request', async () => {
    await page.goto(`${server.url}/alerts`);
    await page.selectOption('select[name=kind]', 'simbox');
    await page.waitForSelector('[data-alert=alr_boxB4]');
    await page.click('[data-alert=alr_boxB4]');
    // Which SIM, device and period the alert is about.
    assert.equal(await page.textContent('dialog [data-device]'), 'box-B');
    await page.fill('dialog textarea[name=reason]', 'box B seen by the field team');
    await page.click('dialog button:has-text("Подтвердить")');
    await page.waitForSelector('dialog', { state: 'detached' });
    await page.selectOption('select[name=status]', 'confirmed');
    await page.waitForSelector('[data-alert=alr_boxB4]');
    // A look at a number, then back to the queue by the menu and by Back: the filters are kept.
    await page.click('nav a[href="/cases"]');
    await page.waitForSelector('[data-case]');
    await page.click('nav a[href="/alerts"]');
    await page.waitForSelector('[data-alert=alr_boxB4]');
    assert.equal(await page.inputValue('select[name=kind]'), 'simbox');
    assert.equal(await page.inputValue('select[name=status]'), 'confirmed');
    await page.goBack();
    await page.goBack();
    await page.waitForSelector('[data-alert=alr_boxB4]');
    assert.equal(await page.inputValue('select[name=status]'), 'confirmed');
    // The analyst sees the decision and that the SIM's operator was asked to suspend it.
    await page.click('[data-alert=alr_boxB4]');
    await page.waitForSelector('dialog [data-suspension=requested]');
    assert.match((await page.textContent('dialog [data-decided]')) ?? '', /box B seen by the field team/);
    await page.keyboard.press('Escape');
  });

  it('keeps what the analyst was typing when the session expires, and saves it after signing in again', async () => {
    const { id } = (await server.api('POST', '/v1/cases', { title: 'Session case' })).json;
    await page.goto(`${server.url}/cases/${id}`);
    await page.waitForSelector('[data-case-title]');
    await page.fill('input[name=note]', 'Witness statement, two pages');
    await page.context().clearCookies();
    await page.click('form:has(input[name=note]) button[type=submit]');
    await page.waitForSelector('[data-session-expired] input[name=username]');
    await page.fill('[data-session-expired] input[name=username]', server.app.firstAdmin?.username ?? '');
    await page.fill('[data-session-expired] input[name=password]', adminPassword);
    await page.click('[data-session-expired] button[type=submit]');
    await page.waitForSelector('[data-session-expired]', { state: 'detached' });
    assert.equal(await page.inputValue('input[name=note]'), 'Witness statement, two pages');
    await page.click('form:has(input[name=note]) button[type=submit]');
    await page.waitForSelector('[data-event=note]');
  });

  it('pages the alert list past the first page with the server’s cursor, and filters it by a number typed as a citizen would', async () => {
    // Eight more alerts (the page size is made small through the API's limit, not by raising hundreds).
    const values = [
      ...[0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1].map(
        (score, i) => `('alr_page${i + 1}', 'fraud_caller', '+7701222000${i + 1}', ${score}, '{}', 'KCELL', '{KCELL}')`,
      ),
      `('alr_callerA1', 'fraud_caller', '+77011110001', 0.5, '{}', 'KCELL', '{KCELL}')`,
    ];
    await server.app.sql.query(
      `insert into alerts (id, kind, msisdn, score, evidence, owner_operator, operators)
       values ${values.join(', ')}`,
    );
    const all = (await server.api('GET', '/v1/alerts?limit=500')).json.items as { id: string }[];
    assert.ok(all.length >= 10);
    await page.goto(`${server.url}/alerts?kind=&status=&limit=3`);
    await page.waitForSelector('[data-alert=alr_boxA1]');
    assert.equal(await page.locator('tr[data-alert]').count(), 3);
    assert.equal(await page.locator('[data-alert=alr_page7]').count(), 0);
    // "Load more" until the server has no next page: the lowest-scored alert is reached.
    for (let shown = 3; (await page.locator('[data-load-more]').count()) > 0; ) {
      await page.click('[data-load-more]');
      shown = Math.min(shown + 3, all.length);
      await page.waitForFunction((n) => document.querySelectorAll('tr[data-alert]').length === n, shown);
    }
    assert.equal(await page.locator('tr[data-alert]').count(), all.length);
    assert.equal(await page.getAttribute('tr[data-alert]:last-child', 'data-alert'), 'alr_page7');
    assert.equal(await page.getAttribute('[data-alerts-shown]', 'data-alerts-shown'), String(all.length));
    await shot(page, 'cases-05-alerts-paged');

    const rowsOf = async () =>
      (await page.locator('tr[data-alert] [data-msisdn]').allTextContents()).map((m) => m.trim()).sort();
    // The number as a citizen types it, in the national and the international form.
    for (const typed of ['8 701 111 0001', '+7 701 111-00-01']) {
      await page.fill('input[name=msisdn]', typed);
      // The second number gives the same two rows as the first: wait for the list asked with this
      // one, or the rows seen may be the first number's, about to be replaced.
      const asked = page.waitForResponse((r) => {
        const url = new URL(r.url());
        return url.pathname === '/v1/alerts' && url.searchParams.get('msisdn') === typed;
      });
      await page.press('input[name=msisdn]', 'Enter');
      await asked;
      await page.waitForFunction(() => document.querySelectorAll('tr[data-alert]').length === 2);
      assert.deepEqual(await rowsOf(), ['+77011110001', '+77011110001']);
      assert.deepEqual(
        (
          await page.locator('tr[data-alert]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-alert')))
        ).sort(),
        ['alr_boxA1', 'alr_callerA1'],
      );
      assert.equal(await page.locator('[data-load-more]').count(), 0);
    }
    assert.match(page.url(), /msisdn=/);
    // Not a number: the server's refusal is shown, not an empty list passed off as "no alerts".
    await page.fill('input[name=msisdn]', 'abc');
    await page.press('input[name=msisdn]', 'Enter');
    await page.waitForSelector('.notice.error[data-error-code=INVALID_NUMBER]');
    await page.click('[data-clear-number]');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-alert]').length === 3);
    assert.equal(await page.inputValue('input[name=msisdn]'), '');
  });

  it('skips no alert while paging when a new higher-scored alert arrives between two refreshes', async () => {
    // The console's clock is driven by the test, so its 10-second refresh comes when told.
    await page.clock.install();
    await page.goto(`${server.url}/alerts?kind=&status=&limit=3`);
    await page.waitForFunction(() => document.querySelectorAll('tr[data-alert]').length === 3);
    await page.click('[data-load-more]');
    await page.waitForFunction(() => document.querySelectorAll('tr[data-alert]').length === 6);
    const shownIds = () =>
      page.locator('tr[data-alert]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-alert') ?? ''));
    const before = await shownIds();
    // A new alert above every other one: the third row moves to the second page, the sixth to the third.
    await server.app.sql.query(
      `insert into alerts (id, kind, msisdn, score, evidence, owner_operator, operators)
       values ('alr_newTop', 'simbox', '+77012220099', 0.999, '{}', 'KCELL', '{KCELL}')`,
    );
    await page.clock.fastForward(10_000);
    await page.waitForSelector('tr[data-alert=alr_newTop]');
    const refreshed = await shownIds();
    assert.equal(refreshed[0], 'alr_newTop');
    // The loaded depth is kept: the row pushed off the first page is still shown, below its old place.
    assert.deepEqual(refreshed.slice(1), before.slice(0, 5));
    // Paging on reaches every alert once, the one that left the second page included.
    while ((await page.locator('[data-load-more]').count()) > 0) {
      const shown = await page.locator('tr[data-alert]').count();
      await page.click('[data-load-more]');
      await page.waitForFunction((n) => document.querySelectorAll('tr[data-alert]').length > n, shown);
    }
    const all = (await server.api('GET', '/v1/alerts?limit=500')).json.items as { id: string }[];
    const ids = await shownIds();
    assert.equal(new Set(ids).size, ids.length, 'each alert once');
    assert.deepEqual([...ids].sort(), all.map((a) => a.id).sort());
    assert.ok(ids.includes(before[5]), `${before[5]}, pushed off the second page, is reached`);
  });
});
