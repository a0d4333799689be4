import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CdrBatch } from '../cdr/batch.ts';
import { readCdrFile } from '../cdr/reader.ts';
import { loadPlan } from '../numbering/plan.ts';
import { findCdrFiles, simulate, simulatorAvailable } from './dataset.ts';
import { simRecords } from './detectors.ts';
import { FeatureStore } from './features.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));
let dir = '';
before(() => {
  if (simulatorAvailable()) dir = simulate('evasive', 3000, 2, 31);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Everything the fold keeps that the detectors read, as text: SIM features and records, devices, cells, sources. */
function snapshot(store: FeatureStore): string {
  const lines: string[] = [];
  const records = simRecords(store);
  for (const [msisdn, sim] of store.sims) {
    lines.push(
      `sim ${msisdn} ${JSON.stringify(store.simFeatures(sim))} ${JSON.stringify(records.get(msisdn))}`,
      `  imeis ${sim.imeis.join(' ')} cells ${[...sim.cells].join(' ')} top ${sim.cellCounts.top()}`,
      `  callers ${JSON.stringify([...sim.callerCounts.counts])} sms ${JSON.stringify([...sim.smsSenderCounts.counts])}`,
    );
  }
  for (const [imei, d] of store.imeis)
    lines.push(
      `imei ${imei} ${d.digits} sims ${[...d.sims].join(' ')} +${d.simsOverflow} cells ${[...d.cells].join(' ')} ${d.handovers} ${d.firstSeen} ${d.lastSeen}`,
    );
  for (const [id, c] of store.cells)
    lines.push(`cell ${id} ${store.cellNames[id]} ${c.sims.count} ${c.voiceOut} ${c.voiceIn}`);
  for (const [number, s] of store.sources)
    lines.push(`source ${number} ${JSON.stringify(store.sourceFeatures(s))} ${s.firstSeen} ${s.lastSeen}`);
  lines.push(`store ${store.rows} ${store.earliest} ${store.latest}`);
  return lines.join('\n');
}

/** The simulator run folded in batches of `batchSize` rows, `group` batches at a time. */
async function fold(batchSize: number, group = 1): Promise<FeatureStore> {
  const store = new FeatureStore(plan);
  let pending: CdrBatch[] = [];
  for (const file of findCdrFiles(dir))
    await readCdrFile(
      file,
      plan,
      (batch) => {
        pending.push(batch);
        if (pending.length < group) return;
        if (group === 1) store.addBatch(batch);
        else store.addBatches(pending);
        pending = [];
      },
      { batchSize },
    );
  if (pending.length > 0) store.addBatches(pending);
  return store;
}

/**
 * The digest of `snapshot` for this simulator run as the single-pass fold (before it was split
 * into per-entity folds and the SIM state was made compact) computed it: the fold's outputs must
 * not move when its code is reorganised.
 */
const BEFORE = 'f0b45d7bac16fd3860be4d0c99dc3a74a6c6acfecb8ebeef3527e73136a22bb8';

test('the fold gives the same features as the single-pass fold did, whatever the batch size and grouping', {
  skip: !simulatorAvailable(),
}, async () => {
  const whole = snapshot(await fold(65536));
  const digest = createHash('sha256').update(whole).digest('hex');
  assert.equal(digest, BEFORE);
  assert.equal(snapshot(await fold(333)), whole);
  assert.equal(snapshot(await fold(4096, 7)), whole);
  assert.equal(snapshot(await fold(1 << 20, 1000)), whole);
});
