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
