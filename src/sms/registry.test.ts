import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BrandCatalogue } from '../links/check.ts';
import type { Sql } from '../platform/sql.ts';
import { openTestPglite } from '../platform/test-app.ts';
import { createSenderRegistry } from './registry.ts';

const brands = JSON.parse(
  readFileSync(new URL('../../data/brands/kz.json', import.meta.url), 'utf8'),
) as BrandCatalogue;
let sql: Sql;

before(async () => {
  sql = await openTestPglite();
});
after(() => sql.close());

describe('sender-ID registry on two nodes sharing a records store', () => {
  it('brings one node the other node registrations and removals when it refreshes', async () => {
    const a = createSenderRegistry(sql, brands);
    const b = createSenderRegistry(sql, brands);
    await a.refresh();
    await b.refresh();
    await a.put('SHOP24', { owner: 'Shop 24', routes: ['domestic'] }, 'test');
    assert.equal(b.standing('shop24').kind, 'unregistered');
    await b.refresh();
    assert.deepEqual(b.standing('shop24'), { kind: 'registered', owner: 'Shop 24', routes: ['domestic'] });
    // A look-alike of a newly registered ID is known as one on the other node too.
    assert.equal(b.standing('SHOP-24').kind, 'imitation');

    await a.remove('Shop24', 'test');
    await a.put('OTHER', { owner: 'Other', routes: ['on-net'] }, 'test');
    await b.refresh();
    assert.equal(b.standing('SHOP24').kind, 'unregistered');
    assert.equal(b.standing('OTHER').kind, 'registered');
    assert.equal(b.version, a.version);
  });
});

describe('sender-ID registry: a refresh answered late', () => {
  it("keeps the node's own later registration, not the older row a slow refresh read", async () => {
    // The refresh's read of the registered IDs is held until the node has registered the ID anew.
    let hold: Promise<void> | null = null;
    let heldRead: (() => void) | null = null;
    const slow: Sql = {
      ...sql,
      kind: sql.kind,
      transaction: (work) => sql.transaction(work),
      async query(text, params) {
        const answer = await sql.query(text, params);
        if (hold && /from sms_senders where version >/.test(text)) {
          heldRead?.();
          await hold;
        }
        return answer as never;
      },
    };
    const a = createSenderRegistry(sql, brands);
    await a.put('SLOWSHOP', { owner: 'First owner', routes: ['domestic'] }, 'test');
    const b = createSenderRegistry(slow, brands);
    let release = () => {};
    hold = new Promise<void>((resolve) => (release = resolve));
    const read = new Promise<void>((resolve) => (heldRead = resolve));
    const refreshing = b.refresh();
    await read;
    hold = null;
    await b.put('SLOWSHOP', { owner: 'Second owner', routes: ['domestic'] }, 'test');
    release();
    await refreshing;
    assert.deepEqual(b.standing('SLOWSHOP'), { kind: 'registered', owner: 'Second owner', routes: ['domestic'] });
  });
});

describe('sender-ID sync', () => {
  it('names a removed sender ID as it was registered, whatever case the removal used', async () => {
    const registry = createSenderRegistry(sql, brands);
    await registry.refresh();
    await registry.put('Halyk24', { owner: 'Halyk', routes: ['domestic'] }, 'test');
    const before = await registry.changesSince(registry.version - 1, 100);
    assert.deepEqual(
      before.added.map((s) => s.senderId),
      ['Halyk24'],
    );
    assert.equal(await registry.remove('HALYK24', 'test'), true);
    const after = await registry.changesSince(before.version, 100);
    assert.deepEqual(after.removed, ['Halyk24']);
  });
});
