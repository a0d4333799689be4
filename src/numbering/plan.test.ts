import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNumber, MALFORMED } from './numbers.ts';
import { loadPlan } from './plan.ts';

const plan = loadPlan(new URL('../../data/numbering/kz.json', import.meta.url).pathname);

describe('Kazakh numbering plan', () => {
  it('accepts E.164 with and without +, and the national 8 format', () => {
    assert.equal(plan.parse('+77011234567'), 77011234567);
    assert.equal(plan.parse('77011234567'), 77011234567);
    assert.equal(plan.parse('8 701 123 45 67'), 77011234567);
    assert.equal(plan.parse('+7 (701) 123-45-67'), 77011234567);
    assert.equal(formatNumber(plan.parse('87771234567')), '+77771234567');
  });

  it('rejects what is not a number', () => {
    for (const bad of ['abc', '', '+', '12', '+7701123456789012', '7701+1234567', '77O11234567']) {
      assert.equal(plan.parse(bad), MALFORMED, bad);
    }
  });

  it('finds the range owner of each mobile operator', () => {
    const owners: Record<string, string> = {
      '+77001234567': 'ALTEL',
      '+77081234567': 'ALTEL',
      '+77011234567': 'KCELL',
      '+77751234567': 'KCELL',
      '+77051234567': 'BEELINE',
      '+77771234567': 'BEELINE',
      '+77071234567': 'TELE2',
      '+77471234567': 'TELE2',
      '+77172123456': 'KAZAKHTELECOM',
      '+77272123456': 'KAZAKHTELECOM',
    };
    for (const [number, owner] of Object.entries(owners))
      assert.equal(plan.rangeOwner(plan.parse(number)), owner, number);
  });

  it('tells Kazakh from Russian numbers in the shared +7 zone', () => {
    assert.deepEqual(plan.classify(plan.parse('+79161234567')), { zone: 'foreign', country: 'RU' });
    assert.deepEqual(plan.classify(plan.parse('+74951234567')), { zone: 'foreign', country: 'RU' });
    assert.equal(plan.isDomestic(plan.parse('+79161234567')), false);
    assert.equal(plan.isDomestic(plan.parse('+77011234567')), true);
    // shared range not allocated by the Kazakh plan: not Kazakh
    assert.equal(plan.classify(plan.parse('+78001234567')).zone, 'foreign');
  });

  it('reports unallocated Kazakh ranges and the reserve', () => {
    assert.equal(plan.classify(plan.parse('+77990000001')).zone, 'unallocated');
    assert.equal(plan.classify(plan.parse('+76001234567')).zone, 'unallocated');
    assert.equal(plan.classify(plan.parse('+78191234567')).zone, 'unallocated'); // reserve 819
  });

  it('treats a Kazakh number of the wrong length as malformed', () => {
    assert.equal(plan.classify(plan.parse('+7701123456')).zone, 'malformed');
    assert.equal(plan.classify(plan.parse('+770112345678')).zone, 'malformed');
  });

  it("parses only possible numbers for what people type: the plan's own country code at its national length", () => {
    assert.equal(plan.parsePossible('+7 701 123 45 67'), 77011234567);
    assert.equal(plan.parsePossible('8 701 123 45 67'), 77011234567);
    assert.equal(plan.parsePossible('+79161234567'), 79161234567);
    // The national format a digit short or long is not +870… (Inmarsat) or +8701… either.
    for (const typo of [
      '+7 701 123 45 6',
      '+770112345678',
      '7701123456',
      '+7916123456',
      'abc',
      '8 701 123 45 6',
      '8 701 123 45 678',
      '8-701-123-45',
    ]) {
      assert.equal(plan.parsePossible(typo), MALFORMED, typo);
    }
    // Other country codes keep E.164's bounds (7 to 15 digits).
    assert.equal(plan.parsePossible('+905321234567'), 905321234567);
    assert.equal(plan.parsePossible('+3531234567'), 3531234567);
    assert.equal(plan.parsePossible('+491511234567890'), 491511234567890);
    // With its +, a number of a country code starting with 8 is that country's.
    assert.equal(plan.parsePossible('+870 772 123 456'), 870772123456);
    assert.equal(plan.parsePossible('+86 138 1234 5678'), 8613812345678);
    // Screening's parse still takes them, so a malformed caller is answered, not refused.
    assert.equal(plan.parse('+7701123456'), 7701123456);
  });

  it('treats other country codes as foreign', () => {
    assert.deepEqual(plan.classify(plan.parse('+905321234567')), { zone: 'foreign', country: null });
  });
});
