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
const WORD_BREAK = /[\s<>"'«»]+/u;
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
  function check(link: string, now: number): ReturnType<typeof checkLink> {
    const url = parseLink(link);
    if (!url) return null;
    if (url.username || url.password) return checkLink(link, brands, isPhishing);
    const host = url.hostname;
    const known = verdicts.get(host);
    if (known && known.until > now) return known.check;
    const fresh = checkLink(link, brands, isPhishing);
    if (verdicts.size >= VERDICT_CACHE_MAX) verdicts = new Map();
    verdicts.set(host, { check: fresh, until: now + VERDICT_TTL_MS });
    return fresh;
  }

  return function judgeLinks(text: string): LinkFinding {
    if (text.indexOf('.') < 0) return NONE;
    let worst: LinkFinding['worst'] = null;
    let domains: string[] | null = null;
    const now = performance.now();
    // Links are looked for only in the words that have a dot: the pattern tried at every position
    // of a whole text costs more than the rest of the decision.
    const links: string[] = [];
    for (const word of text.split(WORD_BREAK)) {
      if (word.indexOf('.') < 0) continue;
      LINK.lastIndex = 0;
      for (let m = LINK.exec(word); m !== null && links.length < MAX_LINKS; m = LINK.exec(word)) links.push(m[0]);
      if (links.length >= MAX_LINKS) break;
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

export type LinkJudge = ReturnType<typeof createLinkJudge>;
