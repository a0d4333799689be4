import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { retryDelayMs, signatureOf } from './delivery.ts';
import { secretKeysFrom } from './secret-key.ts';

describe('webhook delivery', () => {
  it('retries first within 5 s, doubling up to 10 minutes', () => {
    const delays = [1, 2, 3, 4, 8, 9, 20].map((n) => retryDelayMs(n));
    assert.ok(delays[0] <= 5_000);
    assert.equal(delays[1], 2 * delays[0]);
    assert.equal(delays[2], 2 * delays[1]);
    assert.equal(delays.at(-1), 600_000);
    assert.ok(delays.every((d) => d <= 600_000));
  });

  it('signs the raw body with HMAC-SHA256 of the secret', () => {
    const body = '{"id":"evt_1"}';
    assert.equal(signatureOf('s3cret', body), `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
  });
});

describe('secret keys', () => {
  it('seals secrets so that only the same key opens them, and tampering is found', () => {
    const keys = secretKeysFrom('master-key-0123456789', 'config');
    const sealed = keys.encrypt('webhook-secret');
    assert.ok(!sealed.includes('webhook-secret'));
    assert.notEqual(keys.encrypt('webhook-secret'), sealed, 'a fresh IV each time');
    assert.equal(keys.decrypt(sealed), 'webhook-secret');
    assert.throws(() => secretKeysFrom('another-key-0123456789', 'config').decrypt(sealed));
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => keys.decrypt(parts.join('.')));
  });

  it('seals data blocks so that they read back only with the key', () => {
    const keys = secretKeysFrom('master-key-0123456789', 'config');
    const sealed = keys.seal(Buffer.from('+77771234567 called by +905321234567'));
    assert.ok(!sealed.toString('latin1').includes('77771234567'));
    assert.equal(keys.open(sealed).toString(), '+77771234567 called by +905321234567');
    assert.throws(() => secretKeysFrom('another-key-0123456789', 'config').open(sealed));
  });

  it('keyed hashes differ by key and by purpose', () => {
    const a = secretKeysFrom('master-key-0123456789', 'config');
    const b = secretKeysFrom('master-key-9876543210', 'config');
    assert.equal(a.hash('subscriber', '+77771234567'), a.hash('subscriber', '+77771234567'));
    assert.notEqual(a.hash('subscriber', '+77771234567'), b.hash('subscriber', '+77771234567'));
    assert.notEqual(a.hash('subscriber', '+77771234567'), a.hash('other', '+77771234567'));
  });
});
