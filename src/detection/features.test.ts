import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CdrBatch } from '../cdr/batch.ts';
import { parseCdrText, readCdrFile } from '../cdr/reader.ts';
import { CDR_HEADER } from '../cdr/test-support.ts';
import { decodeBatch, encodeBatch } from '../ingest/codec.ts';
import { loadPlan } from '../numbering/plan.ts';
import { findCdrFiles, simulate, simulatorAvailable } from './dataset.ts';
import { simGates, simRecords } from './detectors.ts';
import { FeatureStore } from './features.ts';
import { NumberTable } from './number-table.ts';
import { analyzeFilesThreaded } from './parallel.ts';
import { loadModels } from './pipeline.ts';

const planPath = join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json');
const plan = loadPlan(planPath);
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
      `imei ${imei} ${d.digits} sims ${[...d.simList()].join(' ')} +${d.simsOverflow} ${d.handovers} ${d.firstSeen} ${d.lastSeen}`,
    );
  for (const [id, c] of store.cells)
    lines.push(`cell ${id} ${store.cellNames[id]} ${c.sims.count} ${c.voiceOut} ${c.voiceIn}`);
  for (const [number, s] of store.sources)
    lines.push(`source ${number} ${JSON.stringify(store.sourceFeatures(s))} ${s.firstSeen} ${s.lastSeen}`);
  lines.push(`store ${store.rows} ${store.earliest} ${store.latest}`);
  return lines.join('\n');
}

/**
 * The simulator run folded in batches of `batchSize` rows, `group` batches at a time; with
 * `numbered`, each row's SIM numbered in order of first appearance; with `handedOver`, each
 * batch also encoded and decoded and folded with its numbers, as analyze's parsing thread hands it over.
 */
async function fold(batchSize: number, group = 1, numbered = false, handedOver = false): Promise<FeatureStore> {
  const store = new FeatureStore(plan);
  const numbers = new NumberTable<number>();
  let pending: CdrBatch[] = [];
  let pendingIds: Int32Array[] = [];
  const flush = () => {
    if (handedOver)
      pending.forEach((batch, b) => {
        store.addBatchWithSimIds(decodeBatch(encodeBatch(batch)), pendingIds[b]);
      });
    else if (group === 1 && !numbered) store.addBatch(pending[0]);
    else store.addBatches(pending, numbered ? pendingIds : null);
    pending = [];
    pendingIds = [];
  };
  for (const file of findCdrFiles(dir))
    await readCdrFile(
      file,
      plan,
      (batch) => {
        pending.push(batch);
        pendingIds.push(
          Int32Array.from(batch.msisdn.subarray(0, batch.size), (msisdn) => {
            const id = numbers.get(msisdn);
            if (id !== undefined) return id;
            numbers.add(msisdn, numbers.size);
            return numbers.size - 1;
          }),
        );
        if (pending.length >= group) flush();
      },
      { batchSize },
    );
  if (pending.length > 0) flush();
  return store;
}

/**
 * The digest of `snapshot` for this simulator run as the single-pass fold (before it was split
 * into per-entity folds and the SIM state was made compact) computed it: the fold's outputs must
 * not move when its code is reorganised. (Taken again, from the fold that still matched the
 * first digest, when the devices' cells, which nothing read, left the fold and the snapshot.)
 */
const BEFORE = 'c8fb7b8c0a991c9d8ef1762b436bd50bded6f149eddd4ca210ca89bb781d7e64';

test('the fold gives the same features as the single-pass fold did, whatever the batch size, grouping, SIM numbering and row order', {
  skip: !simulatorAvailable(),
}, async () => {
  const whole = snapshot(await fold(65536));
  const digest = createHash('sha256').update(whole).digest('hex');
  assert.equal(digest, BEFORE);
  assert.equal(snapshot(await fold(333)), whole);
  assert.equal(snapshot(await fold(4096, 7)), whole);
  assert.equal(snapshot(await fold(1 << 20, 1000)), whole);
  assert.equal(snapshot(await fold(5000, 3, true)), whole);
  assert.equal(snapshot(await fold(65536, 1, true, true)), whole);
  assert.equal(snapshot(await fold(777, 1, true, true)), whole);
});

test('analyze on two threads folds what one thread folds, over many batches and blocks of SIMs handed over', {
  skip: !simulatorAvailable(),
}, async () => {
  const whole = snapshot(await fold(65536));
  // 3 000 subscribers: several blocks of SIMs made on the reading thread; small batches, so that
  // batch memory goes back and forth many times and parsed batches are filled again.
  const threaded = await analyzeFilesThreaded(findCdrFiles(dir), planPath, plan, loadModels(), {
    threads: 2,
    batchRows: 5000,
  });
  assert.ok(threaded.store.sims.size > 2048, `${threaded.store.sims.size} SIMs`);
  assert.equal(snapshot(threaded.store), whole);
  // The blocks of SIMs all made by the reading thread, or the first by the folding thread and the
  // rest by the reading thread: each block holds the SIMs of its number, whoever made it.
  for (const blocksAhead of [0, 1]) {
    const again = await analyzeFilesThreaded(findCdrFiles(dir), planPath, plan, loadModels(), {
      threads: 2,
      batchRows: 5000,
      blocksAhead,
    });
    assert.equal(snapshot(again.store), whole, `${blocksAhead} made ahead`);
  }
  // The detectors made the passive SIMs' records only when read: the same records, in the same
  // order, and the gates each passes.
  const passive = threaded.simScores.filter((s) => s.features.voiceOut < 10 || s.features.outShare < 0.6).length;
  assert.ok(passive > 100, `${passive} passive SIMs`);
  const records = simRecords(threaded.store);
  assert.deepEqual(
    threaded.simScores.map((s) => [s.msisdn, s.features]),
    [...records],
  );
  assert.deepEqual(
    threaded.simScores.map((s) => [s.msisdn, s.gates, s.eligible]),
    [...records].map(([msisdn, record]) => [msisdn, simGates(record).gates, simGates(record).eligible]),
  );
});

/**
 * Rows that push the device bookkeeping to its edges: 400 SIMs through one IMEI (past the limit
 * of SIMs kept per device), the same IMEI spelt with 14, 15 and 16 digits, SIMs hopping between
 * devices and cells, all interleaved.
 */
function crowdedDevice(): string {
  const lines = [CDR_HEADER];
  let seed = 1;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  for (let k = 0; k < 20_000; k++) {
    const sim = 77010000000 + Math.floor(next() * 400);
    const imei =
      next() < 0.7 ? '352906116834153' : next() < 0.5 ? '0352906116834153' : `35290611683415${Math.floor(next() * 3)}`;
    const at = `${new Date(Date.UTC(2025, 2, 3) + k * 20_000).toISOString().slice(0, 19)}+05:00`;
    const event = next() < 0.7 ? 'voice' : 'sms';
    const other = `+7705${1_000_000 + Math.floor(next() * 50)}`;
    const direction = next() < 0.6 ? 'out' : 'in';
    lines.push(
      `${k},KCELL,${event},${direction},+${sim},${other},,${imei},C${Math.floor(next() * 5)},${at},${Math.floor(next() * 100)},${next() < 0.5 ? 1 : 0},,`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `crowdedDevice` as the single-pass fold folded it (batches of 2 000 rows, idle SIMs evicted after the third). */
const CROWDED_BEFORE = '54c6861f5ec001a655f85be534951aa5ceb238d155d4f8043208c8b2e0af0bcd';

test('a device past its SIM limit, IMEI spellings and an eviction fold as the single-pass fold did', () => {
  const store = new FeatureStore(plan);
  const { batches } = parseCdrText(crowdedDevice(), 'crowded.csv', plan, { batchSize: 2000 });
  batches.forEach((batch, k) => {
    store.addBatch(batch);
    if (k === 2) store.evictIdle(store.latest - 6 * 3_600_000);
  });
  assert.equal(createHash('sha256').update(snapshot(store)).digest('hex'), CROWDED_BEFORE);
});
