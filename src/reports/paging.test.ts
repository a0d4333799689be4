import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';

let t: TestApp;
const COUNT = 40;
const numbers = Array.from({ length: COUNT }, (_, i) => `+7777123${String(i).padStart(4, '0')}`);
const domains = Array.from({ length: COUNT }, (_, i) => `paging-${String(i).padStart(2, '0')}.example`);

before(async () => {
  t = await startTestApp();
  // Ties in every sort key: one reporter each and the same time; domains added in one go.
  for (const [i, number] of numbers.entries())
    await t.app.sql.query(
      `insert into reports (id, number, channel, category, at, source, reporter_key)
       values ($1, $2, 'call', 'scam', '2026-03-01T10:00:00Z', 'web', 'same-reporter')`,
      [`paging-${i}`, number],
    );
  await t.app.sql.query(
    `insert into phishing_domains (domain, source, reason, added_by, added_at)
     select d, 'analyst', 'test', 'admin', '2026-03-01T10:00:00Z' from unnest($1::text[]) as d`,
    [domains],
  );
});

after(async () => {
  await t.close();
});

/** Every item of a list read 3 at a time by offset. */
async function pageThrough<T>(path: string, key: (item: T) => string): Promise<string[]> {
  const seen: string[] = [];
  for (let offset = 0; offset < COUNT; offset += 3) {
    const r = await t.request('GET', `${path}?limit=3&offset=${offset}`, { token: admin });
    assert.equal(r.statusCode, 200, r.body);
    seen.push(...(r.json() as { items: T[] }).items.map(key));
  }
  return seen;
}

describe('paging by offset through lists with ties', () => {
  it('the report queue shows each number once when numbers tie on reporters and last report', async () => {
    const seen = await pageThrough<{ number: string }>('/v1/reports/queue', (i) => i.number);
    assert.deepEqual([...seen].sort(), numbers);
  });

  it('the phishing list shows each domain once when domains were added together', async () => {
    const seen = await pageThrough<{ domain: string }>('/v1/links/phishing', (i) => i.domain);
    assert.deepEqual([...seen].sort(), domains);
  });
});
