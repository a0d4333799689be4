import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BoundedSet,
  bytesOf,
  DistinctCounter,
  HashedTopCounter,
  RecentNumbers,
  TopCounter,
  wordsOfDistinctCounter,
  wordsOfNumbers,
  wordsOfTopCounter,
} from './sketch.ts';

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

test('the hashed top counter stays exact when every addition replaces a key', () => {
  // A spoofing campaign cycling through more numbers than the counter holds: each new number takes
  // the place of the smallest counter, so the table removes and enters a key at every step.
  const next = random(11);
  const capacity = 1000;
  const linear = new TopCounter(capacity);
  const hashed = new HashedTopCounter(capacity);
  for (let i = 0; i < 30_000; i++) {
    const key = next() < 0.05 ? 77_012_345_678 : 77_010_000_000 + Math.floor(next() * 8000) * 7919;
    linear.add(key);
    hashed.add(key);
    if (i % 2999 === 0 || i === 29_999) {
      const where = `after ${i + 1}`;
      assert.deepEqual([...hashed.counts], [...linear.counts], where);
      assert.equal(hashed.top(), linear.top(), where);
      for (let probe = 0; probe < 50; probe++) {
        const other = 77_010_000_000 + Math.floor(next() * 8000) * 7919;
        assert.equal(hashed.get(other), linear.get(other), `${where}, key ${other}`);
        assert.equal(hashed.has(other), linear.has(other), `${where}, key ${other}`);
      }
    }
  }
  assert.equal(hashed.get(77_012_345_678), linear.get(77_012_345_678));
  assert.ok(hashed.get(77_012_345_678) > 1000, 'the heavy number is held and counted');
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

test('summaries side by side in one block keep to their own words', () => {
  // A distinct counter past its exact limit (a HyperLogLog), a recency list, a bounded set and a
  // top counter in one block, with a guard word between each: filling each leaves the others whole.
  const words = new Float64Array(400).fill(-7);
  const at = { distinct: 1, recent: 60, set: 120, top: 200 };
  words.fill(0, at.distinct, at.distinct + wordsOfDistinctCounter(32));
  words.fill(0, at.recent, at.recent + wordsOfNumbers(8));
  words.fill(0, at.set, at.set + wordsOfNumbers(4));
  words.fill(0, at.top, at.top + wordsOfTopCounter(5));
  const distinct = new DistinctCounter(32, words, at.distinct, bytesOf(words));
  const recent = new RecentNumbers(8, words, at.recent);
  const set = new BoundedSet(4, words, at.set);
  const top = new TopCounter(5, words, at.top);
  const own = new DistinctCounter(32);
  for (let i = 0; i < 2000; i++) {
    const number = 77_010_000_000 + ((i * 7919) % 1000);
    distinct.add(number);
    own.add(number);
    recent.touch(number % 20);
    set.add(number % 10);
    top.add(number % 3);
  }
  assert.equal(distinct.count, own.count, 'as a counter with words of its own');
  assert.ok(Math.abs(distinct.count - 1000) < 300, `about 1000 distinct: ${distinct.count}`);
  assert.equal(distinct.has(77_010_000_000), false, 'no exact values once a HyperLogLog');
  assert.deepEqual(set.values(), [0, 9, 8, 7], 'the first four, no more');
  assert.equal(recent.size, 8);
  assert.equal(top.total, 2000);
  assert.deepEqual(top.keyList().sort(), [0, 1, 2]);
  const guards = [0, at.distinct + wordsOfDistinctCounter(32), at.recent - 1, at.recent + wordsOfNumbers(8)];
  for (const g of [...guards, at.set - 1, at.set + wordsOfNumbers(4), at.top - 1, at.top + wordsOfTopCounter(5)])
    assert.equal(words[g], -7, `guard word ${g}`);
});

test('the recency list moves a number seen again to the end and drops the oldest when full', () => {
  const recent = new RecentNumbers(3);
  for (const n of [1, 2, 3]) recent.touch(n);
  recent.touch(1);
  assert.deepEqual(recent.values(), [2, 3, 1]);
  recent.touch(4);
  assert.deepEqual(recent.values(), [3, 1, 4]);
  assert.equal(recent.has(2), false);
  assert.equal(recent.has(4), true);
});

test('the distinct counter is exact up to its limit', () => {
  const counter = new DistinctCounter(16);
  for (let i = 0; i < 50; i++) counter.add(77_000_000_000 + (i % 16));
  assert.equal(counter.count, 16);
  assert.equal(counter.has(77_000_000_015), true);
  counter.add(1);
  assert.ok(counter.count > 10 && counter.count < 25, `an estimate near 17: ${counter.count}`);
});
