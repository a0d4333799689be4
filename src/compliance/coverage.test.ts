import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrate } from '../platform/sql.ts';
import { recordsAdapters } from '../platform/test-support.ts';
import { CoverageJoin, MAX_EQUAL_KEYS_PER_MINUTE, ROUTE_DOMESTIC, ROUTE_INTERNATIONAL } from './coverage.ts';
import { createComplianceStore } from './store.ts';

const DAY = 86_400_000;
const dayOf = (ms: number) => Math.floor((ms + 5 * 3_600_000) / DAY);
const t0 = Date.parse('2026-11-20T06:00:00Z');
const A = 905321000001;
const B = 77772000001;

const totals = (join: CoverageJoin) => {
  const out = { calls: 0, screened: 0 };
  for (const d of join.takeDeltas()) {
    out.calls += d.calls;
    out.screened += d.screened;
  }
  return out;
};

describe('coverage join of verifies and CDRs', () => {
  it('matches the same a, b within 120 s either way, and not beyond', () => {
    const join = new CoverageJoin({ dayOf });
    join.verify('BEELINE', A, B, t0 + 120_000);
    join.verify('BEELINE', A + 1, B, t0 - 120_000);
    join.verify('BEELINE', A + 2, B, t0 + 121_000);
    for (const a of [A, A + 1, A + 2]) join.cdr('BEELINE', a, B, t0, ROUTE_INTERNATIONAL);
    assert.deepEqual(totals(join), { calls: 3, screened: 2 });
  });

  it('counts a verify that arrives after its CDR', () => {
    const join = new CoverageJoin({ dayOf });
    join.cdr('BEELINE', A, B, t0, ROUTE_DOMESTIC);
    assert.deepEqual(join.takeDeltas(), [
      { day: dayOf(t0), operator: 'BEELINE', route: 'domestic', calls: 1, screened: 0 },
    ]);
    join.verify('BEELINE', A, B, t0 + 30_000);
    assert.deepEqual(join.takeDeltas(), [
      { day: dayOf(t0), operator: 'BEELINE', route: 'domestic', calls: 0, screened: 1 },
    ]);
  });

  it('lets one verify screen one call, and only for the operator that made it', () => {
    const join = new CoverageJoin({ dayOf });
    join.verify('BEELINE', A, B, t0);
    join.cdr('BEELINE', A, B, t0 + 10_000, ROUTE_INTERNATIONAL);
    join.cdr('BEELINE', A, B, t0 + 20_000, ROUTE_INTERNATIONAL);
    join.verify('KCELL', A + 5, B, t0);
    join.cdr('TELE2', A + 5, B, t0, ROUTE_INTERNATIONAL);
    assert.deepEqual(totals(join), { calls: 3, screened: 1 });
  });

  it('forgets keys past the retention and beyond the cap, oldest minutes first', () => {
    const join = new CoverageJoin({ dayOf, retentionMs: 3_600_000, maxKeys: 2 });
    join.verify('BEELINE', A, B, t0);
    join.verify('BEELINE', A + 1, B, t0 + 60 * 60_000);
    join.verify('BEELINE', A + 2, B, t0 + 61 * 60_000);
    join.verify('BEELINE', A + 3, B, t0 + 62 * 60_000);
    join.expire(t0 + 62 * 60_000);
    assert.equal(join.stats().keys, 2);
    for (let k = 0; k < 4; k++)
      join.cdr('BEELINE', A + k, B, t0 + (k === 0 ? 0 : (59 + k) * 60_000), ROUTE_INTERNATIONAL);
    assert.deepEqual(totals(join), { calls: 4, screened: 2 });
  });

  it('keeps many keys of one minute apart (the table grows)', () => {
    const join = new CoverageJoin({ dayOf });
    for (let k = 0; k < 5000; k++) join.verify('ALTEL', A + k, B + k, t0 + (k % 60) * 1000);
    for (let k = 0; k < 5000; k += 2) join.cdr('ALTEL', A + k, B + k, t0 + 30_000, ROUTE_INTERNATIONAL);
    assert.deepEqual(totals(join), { calls: 2500, screened: 2500 });
    assert.equal(join.stats().keys, 2500);
  });

  it('holds a few verifies of one pair in a minute (redials), not thousands (retries or a hostile client)', () => {
    const join = new CoverageJoin({ dayOf });
    for (let k = 0; k < 3; k++) join.verify('ALTEL', A, B, t0 + k * 1000);
    for (let k = 0; k < 3; k++) join.cdr('ALTEL', A, B, t0 + k * 1000, ROUTE_INTERNATIONAL);
    assert.deepEqual(totals(join), { calls: 3, screened: 3 });
    for (let k = 0; k < 20_000; k++) join.verify('ALTEL', A, B, t0 + 10_000);
    assert.equal(join.stats().keys, MAX_EQUAL_KEYS_PER_MINUTE);
    // Other pairs of the same minute are still held and matched.
    join.verify('ALTEL', A + 1, B, t0 + 10_000);
    join.cdr('ALTEL', A + 1, B, t0 + 10_000, ROUTE_INTERNATIONAL);
    assert.deepEqual(totals(join), { calls: 1, screened: 1 });
  });

  it('carries its keys over a restart through a snapshot, leaving out those past the retention', () => {
    const join = new CoverageJoin({ dayOf, retentionMs: DAY });
    join.verify('BEELINE', A, B, t0);
    join.verify('KCELL', A + 1, B, t0 - 2 * DAY);
    join.cdr('BEELINE', A + 2, B, t0, ROUTE_DOMESTIC);
    join.takeDeltas();
    const again = new CoverageJoin({ dayOf, retentionMs: DAY });
    assert.equal(again.restore(join.snapshot(), t0 + 60_000), 2);
    again.cdr('BEELINE', A, B, t0 + 1000, ROUTE_INTERNATIONAL);
    again.cdr('KCELL', A + 1, B, t0 - 2 * DAY, ROUTE_INTERNATIONAL);
    again.verify('BEELINE', A + 2, B, t0 + 5000);
    const deltas = again.takeDeltas();
    const of = (operator: string, route: string) => deltas.find((d) => d.operator === operator && d.route === route);
    assert.deepEqual(
      { calls: of('BEELINE', 'international')?.calls, screened: of('BEELINE', 'international')?.screened },
      { calls: 1, screened: 1 },
    );
    assert.equal(of('BEELINE', 'domestic')?.screened, 1);
    assert.equal(of('KCELL', 'international')?.screened, 0);
  });
});

describe('coverage index kept over a restart in the records store', () => {
  for (const [name, open] of recordsAdapters) {
    it(`saves the index at a stop and gives it back once at the next start (${name})`, async () => {
      const { sql, done } = await open();
      try {
        await migrate(sql);
        const store = createComplianceStore(sql);
        const join = new CoverageJoin({ dayOf, retentionMs: DAY });
        for (let i = 0; i < 5000; i++) join.verify('BEELINE', A + i, B, t0 + i);
        const saved = join.snapshot();
        await store.saveSnapshot(saved, new Date(t0));
        const taken = await store.takeSnapshot();
        assert.ok(taken);
        assert.deepEqual(Buffer.from(taken.payload), Buffer.from(saved));
        assert.equal(taken.savedAt.getTime(), t0);
        const again = new CoverageJoin({ dayOf, retentionMs: DAY });
        assert.equal(again.restore(taken.payload, t0 + 60_000), 5000);
        assert.equal(await store.takeSnapshot(), null, 'a snapshot is restored once');
      } finally {
        await done();
      }
    });
  }
});
