import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createOperatorRegistry } from '../operators/store.ts';
import type { Sql } from '../platform/sql.ts';
import { openTestPglite } from '../platform/test-app.ts';
import { createKeyring, type Keyring } from './keys.ts';

let sql: Sql;
let keyring: Keyring;

before(async () => {
  sql = await openTestPglite();
  await createOperatorRegistry(sql, [{ id: 'KCELL', name: 'Kcell', participating: true }]);
  keyring = await createKeyring(sql, 'keys-test-admin-token-0123456789');
});
after(async () => {
  await keyring.close();
  await sql.close();
});

describe('API keys', () => {
  it('shows when a key was last used, also when its later calls were answered from the token cache', async () => {
    const used = await keyring.issue('KCELL', 'admin');
    const unused = await keyring.issue('KCELL', 'admin');
    assert.equal(keyring.authenticate(used.apiKey)?.kind, 'operator');
    assert.equal(keyring.authenticate(used.apiKey)?.kind, 'operator');
    const listed = await keyring.list('KCELL');
    const usedInfo = listed.find((k) => k.id === used.info.id);
    assert.ok(usedInfo?.lastUsedAt, 'the used key has a last use');
    assert.ok(Date.now() - Date.parse(usedInfo.lastUsedAt) < 60_000);
    assert.equal(listed.find((k) => k.id === unused.info.id)?.lastUsedAt, undefined);
  });

  it('keeps a cached last use when the cache is emptied by a reload', async () => {
    const { apiKey, info } = await keyring.issue('KCELL', 'admin');
    keyring.authenticate(apiKey);
    await keyring.list('KCELL');
    // Used again from the cache only, then the cache is emptied (another node changed the keys).
    await sql.query('update api_keys set last_used_at = null where id = $1', [info.id]);
    keyring.authenticate(apiKey);
    await keyring.reload();
    const listed = await keyring.list('KCELL');
    assert.ok(listed.find((k) => k.id === info.id)?.lastUsedAt);
  });

  it('refuses a revoked key at once, though it was cached', async () => {
    const { apiKey, info } = await keyring.issue('KCELL', 'admin');
    assert.equal(keyring.authenticate(apiKey)?.kind, 'operator');
    assert.equal(await keyring.revoke('KCELL', info.id), true);
    assert.equal(keyring.authenticate(apiKey), null);
  });
});

/** A keyring whose reads of the valid keys can be held, as a slow query to the records store is. */
async function keyringWithHeldReads() {
  let hold: Promise<void> | null = null;
  const held: Sql = {
    ...sql,
    kind: sql.kind,
    query: async (text, params) => {
      const answer = await sql.query(text, params);
      if (hold && text.startsWith('select id, operator_id, bank_id, key_hash')) await hold;
      return answer as never;
    },
  };
  const slow = await createKeyring(held, 'keys-test-admin-token-0123456789');
  /** Holds the reads that end from now on; the function returned lets them go (and later ones pass). */
  const holdReads = () => {
    let release = () => {};
    hold = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      hold = null;
      release();
    };
  };
  return { slow, holdReads };
}

describe('API keys read again (another node changed them) while this node changes one', () => {
  it('refuses the revoked key though a reload read the keys before the revoke', async () => {
    const { slow, holdReads } = await keyringWithHeldReads();
    try {
      const { apiKey, info } = await slow.issue('KCELL', 'admin');
      const release = holdReads();
      // Another node announced a change: the reload reads the keys, the key still valid then.
      const reloading = slow.reload();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(await slow.revoke('KCELL', info.id), true);
      assert.equal(slow.authenticate(apiKey), null);
      release();
      await reloading;
      assert.equal(slow.authenticate(apiKey), null, 'the revoked key stays refused after the reload');
    } finally {
      await slow.close();
    }
  });

  it('accepts a key issued while a reload was reading the keys', async () => {
    const { slow, holdReads } = await keyringWithHeldReads();
    try {
      const release = holdReads();
      const reloading = slow.reload();
      await new Promise((resolve) => setImmediate(resolve));
      const { apiKey } = await slow.issue('KCELL', 'admin');
      release();
      await reloading;
      assert.equal(slow.authenticate(apiKey)?.kind, 'operator', 'the new key works after the reload');
    } finally {
      await slow.close();
    }
  });
});
