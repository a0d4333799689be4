/**
 * Friction for bursts of anonymous reports. A web reporter is known by its network, not by what its
 * browser says about itself: its address and its subnet (/24 for IPv4, /64 for IPv6 — what one
 * household, office or cloud tenant usually holds). After a few reports in an hour from one address
 * or a few more from one subnet, each further report needs a proof of work: a fresh challenge from
 * the server, solved by finding a nonce whose SHA-256 with the challenge starts with `bits` zero
 * bits (about 2^bits hashes: a second or two for a citizen's browser, a real cost per report for a
 * flood). The challenge is signed (no server state until it is used), bound to the subnet, short-
 * lived and single-use; the difficulty grows with the burst.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { addressOf, subnetOf } from '../platform/client-network.ts';

export interface FrictionOptions {
  secret: string;
  clock: () => number;
  /** Reports per address in an hour before a proof is needed (a subnet gets four times as many). */
  reportsBeforeProof: number;
  /** Leading zero bits of the first proof; each doubling of the burst adds one, up to +6. */
  bits: number;
}

export type ProofCheck = { ok: true } | { ok: false; message: string };

const HOUR = 3_600_000;
const CHALLENGE_LIFETIME_MS = 5 * 60_000;

/** Leading zero bits of a digest. */
function leadingZeroBits(digest: Buffer): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(byte) - 24;
  }
  return bits;
}

/** The proof a client computes: SHA-256 of `<challenge>:<nonce>` with `bits` leading zero bits. */
export function proofHolds(challenge: string, nonce: string, bits: number): boolean {
  return leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest()) >= bits;
}

/** Finds a nonce (tests and scripts; the public page does the same in the browser). */
export function solveProof(challenge: string, bits: number): string {
  for (let nonce = 0; ; nonce++) if (proofHolds(challenge, String(nonce), bits)) return String(nonce);
}

export function createReportFriction(options: FrictionOptions) {
  const recent = new Map<string, number[]>();
  const used = new Map<string, number>();
  const sign = (text: string) => createHmac('sha256', options.secret).update(text).digest('base64url');

  function count(key: string, now: number): number {
    const times = recent.get(key);
    if (!times) return 0;
    while (times.length > 0 && times[0] <= now - HOUR) times.shift();
    if (times.length === 0) recent.delete(key);
    return times.length;
  }

  /** Leading zero bits the next report from this address must prove (0: none needed). */
  function bitsNeeded(ip: string): number {
    const now = options.clock();
    const byAddress = count(`a:${addressOf(ip)}`, now) / options.reportsBeforeProof;
    const bySubnet = count(`s:${subnetOf(ip)}`, now) / (options.reportsBeforeProof * 4);
    const burst = Math.max(byAddress, bySubnet);
    if (burst < 1) return 0;
    return options.bits + Math.min(6, Math.floor(Math.log2(burst)));
  }

  const sweeper = setInterval(() => {
    const now = options.clock();
    for (const key of [...recent.keys()]) count(key, now);
    for (const [challenge, until] of used) if (until <= now) used.delete(challenge);
  }, 60_000);
  sweeper.unref();

  return {
    bitsNeeded,

    /** A challenge for this client, at the difficulty its burst needs now (at least the base). */
    challenge(ip: string): { challenge: string; bits: number; expiresAt: string } {
      const bits = Math.max(options.bits, bitsNeeded(ip));
      const expires = options.clock() + CHALLENGE_LIFETIME_MS;
      const body = `v1.${expires}.${bits}.${randomBytes(12).toString('base64url')}`;
      return {
        challenge: `${body}.${sign(`${body}|${subnetOf(ip)}`)}`,
        bits,
        expiresAt: new Date(expires).toISOString(),
      };
    },

    /** Checks a proof (`<challenge>:<nonce>`) sent with a report, and uses its challenge up. */
    check(ip: string, proof: string | undefined): ProofCheck {
      const needed = bitsNeeded(ip);
      if (needed === 0) return { ok: true };
      const refuse = (message: string): ProofCheck => ({
        ok: false,
        message: `${message}: many reports came from your network; get a challenge from /public/v1/reports/challenge and send the solved proof in the X-Callshield-Proof header`,
      });
      if (!proof) return refuse('a proof of work is required');
      const at = proof.lastIndexOf(':');
      const challenge = at > 0 ? proof.slice(0, at) : '';
      const nonce = at > 0 ? proof.slice(at + 1) : '';
      const parts = challenge.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1' || nonce.length === 0 || nonce.length > 64) {
        return refuse('the proof of work is malformed');
      }
      const body = parts.slice(0, 4).join('.');
      const expected = Buffer.from(sign(`${body}|${subnetOf(ip)}`));
      const given = Buffer.from(parts[4]);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
        return refuse('the challenge was not issued to your network');
      }
      const expires = Number(parts[1]);
      const bits = Number(parts[2]);
      const now = options.clock();
      if (!(expires > now)) return refuse('the challenge has expired');
      if (used.has(challenge)) return refuse('the challenge was already used');
      if (bits < needed) return refuse('the challenge is too easy for this many reports');
      if (!proofHolds(challenge, nonce, bits)) return refuse('the proof of work does not hold');
      used.set(challenge, expires);
      return { ok: true };
    },

    /** Counts an accepted report against its address and subnet. */
    note(ip: string): void {
      const now = options.clock();
      for (const key of [`a:${addressOf(ip)}`, `s:${subnetOf(ip)}`]) {
        const times = recent.get(key) ?? [];
        // Bounded: past this many in an hour the difficulty is already at its ceiling.
        if (times.length < 10_000) times.push(now);
        recent.set(key, times);
      }
    },

    close() {
      clearInterval(sweeper);
    },
  };
}

export type ReportFriction = ReturnType<typeof createReportFriction>;
