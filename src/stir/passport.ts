/**
 * PASSporT `shaken` tokens (RFC 8225, RFC 8588, ATIS-1000074) and the SIP Identity header that
 * carries them (RFC 8224): `<jws>;info=<x5u>;alg=ES256;ppt=shaken`.
 */
import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';

export const attestations = ['A', 'B', 'C'] as const;
export type Attestation = (typeof attestations)[number];

export interface ShakenClaims {
  attest: Attestation;
  dest: { tn: string[] };
  iat: number;
  orig: { tn: string };
  origid: string;
}

export interface PassportHeader {
  alg: string;
  ppt?: string;
  typ?: string;
  x5u?: string;
}

const encoder = new TextEncoder();

/**
 * Signs the claims. Members are serialised in lexicographic order without white space (RFC 8225
 * §9), the form every verifier reconstructs when it checks a compact token.
 */
export async function signPassport(claims: ShakenClaims, key: KeyObject, x5u: string): Promise<string> {
  const payload = {
    attest: claims.attest,
    dest: { tn: claims.dest.tn },
    iat: claims.iat,
    orig: { tn: claims.orig.tn },
    origid: claims.origid,
  };
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', ppt: 'shaken', typ: 'passport', x5u })
    .sign(key);
}

/** The SIP Identity header value for a token. */
export const identityHeader = (token: string, x5u: string) => `${token};info=<${x5u}>;alg=ES256;ppt=shaken`;

export interface ParsedIdentity {
  token: string;
  info: string;
  alg: string | undefined;
  ppt: string | undefined;
}

/**
 * Splits an Identity header value into its token and parameters; null when it is not one. The
 * compact form (a token without its payload) is not used by SHAKEN and is refused here.
 */
export function parseIdentityHeader(value: string): ParsedIdentity | null {
  const trimmed = value.trim();
  const semicolon = trimmed.indexOf(';');
  const token = (semicolon < 0 ? trimmed : trimmed.slice(0, semicolon)).trim();
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return null;
  let info: string | undefined;
  let alg: string | undefined;
  let ppt: string | undefined;
  if (semicolon >= 0) {
    for (const part of trimmed.slice(semicolon + 1).split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim().toLowerCase();
      const raw = part.slice(eq + 1).trim();
      if (name === 'info') info = raw.startsWith('<') && raw.endsWith('>') ? raw.slice(1, -1) : undefined;
      else if (name === 'alg') alg = raw;
      else if (name === 'ppt') ppt = raw.replace(/^"|"$/g, '');
    }
  }
  if (!info) return null;
  return { token, info, alg, ppt };
}

function decodePart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The header and claims of a token, unverified; null when they are not JSON objects. */
export function decodePassport(token: string): { header: PassportHeader; claims: Record<string, unknown> } | null {
  const [h, p] = token.split('.');
  const header = decodePart(h);
  const claims = decodePart(p);
  if (!header || typeof header !== 'object' || Array.isArray(header)) return null;
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return null;
  return { header: header as PassportHeader, claims: claims as Record<string, unknown> };
}

/** Telephone numbers in PASSporTs are digits only (E.164 without "+"). */
export const canonicalTn = (tn: string) => tn.replace(/[^0-9]/g, '');

/** The claims when they have the shape SHAKEN requires, else a description of what is wrong. */
export function checkShakenClaims(claims: Record<string, unknown>): ShakenClaims | string {
  const { attest, dest, iat, orig, origid } = claims as Record<string, unknown>;
  if (typeof attest !== 'string' || !(attestations as readonly string[]).includes(attest)) {
    return 'attest must be A, B or C';
  }
  const origTn = (orig as { tn?: unknown } | undefined)?.tn;
  if (typeof origTn !== 'string' || !/^\+?[0-9*#]{1,20}$/.test(origTn)) return 'orig.tn must be a telephone number';
  const destTn = (dest as { tn?: unknown } | undefined)?.tn;
  if (
    !Array.isArray(destTn) ||
    destTn.length === 0 ||
    !destTn.every((t) => typeof t === 'string' && /^\+?[0-9*#]{1,20}$/.test(t))
  ) {
    return 'dest.tn must be an array of telephone numbers';
  }
  if (typeof iat !== 'number' || !Number.isInteger(iat)) return 'iat must be an integer';
  if (typeof origid !== 'string' || origid.length === 0 || origid.length > 128) return 'origid must be a string';
  return { attest: attest as Attestation, dest: { tn: destTn as string[] }, iat, orig: { tn: origTn }, origid };
}
