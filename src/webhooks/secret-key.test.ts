import assert from 'node:assert/strict';
import { createHmac, hkdfSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { secretKeysFrom } from './secret-key.ts';

describe('secret keys', () => {
  const keys = secretKeysFrom('a master key of this installation', 'config');

  it('hashes a customer as HMAC-SHA256 under the purpose key derived by HKDF, as stored hashes were made', () => {
    // Customers uploaded before keep matching: the hash is the documented construction, whatever
    // form the key takes in memory.
    const purposeKey = Buffer.from(
      hkdfSync(
        'sha256',
        Buffer.from('a master key of this installation'),
        Buffer.alloc(0),
        'callshield:hash:subscriber',
        32,
      ),
    );
    const expected = createHmac('sha256', purposeKey).update('+77771234567').digest('hex');
    assert.equal(keys.hash('subscriber', '+77771234567'), expected);
    assert.notEqual(keys.hash('other', '+77771234567'), expected);
    assert.notEqual(secretKeysFrom('another master key', 'config').hash('subscriber', '+77771234567'), expected);
  });

  it('opens what it sealed, and refuses a sealed block or secret that was altered', () => {
    const block = Buffer.from('contacts of one bucket');
    const sealed = keys.seal(block);
    assert.deepEqual(keys.open(sealed), block);
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] ^= 1;
    assert.throws(() => keys.open(altered));

    const secret = keys.encrypt('webhook-secret-0123456789');
    assert.equal(keys.decrypt(secret), 'webhook-secret-0123456789');
    assert.throws(() => secretKeysFrom('another master key', 'config').decrypt(secret));
  });
});
