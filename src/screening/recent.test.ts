import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecentDecisions } from './recent.ts';
import type { Decision } from './types.ts';

const decision = (id: number, verdict: Decision['verdict']) => ({ decisionId: `d${id}`, verdict }) as Decision;

describe('recent decisions', () => {
  it('lists newest first across verdicts, keeping blocked and labelled calls longer', () => {
    const recent = createRecentDecisions(4, 2);
    const verdicts: Decision['verdict'][] = ['allow', 'block', 'allow', 'label', 'allow', 'allow', 'block'];
    for (const [i, v] of verdicts.entries()) recent.push(decision(i, v));
    // Allowed: only the last 2 (d4, d5) are kept; flagged: d1, d3, d6.
    assert.deepEqual(
      recent.list(() => true, 10).map((d) => d.decisionId),
      ['d6', 'd5', 'd4', 'd3', 'd1'],
    );
    assert.deepEqual(
      recent.list((d) => d.verdict !== 'allow', 2).map((d) => d.decisionId),
      ['d6', 'd3'],
    );
    assert.deepEqual(
      recent.list(() => true, 0),
      [],
    );
  });

  it('answers an empty list before any decision', () => {
    assert.deepEqual(
      createRecentDecisions(3).list(() => true, 5),
      [],
    );
  });
});
