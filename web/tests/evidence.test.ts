/**
 * The console speaks the analyst's language where the server speaks English: in Russian (the
 * default) a wrong password shows the Russian text of INVALID_CREDENTIALS, and a real alert's
 * evidence shows its rules and feature labels translated (messages.ts), not the detectors' words,
 * and what the model read and the traits that hold as labelled values, never as JSON.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { simBoxCdrs, victim } from '../../src/datapath/test-support.ts';
import { featureLabel, ruleText, traitText } from '../src/evidence.ts';
import { formatters } from '../src/format.ts';
import { type MessageKey, ru } from '../src/messages.ts';
import { launchBrowser, logIn, type Server, shot, simulateTraffic, startServer, uploadCdrs } from './support.ts';

const adminPassword = 'Chief-passphrase-for-evidence-5';
const rotatedSim = '+77019000009';
const t = (key: MessageKey) => ru[key] ?? key;
const f = formatters('ru');

interface AlertItem {
  id: string;
  kind: string;
  evidence: {
    features?: { feature: string }[];
    rules?: string[];
    inputs?: Record<string, number>;
    traits?: { trait: string; strength: number; values: Record<string, number> }[];
    modelProbability?: number;
  };
}

describe('server texts in the language of the console, in Chromium', () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  let keys: Record<string, string>;

  before(async () => {
    // Alerts wait for an analyst here, so the open ones show their evidence.
    server = await startServer({ alertPolicy: { autoConfirmAbove: null } });
    ({ keys } = await simulateTraffic(server, 60));
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a wrong password in Russian on the login page', async () => {
    const first = server.app.firstAdmin;
    assert.ok(first, 'a fresh data directory creates the first admin');
    await page.goto(`${server.url}/`);
    await page.fill('input[name=username]', first.username);
    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button[type=submit]');
    await page.waitForSelector('.notice.error');
    assert.equal((await page.textContent('.notice.error'))?.trim(), ru['error.INVALID_CREDENTIALS']);
    await logIn(page, server.url, first.username, first.password, adminPassword);
  });

  it("shows an alert's rules and features in Russian", async () => {
    // The box, and a SIM rotated into one of its modules after two calls: alerted with the box.
    await uploadCdrs(
      server,
      keys.KCELL,
      simBoxCdrs('KCELL')
        .voice(rotatedSim, 'out', victim(900), 800, 120, 'ALA-7', { imei: '861111111111110' })
        .voice(rotatedSim, 'out', victim(901), 812, 150, 'ALA-7', { imei: '861111111111110' })
        .text(),
    );
    assert.equal((await server.api('POST', '/v1/detection/run')).status, 200);
    const items = (await server.api('GET', '/v1/alerts?status=open')).json.items as AlertItem[];
    const alert = items.find((a) => (a.evidence.features?.length ?? 0) > 0 && (a.evidence.rules?.length ?? 0) > 0);
    assert.ok(alert, `an alert with rules and features among ${items.length}`);

    await page.goto(`${server.url}/alerts`);
    await page.click(`tr[data-alert="${alert.id}"]`);
    await page.waitForSelector('.drawer li[data-rule]');
    const rules = await page.$$eval('.drawer li[data-rule]', (items) =>
      items.map((li) => ({ rule: li.getAttribute('data-rule') ?? '', shown: li.textContent ?? '' })),
    );
    assert.deepEqual(
      rules.map((r) => r.rule),
      alert.evidence.rules,
    );
    for (const { rule, shown } of rules) {
      assert.notEqual(shown, rule, `"${rule}" is shown in English`);
      assert.equal(shown, ruleText(t, rule));
    }
    assert.ok(
      rules.some((r) => r.shown === ru['rule.mostlyOutgoing']),
      JSON.stringify(rules),
    );

    const features = await page.$$eval('.drawer tr[data-feature]', (rows) =>
      rows.map((tr) => ({
        name: tr.getAttribute('data-feature') ?? '',
        shown: tr.querySelector('td')?.textContent ?? '',
      })),
    );
    assert.equal(features.length, alert.evidence.features?.length);
    for (const { name, shown } of features) {
      assert.notEqual(shown, name, `feature ${name} shown without a label`);
      assert.equal(shown, featureLabel(t, name));
    }
    await shot(page, 'ru-alert-evidence');
  });

  it('shows what the model read and the traits that hold as labelled values, not as JSON', async () => {
    const items = (await server.api('GET', '/v1/alerts?status=open')).json.items as AlertItem[];
    const alert = items.find((a) => Object.keys(a.evidence.inputs ?? {}).length > 0 && a.evidence.traits?.length);
    assert.ok(alert?.evidence.inputs && alert.evidence.traits, `an alert with model inputs among ${items.length}`);
    await page.click('.drawer button:has-text("Закрыть")');
    await page.click(`tr[data-alert="${alert.id}"]`);
    const inputs = '.drawer [data-evidence=inputs]';
    await page.waitForSelector(inputs);
    assert.equal(await page.textContent(`${inputs} > dt`), ru['evidence.inputs']);
    const shown = await page.$$eval(`${inputs} > dd > dl > [data-part]`, (rows) =>
      rows.map((row) => ({
        name: row.getAttribute('data-part') ?? '',
        label: row.querySelector('dt')?.textContent ?? '',
        value: row.querySelector('dd')?.textContent ?? '',
      })),
    );
    assert.deepEqual(
      shown,
      Object.entries(alert.evidence.inputs).map(([name, strength]) => ({
        name,
        label: featureLabel(t, name),
        value: f.percent(strength),
      })),
    );
    for (const { name, label } of shown) assert.notEqual(label, name, `input ${name} shown without a label`);

    // Each trait that holds: its Russian name, its strength, and the feature values it rests on.
    for (const trait of alert.evidence.traits) {
      const row = `.drawer [data-evidence=traits] [data-part="${trait.trait}"]`;
      assert.equal(await page.textContent(`${row} > dt`), traitText(t, trait.trait));
      assert.notEqual(traitText(t, trait.trait), trait.trait, `trait "${trait.trait}" has no Russian name`);
      assert.equal(await page.textContent(`${row} > dd.value`), f.percent(trait.strength));
      for (const feature of Object.keys(trait.values)) {
        const part = `${row} [data-part="${feature}"]`;
        assert.equal(await page.textContent(`${part} > dt`), featureLabel(t, feature));
        assert.ok(await page.textContent(`${part} > dd.value`), `${feature} of "${trait.trait}" has a value`);
      }
    }
    if (alert.evidence.modelProbability !== undefined)
      assert.equal(
        await page.textContent('.drawer [data-evidence=modelProbability] dd'),
        f.percent(alert.evidence.modelProbability),
      );
    // No fact of the evidence shows the server's JSON.
    const evidence = (await page.$$eval('.drawer [data-evidence]', (rows) => rows.map((r) => r.textContent))).join(' ');
    assert.doesNotMatch(evidence, /[{}[\]]|"\w+":/, evidence);
    await shot(page, 'ru-alert-evidence-inputs');
  });

  it('labels the other facts of a rotated SIM and translates its rule with the number in it', async () => {
    const items = (await server.api('GET', '/v1/alerts?status=open')).json.items as (AlertItem & { msisdn: string })[];
    const rotated = items.find((a) => a.msisdn === rotatedSim);
    assert.ok(rotated, 'the rotated SIM is alerted');
    const rule = rotated.evidence.rules?.[0] ?? '';
    const box = /^rotated into the IMEI of alerted SIM-box SIM (\+\d+)$/.exec(rule)?.[1];
    assert.ok(box, rule);
    await page.click('.drawer button:has-text("Закрыть")');
    await page.click(`tr[data-alert="${rotated.id}"]`);
    await page.waitForSelector('.drawer [data-evidence=voiceOut]');
    assert.equal(
      await page.textContent(`.drawer li[data-rule="${rule}"]`),
      ru['rule.rotated'].replace('{msisdn}', box),
    );
    assert.equal(await page.textContent('.drawer [data-evidence=voiceOut] dt'), ru['feature.voiceOut']);
    assert.equal(await page.textContent('.drawer [data-evidence=voiceOut] dd'), '2');
    assert.equal(await page.textContent('.drawer [data-evidence=deviceSims] dt'), ru['evidence.deviceSims']);
    await shot(page, 'ru-alert-evidence-rotated');
  });
});
