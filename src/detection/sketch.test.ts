import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HashedTopCounter, TopCounter } from './sketch.ts';

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test('the hashed top counter keeps exactly the keys, counts, order and ties of the linear one', () => {
  for (const capacity of [1, 2, 5, 16, 100]) {
    for (const seed of [1, 2, 3]) {
      const next = random(seed * 1000 + capacity);
      const linear = new TopCounter(capacity);
      const hashed = new HashedTopCounter(capacity);
      // A skewed stream: a few heavy numbers among many once-seen ones, large E.164 values included.
      for (let i = 0; i < 4000; i++) {
        const heavy = next() < 0.4;
        const key = 77_010_000_000 + (heavy ? Math.floor(next() * 5) : Math.floor(next() * capacity * 6));
        linear.add(key);
        hashed.add(key);
        if (i % 97 === 0 || i === 3999) {
          const where = `capacity ${capacity}, seed ${seed}, after ${i + 1}`;
          assert.deepEqual([...hashed.counts], [...linear.counts], where);
          assert.deepEqual(hashed.keyList(), linear.keyList(), where);
          assert.equal(hashed.top(), linear.top(), where);
          assert.equal(hashed.topShare(3), linear.topShare(3), where);
          assert.equal(hashed.size, linear.size, where);
          assert.equal(hashed.total, linear.total, where);
          assert.equal(hashed.get(key), linear.get(key), where);
          assert.equal(hashed.has(key + 1), linear.has(key + 1), where);
        }
      }
    }
  }
});

test('an empty hashed top counter answers like an empty linear one', () => {
  const hashed = new HashedTopCounter(10);
  assert.equal(hashed.top(), -1);
  assert.equal(hashed.topShare(3), 0);
  assert.deepEqual(hashed.keyList(), []);
  assert.equal(hashed.get(5), 0);
});

test('topShare sums the k heaviest counts as a sorted copy would, with keyAt and countAt in insertion order', () => {
  const next = random(7);
  for (const capacity of [1, 5, 16, 40]) {
    const counter = new TopCounter(capacity);
    for (let i = 0; i < 500; i++) {
      counter.add(77_000_000_000 + Math.floor(next() * 60));
      const counts = [...counter.counts.values()].sort((a, b) => b - a);
      for (const k of [1, 3, 5, 16, 50]) {
        const expected = Math.min(1, counts.slice(0, k).reduce((a, b) => a + b, 0) / counter.total);
        assert.equal(counter.topShare(k), expected);
      }
      assert.deepEqual(
        Array.from({ length: counter.size }, (_, j) => [counter.keyAt(j), counter.countAt(j)]),
        [...counter.counts],
      );
    }
  }
});
