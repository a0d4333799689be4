import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CdrBatch } from '../cdr/batch.ts';
import { decodeBatch, encodeBatch } from '../ingest/codec.ts';
import { cdrCodec, cdrPartitioning, partitionOf } from './cdr-stream.ts';

function batchOf(msisdns: number[]): CdrBatch {
  const batch = new CdrBatch(msisdns.length);
  batch.file = 'test.csv';
  const operator = batch.intern('KCELL');
  msisdns.forEach((msisdn, i) => {
    batch.msisdn[i] = msisdn;
    batch.startedAt[i] = 1_740_000_000_000 + i;
    batch.operator[i] = operator;
    batch.cell[i] = -1;
  });
  batch.size = msisdns.length;
  return batch;
}

describe('CDR stream partitions', () => {
  it('puts every subscriber in one partition, in range, spread over all of them', () => {
    const seen = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) {
      const msisdn = 77_010_000_000 + i;
      const p = partitionOf(msisdn, 16);
      assert.ok(Number.isInteger(p) && p >= 0 && p < 16, `partition ${p}`);
      assert.equal(partitionOf(msisdn, 16), p);
      seen[p]++;
    }
    // A block of consecutive numbers (a SIM-box's SIMs) is spread, not piled on one worker.
    for (const count of seen) assert.ok(count > 500 && count < 1500, `counts ${seen.join(',')}`);
  });

  it('splits a batch by subscriber and carries each part through the codec unchanged', () => {
    const msisdns = Array.from({ length: 20_000 }, (_, i) => 77_010_000_000 + (i % 5000));
    const event = {
      batchId: 7,
      operator: 'KCELL',
      uploadId: 'upl_1',
      rows: msisdns.length,
      payload: encodeBatch(batchOf(msisdns)),
    };
    const parts = cdrPartitioning(8).split(event);
    let rows = 0;
    for (const { partition, event: part } of parts) {
      const [decoded] = cdrCodec.decode(cdrCodec.encode([part], 1 << 20)[0]);
      assert.equal(decoded.batchId, 7);
      assert.equal(decoded.partition, partition);
      const batch = decodeBatch(decoded.payload);
      assert.equal(batch.size, decoded.rows);
      for (let i = 0; i < batch.size; i++) assert.equal(partitionOf(batch.msisdn[i], 8), partition);
      rows += batch.size;
    }
    assert.equal(rows, msisdns.length);
  });
});
