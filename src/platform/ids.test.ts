import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newDecisionId } from './ids.ts';

test('decision IDs are version-4 UUIDs, all different across many draws of the random part', () => {
  const seen = new Set<string>();
  const prefixes = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = newDecisionId();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(id);
    prefixes.add(id.slice(0, 33));
  }
  assert.equal(seen.size, 20_000);
  // 20 000 IDs span several draws of the random part, not one.
  assert.ok(prefixes.size >= 5, `${prefixes.size} random parts`);
});
