/**
 * Links in a message's text, judged by the link check of the public site (src/links/check.ts).
 * Only the verdict and the registrable domains of the links that raised a reason leave this file:
 * the text is read here and kept nowhere.
 */
import { type BrandCatalogue, checkLink, parseLink } from '../links/check.ts';

/** A link with a scheme, or a bare host name with a letter top-level domain, with its path. */
const LINK =
  /(?:https?:\/\/)?(?:(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]{0,62}[\p{L}\p{N}]|https?:\/\/\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#][^\s<>"'«»]*)?/giu;
const TRAILING = /[.,;:!?)\]}'"»]+$/u;
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

  /** The links of a text judged at `now` (ms; verdicts of the last ten seconds are reused). */
  return function judgeLinks(text: string, now: number): LinkFinding {
    if (text.indexOf('.') < 0) return NONE;
    let worst: LinkFinding['worst'] = null;
    let domains: string[] | null = null;
    // Links are looked for only in the words that have a dot: the pattern tried at every position
    // of a whole text costs more than the rest of the decision. Words are found around each dot
    // rather than by splitting the whole text.
    const links: string[] = [];
    for (let dot = text.indexOf('.'); dot >= 0 && links.length < MAX_LINKS; ) {
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
      const word = text.slice(start, end);
      LINK.lastIndex = 0;
      for (let m = LINK.exec(word); m !== null && links.length < MAX_LINKS; m = LINK.exec(word)) links.push(m[0]);
      dot = text.indexOf('.', end);
    }
    for (const found of links) {
      const link = found.replace(TRAILING, '');
      const verdict = check(link, now);
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
