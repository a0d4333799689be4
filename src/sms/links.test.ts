import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { BrandCatalogue } from '../links/check.ts';
import { createLinkJudge, plainLinkHost } from './links.ts';

const brands = JSON.parse(
  readFileSync(new URL('../../data/brands/kz.json', import.meta.url), 'utf8'),
) as BrandCatalogue;
const phishing = new Set(['kaspi-kz-bonus.top', 'egov-kz.site', 'bad.kz']);
const isPhishing = (domain: string) => phishing.has(domain);

describe('links in message texts', () => {
  it('reads a word that is one plain link as its host, and leaves every other word to the patterns', () => {
    const host = (word: string) => plainLinkHost(word, 0, word.length);
    assert.equal(host('HTTPS://Kaspi.KZ/login?next=/a:b#x'), 'kaspi.kz');
    assert.equal(host('http://www.egov.kz'), 'www.egov.kz');
    assert.equal(host('kaspi-kz-bonus.top/login'), 'kaspi-kz-bonus.top');
    assert.equal(host('a.b1'), 'a.b1');
    for (const other of [
      'kaspi.kz.', // a sentence's dot after the host
      'kaspi.kz)', // a bracket
      'user@kaspi.kz',
      'kaspi.kz/login@evil.top',
      'kaspi.kz:8080/x',
      'ftp://kaspi.kz',
      'http:/kaspi.kz',
      '-kaspi.kz',
      'kaspi-.kz',
      'kaspi.1kz',
      'kaspi.k',
      'kz',
      'кaspi.kz', // a Cyrillic letter
      'kaspi.kz,egov.kz',
      `${'a'.repeat(64)}.kz`,
    ])
      assert.equal(host(other), null, other);
  });

  it('judges every text the same whether its links were judged before or not', () => {
    // Words built from pieces that make links, near-links and the cases the patterns must read.
    const pieces = [
      'http://',
      'HTTPS://',
      'ftp://',
      'kaspi',
      'Kaspi',
      'egov',
      'bad',
      'kaspi-kz-bonus',
      'egov-kz',
      'x1',
      'к',
      '-',
      '.',
      '.kz',
      '.top',
      '.site',
      '.KZ',
      '.1',
      '/',
      '/login',
      '?a=1',
      '#f',
      ':8080',
      '@',
      ')',
      ',',
      '»',
      '.',
    ];
    let seed = 7;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const texts = Array.from({ length: 3000 }, () => {
      const words = Array.from({ length: 1 + random(4) }, () =>
        Array.from({ length: 1 + random(6) }, () => pieces[random(pieces.length)]).join(''),
      );
      return `Ваш код ${random(10000)}. ${words.join(' ')}`;
    });
    const now = 1_000;
    const seasoned = createLinkJudge(brands, isPhishing);
    for (const text of texts) seasoned(text, now);
    let found = 0;
    for (const text of texts) {
      const fresh = createLinkJudge(brands, isPhishing)(text, now);
      assert.deepEqual(seasoned(text, now), fresh, text);
      if (fresh.worst) found++;
    }
    // The texts do hold phishing and suspicious links, not only words that are none.
    assert.ok(found > 300, `${found} texts with a finding`);
  });
});
