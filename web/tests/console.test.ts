/**
 * Acceptance tests of the analyst console in Debian's Chromium against a real server with
 * simulated traffic. Screenshots of each page (1440×900) land in .tmp/console-screenshots/.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { simBoxCdrs } from '../../src/datapath/test-support.ts';
import { openPglite } from '../../src/platform/sql.ts';
import { launchBrowser, logIn, type Server, shot, simulateTraffic, startServer, uploadCdrs } from './support.ts';

const root = join(import.meta.dirname, '..', '..');
const adminPassword = 'Chief-passphrase-for-tests-1';

describe('analyst console in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let traffic: Awaited<ReturnType<typeof simulateTraffic>>;
  let stopped = false;

  before(async () => {
    // A missing browser is a failure to fix (apt-get install chromium), never a silent skip.
    // Alerts wait for an analyst here: the test confirms one by hand.
    server = await startServer({ alertPolicy: { autoConfirmAbove: null } });
    traffic = await simulateTraffic(server);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    if (!stopped) await server?.close();
  });

  it('logs the first admin in with the one-time password, which must be changed', async () => {
    const first = server.app.firstAdmin;
    assert.ok(first, 'a fresh data directory creates the first admin');
    await page.goto(`${server.url}/`);
    await page.waitForSelector('input[name=username]');
    await shot(page, '00-login');
    await page.fill('input[name=username]', first.username);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.notice.error');
    await logIn(page, server.url, first.username, first.password, adminPassword);
  });

  it('shows overview figures equal to /v1/stats', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForFunction(
      () => document.querySelector('[data-period=launch] [data-figure=screened]')?.textContent !== '—',
    );
    const from = await page.getAttribute('[data-period=today]', 'data-from');
    const stats = (await server.api('GET', `/v1/stats?from=${encodeURIComponent(from ?? '')}`)).json;
    assert.ok(stats.sinceLaunch.screened >= 400);
    const digits = async (selector: string) => Number((await page.textContent(selector))?.replace(/\D/g, ''));
    // The page polls; wait until it shows the flushed figures.
    await page.waitForFunction(
      (n) =>
        Number(
          document.querySelector('[data-period=launch] [data-figure=screened]')?.textContent?.replace(/\D/g, ''),
        ) === n,
      stats.sinceLaunch.screened,
    );
    assert.equal(await digits('[data-period=today] [data-figure=screened]'), stats.totals.screened);
    assert.equal(await digits('[data-period=today] [data-figure=blocked]'), stats.totals.blocked);
    assert.equal(await digits('[data-period=today] [data-figure=labelled]'), stats.totals.labelled);
    assert.equal(await digits('[data-period=launch] [data-figure=blocked]'), stats.sinceLaunch.blocked);
    assert.ok(stats.totals.blocked > 0);
    // The by-reason bars name each reason in Russian, the code as the tooltip.
    const bar = page.locator('[data-bar=SPOOFED_DOMESTIC_FROM_ABROAD] .name');
    await bar.waitFor();
    assert.equal((await bar.textContent())?.trim(), 'Казахстанский номер из-за рубежа');
    assert.equal(await bar.getAttribute('title'), 'SPOOFED_DOMESTIC_FROM_ABROAD');
    await shot(page, '01-overview');
  });

  it('shows the decisions feed and a decision in full', async () => {
    await page.goto(`${server.url}/decisions`);
    await page.waitForSelector('tr[data-decision]');
    await shot(page, '02-decisions');
    // Reasons show by their Russian label, the code kept as the tooltip.
    const spoofed = page.locator('tr[data-decision] .badge.reason[data-reason=SPOOFED_DOMESTIC_FROM_ABROAD]').first();
    await spoofed.waitFor();
    assert.equal((await spoofed.textContent())?.trim(), 'Казахстанский номер из-за рубежа');
    assert.equal(await spoofed.getAttribute('title'), 'SPOOFED_DOMESTIC_FROM_ABROAD');
    // The filter offers the labels and still asks for the code.
    const option = page.locator('select[name=reason] option[value=UNCONFIRMED_ORIGIN]');
    assert.equal((await option.textContent())?.trim(), 'Оператор не подтвердил вызов');
    const filtered = page.waitForResponse(
      (r) => r.url().includes('/v1/decisions?') && r.url().includes('reason=UNCONFIRMED_ORIGIN'),
    );
    await page.selectOption('select[name=reason]', 'UNCONFIRMED_ORIGIN');
    assert.equal((await filtered).status(), 200);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tr[data-decision]')];
      return rows.length > 0 && rows.every((r) => r.querySelector('[data-reason=UNCONFIRMED_ORIGIN]'));
    });
    await page.selectOption('select[name=reason]', '');
    await page.click('tr[data-decision]');
    await page.waitForSelector('.drawer dl.kv');
    await shot(page, '03-decision-details');
  });

  it('records a number lookup in the audit log, visible on the audit page', async () => {
    await page.goto(`${server.url}/lookup/${encodeURIComponent(traffic.fraudster)}`);
    await page.waitForSelector('[data-owner]');
    assert.match((await page.textContent('[data-owner]')) ?? '', /BEELINE/);
    await shot(page, '04-lookup');
    const audit = (
      await server.api('GET', `/v1/audit?action=number.lookup&target=${encodeURIComponent(traffic.fraudster)}`)
    ).json;
    assert.equal(audit.items[0].actor, 'user:admin');
    assert.equal(audit.items[0].clientIp, '127.0.0.1');
    await page.goto(`${server.url}/audit`);
    await page.waitForSelector('tr[data-audit-action="number.lookup"]');
    await page.click('text=Проверить цепочку');
    await page.waitForSelector('[data-verify=ok]');
    await shot(page, '05-audit');
    // Every action and role reads in words (the pages looked at above too), the code only in a tooltip.
    const entries = await page.$$eval('tr[data-audit-action]', (rows) =>
      rows.map((tr) => ({
        action: tr.getAttribute('data-audit-action') ?? '',
        text: tr.querySelector('.badge')?.textContent ?? '',
        role: tr.children[3]?.textContent ?? '',
      })),
    );
    assert.ok(entries.some((e) => e.action === 'decisions.browse'));
    for (const e of entries) {
      assert.notEqual(e.text, e.action, `the audit action ${e.action} reads as its code`);
      assert.match(e.role, /^([А-Яа-яЁё ]+|—)$/, `the role of ${e.action} reads "${e.role}"`);
    }
    // An entry opens as labelled facts, the request's details under their own names, not as JSON.
    await page.click(`tr[data-audit-action="number.lookup"]:has-text("${traffic.fraudster}")`);
    await page.waitForSelector('dialog [data-audit-field=details]');
    assert.equal(await page.textContent('dialog [data-audit-field=actor] dd'), 'user:admin');
    assert.equal(await page.textContent('dialog [data-audit-field=target] dd'), traffic.fraudster);
    assert.equal(await page.textContent('dialog [data-audit-field=clientIp] dd'), '127.0.0.1');
    assert.equal(await page.textContent('dialog [data-audit-field=hash] dd'), audit.items[0].hash);
    await page.keyboard.press('Escape');
    await page.reload();
    await page.click('tr[data-audit-action="audit.verify"]');
    await page.waitForSelector('dialog [data-audit-field=details] [data-part=ok]');
    assert.equal(await page.textContent('dialog [data-audit-field=details] [data-part=ok] dd'), 'Да');
    const entry = (await page.textContent('dialog dl.kv')) ?? '';
    assert.doesNotMatch(entry, /\{"|"\w+":/, entry);
    await shot(page, '05-audit-entry');
    await page.keyboard.press('Escape');
  });

  it('adds a number to the blocklist from the lists page', async () => {
    await page.goto(`${server.url}/lists`);
    await page.fill('[data-form=add-entry] input[name=number]', '87019998877');
    await page.fill('[data-form=add-entry] input[name=reason]', 'wangiri campaign, complaint 5512');
    await page.click('[data-form=add-entry] button[type=submit]');
    await page.waitForSelector('tr[data-entry="+77019998877"]');
    await shot(page, '06-lists');
  });

  it('confirms a SIM-box alert and finds the number on the blocklist', async () => {
    // Kcell uploads CDRs of a SIM-box; detection raises alerts that wait for an analyst.
    await uploadCdrs(server, traffic.keys.KCELL, simBoxCdrs('KCELL').text());
    assert.equal((await server.api('POST', '/v1/detection/run')).status, 200);
    await page.goto(`${server.url}/alerts`);
    await page.waitForSelector('tr[data-alert]');
    await shot(page, '09-alerts');
    const msisdn = ((await page.textContent('tr[data-alert] [data-msisdn]')) ?? '').trim();
    assert.match(msisdn, /^\+7\d{10}$/);
    await page.click('tr[data-alert]');
    await page.fill('.drawer textarea[name=reason]', 'SIM-box confirmed by the field team');
    await shot(page, '10-alert-evidence');
    await page.click('.drawer button:has-text("Подтвердить")');
    await page.waitForSelector('.drawer', { state: 'detached' });

    const entries = (await server.api('GET', `/v1/lists/blocklist/entries?prefix=${encodeURIComponent(msisdn)}`)).json;
    assert.equal(entries.items[0]?.number, msisdn);
    await page.goto(`${server.url}/lists`);
    await page.waitForSelector(`tr[data-entry="${msisdn}"]`);
    // Who confirmed it and why is in the audit log.
    const [confirmed] = (await server.api('GET', '/v1/audit?action=alerts.confirm')).json.items;
    assert.equal(confirmed.actor, 'user:admin');
    assert.equal(confirmed.details.body.reason, 'SIM-box confirmed by the field team');
  });

  it('shows the operators, map and users pages', async () => {
    await page.goto(`${server.url}/operators`);
    await page.waitForSelector('tr[data-operator=KCELL]');
    await shot(page, '07-operators');
    await page.goto(`${server.url}/map`);
    await page.waitForSelector('svg[data-map=kz]');
    await shot(page, '08-map');
    await page.goto(`${server.url}/users`);
    await page.waitForSelector('[data-form=create-user]');
    await shot(page, '13-users');
  });

  it('remembers the language switch', async () => {
    await page.click('.langs button:has-text("Eng")');
    await page.reload();
    await page.waitForSelector('text=Overview');
    await shot(page, '14-users-english');
    await page.click('.langs button:has-text("Рус")');
  });

  it("keeps an operator analyst to their own operator's data", async () => {
    await page.goto(`${server.url}/users`);
    await page.fill('[data-form=create-user] input[name=username]', 'kcell.analyst');
    await page.fill('[data-form=create-user] input[name=displayName]', 'Айгерим Серикова');
    await page.selectOption('[data-form=create-user] select[name=role]', 'operator_analyst');
    await page.selectOption('[data-form=create-user] select[name=operatorId]', 'KCELL');
    await page.click('[data-form=create-user] button[type=submit]');
    const oneTime = (await page.textContent('[data-one-time-password]'))?.trim() ?? '';
    assert.ok(oneTime.length >= 20);

    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const analyst = await context.newPage();
    try {
      await logIn(analyst, server.url, 'kcell.analyst', oneTime, 'Kcell-analyst-passphrase-7');
      await analyst.goto(`${server.url}/decisions`);
      await analyst.waitForSelector('tr[data-decision]');
      const asked = await analyst.$$eval('tr[data-decision] td:nth-child(5)', (cells) =>
        cells.map((c) => c.textContent),
      );
      const delivered = await analyst.$$eval('tr[data-decision] td:nth-child(6)', (cells) =>
        cells.map((c) => c.textContent),
      );
      assert.ok(asked.length > 0);
      for (const [i, op] of asked.entries()) {
        assert.ok(op === 'KCELL' || delivered[i] === 'KCELL', `row ${i}: ${op} / ${delivered[i]}`);
      }
      await shot(analyst, '15-operator-analyst-decisions');

      await analyst.goto(`${server.url}/lookup/${encodeURIComponent(traffic.fraudster)}`);
      await analyst.waitForSelector('.notice.error');
      assert.match((await analyst.textContent('.notice.error')) ?? '', /NOT_NUMBER_OWNER/);
      await analyst.goto(`${server.url}/lookup/${encodeURIComponent(traffic.kcellSubscriber)}`);
      await analyst.waitForSelector('[data-owner]');

      // The API answers the same way whatever the page shows.
      const viaApi = await analyst.evaluate(async () => {
        const stats = (await (await fetch('/v1/stats')).json()) as { byOperator: Record<string, unknown> };
        const other = await fetch('/v1/decisions?operator=BEELINE');
        const operators = (await (await fetch('/v1/console/operators')).json()) as { items: { id: string }[] };
        return {
          statsOperators: Object.keys(stats.byOperator),
          other: other.status,
          operators: operators.items.map((o) => o.id),
        };
      });
      assert.deepEqual(viaApi, { statsOperators: ['KCELL'], other: 403, operators: ['KCELL'] });
      await analyst.goto(`${server.url}/operators`);
      await analyst.waitForSelector('tr[data-operator=KCELL]');
      assert.equal(await analyst.$('tr[data-operator=BEELINE]'), null);
    } finally {
      await context.close();
    }
  });

  it('has `callshield audit verify` catch an altered audit entry', async () => {
    await browser.close();
    await server.close();
    stopped = true;
    const verify = () => {
      try {
        return {
          code: 0,
          out: execFileSync(join(root, 'bin', 'callshield'), ['audit', 'verify', '--data-dir', server.dataDir], {
            encoding: 'utf8',
            env: { ...process.env, DATABASE_URL: '' },
          }),
        };
      } catch (error) {
        const e = error as { status: number; stdout: string };
        return { code: e.status, out: e.stdout };
      }
    };
    const intact = verify();
    assert.equal(intact.code, 0, intact.out);
    assert.match(intact.out, /intact/);

    // Someone with access to the database rewrites who looked the number up.
    const sql = await openPglite(join(server.dataDir, 'pglite'));
    await sql.query('alter table audit_log disable trigger user');
    await sql.query("update audit_log set actor = 'user:nobody' where action = 'number.lookup'");
    await sql.query('alter table audit_log enable trigger user');
    await sql.close();

    const broken = verify();
    assert.equal(broken.code, 1, broken.out);
    assert.match(broken.out, /BROKEN/);
  });
});
