/**
 * Link check for citizens: is this link a protected brand's official site, a known phishing
 * domain, a look-alike of a protected brand, or just unknown? Pure: a function of the URL, the
 * brand list and the phishing list. Look-alikes are found by the tricks phishing links use:
 * homoglyphs and punycode, typos, brand names with extra words and hyphens, brand names in
 * subdomains or in the user-info part, and the brand on another top-level domain.
 */
import { domainToUnicode } from 'node:url';
import { parse as parseDomain } from 'tldts';
import { digitsForLetters, editDistance, homoglyphs, joinedLetters, mapped } from './lookalike.ts';

export { editDistance };

export interface Brand {
  name: string;
  /** Words that name the brand in a domain ("kaspi", "halykbank"). */
  labels: string[];
  /** Official registrable domains. */
  domains: string[];
}

export interface BrandCatalogue {
  brands: Brand[];
  shorteners: string[];
  riskyTlds: string[];
  /** Brand labels that are also ordinary words ("kolesa" is "wheels"): matched only exactly. */
  commonWords?: string[];
}

export type LinkVerdict = 'trusted' | 'unknown' | 'suspicious' | 'phishing';

export interface LinkCheck {
  verdict: LinkVerdict;
  reasons: string[];
  /** The protected brand the link is official for or imitates. */
  brand?: string;
  domain?: string;
}

/** Characters that look like Latin letters in a domain: the shared table and a few more. */
const domainHomoglyphs: Record<string, string> = { ...homoglyphs, ԛ: 'q', ԝ: 'w', ɡ: 'g' };
/** The digits read as letters in a domain label. */
const domainDigits: Record<string, string> = Object.fromEntries(
  ['0', '1', '3', '5'].map((digit) => [digit, digitsForLetters[digit]]),
);

/** The "skeleton" of a label: what a reader sees, so that kаspi (Cyrillic а) and kasp1 read as kaspi. */
export function skeleton(label: string): string {
  return mapped(joinedLetters(mapped(label.normalize('NFKC').toLowerCase(), domainHomoglyphs)), domainDigits);
}

const credentialWords =
  /(login|signin|sign-in|verify|secure|account|update|bonus|prize|gift|pay|payment|card|karta|oplata|kabinet|vhod|auth|support|help|refund|vozvrat|delivery|dostavka|track)/;

/**
 * A link as it is copied out of a message, or found in one: the quotes, brackets and sentence
 * punctuation around it are not part of it (`«kaspi.kz».` is kaspi.kz, not a look-alike of it).
 * Citizens' reports and link checks, and the links of an SMS text, are trimmed by this one rule.
 */
export function trimPastedLink(text: string): string {
  return text
    .trim()
    .replace(/^["'«»“”„‘’‹›(<[{]+/u, '')
    .replace(/["'«»“”„‘’‹›)>\]},.;:!?…]+$/u, '');
}

/**
 * Whether a pasted link is a web link by its scheme: http, https, or none (`kaspi-bonus.top/login`,
 * taken as http). Read as a browser reads a link, which drops tabs and line breaks and skips leading
 * spaces and control characters, so `java\nscript:alert(1)` names the scheme `javascript`. A name
 * with a dot (or `localhost`) before a port (`kaspi.kz:8080/login`) is a host, not a scheme.
 */
export function hasWebScheme(input: string): boolean {
  let text = input.replace(/[\t\n\r]/g, '');
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 0x20) start++;
  text = text.slice(start);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text);
  if (!scheme) return true;
  const name = scheme[1].toLowerCase();
  if (name === 'http' || name === 'https') return true;
  return (name.includes('.') || name === 'localhost') && /^\d+(?:[/?#]|$)/.test(text.slice(scheme[0].length));
}

/** Parses what a citizen pasted: with or without scheme, with surrounding spaces. */
export function parseLink(input: string): URL | null {
  const text = input.trim();
  if (text.length === 0 || text.length > 2048 || /\s/.test(text) || !hasWebScheme(text)) return null;
  try {
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (!url.hostname) return null;
    return url;
  } catch {
    return null;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export function checkLink(
  input: string,
  catalogue: BrandCatalogue,
  phishing: (domain: string) => boolean,
): LinkCheck | null {
  const url = parseLink(input);
  if (!url) return null;
  const host = url.hostname.replace(/\.$/, '').toLowerCase();
  const reasons: string[] = [];

  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[')) {
    reasons.push('IP_ADDRESS_HOST');
    return { verdict: 'suspicious', reasons, domain: host };
  }
  const parsed = parseDomain(host);
  const registrable = parsed.domain ?? host;
  const tld = parsed.publicSuffix ?? '';
  const subdomain = parsed.subdomain ?? '';

  // A listed domain covers its subdomains: check the host and every parent down to the registrable domain.
  const labels = host.split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const candidate = labels.slice(i).join('.');
    if (phishing(candidate)) return { verdict: 'phishing', reasons: ['KNOWN_PHISHING_DOMAIN'], domain: candidate };
    if (candidate === registrable) break;
  }

  for (const brand of catalogue.brands) {
    if (brand.domains.includes(registrable)) {
      if (url.username || url.password) {
        // https://kaspi.kz@evil.example is not kaspi.kz, but https://user@kaspi.kz would be odd too.
        reasons.push('USER_INFO_IN_LINK');
        return { verdict: 'suspicious', reasons, brand: brand.name, domain: registrable };
      }
      return { verdict: 'trusted', reasons: ['OFFICIAL_DOMAIN'], brand: brand.name, domain: registrable };
    }
  }

  if (catalogue.shorteners.includes(registrable)) reasons.push('URL_SHORTENER');
  if (catalogue.riskyTlds.includes(tld)) reasons.push('RISKY_TOP_LEVEL_DOMAIN');

  const unicodeHost = domainToUnicode(host) || host;
  const isPunycode = host.split('.').some((l) => l.startsWith('xn--'));
  const registrableLabel = registrable.slice(0, registrable.length - tld.length - 1);
  const unicodeLabel = domainToUnicode(registrableLabel) || registrableLabel;
  const labelSkeleton = skeleton(unicodeLabel);
  const words = labelSkeleton.split(/[-_.]+/).filter(Boolean);
  const subdomainWords = skeleton(domainToUnicode(subdomain) || subdomain)
    .split(/[-_.]+/)
    .filter(Boolean);
  const userInfo = safeDecode(`${url.username}${url.password ? `:${url.password}` : ''}`).toLowerCase();

  // Checks run from the most certain to the least, each over every brand, so that the strongest
  // resemblance names the brand (halykbnak is a typo of halykbank before it is "halyk" + words).
  const namesOf = (brand: Brand) => [...new Set([...brand.labels, ...brand.domains.map((d) => d.split('.')[0])])];
  const readings = [labelSkeleton, labelSkeleton.replace(/l/g, 'i')];
  const subdomainFirst = subdomainWords.length ? skeleton(subdomain.split('.').pop() ?? '') : '';
  const common = new Set(catalogue.commonWords ?? []);
  const distinctive = (name: string) => name.length >= 4 && !common.has(name);
  const checks: [string, (brand: Brand, name: string) => boolean][] = [
    [
      'BRAND_IN_USER_INFO',
      (brand, name) => userInfo !== '' && (userInfo.includes(name) || brand.domains.some((d) => userInfo.includes(d))),
    ],
    ['SAME_AS_BRAND', (_brand, name) => readings.includes(name)],
    [
      'BRAND_IN_SUBDOMAIN',
      (brand, name) =>
        brand.domains.some((d) => host.startsWith(`${d}.`) || host.startsWith(`${d}-`) || host.includes(`.${d}.`)) ||
        (name.length >= 4 && subdomainFirst === name) ||
        (distinctive(name) && subdomainWords.includes(name)),
    ],
    [
      'TYPO_OF_BRAND',
      (_brand, name) => name.length >= 5 && editDistance(labelSkeleton, name, 2) <= (name.length >= 8 ? 2 : 1),
    ],
    [
      'BRAND_WITH_EXTRA_WORDS',
      (_brand, name) =>
        (distinctive(name) && words.length > 1 && words.includes(name)) ||
        (distinctive(name) && name.length >= 5 && labelSkeleton.length > name.length && labelSkeleton.includes(name)),
    ],
  ];
  let imitated: Brand | undefined;
  for (const [reason, test] of checks) {
    imitated = catalogue.brands.find((brand) => namesOf(brand).some((name) => test(brand, name)));
    if (!imitated) continue;
    if (reason === 'SAME_AS_BRAND') {
      // Same letters as the brand, but not its domain: homoglyphs, punycode, digits for letters, or another TLD.
      if (isPunycode || unicodeLabel !== registrableLabel) reasons.push('HOMOGLYPH_OF_BRAND');
      else if (skeleton(registrableLabel) !== registrableLabel || labelSkeleton !== registrableLabel)
        reasons.push('LOOKALIKE_CHARACTERS');
      else reasons.push('BRAND_ON_OTHER_DOMAIN');
    } else reasons.push(reason);
    break;
  }
  if (isPunycode && !imitated) reasons.push('INTERNATIONALISED_DOMAIN');
  if (imitated && credentialWords.test(`${unicodeHost}${url.pathname}`.toLowerCase()))
    reasons.push('ASKS_FOR_CREDENTIALS_OR_PAYMENT');

  if (imitated) {
    // Deception beyond doubt: letters made to look like the brand, or the brand hidden in user-info.
    const deceptive = reasons.some(
      (r) => r === 'HOMOGLYPH_OF_BRAND' || r === 'BRAND_IN_USER_INFO' || r === 'LOOKALIKE_CHARACTERS',
    );
    return {
      verdict: deceptive ? 'phishing' : 'suspicious',
      reasons: [...new Set(reasons)],
      brand: imitated.name,
      domain: registrable,
    };
  }
  if (reasons.includes('RISKY_TOP_LEVEL_DOMAIN') && reasons.includes('URL_SHORTENER')) {
    return { verdict: 'suspicious', reasons, domain: registrable };
  }
  return {
    verdict:
      reasons.length && !reasons.every((r) => r === 'URL_SHORTENER' || r === 'RISKY_TOP_LEVEL_DOMAIN')
        ? 'suspicious'
        : 'unknown',
    reasons,
    domain: registrable,
  };
}
