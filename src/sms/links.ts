/**
 * Links in a message's text, judged by the link check of the public site (src/links/check.ts).
 * Only the verdict and the registrable domains of the links that raised a reason leave this file:
 * the text is read here and kept nowhere.
 */
import { type BrandCatalogue, checkLink, type LinkCheck, parseLink, trimPastedLink } from '../links/check.ts';

/** A link with a scheme, or a bare host name with a letter top-level domain, with its path. */
const LINK =
  /(?:https?:\/\/)?(?:(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]{0,62}[\p{L}\p{N}]|https?:\/\/\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#][^\s<>"'«»]*)?/giu;
/** A link's host as written, when nothing but a path, query or fragment follows it (no user-info, no port). */
const PLAIN_HOST = /^(?:https?:\/\/)?([^/?#:@]+)(?:[/?#][^@]*)?$/i;
/** A message carries a few links; past this many the rest are not read (the worst seen so far stands). */
const MAX_LINKS = 10;

export interface LinkFinding {
  /** The worst verdict among the message's links: phishing, suspicious, or none worth a reason. */
  worst: 'phishing' | 'suspicious' | null;
  /** Registrable domains of the phishing and suspicious links. */
  domains: string[];
}

const NONE: LinkFinding = { worst: null, domains: [] };

/** How long a link's verdict is reused: a campaign sends one link many times; the phishing list changes. */
const VERDICT_TTL_MS = 10_000;
const VERDICT_CACHE_MAX = 20_000;

export function createLinkJudge(brands: BrandCatalogue, isPhishing: (domain: string) => boolean) {
  let verdicts = new Map<string, { check: ReturnType<typeof checkLink>; until: number }>();
  // A link's verdict and domain depend on its host (and user-info, then not cached), not on its path:
  // verdicts are kept by host name, so no more of a text than the domain it links to stays in memory.
  // A host as written maps to one parsed host name, so a link seen lately is answered without
  // parsing it as a URL again; links with user-info or a port take the long way.
  function check(link: string, now: number): ReturnType<typeof checkLink> {
    const plain = PLAIN_HOST.exec(link);
    const written = plain ? plain[1].toLowerCase() : null;
    if (written !== null) {
      const known = verdicts.get(written);
      if (known && known.until > now) return known.check;
    }
    const url = parseLink(link);
    if (!url) return null;
    if (url.username || url.password) return checkLink(link, brands, isPhishing);
    const fresh = checkLink(link, brands, isPhishing);
    if (written !== null) {
      if (verdicts.size >= VERDICT_CACHE_MAX) verdicts = new Map();
      verdicts.set(written, { check: fresh, until: now + VERDICT_TTL_MS });
    }
    return fresh;
  }

  /**
   * The verdict kept for the word text[start, end) when it is one plain link (see plainLinkHost)
   * to a host judged lately; undefined otherwise (the word then takes the long way).
   */
  function known(text: string, start: number, end: number, now: number): LinkCheck | undefined {
    const host = plainLinkHost(text, start, end);
    if (host === null) return undefined;
    const kept = verdicts.get(host);
    return kept && kept.until > now ? (kept.check ?? undefined) : undefined;
  }

  /** The links of a text judged at `now` (ms; verdicts of the last ten seconds are reused). */
  return function judgeLinks(text: string, now: number): LinkFinding {
    if (text.indexOf('.') < 0) return NONE;
    // Links are looked for only in the words that have a dot: the pattern tried at every position
    // of a whole text costs more than the rest of the decision. Words are found around each dot
    // rather than by splitting the whole text.
    const checks: (LinkCheck | null)[] = [];
    for (let dot = text.indexOf('.'); dot >= 0 && checks.length < MAX_LINKS; ) {
      // A host name has a dot followed by a letter or a digit; a dot that ends a sentence or a
      // number ("принят.", "4821.") starts no link, and its word is not even looked at.
      if (!isInnerDot(text, dot)) {
        dot = text.indexOf('.', dot + 1);
        continue;
      }
      let start = dot;
      while (start > 0 && !isWordBreak(text.charCodeAt(start - 1))) start--;
      let end = dot + 1;
      while (end < text.length && !isWordBreak(text.charCodeAt(end))) end++;
      // A campaign sends one link many times: a word that is just a link to a host judged lately
      // is answered without the patterns.
      const kept = known(text, start, end, now);
      if (kept !== undefined) checks.push(kept);
      else {
        const word = text.slice(start, end);
        LINK.lastIndex = 0;
        for (let m = LINK.exec(word); m !== null && checks.length < MAX_LINKS; m = LINK.exec(word))
          checks.push(check(trimPastedLink(m[0]), now));
      }
      dot = text.indexOf('.', end);
    }
    let worst: LinkFinding['worst'] = null;
    let domains: string[] | null = null;
    for (const verdict of checks) {
      if (!verdict || (verdict.verdict !== 'phishing' && verdict.verdict !== 'suspicious')) continue;
      if (verdict.verdict === 'phishing') worst = 'phishing';
      else if (worst === null) worst = 'suspicious';
      if (verdict.domain) {
        domains ??= [];
        if (!domains.includes(verdict.domain)) domains.push(verdict.domain);
      }
    }
    return worst === null ? NONE : { worst, domains: domains ?? [] };
  };
}

/**
 * The host, in lower case, of a word text[start, end) that LINK reads whole as one link and
 * PLAIN_HOST as a plain host: an optional http:// or https:// (any case), a host name of ASCII
 * letters, digits and hyphens (labels of 1 to 63 characters that start and end with a letter or a
 * digit, two or more, the last one starting with a letter), then nothing, or a path, query or
 * fragment without an @. Null for every other word, which the patterns read as before.
 */
export function plainLinkHost(text: string, start: number, end: number): string | null {
  const hostStart = afterScheme(text, start, end);
  let i = hostStart;
  let labels = 0;
  for (;;) {
    const labelStart = i;
    while (i < end && isHostChar(text.charCodeAt(i))) i++;
    const length = i - labelStart;
    if (length === 0 || length > 63) return null;
    if (text.charCodeAt(labelStart) === 0x2d || text.charCodeAt(i - 1) === 0x2d) return null;
    labels++;
    if (i < end && text.charCodeAt(i) === 0x2e) {
      i++;
      continue;
    }
    // The last label is the top-level domain: two characters or more, the first a letter.
    if (labels < 2 || length < 2 || !isAsciiLetter(text.charCodeAt(labelStart))) return null;
    break;
  }
  const hostEnd = i;
  if (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 0x2f && c !== 0x3f && c !== 0x23) return null;
    for (; i < end; i++) if (text.charCodeAt(i) === 0x40) return null;
  }
  return text.slice(hostStart, hostEnd).toLowerCase();
}

/** Where the host starts after an http:// or https:// (any case) at `i`; `i` when there is none. */
function afterScheme(text: string, i: number, end: number): number {
  if (end - i < 8) return i;
  const h = text.charCodeAt(i) | 0x20;
  const t1 = text.charCodeAt(i + 1) | 0x20;
  const t2 = text.charCodeAt(i + 2) | 0x20;
  const p = text.charCodeAt(i + 3) | 0x20;
  if (h !== 0x68 || t1 !== 0x74 || t2 !== 0x74 || p !== 0x70) return i;
  let j = i + 4;
  if ((text.charCodeAt(j) | 0x20) === 0x73) j++;
  return text.charCodeAt(j) === 0x3a && text.charCodeAt(j + 1) === 0x2f && text.charCodeAt(j + 2) === 0x2f ? j + 3 : i;
}

function isAsciiLetter(c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

/** An ASCII letter, digit or hyphen. */
function isHostChar(c: number): boolean {
  return isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
}

/** Whether the dot at `dot` is followed, in its word, by an ASCII letter or digit or any other non-ASCII character. */
function isInnerDot(text: string, dot: number): boolean {
  if (dot + 1 >= text.length) return false;
  const c = text.charCodeAt(dot + 1);
  if (c < 0x80) return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
  return !isWordBreak(c);
}

/** Ends a word: white space (as \\s has it), <, >, ", ', « and ». */
function isWordBreak(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e;
  return (
    c === 0xa0 ||
    c === 0xab ||
    c === 0xbb ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

export type LinkJudge = ReturnType<typeof createLinkJudge>;
