import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCdrText } from '../cdr/reader.ts';
import { CdrLines } from '../cdr/test-support.ts';
import { loadPlan } from '../numbering/plan.ts';
import { decodeBatch, encodeBatch } from './codec.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));

/** Rows with every column filled in some of them: IMSI, IMEI (with a leading zero), cells, operators, data bytes. */
function sampleBatch() {
  const cdrs = new CdrLines('KCELL');
  for (let k = 0; k < 40; k++) {
    const msisdn = `+7701${String(1000000 + (k % 7)).padStart(7, '0')}`;
    if (k % 5 === 4) cdrs.data(msisdn, k, `C${k % 3}`);
    else
      cdrs.voice(msisdn, k % 2 === 0 ? 'out' : 'in', `+7705${1000000 + k}`, k, (k * 7) % 90, `C${k % 4}`, {
        imei: k % 3 === 0 ? `0${35290611683415 + k}` : `35290611683415${k % 10}`,
        imsi: `40101${String(1_000_000_000 + k)}`,
        operator: k % 2 === 0 ? 'KCELL' : 'TELE2',
        route: k % 6 === 1 ? 'international' : undefined,
      });
  }
  const { batches } = parseCdrText(cdrs.text(), 'sample.csv', plan);
  assert.equal(batches.length, 1);
  return batches[0];
}

const columns = [
  'line',
  'event',
  'direction',
  'route',
  'otherKind',
  'answered',
  'localHour',
  'msisdn',
  'otherParty',
  'startedAt',
  'durationS',
  'bytes',
  'imsi',
  'imsiDigits',
  'imei',
  'imeiDigits',
  'cell',
  'operator',
] as const;

test('a batch encoded with a row order decodes to those rows in that order, every column and string intact', () => {
  const batch = sampleBatch();
  const order = Int32Array.from({ length: batch.size }, (_, i) => (i * 17) % batch.size).reverse();
  for (const share of [false, true]) {
    const sorted = decodeBatch(encodeBatch(batch, order), { share });
    assert.equal(sorted.size, batch.size);
    assert.deepEqual(sorted.strings, batch.strings);
    for (let k = 0; k < order.length; k++) {
      for (const column of columns) assert.equal(sorted[column][k], batch[column][order[k]], `${column} of row ${k}`);
      assert.deepEqual({ ...sorted.row(k), recordId: '' }, { ...batch.row(order[k]), recordId: '' });
    }
  }
  // A subset, as the journal keeps only the rows it takes.
  const some = Int32Array.of(3, 0, 39);
  const subset = decodeBatch(encodeBatch(batch, some));
  assert.equal(subset.size, 3);
  assert.deepEqual(subset.row(2), { ...batch.row(39), recordId: '' });
});
