import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type BrandCatalogue, checkLink, editDistance, skeleton } from './check.ts';

const catalogue = JSON.parse(
  readFileSync(new URL('../../data/brands/kz.json', import.meta.url), 'utf8'),
) as BrandCatalogue;
const phishingList = new Set(['kaspi-bonus.top', 'egov-vyplaty.site']);
const check = (url: string) => checkLink(url, catalogue, (d) => phishingList.has(d));

describe('link check', () => {
  it('trusts only the official domains of protected brands', () => {
    for (const url of [
      'https://kaspi.kz/shop',
      'kaspi.kz',
      'https://www.halykbank.kz/',
      'https://egov.kz/cms/ru',
      'http://m.olx.kz/d/obyavlenie',
      'https://post.kz/tracking',
    ]) {
      assert.equal(check(url)?.verdict, 'trusted', url);
    }
  });

  // Real-world shapes of phishing links against Kazakh brands.
  const lookalikes: [string, 'phishing' | 'suspicious', string][] = [
    ['https://kаspi.kz/login', 'phishing', 'HOMOGLYPH_OF_BRAND'], // Cyrillic а
    ['https://xn--kspi-53d.kz', 'phishing', 'HOMOGLYPH_OF_BRAND'], // punycode of the same
    ['https://kaspi.kz@secure-pay.example.com/verify', 'phishing', 'BRAND_IN_USER_INFO'],
    ['https://kasp1.kz/pay', 'phishing', 'LOOKALIKE_CHARACTERS'],
    ['https://kaspi.com', 'suspicious', 'BRAND_ON_OTHER_DOMAIN'],
    ['https://kaspi.ru/login', 'suspicious', 'BRAND_ON_OTHER_DOMAIN'],
    ['https://kaspi-bank.kz', 'suspicious', 'BRAND_WITH_EXTRA_WORDS'],
    ['https://halyk-bonus.com/prize', 'suspicious', 'BRAND_WITH_EXTRA_WORDS'],
    ['http://egov-kz.online/vyplata', 'suspicious', 'BRAND_WITH_EXTRA_WORDS'],
    ['https://halykbnak.kz', 'suspicious', 'TYPO_OF_BRAND'],
    ['https://jussan.kz', 'suspicious', 'TYPO_OF_BRAND'],
    ['https://kaspi.kz.secure-login.com', 'suspicious', 'BRAND_IN_SUBDOMAIN'],
    ['https://olx.kz-dostavka.site/pay', 'suspicious', 'BRAND_IN_SUBDOMAIN'],
    ['https://kazpost-tracking.xyz', 'suspicious', 'BRAND_WITH_EXTRA_WORDS'],
    ['http://kaspi-bonus.top/', 'phishing', 'KNOWN_PHISHING_DOMAIN'],
    ['https://www.egov-vyplaty.site/form', 'phishing', 'KNOWN_PHISHING_DOMAIN'],
  ];
  for (const [url, verdict, reason] of lookalikes) {
    it(`flags ${url} as ${verdict} (${reason})`, () => {
      const r = check(url);
      assert.equal(r?.verdict, verdict, JSON.stringify(r));
      assert.ok(r?.reasons.includes(reason), JSON.stringify(r));
    });
  }

  it('knows nothing bad about ordinary sites', () => {
    for (const url of [
      'https://www.google.com',
      'https://tengrinews.kz/news',
      'https://github.com/nodejs/node',
      'https://www.zakon.kz',
      'https://en.wikipedia.org/wiki/Kazakhstan',
      'https://kolesa-auto-service.example.org',
      'https://stackoverflow.com',
    ]) {
      const r = check(url);
      assert.equal(r?.verdict, 'unknown', `${url}: ${JSON.stringify(r)}`);
    }
  });

  it('is wary of bare IP addresses', () => {
    assert.equal(check('http://185.22.33.44/kaspi')?.verdict, 'suspicious');
  });

  it('refuses what is not a web link', () => {
    for (const bad of ['', 'javascript:alert(1)', 'ftp://kaspi.kz', 'two words', 'x'.repeat(3000)])
      assert.equal(check(bad), null, bad);
  });

  it('reads homoglyphs and measures typos', () => {
    assert.equal(skeleton('kаspі'), 'kaspi');
    assert.equal(skeleton('rnail'), 'mail');
    assert.equal(editDistance('halykbnak', 'halykbank'), 1);
    assert.equal(editDistance('kaspi', 'kaspiii'), 2);
  });
});
