/**
 * Password digests with scrypt, a memory-hard function built into Node (no native dependency).
 * The parameters travel inside each digest, so they can be raised later without breaking old ones.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** N = 2^15, r = 8, p = 3: 32 MiB per guess, one of OWASP's recommended scrypt settings. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export const defaultScryptCost: ScryptCost = Object.freeze({ N: 2 ** 15, r: 8, p: 3 });
const keyLength = 32;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password.normalize('NFKC'),
      salt,
      keyLength,
      { ...cost, maxmem: 256 * cost.N * cost.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** `scrypt$N$r$p$salt$key` (base64url). */
export async function hashPassword(password: string, cost: ScryptCost = defaultScryptCost): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, digest: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = digest.split('$');
  if (scheme !== 'scrypt' || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A one-time password that a person can type: 20 characters without look-alikes (~116 bits). */
export function oneTimePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10, 15)}-${out.slice(15)}`;
}

/** Why a new password is refused, or null when it is acceptable (NIST 800-63B: length over composition). */
export function passwordProblem(password: string, username: string): string | null {
  if (typeof password !== 'string' || password.length < 12) return 'the password must be at least 12 characters';
  if (password.length > 256) return 'the password must be at most 256 characters';
  if (password.toLowerCase().includes(username.toLowerCase())) return 'the password must not contain the user name';
  if (new Set(password).size < 5) return 'the password repeats too few characters';
  return null;
}
