import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { natsEventReporter } from './adapters.ts';

describe('what a node says about NATS', () => {
  it('counts every event dropped from the buffer and warns in the log once a minute per subject, with how many', () => {
    const lines: { level: string; details: Record<string, unknown>; message: string }[] = [];
    const log = {
      info: (details: object, message: string) => lines.push({ level: 'info', details: { ...details }, message }),
      warn: (details: object, message: string) => lines.push({ level: 'warn', details: { ...details }, message }),
      error: (details: object, message: string) => lines.push({ level: 'error', details: { ...details }, message }),
    };
    const counted: Record<string, number> = {};
    const dropped = {
      inc(labels: { subject: string }, value: number) {
        counted[labels.subject] = (counted[labels.subject] ?? 0) + value;
      },
    };
    let now = 1_000_000;
    const report = natsEventReporter(
      () => log,
      dropped,
      () => now,
    );

    report({ type: 'disconnected' });
    report({ type: 'dropped', subject: 'cdr', count: 3 });
    report({ type: 'dropped', subject: 'cdr', count: 2 });
    report({ type: 'dropped', subject: 'decisions', count: 7 });
    now += 30_000;
    report({ type: 'dropped', subject: 'cdr', count: 4 });
    now += 30_000;
    report({ type: 'dropped', subject: 'cdr', count: 1 });
    report({ type: 'connected' });

    assert.deepEqual(counted, { cdr: 10, decisions: 7 });
    const warnings = lines.filter((l) => l.details.subject !== undefined);
    assert.deepEqual(
      warnings.map((l) => [l.level, l.details.subject, l.details.events]),
      [
        ['warn', 'cdr', 3],
        ['warn', 'decisions', 7],
        // A minute after the first line: the 2 + 4 + 1 dropped since.
        ['warn', 'cdr', 7],
      ],
    );
    assert.match(warnings[0].message, /dropped/);
    assert.deepEqual(
      lines.filter((l) => l.details.subject === undefined).map((l) => [l.level, l.message]),
      [
        ['warn', 'NATS connection lost'],
        ['info', 'NATS connected'],
      ],
    );
  });
});
