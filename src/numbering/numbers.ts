/**
 * Phone numbers on the hot path are integers: the E.164 digits without "+" (at most 15 digits,
 * exact in a double). Parsing a string costs one pass over its characters, with no allocation.
 */

/** The value parseNumber returns for input that is not a phone number. */
export const MALFORMED = -1;

const MAX_E164_DIGITS = 15;
const MIN_E164_DIGITS = 7;

export interface NationalFormat {
  countryCode: string;
  nationalPrefix: string;
  nationalNumberLength: number;
}

/**
 * Parses a number given as E.164 with or without "+", or in the national format
 * (`8 7xx …` in Kazakhstan), allowing spaces, dashes, dots and parentheses.
 * Returns the E.164 digits as an integer, or MALFORMED.
 */
export function parseNumber(input: string, national: NationalFormat): number {
  if (typeof input !== 'string') return MALFORMED;
  let value = 0;
  let digits = 0;
  let plus = false;
  let firstDigit = -1;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 0) firstDigit = c - 48;
      value = value * 10 + (c - 48);
      digits++;
      if (digits > MAX_E164_DIGITS) return MALFORMED;
    } else if (c === 43 /* + */) {
      if (digits > 0 || plus) return MALFORMED;
      plus = true;
    } else if (c !== 32 && c !== 45 && c !== 40 && c !== 41 && c !== 46) {
      return MALFORMED;
    }
  }
  if (digits < MIN_E164_DIGITS) return MALFORMED;
  if (!plus) {
    const prefixLength = national.nationalPrefix.length;
    // National format: trunk prefix + full national number ("8 701 123 45 67").
    if (
      prefixLength > 0 &&
      digits === prefixLength + national.nationalNumberLength &&
      firstDigit === Number(national.nationalPrefix[0]) &&
      national.nationalPrefix !== national.countryCode
    ) {
      const nationalNumber = value % 10 ** national.nationalNumberLength;
      const trunk = Math.floor(value / 10 ** national.nationalNumberLength);
      if (String(trunk) === national.nationalPrefix) {
        return Number(national.countryCode) * 10 ** national.nationalNumberLength + nationalNumber;
      }
    }
  }
  return value;
}

/**
 * Whether what a person typed is the national format gone wrong: digits without a `+` that start
 * with the trunk prefix ("8 701 123 45 6", a digit short) and are not a whole national number. Read
 * as E.164 they would be a number of another country (+870 is Inmarsat), so `parsePossible` refuses
 * them. A switch's bare E.164 digits ("77011234567") are not touched: its prefix is the country code.
 */
export function isNationalTypo(input: string, national: NationalFormat): boolean {
  const prefix = national.nationalPrefix;
  if (prefix.length === 0 || prefix === national.countryCode) return false;
  let digits = '';
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c === 43 /* + */) return false;
    if (c >= 48 && c <= 57) digits += input[i];
  }
  return digits.startsWith(prefix) && digits.length !== prefix.length + national.nationalNumberLength;
}

/** Returns the number as "+E.164". */
export function formatNumber(e164: number): string {
  return `+${e164}`;
}

const POWERS = Array.from({ length: 17 }, (_, i) => 10 ** i);

/** Number of decimal digits of a positive integer. */
export function digitCount(n: number): number {
  let d = 1;
  while (d < 16 && n >= POWERS[d]) d++;
  return d;
}

/** The k-th digit (0 = most significant) of an integer of `length` digits. */
export function digitAt(n: number, length: number, k: number): number {
  return Math.floor(n / POWERS[length - 1 - k]) % 10;
}

/**
 * Whether a parsed number can exist: one of the plan's own country code must have exactly the
 * national number length (a typo one digit short or long would otherwise be a separate number);
 * other country codes keep E.164's general bounds, which parseNumber already checks.
 */
export function isPossibleNumber(e164: number, national: NationalFormat): boolean {
  if (e164 < 0) return false;
  const length = digitCount(e164);
  const ccLength = national.countryCode.length;
  if (length <= ccLength || Math.floor(e164 / POWERS[length - ccLength]) !== Number(national.countryCode)) return true;
  return length === ccLength + national.nationalNumberLength;
}

/** Digits of "+E.164" as a number, or NaN (sender IDs, malformed numbers): no string is made. */
export function e164Value(text: string): number {
  if (text.length < 2 || text.length > 17 || text.charCodeAt(0) !== 43) return Number.NaN;
  let n = 0;
  for (let i = 1; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}
