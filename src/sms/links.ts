/**
 * Links in a message's text, judged by the link check of the public site (src/links/check.ts).
 * Only the verdict and the registrable domains of the links that raised a reason leave this file:
 * the text is read here and kept nowhere.
 */
import { type BrandCatalogue, checkLink } from '../links/check.ts';

/** A link with a scheme, or a bare host name with a letter top-level domain, with its path. */
const LINK =
  /(?:https?:\/\/)?(?:(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,62}[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}-]{0,62}[\p{L}\p{N}]|https?:\/\/\d{1,3}(?:\.\d{1,3}){3})(?::\d{1,5})?(?:[/?#][^\s<>"'«»]*)?/giu;
const TRAILING = /[.,;:!?)\]}'"»]+$/u;
/** A message carries a few links; past this many the rest are not read (the worst seen so far stands). */
const MAX_LINKS = 10;

export interface LinkFinding {
  /** The worst verdict among the message's links: phishing, suspicious, or none worth a reason. */
  worst: 'phishing' | 'suspicious' | null;
  /** Registrable domains of the phishing and suspicious links. */
  domains: string[];
}

const NONE: LinkFinding = { worst: null, domains: [] };

export function createLinkJudge(brands: BrandCatalogue, isPhishing: (domain: string) => boolean) {
  return function judgeLinks(text: string): LinkFinding {
    if (text.indexOf('.') < 0) return NONE;
    let worst: LinkFinding['worst'] = null;
    let domains: string[] | null = null;
    let seen = 0;
    LINK.lastIndex = 0;
    for (let m = LINK.exec(text); m !== null && seen < MAX_LINKS; m = LINK.exec(text)) {
      seen++;
      const link = m[0].replace(TRAILING, '');
      const check = checkLink(link, brands, isPhishing);
      if (!check || (check.verdict !== 'phishing' && check.verdict !== 'suspicious')) continue;
      if (check.verdict === 'phishing') worst = 'phishing';
      else if (worst === null) worst = 'suspicious';
      if (check.domain) {
        domains ??= [];
        if (!domains.includes(check.domain)) domains.push(check.domain);
      }
    }
    return worst === null ? NONE : { worst, domains: domains ?? [] };
  };
}

export type LinkJudge = ReturnType<typeof createLinkJudge>;
