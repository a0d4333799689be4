/**
 * The verification service (STI-VS, RFC 8224 §6.2, ATIS-1000074 §5.3.2): checks an Identity header
 * against the call it came with and answers a verstat with the reason. The certificate chain of each
 * x5u is analysed once per fetch (signatures up to a trust anchor, TNAuthList); validity dates and
 * revocation are checked on every call, since both change while a certificate sits in the cache.
 */
import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { compactVerify } from 'jose';
import { tnAuthListOf } from './certificates.ts';
import type { CertificateFetcher, FetchFailure } from './fetcher.ts';
import {
  type Attestation,
  canonicalTn,
  checkShakenClaims,
  decodePassport,
  parseIdentityHeader,
  type ShakenClaims,
} from './passport.ts';
import { authorises, spcOf, type TnEntry } from './tnauthlist.ts';

export type Verstat = 'TN-Validation-Passed' | 'TN-Validation-Failed' | 'No-TN-Validation';

export type VerificationFailure =
  | 'MISSING_IDENTITY'
  | 'MALFORMED_IDENTITY'
  | 'INVALID_CLAIMS'
  | 'UNSUPPORTED_ALG'
  | 'UNSUPPORTED_PPT'
  | 'X5U_MISMATCH'
  | FetchFailure
  | 'CERTIFICATE_MALFORMED'
  | 'CHAIN_UNTRUSTED'
  | 'CERTIFICATE_EXPIRED'
  | 'CERTIFICATE_REVOKED'
  | 'TNAUTHLIST_MISSING'
  | 'TNAUTHLIST_MISMATCH'
  | 'BAD_SIGNATURE'
  | 'STALE_IAT'
  | 'ORIG_MISMATCH'
  | 'DEST_MISMATCH'
  | 'REPLAY';

/** SIP response codes of RFC 8224 §6.2.2 (and RFC 8224 §6.2.1 for stale dates) per failure. */
const sipReason = (failure: VerificationFailure): { code: number; text: string } => {
  switch (failure) {
    case 'MISSING_IDENTITY':
      return { code: 428, text: 'Use Identity Header' };
    case 'STALE_IAT':
      return { code: 403, text: 'Stale Date' };
    case 'X5U_NOT_HTTPS':
    case 'X5U_NOT_ALLOWED':
    case 'X5U_REDIRECT':
    case 'X5U_TOO_LARGE':
    case 'X5U_TIMEOUT':
    case 'X5U_UNAVAILABLE':
      return { code: 436, text: 'Bad Identity Info' };
    case 'UNSUPPORTED_ALG':
    case 'UNSUPPORTED_PPT':
    case 'CERTIFICATE_MALFORMED':
    case 'CHAIN_UNTRUSTED':
    case 'CERTIFICATE_EXPIRED':
    case 'CERTIFICATE_REVOKED':
    case 'TNAUTHLIST_MISSING':
    case 'TNAUTHLIST_MISMATCH':
      return { code: 437, text: 'Unsupported Credential' };
    default:
      return { code: 438, text: 'Invalid Identity Header' };
  }
};

export interface VerificationResult {
  verstat: Verstat;
  failure?: VerificationFailure;
  /** SIP response code and phrase a verifying SBC would use (RFC 8224). */
  reasonCode?: number;
  reasonText?: string;
  /** Human-readable detail, for logs and the console. */
  detail?: string;
  attest?: Attestation;
  orig?: string;
  dest?: string[];
  origid?: string;
  iat?: number;
  spc?: string;
  /** The operator the signing certificate was issued to. */
  operator?: string;
  x5u?: string;
}

export interface VerifyInput {
  identity: string | undefined;
  /** Calling and called numbers of the call, when known (any format; compared as digits). */
  orig?: string;
  dest?: string;
  /** Who asks: the same token presented twice by the same party is a replay. */
  asker: string;
}

export interface VerifierOptions {
  fetcher: CertificateFetcher;
  trustAnchors: () => X509Certificate[];
  isRevoked: (serial: string) => boolean;
  operatorOfSpc: (spc: string) => string | undefined;
  clock: () => number;
  /** A PASSporT older (or newer) than this is stale (RFC 8224 recommends 60 s). */
  maxAgeSeconds: number;
  /** Told every result (metrics). */
  onResult?: (result: VerificationResult) => void;
}

interface ChainLink {
  certificate: X509Certificate;
  validFrom: number;
  validTo: number;
}

type ChainAnalysis =
  | { ok: true; path: ChainLink[]; anchor: string; tnAuthList: TnEntry[]; publicKey: KeyObject }
  | { ok: false; failure: VerificationFailure; detail: string };

const link = (certificate: X509Certificate): ChainLink => ({
  certificate,
  validFrom: Date.parse(certificate.validFrom),
  validTo: Date.parse(certificate.validTo),
});

function certificatesOf(body: Buffer): X509Certificate[] {
  const text = body.toString('latin1');
  if (!text.includes('-----BEGIN CERTIFICATE-----')) return [new X509Certificate(body)];
  const out: X509Certificate[] = [];
  const pattern = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
  for (const match of text.matchAll(pattern)) out.push(new X509Certificate(match[0]));
  return out;
}

const MAX_CHAIN = 4;

/**
 * Builds the path from the leaf to a trust anchor by signatures; pure apart from the crypto. The
 * certificates come from whoever the x5u names: one OpenSSL cannot use (a public key of an unknown
 * algorithm throws on `publicKey` and `verify`) is malformed, not an error of the verifier.
 */
function analyse(body: Buffer, anchors: X509Certificate[]): ChainAnalysis {
  try {
    return analyseChain(certificatesOf(body), anchors);
  } catch {
    return { ok: false, failure: 'CERTIFICATE_MALFORMED', detail: 'x5u holds a certificate that cannot be read' };
  }
}

function analyseChain(certificates: X509Certificate[], anchors: X509Certificate[]): ChainAnalysis {
  const leaf = certificates[0];
  if (!leaf) return { ok: false, failure: 'CERTIFICATE_MALFORMED', detail: 'x5u holds no certificate' };
  if (leaf.ca) return { ok: false, failure: 'CERTIFICATE_MALFORMED', detail: 'the signing certificate is a CA' };
  if (leaf.publicKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return { ok: false, failure: 'UNSUPPORTED_ALG', detail: 'the signing certificate does not hold a P-256 key' };
  }
  let tnAuthList: TnEntry[] | null;
  try {
    tnAuthList = tnAuthListOf(leaf);
  } catch {
    tnAuthList = null;
  }
  if (!tnAuthList) return { ok: false, failure: 'TNAUTHLIST_MISSING', detail: 'the certificate has no TNAuthList' };

  const path: ChainLink[] = [link(leaf)];
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    const anchor = anchors.find((a) => current.checkIssued(a) && current.verify(a.publicKey));
    if (anchor) {
      path.push(link(anchor));
      return { ok: true, path, anchor: anchor.fingerprint256, tnAuthList, publicKey: leaf.publicKey };
    }
    const next = certificates.find(
      (c) => c !== current && c.ca && !path.some((p) => p.certificate === c) && current.checkIssued(c),
    );
    if (!next || !current.verify(next.publicKey)) break;
    path.push(link(next));
    current = next;
  }
  return { ok: false, failure: 'CHAIN_UNTRUSTED', detail: 'the certificate does not chain to a trust anchor' };
}

export function createVerifier(options: VerifierOptions) {
  const analyses = new WeakMap<Buffer, ChainAnalysis>();
  const seen = new Map<string, number>();
  const sweeper = setInterval(() => {
    const now = options.clock();
    for (const [key, until] of seen) if (until <= now) seen.delete(key);
  }, 10_000);
  sweeper.unref();

  const failed = (failure: VerificationFailure, detail: string, partial: Partial<VerificationResult> = {}) => {
    const reason = sipReason(failure);
    return {
      ...partial,
      verstat: failure === 'MISSING_IDENTITY' ? 'No-TN-Validation' : 'TN-Validation-Failed',
      failure,
      reasonCode: reason.code,
      reasonText: reason.text,
      detail,
    } satisfies VerificationResult;
  };

  async function finish(
    input: VerifyInput,
    token: string,
    claims: ShakenClaims,
    x5u: string,
    fetched: Awaited<ReturnType<CertificateFetcher['fetch']>>,
  ): Promise<VerificationResult> {
    const partial: Partial<VerificationResult> = {
      attest: claims.attest,
      orig: claims.orig.tn,
      dest: claims.dest.tn,
      origid: claims.origid,
      iat: claims.iat,
      x5u,
    };
    if (!fetched.ok) return failed(fetched.failure, fetched.detail, partial);
    let analysis = analyses.get(fetched.body);
    if (!analysis) {
      analysis = analyse(fetched.body, options.trustAnchors());
      analyses.set(fetched.body, analysis);
    }
    if (!analysis.ok) return failed(analysis.failure, analysis.detail, partial);

    const now = options.clock();
    const anchors = options.trustAnchors();
    if (!anchors.some((a) => a.fingerprint256 === analysis.anchor)) {
      return failed('CHAIN_UNTRUSTED', 'the trust anchor of the certificate was withdrawn', partial);
    }
    for (const step of analysis.path) {
      if (now < step.validFrom || now >= step.validTo) {
        return failed('CERTIFICATE_EXPIRED', 'a certificate of the chain is expired or not yet valid', partial);
      }
      if (options.isRevoked(step.certificate.serialNumber)) {
        return failed('CERTIFICATE_REVOKED', 'a certificate of the chain is revoked', partial);
      }
    }
    const spc = spcOf(analysis.tnAuthList);
    if (spc) partial.spc = spc;
    const operator = spc ? options.operatorOfSpc(spc) : undefined;
    if (operator) partial.operator = operator;
    const known = (code: string) => options.operatorOfSpc(code) !== undefined;
    if (!authorises(analysis.tnAuthList, canonicalTn(claims.orig.tn), known)) {
      return failed('TNAUTHLIST_MISMATCH', 'the certificate does not cover the calling number', partial);
    }
    try {
      await compactVerify(token, analysis.publicKey, { algorithms: ['ES256'] });
    } catch {
      return failed('BAD_SIGNATURE', 'the signature does not verify with the x5u certificate', partial);
    }
    // Replays are judged after the signature, so forged tokens cannot fill the memory of seen ones.
    // A token is known by what was signed, not by its signature's text: the same signature can be
    // written otherwise (the spare low bits of its last base64url character, or ECDSA's s as n - s)
    // and still verify, and a replay must not pass as new by being rewritten.
    const signed = createHash('sha256')
      .update(token.slice(0, token.lastIndexOf('.')))
      .digest('base64url');
    const key = `${input.asker} ${signed}`;
    if (seen.has(key)) return failed('REPLAY', 'this PASSporT was already presented', partial);
    seen.set(key, (claims.iat + options.maxAgeSeconds) * 1000 + 1000);
    return { ...partial, verstat: 'TN-Validation-Passed' };
  }

  const onResult = options.onResult;
  const told = (result: VerificationResult | Promise<VerificationResult>) => {
    if (!onResult) return result;
    if (result instanceof Promise) {
      return result.then((r) => {
        onResult(r);
        return r;
      });
    }
    onResult(result);
    return result;
  };

  return {
    /** Verifies an Identity header; synchronous failures come back without a promise. */
    verify: (input: VerifyInput): VerificationResult | Promise<VerificationResult> => told(check(input)),
    close() {
      clearInterval(sweeper);
    },
  };

  function check(input: VerifyInput): VerificationResult | Promise<VerificationResult> {
    if (!input.identity) return failed('MISSING_IDENTITY', 'no Identity header');
    const parsed = parseIdentityHeader(input.identity);
    if (!parsed) return failed('MALFORMED_IDENTITY', 'the Identity header is not a full-form PASSporT with info');
    if (parsed.alg !== undefined && parsed.alg !== 'ES256') {
      return failed('UNSUPPORTED_ALG', `alg ${parsed.alg} is not ES256`);
    }
    if (parsed.ppt !== undefined && parsed.ppt !== 'shaken') {
      return failed('UNSUPPORTED_PPT', `ppt ${parsed.ppt} is not shaken`);
    }
    const decoded = decodePassport(parsed.token);
    if (!decoded) return failed('MALFORMED_IDENTITY', 'the PASSporT is not JSON');
    const { header } = decoded;
    if (header.alg !== 'ES256') return failed('UNSUPPORTED_ALG', 'the PASSporT is not signed with ES256');
    if (header.ppt !== 'shaken') return failed('UNSUPPORTED_PPT', 'the PASSporT is not a shaken PASSporT');
    if (header.typ !== undefined && header.typ !== 'passport') {
      return failed('MALFORMED_IDENTITY', 'the PASSporT typ is not passport');
    }
    if (header.x5u !== parsed.info) return failed('X5U_MISMATCH', 'x5u and the info parameter differ');
    const claims = checkShakenClaims(decoded.claims);
    if (typeof claims === 'string') return failed('INVALID_CLAIMS', claims);
    const partial = { attest: claims.attest, orig: claims.orig.tn, dest: claims.dest.tn, origid: claims.origid };
    const now = options.clock() / 1000;
    if (Math.abs(now - claims.iat) > options.maxAgeSeconds) {
      return failed('STALE_IAT', `iat is more than ${options.maxAgeSeconds} s from now`, partial);
    }
    if (input.orig !== undefined && canonicalTn(input.orig) !== canonicalTn(claims.orig.tn)) {
      return failed('ORIG_MISMATCH', 'orig is not the calling number', partial);
    }
    if (input.dest !== undefined && !claims.dest.tn.some((tn) => canonicalTn(tn) === canonicalTn(input.dest!))) {
      return failed('DEST_MISMATCH', 'dest does not hold the called number', partial);
    }
    const fetched = options.fetcher.fetch(header.x5u);
    return fetched instanceof Promise
      ? fetched.then((f) => finish(input, parsed.token, claims, header.x5u!, f))
      : finish(input, parsed.token, claims, header.x5u, fetched);
  }
}

export type Verifier = ReturnType<typeof createVerifier>;
