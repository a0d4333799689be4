/**
 * Alphanumeric SMS sender IDs (DESIGN.md §3.1): what one may be, how two compare, and when an
 * unregistered one imitates a registered ID or a protected brand. Pure functions.
 */
import type { BrandCatalogue } from '../links/check.ts';
import { digitsForLetters, editDistance, homoglyphs, joinedLetters, mapped } from '../links/lookalike.ts';
import { boundedMemo } from '../platform/memo.ts';

/** 1–11 characters: letters of any script (with their marks), digits, space and `-._&`. */
const SENDER_ID = /^[\p{L}\p{M}\p{Nd} ._&-]{1,11}$/u;
const HAS_LETTER_OR_DIGIT = /[\p{L}\p{Nd}]/u;
// Code points, not UTF-16 units: an 11-letter ID in an astral script is still 11 characters.
const lengthOf = (text: string) => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

/** The usual sender ID, checked without Unicode tables. */
const ASCII_SENDER_ID = /^[A-Za-z0-9 ._&-]{1,11}$/;
const ASCII_LETTER_OR_DIGIT = /[A-Za-z0-9]/;

/**
 * What the checks below find for a text: an SMS hub sends thousands of messages under each of a
 * few sender IDs (a bank's, a state body's), so the answer for a text is kept and found again by
 * one lookup. Texts longer than an ID can be are not kept; the memo starts again past MEMO_MAX.
 */
interface SenderFacts {
  problem: string | null;
  /** Made when first asked for: a text that is no sender ID is seldom looked up in the registry. */
  key: string | undefined;
}
const MEMO_MAX = 10_000;
const MEMO_MAX_LENGTH = 64;
const newFacts = (text: string): SenderFacts => ({ problem: problemOf(text), key: undefined });
const memoFacts = boundedMemo(newFacts, MEMO_MAX);

function factsOf(text: string): SenderFacts {
  return text.length <= MEMO_MAX_LENGTH ? memoFacts(text) : newFacts(text);
}

/** Why a text cannot be a sender ID, or null when it can. */
export function senderIdProblem(text: string): string | null {
  return factsOf(text).problem;
}

/** The registry's key of a sender ID: sender IDs compare case-insensitively (and by Unicode compatibility). */
export function senderKey(senderId: string): string {
  const facts = factsOf(senderId);
  facts.key ??= keyOf(senderId);
  return facts.key;
}

function problemOf(text: string): string | null {
  if (text.length === 0) return '"sender" is empty';
  if (ASCII_SENDER_ID.test(text) && ASCII_LETTER_OR_DIGIT.test(text)) return null;
  const length = lengthOf(text);
  if (length > 11) return '"sender" as an alphanumeric sender ID has at most 11 characters';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  if (/[\u0000-\u001f\u007f-\u009f]/.test(text)) return '"sender" contains a control character';
  if (!SENDER_ID.test(text) || !HAS_LETTER_OR_DIGIT.test(text)) {
    return '"sender" may hold letters, digits, space and -._& only';
  }
  return null;
}

function keyOf(senderId: string): string {
  // ASCII needs no normalisation (NFKC leaves it as it is).
  return ASCII_SENDER_ID.test(senderId) ? senderId.toLowerCase() : senderId.normalize('NFKC').toLowerCase();
}

/** Cyrillic letters (Russian and Kazakh) to Latin, by sound: "Каспи" reads as "kaspi". */
const transliteration: Record<string, string> = {
  а: 'a',
  ә: 'a',
  б: 'b',
  в: 'v',
  г: 'g',
  ғ: 'g',
  д: 'd',
  е: 'e',
  ё: 'e',
  ж: 'zh',
  з: 'z',
  и: 'i',
  й: 'i',
  і: 'i',
  к: 'k',
  қ: 'k',
  л: 'l',
  м: 'm',
  н: 'n',
  ң: 'n',
  о: 'o',
  ө: 'o',
  п: 'p',
  р: 'r',
  с: 's',
  т: 't',
  у: 'u',
  ұ: 'u',
  ү: 'u',
  ф: 'f',
  х: 'h',
  һ: 'h',
  ц: 'ts',
  ч: 'ch',
  ш: 'sh',
  щ: 'sh',
  ъ: '',
  ы: 'y',
  ь: '',
  э: 'e',
  ю: 'yu',
  я: 'ya',
};

/** Letters that look like Latin ones: the shared table and the Kazakh letters "КАСПИ" may be spelt with. */
const senderHomoglyphs: Record<string, string> = { ...homoglyphs, қ: 'k', ө: 'o', ү: 'y' };

/**
 * The ways a reader may read a sender ID, each as lower-case Latin words: as seen (homoglyphs), as
 * sounded (transliteration), digits read as letters, and `l` read as `i` ("Kaspl").
 */
export function readings(senderId: string): string[][] {
  const lower = senderId.normalize('NFKC').toLowerCase();
  const out = new Set<string>();
  for (const latin of [mapped(lower, senderHomoglyphs), mapped(lower, transliteration)]) {
    const lettered = joinedLetters(mapped(latin, digitsForLetters));
    out.add(latin);
    out.add(lettered);
    out.add(lettered.replace(/l/g, 'i'));
  }
  return [...out].map((reading) => reading.split(/[ ._&-]+/).filter(Boolean));
}

/** A name a sender ID may imitate: a registered sender ID or a protected brand. */
export interface ImitationTarget {
  /** Lower-case Latin letters and digits, no separators ("kaspi", "tele2"). */
  name: string;
  /** What it is shown as in an explanation ("KASPI", "Kaspi"). */
  shownAs: string;
  /** Also an ordinary word ("post"): imitated only when matched whole. */
  common: boolean;
}

/** The names of the protected brands: their labels and the first label of their official domains. */
export function brandTargets(catalogue: BrandCatalogue): ImitationTarget[] {
  const common = new Set(catalogue.commonWords ?? []);
  const out = new Map<string, ImitationTarget>();
  for (const brand of catalogue.brands) {
    for (const name of [...brand.labels, ...brand.domains.map((d) => d.split('.')[0])]) {
      const key = name.toLowerCase().replace(/[^a-z0-9]/g, '');
      if (key.length >= 3 && !out.has(key)) out.set(key, { name: key, shownAs: brand.name, common: common.has(key) });
    }
  }
  return [...out.values()];
}

/** A registered sender ID as a target (its separators dropped, letters read as Latin). */
export function registeredTarget(senderId: string): ImitationTarget | null {
  const words = readings(senderId)[0];
  const name = words.join('');
  return /^[a-z0-9]{3,}$/.test(name) ? { name, shownAs: senderId, common: false } : null;
}

/** Top-level domains a sender ID written as a domain ends with ("KASPI.KZ"). */
const DOMAIN_ENDING = /^(kz|ru|com|net|org|info|online|site|top|xyz|shop|app|bank|pro|biz|me|io|co|uz|kg)$/;

/**
 * The target an unregistered sender ID imitates, or null. Tried from the most certain resemblance
 * to the least: the same letters once read (case, separators, homoglyphs, transliteration, digits),
 * the ID as a domain of the name, the name plus a word, a typo of the name.
 */
export function imitationOf(senderId: string, targets: readonly ImitationTarget[]): ImitationTarget | null {
  const all = readings(senderId);
  const joined = all.map((words) => words.join(''));
  for (const target of targets) if (joined.includes(target.name)) return target;
  for (const words of all) {
    if (words.length >= 2 && DOMAIN_ENDING.test(words[words.length - 1])) {
      const host = words.slice(0, -1).join('');
      const found = targets.find((t) => t.name === host);
      if (found) return found;
    }
  }
  for (const target of targets) {
    if (target.name.length < 4) continue;
    for (let i = 0; i < all.length; i++) {
      // The name as one word among others ("KASPI BONUS"), or inside one longer word ("KASPIBANK").
      if (all[i].includes(target.name)) return target;
      if (!target.common && target.name.length >= 5 && joined[i].includes(target.name)) return target;
    }
  }
  for (const target of targets) {
    if (target.common || target.name.length < 5) continue;
    const allowed = target.name.length >= 8 ? 2 : 1;
    if (joined.some((j) => editDistance(j, target.name, allowed) <= allowed)) return target;
  }
  return null;
}
