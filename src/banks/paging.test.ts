import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';

let t: TestApp;
let key: string;

/** Incidents of HALYK all received in the same instant, as concurrent filings can be on PostgreSQL. */
const SAME_INSTANT = '2026-03-01T10:00:00.123456Z';
const ids = ['p-1', 'p-2', 'p-3', 'p-4', 'p-5'];

before(async () => {
  t = await startTestApp({ secretKey: 'test-secret-key-0123456789abcdef' });
  const created = await t.request('POST', '/v1/admin/banks', { token: admin, body: { id: 'HALYK', name: 'Halyk' } });
  assert.equal(created.statusCode, 201, created.body);
  const issued = await t.request('POST', '/v1/admin/banks/HALYK/keys', { token: admin, body: {} });
  assert.equal(issued.statusCode, 201, issued.body);
  key = (issued.json() as { apiKey: string }).apiKey;
  for (const id of ids)
    await t.app.sql.query(
      `insert into bank_incidents (bank_id, incident_id, victim, at, kind, received_at)
       values ('HALYK', $1, '+77771234501', $2, 'transfer', $2)`,
      [id, SAME_INSTANT],
    );
  // One received a little later, one earlier in the same millisecond: the order is by the full time.
  await t.app.sql.query(
    `insert into bank_incidents (bank_id, incident_id, victim, at, kind, received_at)
     values ('HALYK', 'p-late', '+77771234501', $1, 'transfer', $1), ('HALYK', 'p-early', '+77771234501', $2, 'transfer', $2)`,
    ['2026-03-01T10:00:00.123789Z', '2026-03-01T10:00:00.123001Z'],
  );
});

after(async () => {
  await t.close();
});

type Page = { items: { incidentId: string }[]; next: string | null };
const page = async (query: string) => {
  const r = await t.request('GET', `/v1/bank/incidents?${query}`, { token: key });
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as Page;
};

describe('paging through incidents', () => {
  it('incidents received in the same instant are each listed once, across small pages', async () => {
    const seen: string[] = [];
    let next: string | null = null;
    do {
      const p: Page = await page(`limit=2${next ? `&before=${encodeURIComponent(next)}` : ''}`);
      seen.push(...p.items.map((i) => i.incidentId));
      next = p.next;
    } while (next && seen.length < 20);
    assert.deepEqual(seen, ['p-late', 'p-5', 'p-4', 'p-3', 'p-2', 'p-1', 'p-early']);
  });

  it('the last page has no next, even when full', async () => {
    const all = await page('limit=7');
    assert.equal(all.items.length, 7);
    assert.equal(all.next, null);
  });

  it('a cursor of the earlier form, a receipt time, still pages', async () => {
    const p = await page(`before=${encodeURIComponent('2026-03-01T10:00:00.124Z')}`);
    assert.deepEqual(
      p.items.map((i) => i.incidentId),
      ['p-late', 'p-5', 'p-4', 'p-3', 'p-2', 'p-1', 'p-early'],
    );
  });

  it('a cursor this list did not give is refused with a code', async () => {
    for (const before of ['c1_', 'c1_bm90LWpzb24', `c1_${Buffer.from('[1,"HALYK","p-1"]').toString('base64url')}`]) {
      const r = await t.request('GET', `/v1/bank/incidents?before=${encodeURIComponent(before)}`, { token: key });
      assert.equal(r.statusCode, 400, before);
      assert.equal((r.json() as { error: { code: string } }).error.code, 'VALIDATION_FAILED', before);
    }
  });
});
