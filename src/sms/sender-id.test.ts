import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { BrandCatalogue } from '../links/check.ts';
import { brandTargets, imitationOf, registeredTarget, senderIdProblem, senderKey } from './sender-id.ts';

const brands = JSON.parse(
  readFileSync(new URL('../../data/brands/kz.json', import.meta.url), 'utf8'),
) as BrandCatalogue;
const targets = [registeredTarget('KASPI')!, registeredTarget('Yandex.Go')!, ...brandTargets(brands)];

describe('sender IDs', () => {
  it('accepts letters of any script, digits, space and -._& up to 11 characters', () => {
    for (const id of ['KASPI', 'Yandex.Go', 'Pizza & Co', 'Дастархан', 'Қазпошта', 'A', '7575', 'ELEVEN_CHAR'])
      assert.equal(senderIdProblem(id), null, id);
    for (const id of ['', 'TWELVE_CHARS', 'KAS\u0001PI', 'TAB\tX', 'KA$PI', '   ', 'a/b'])
      assert.notEqual(senderIdProblem(id), null, JSON.stringify(id));
  });

  it('compares case-insensitively', () => {
    assert.equal(senderKey('KASPI'), senderKey('kaspi'));
    assert.equal(senderKey('ҚАЗПОШТА'), senderKey('қазпошта'));
  });

  it('finds what a look-alike imitates', () => {
    const cases: [string, string][] = [
      ['KASPI-BANK', 'KASPI'],
      ['Kaspl', 'KASPI'],
      ['KASP1', 'KASPI'],
      ['КАСПИ', 'KASPI'],
      ['kaspi.kz', 'KASPI'],
      ['YANDEX-GO', 'Yandex.Go'],
      ['HALYK BANK', 'Halyk Bank'],
      ['Homebank', 'Halyk Bank'],
      ['EGOV.KZ', 'eGov'],
      ['Beelinе', 'Beeline Kazakhstan'], // a Cyrillic е at the end
    ];
    for (const [id, expected] of cases) assert.equal(imitationOf(id, targets)?.shownAs, expected, id);
  });

  it('does not see a brand in ordinary names, nor a common word inside another', () => {
    for (const id of ['ACMESHOP', 'TAXI777', 'Pizza & Co', 'Дастархан', 'POSTMAN', 'SPORTMASTER', 'INFO', 'Magnum'])
      assert.equal(imitationOf(id, targets), null, id);
  });
});
