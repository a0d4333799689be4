/**
 * Browser test of the Incidents page in Chromium: a bank's incident, its contact trail with the
 * suspect first, the other bank and the alert behind the suspect, and an analyst marking a contact
 * as the suspect, then adding the incident to a case, whose item links back to the incident.
 * Screenshot in .tmp/console-screenshots/incidents.png.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { openAsFirstAdmin, operatorKey, type Server, shot, startServer } from './support.ts';

const FRAUD = '+905321234567';
const NEIGHBOUR = '+77051112233';
const adminPassword = 'Chief-passphrase-for-banks-7';

describe('incidents in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    server = await startServer();
    const beeline = await operatorKey(server, 'BEELINE');
    const bankKeys: Record<string, string> = {};
    for (const id of ['HALYK', 'KASPIBANK']) {
      assert.equal((await server.api('POST', '/v1/admin/banks', { id, name: id })).status, 201);
      bankKeys[id] = (await server.api('POST', `/v1/admin/banks/${id}/keys`, {})).json.apiKey;
    }
    for (const [i, a, b] of [
      [1, NEIGHBOUR, '+77771234501'],
      [2, FRAUD, '+77771234501'],
    ] as const) {
      const r = await server.api(
        'POST',
        '/v1/calls/verify',
        { callId: `inc-${i}`, a, b, at: new Date().toISOString(), ingress: 'international' },
        beeline,
      );
      assert.equal(r.status, 200);
    }
    await server.app.stream.drain();
    const at = new Date().toISOString();
    for (const [bank, incidentId, victim] of [
      ['KASPIBANK', 'kb-1', '+77771234501'],
      ['HALYK', 'hb-1', '+77771234502'],
    ]) {
      const r = await server.api(
        'POST',
        '/v1/bank/incidents',
        { incidentId, victim, at, kind: 'transfer', amount: 250000, currency: 'KZT', suspectNumbers: [FRAUD] },
        bankKeys[bank],
      );
      assert.equal(r.status, 202);
    }
    ({ browser, page } = await openAsFirstAdmin(server, adminPassword));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('lists incidents and shows one with its trail, the banks and the alert behind the suspect', async () => {
    await page.goto(`${server.url}/incidents`);
    await page.click('[data-incident=kb-1]');
    await page.waitForSelector(`[data-contact="${NEIGHBOUR}"]`);
    const contacts = await page
      .locator('[data-contact]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-contact')));
    assert.deepEqual(contacts, [FRAUD, NEIGHBOUR], 'the suspect first');
    assert.equal(await page.textContent('[data-banks]'), 'KASPIBANK, HALYK');
    await page.waitForSelector('[data-linked-alert]');
    await shot(page, 'incidents');
  });

  it('an analyst marks a contact of the trail as the suspect', async () => {
    await page.click(`[data-contact="${NEIGHBOUR}"] button`);
    await page.waitForSelector(`[data-contact="${NEIGHBOUR}"].trail-suspect`);
    const r = await server.api('GET', '/v1/bank/incidents?bank=KASPIBANK');
    assert.deepEqual(r.json.items[0].markedSuspects, [NEIGHBOUR]);
  });

  it('an analyst adds the incident to a new case, which lists it', async () => {
    const box = '[data-add-to-case="KASPIBANK/kb-1"]';
    await page.click(`${box} button`);
    await page.waitForSelector(`${box} select[name=case]`);
    await page.click(`${box} .toolbar button`);
    await page.waitForSelector('[data-added-to-case]');
    const caseId = await page.getAttribute('[data-added-to-case]', 'data-added-to-case');
    assert.ok(caseId);
    await page.click('[data-added-to-case] a');
    await page.waitForSelector('[data-item="incident:KASPIBANK/kb-1"]');
    const detail = await server.api('GET', `/v1/cases/${caseId}`);
    assert.deepEqual(
      detail.json.caseItems.map((i: { type: string; value: string }) => `${i.type}:${i.value}`),
      ['incident:KASPIBANK/kb-1'],
    );
  });

  it("the case's incident is a link, reached by keyboard, that opens the incident", async () => {
    const link = page.locator('[data-item="incident:KASPIBANK/kb-1"] a');
    assert.equal((await link.textContent())?.trim(), 'KASPIBANK/kb-1');
    assert.equal(await link.getAttribute('href'), '/incidents?bank=KASPIBANK&id=kb-1');
    // Tab moves through the page's links and fields until it reaches the incident, Enter opens it.
    let reached = false;
    for (let i = 0; i < 100 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await link.evaluate((a) => a === document.activeElement);
    }
    assert.ok(reached, 'Tab reaches the incident link');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`dialog [data-contact="${FRAUD}"]`);
    assert.match(page.url(), /\/incidents\?bank=KASPIBANK&id=kb-1$/);
    assert.equal(await page.textContent('[data-banks]'), 'KASPIBANK, HALYK');
    // The timeline names the incident with the same link.
    await page.goBack();
    await page.waitForSelector('[data-event=items_added] a[href="/incidents?bank=KASPIBANK&id=kb-1"]');
  });

  it('the alert the incidents raised lists them, each with its own "add to case"', async () => {
    const view = await server.api('GET', '/v1/bank/incidents/kb-1?bank=KASPIBANK');
    const alertId = view.json.alerts[0].id as string;
    await page.goto(`${server.url}/alerts`);
    await page.click(`tr[data-alert="${alertId}"]`);
    await page.waitForSelector('[data-alert-incident="KASPIBANK/kb-1"] [data-add-to-case]');
    await page.waitForSelector('[data-alert-incident="HALYK/hb-1"] [data-add-to-case]');
    // Listed once, in their own section, not again among the evidence.
    assert.equal(await page.locator('dialog [data-evidence=incidents]').count(), 0);
    await page.click('[data-alert-incident="HALYK/hb-1"] a[href="/incidents?bank=HALYK&id=hb-1"]');
    await page.waitForSelector('dialog [data-banks]');
    assert.match(page.url(), /\/incidents\?bank=HALYK&id=hb-1$/);
    assert.equal((await page.textContent('dialog header h2'))?.trim(), 'HALYK · hb-1');
  });

  it('an admin adds a bank and issues its key, shown once, which works at once', async () => {
    await page.goto(`${server.url}/incidents`);
    await page.fill('input[name=bank-id]', 'JUSAN');
    await page.fill('input[name=bank-name]', 'Jusan Bank');
    await page.click('[data-form=create-bank] button[type=submit]');
    await page.waitForSelector('[data-bank=JUSAN]');
    await page.click('[data-bank=JUSAN] button');
    const key = (await page.textContent('[data-new-key]'))?.trim() ?? '';
    assert.match(key, /^cs_/);
    const hooks = await fetch(`${server.url}/v1/webhooks`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(hooks.status, 200);
  });
});
