import { readFileSync } from 'node:fs';
import {
  digitAt,
  digitCount,
  isNationalTypo,
  isPossibleNumber,
  MALFORMED,
  type NationalFormat,
  parseNumber,
} from './numbers.ts';
import type { Allocation, Classification, NumberingPlanFile } from './types.ts';

/**
 * A numbering plan compiled into a digit trie over E.164 digits, so that classifying a number
 * and finding its range owner is a walk of at most 15 array reads.
 */
export interface NumberingPlan extends NationalFormat {
  country: string;
  operators: NumberingPlanFile['operators'];
  allocations: Allocation[];
  /** Parses user input into an E.164 integer (MALFORMED when it is not a number). */
  parse(input: string): number;
  /**
   * Like parse, and MALFORMED too for a number of the plan's own country code whose national
   * length is wrong, or digits typed in the national format (trunk prefix first, no `+`) that are
   * not a whole national number: for what people type (reports, number checks), where a typo must
   * not become a number of its own. Screening keeps parse, and answers such a caller as malformed.
   */
  parsePossible(input: string): number;
  /** Zone, allocation and range owner of a parsed number. */
  classify(e164: number): Classification;
  /** Operator id owning the range of a domestic number, or null. */
  rangeOwner(e164: number): string | null;
  isDomestic(e164: number): boolean;
}

const ZONE_RESERVE = 1;
const ZONE_DOMESTIC_UNALLOCATED = 3;
const ZONE_SHARED = 4;
const FIRST_ALLOCATION = 16;

class DigitTrie {
  children = new Int32Array(10 * 1024).fill(-1);
  values = new Int32Array(1024);
  size = 1;

  set(digits: string, value: number): void {
    let node = 0;
    for (const ch of digits) {
      const d = ch.charCodeAt(0) - 48;
      let next = this.children[node * 10 + d];
      if (next < 0) {
        next = this.allocate();
        this.children[node * 10 + d] = next;
      }
      node = next;
    }
    this.values[node] = value;
  }

  private allocate(): number {
    if (this.size === this.values.length) {
      const children = new Int32Array(this.children.length * 2).fill(-1);
      children.set(this.children);
      this.children = children;
      const values = new Int32Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
    }
    return this.size++;
  }

  /** Value of the longest prefix of `n` that has one (0 when none). */
  longestMatch(n: number, length: number): number {
    let node = 0;
    let found = this.values[0];
    for (let k = 0; k < length; k++) {
      node = this.children[node * 10 + digitAt(n, length, k)];
      if (node < 0) break;
      if (this.values[node] !== 0) found = this.values[node];
    }
    return found;
  }
}

function expandRange(range: string, width: number): string[] {
  const [from, to = from] = range.split('-');
  const out: string[] = [];
  for (let v = Number(from); v <= Number(to); v++) out.push(String(v).padStart(width, '0'));
  return out;
}

/** Compiles a plan file's content; throws with a clear message when the file is inconsistent. */
export function compilePlan(file: NumberingPlanFile): NumberingPlan {
  const cc = file.countryCode;
  const nationalLength = file.nationalNumberLength;
  const fullLength = cc.length + nationalLength;
  const trie = new DigitTrie();
  const foreignCountries: string[] = [];
  // Values: 1 reserve, 3 domestic-unallocated, 4 shared, 8+i foreign country i,
  // 16+i allocation i.
  if (file.zone) {
    const width = file.zone.codeDigits;
    trie.set(cc, ZONE_RESERVE);
    for (const r of file.zone.domestic)
      for (const code of expandRange(r, width)) trie.set(cc + code, ZONE_DOMESTIC_UNALLOCATED);
    for (const r of file.zone.shared) for (const code of expandRange(r, width)) trie.set(cc + code, ZONE_SHARED);
    for (const [country, ranges] of Object.entries(file.zone.foreign)) {
      foreignCountries.push(country);
      if (foreignCountries.length > 7) throw new Error('numbering plan: at most 7 foreign countries in a shared zone');
      for (const r of ranges)
        for (const code of expandRange(r, width)) trie.set(cc + code, 8 + foreignCountries.length - 1);
    }
  } else {
    trie.set(cc, ZONE_DOMESTIC_UNALLOCATED);
  }
  const operatorIds = new Set(file.operators.map((o) => o.id));
  file.allocations.forEach((a, i) => {
    if (!/^\d{1,12}$/.test(a.prefix)) throw new Error(`numbering plan: allocation prefix "${a.prefix}" is not digits`);
    if (!operatorIds.has(a.operator))
      throw new Error(`numbering plan: allocation ${a.prefix} names unknown operator ${a.operator}`);
    trie.set(cc + a.prefix, FIRST_ALLOCATION + i);
  });
  const allocations = file.allocations;
  const ccValue = Number(cc);
  const ccLength = cc.length;
  const malformed: Classification = { zone: 'malformed' };
  const unallocated: Classification = { zone: 'unallocated' };
  const foreignUnknown: Classification = { zone: 'foreign', country: null };
  const foreignByCountry = foreignCountries.map((country) => ({ zone: 'foreign', country }) as Classification);
  const domesticByAllocation = allocations.map((allocation) => ({ zone: 'domestic', allocation }) as Classification);
  const national: NationalFormat = {
    countryCode: cc,
    nationalPrefix: file.nationalPrefix,
    nationalNumberLength: nationalLength,
  };

  function classify(n: number): Classification {
    if (n < 0) return malformed;
    const length = digitCount(n);
    const inCountryCode = length > ccLength && Math.floor(n / 10 ** (length - ccLength)) === ccValue;
    if (!inCountryCode) return foreignUnknown;
    const value = trie.longestMatch(n, length);
    if (value >= FIRST_ALLOCATION) {
      return length === fullLength ? domesticByAllocation[value - FIRST_ALLOCATION] : malformed;
    }
    if (value >= 8) return foreignByCountry[value - 8];
    if (value === ZONE_SHARED) return foreignUnknown;
    if (value === ZONE_DOMESTIC_UNALLOCATED) return length === fullLength ? unallocated : malformed;
    return unallocated;
  }

  return {
    country: file.country,
    ...national,
    operators: file.operators,
    allocations,
    parse: (input) => parseNumber(input, national),
    parsePossible(input) {
      if (typeof input === 'string' && isNationalTypo(input, national)) return MALFORMED;
      const n = parseNumber(input, national);
      return isPossibleNumber(n, national) ? n : MALFORMED;
    },
    classify,
    rangeOwner(n) {
      const c = classify(n);
      return c.zone === 'domestic' ? c.allocation.operator : null;
    },
    isDomestic: (n) => classify(n).zone === 'domestic',
  };
}

/** Loads and compiles a plan file. */
export function loadPlan(path: string): NumberingPlan {
  const file = JSON.parse(readFileSync(path, 'utf8')) as NumberingPlanFile;
  return compilePlan(file);
}

export { MALFORMED };
