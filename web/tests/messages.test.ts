/**
 * The console's texts are complete in every language: Russian and Kazakh have exactly the English
 * keys, no text is empty, Kazakh is a translation (not Russian left in place), and the technical
 * tokens (IMEI, ZIP, CSV, 403, PUT /v1/cells…) are kept as they are.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cityNames, en, kk, ru } from '../src/messages.ts';
import * as cases from '../src/pages/cases/messages.ts';

const dictionaries = [
  { name: 'console', en, ru, kk },
  { name: 'cases', en: cases.en, ru: cases.ru, kk: cases.kk },
] as { name: string; en: Record<string, string>; ru: Record<string, string>; kk: Record<string, string> }[];

/** Latin words and numbers: reason codes, identifiers, formats, units of the API. */
const tokens = (text: string) => (text.match(/[A-Za-z][A-Za-z0-9]*|\d+/g) ?? []).sort();

for (const d of dictionaries) {
  describe(`${d.name} texts`, () => {
    const keys = Object.keys(d.en).sort();

    it('has exactly the English keys in Russian and Kazakh', () => {
      assert.ok(keys.length > 40);
      assert.deepEqual(Object.keys(d.ru).sort(), keys);
      assert.deepEqual(Object.keys(d.kk).sort(), keys);
    });

    it('has no empty text', () => {
      for (const language of ['en', 'ru', 'kk'] as const) {
        for (const key of keys) {
          const text = d[language][key];
          assert.equal(typeof text, 'string', `${language} ${key}`);
          assert.ok(text.trim().length > 0, `${language} ${key} is empty`);
        }
      }
    });

    it('translates at least 90 % of the texts into Kazakh (not left in Russian)', () => {
      const same = keys.filter((key) => d.kk[key] === d.ru[key]);
      const share = 1 - same.length / keys.length;
      assert.ok(share >= 0.9, `only ${(share * 100).toFixed(1)} % differ; the same as Russian: ${same.join(', ')}`);
    });

    it('writes Kazakh in Cyrillic, with the Kazakh letters', () => {
      const kazakhLetters = /[әғқңөұүһі]/i;
      const withLetters = keys.filter((key) => kazakhLetters.test(d.kk[key]));
      assert.ok(withLetters.length / keys.length > 0.5, `${withLetters.length} of ${keys.length}`);
      for (const key of keys) assert.doesNotMatch(d.kk[key], /[ёъщ]/i, `${key}: Russian-only letters in Kazakh`);
    });

    it('keeps technical tokens and numbers as in Russian', () => {
      for (const key of keys) assert.deepEqual(tokens(d.kk[key]), tokens(d.ru[key]), key);
    });
  });
}

describe('city names on the map', () => {
  it('names every city in every language', () => {
    for (const [id, names] of Object.entries(cityNames)) {
      for (const language of ['en', 'ru', 'kk'] as const) assert.ok(names[language].trim(), `${id} ${language}`);
    }
  });
});
