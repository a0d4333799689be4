/**
 * Browser test of the operators' duties page in Chromium: one row per operator with its figures
 * and trend lines, the overdue notice and list, and an operator analyst who sees only their own
 * row. Screenshots land in .tmp/console-screenshots/ (compliance-*.png).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { simBoxCdrs } from '../../src/datapath/test-support.ts';
import { logIn, openAsFirstAdmin, operatorKey, type Server, shot, startServer, uploadCdrs } from './support.ts';

const adminPassword = 'Chief-passphrase-for-duties-7';
const DAY = 86_400_000;
const yesterday = new Date(Date.now() - DAY + 5 * 3_600_000).toISOString().slice(0, 10);
const at = (minutes: number, seconds = 0) =>
  new Date(Date.parse(`${yesterday}T10:00:00+05:00`) + minutes * 60_000 + seconds * 1000).toISOString();

describe("operators' duties in Chromium", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startServer();
    const keys: Record<string, string> = {};
    for (const op of ['KCELL', 'BEELINE']) keys[op] = await operatorKey(server, op);
    const upload = (key: string, body: string) => uploadCdrs(server, key, body);
    // Kcell: a SIM-box whose four SIMs it is asked to suspend; it answers one, the rest run late.
    await upload(keys.KCELL, simBoxCdrs('KCELL').text());
    await server.api('POST', '/v1/detection/run');
    for (const a of (await server.api('GET', '/v1/alerts?kind=simbox')).json.items as { id: string; status: string }[])
      if (a.status === 'open') await server.api('POST', `/v1/alerts/${a.id}/confirm`, { reason: 'raid' });
    const requests = (await server.api('GET', '/v1/sim-suspensions?since=0', undefined, keys.KCELL)).json.items;
    assert.equal(requests.length, 4);
    await server.api('POST', `/v1/sim-suspensions/${requests[0].id}/ack`, { outcome: 'suspended' }, keys.KCELL);
    // Two working days have not passed yet: the test moves the other deadlines into the past.
    await server.app.sql.query(
      `update sim_suspensions set deadline_at = now() - interval '3 hours' where acked_at is null`,
    );
    // Beeline: ten calls from abroad, six of them asked about.
    const lines = [
      'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route',
    ];
    for (let i = 0; i < 10; i++) {
      lines.push(
        `BL-${i},BEELINE,voice,in,+7777${2000000 + i},+90532${1000000 + i},,,AST-1,${at(2 * i)},30,1,,international`,
      );
      if (i < 6)
        await server.api(
          'POST',
          '/v1/calls/verify',
          {
            callId: `c${i}`,
            a: `+90532${1000000 + i}`,
            b: `+7777${2000000 + i}`,
            at: at(2 * i, 30),
            ingress: 'international',
          },
          keys.BEELINE,
        );
    }
    await server.app.stream.drain();
    await upload(keys.BEELINE, `${lines.join('\n')}\n`);
    await server.app.stream.drain();

    ({ browser, page } = await openAsFirstAdmin(server, adminPassword, { width: 1500, height: 1000 }));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows every operator with its figures, trend lines and the overdue requests', async () => {
    await page.goto(`${server.url}/compliance`);
    await page.waitForSelector('tr[data-operator=BEELINE] [data-figure=calls]');
    // The period's dates read day first, as the console's Russian writes them, not the browser's mm/dd/yyyy.
    for (const field of ['from', 'to'])
      assert.match(await page.inputValue(`input[name=${field}]`), /^\d{2}\.\d{2}\.\d{4}$/, field);
    // The deadline setting (2WD by default) reads in words, not as its code.
    assert.equal(await page.getAttribute('[data-deadline-setting]', 'data-deadline-setting'), '2WD');
    assert.equal((await page.textContent('[data-deadline-setting]'))?.trim(), '2 рабочих дня');
    const operators = await page.$$eval('table[data-compliance] tbody tr', (rows) =>
      rows.map((r) => r.getAttribute('data-operator')),
    );
    for (const op of ['KCELL', 'BEELINE', 'TELE2', 'ALTEL']) assert.ok(operators.includes(op), op);
    const figure = (op: string, name: string) =>
      page.textContent(`tr[data-operator=${op}] [data-figure=${name}]`).then((t) => t?.trim());
    assert.equal(await figure('KCELL', 'requested'), '4');
    assert.equal(await figure('KCELL', 'acked'), '1');
    assert.equal(await figure('KCELL', 'overdue'), '3');
    assert.equal(await figure('BEELINE', 'calls'), '10');
    assert.match((await figure('BEELINE', 'share')) ?? '', /^60[.,]0\s?%/);
    assert.equal(await figure('BEELINE', 'records'), '10');
    assert.equal(await page.locator('tr[data-operator=BEELINE] svg.sparkline').count(), 2);
    assert.equal(await page.getAttribute('[data-overdue-notice]', 'data-overdue-notice'), '3');
    assert.equal(await page.locator('table[data-overdue] tr[data-request]').count(), 3);
    // The navigation shows the overdue requests from every page.
    assert.equal(await page.getAttribute('[data-nav-overdue]', 'data-nav-overdue'), '3');
    const pdf = await page.getAttribute('[data-report=pdf]', 'href');
    assert.match(pdf ?? '', /^\/v1\/compliance\/report\?month=\d{4}-\d{2}&lang=\w\w&format=pdf$/);
    await shot(page, 'compliance-national');
  });

  it("chooses the report's month by keyboard from months named in the console's language", async () => {
    await page.goto(`${server.url}/compliance`);
    await page.waitForSelector('tr[data-operator=BEELINE]');
    const reportMonth = () =>
      page.getAttribute('[data-report=pdf]', 'href').then((href) => /month=(\d{4}-\d{2})/.exec(href ?? '')?.[1]);
    // Last month in Almaty, named in Russian: not the browser's month input, which speaks its own language.
    const lastMonth = new Date(Date.now() + 5 * 3_600_000);
    lastMonth.setUTCDate(0);
    assert.equal(await reportMonth(), lastMonth.toISOString().slice(0, 7));
    assert.equal(await page.locator('input[type=month]').count(), 0);
    const month = page.locator('select[name=report-month]');
    const named = (await month.locator('option:checked').textContent())?.trim() ?? '';
    assert.match(named, /^[А-ЯЁ][а-яё]+ \d{4}$/, named);
    // Tab reaches the field from the period's, the arrow keys choose another month, and a ring shows the focus.
    await page.focus('input[name=to]');
    for (let i = 0; i < 20; i++) {
      if ((await page.evaluate(() => document.activeElement?.getAttribute('name'))) === 'report-month') break;
      await page.keyboard.press('Tab');
    }
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'report-month');
    const ring = await month.evaluate((el) => {
      const style = getComputedStyle(el);
      return { style: style.outlineStyle, width: style.outlineWidth, color: style.outlineColor };
    });
    assert.deepEqual(ring, { style: 'solid', width: '2px', color: 'rgb(31, 78, 140)' });
    await page.keyboard.press('ArrowDown');
    const earlier = new Date(lastMonth);
    earlier.setUTCDate(0);
    await page.waitForFunction(
      (m) => document.querySelector('[data-report=pdf]')?.getAttribute('href')?.includes(`month=${m}&`),
      earlier.toISOString().slice(0, 7),
    );
    // In Kazakh, the months and the deadline in Kazakh.
    await page.click('.langs button:has-text("Қаз")');
    await page.waitForFunction(() => document.documentElement.getAttribute('lang') === 'kk');
    const kazakh = (await month.locator('option:checked').textContent())?.trim() ?? '';
    assert.match(kazakh, /^\d{4} ж\. [а-яәғқңөұүһі]+$/, kazakh);
    assert.equal((await page.textContent('[data-deadline-setting]'))?.trim(), '2 жұмыс күні');
    await shot(page, 'compliance-month-kk');
    await page.click('.langs button:has-text("Рус")');
  });

  it("keeps an operator analyst to their own operator's row", async () => {
    const created = await server.api('POST', '/v1/console/users', {
      username: 'beeline.compliance',
      displayName: 'Дана Нурланова',
      role: 'operator_analyst',
      operatorId: 'BEELINE',
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
    const analyst = await context.newPage();
    try {
      await logIn(
        analyst,
        server.url,
        'beeline.compliance',
        created.json.oneTimePassword,
        'Beeline-duties-passphrase-7',
      );
      await analyst.goto(`${server.url}/compliance`);
      await analyst.waitForSelector('tr[data-operator=BEELINE]');
      const operators = await analyst.$$eval('table[data-compliance] tbody tr', (rows) =>
        rows.map((r) => r.getAttribute('data-operator')),
      );
      assert.deepEqual(operators, ['BEELINE']);
      assert.equal(await analyst.locator('[data-overdue-notice]').count(), 0);
      assert.equal(await analyst.locator('[data-nav-overdue]').count(), 0);
      assert.equal(await analyst.locator('select[name=report-operator]').count(), 0);
      await shot(analyst, 'compliance-operator');
    } finally {
      await context.close();
    }
  });
});
