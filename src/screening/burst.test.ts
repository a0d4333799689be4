import assert from 'node:assert/strict';
import { it, mock } from 'node:test';
import { createMemoryBurstCounter } from './burst.ts';

const WINDOW = 60_000;

it('counts each of many numbers apart, through the table growing', () => {
  const bursts = createMemoryBurstCounter(WINDOW);
  const numbers = Array.from({ length: 5000 }, (_, i) => 77_010_000_000 + i * 7919);
  // SMS sender IDs are counted under negative keys beside the numbers (and 0, the empty mark, too).
  numbers.push(-1, -123_456_789, 0);
  for (let round = 1; round <= 3; round++)
    for (const n of numbers) assert.equal(bursts.hit(n, 1_000), round, `number ${n}, round ${round}`);
  bursts.close();
});

it('keeps the counts of the numbers still in the window when it sweeps the others', () => {
  mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  try {
    const bursts = createMemoryBurstCounter(WINDOW);
    const old = 77_011_111_111;
    const recent = 77_012_222_222;
    for (let i = 0; i < 4; i++) bursts.hit(old, 0);
    for (let i = 0; i < 6; i++) bursts.hit(recent, 2 * WINDOW + 1_000);
    // The sweep at 3 windows keeps windows 2 and later: the recent number's 6 calls stay.
    mock.timers.tick(3 * WINDOW);
    // Halfway through window 3: this call plus half of window 2's six.
    assert.equal(bursts.hit(recent, 3.5 * WINDOW), 1 + 3);
    // The old number starts again.
    assert.equal(bursts.hit(old, 3.5 * WINDOW), 1);
    bursts.close();
  } finally {
    mock.timers.reset();
  }
});
