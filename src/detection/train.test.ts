import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadPlan } from '../numbering/plan.ts';
import { migrate, openPglite } from '../platform/sql.ts';
import { labelledDir } from './evaluate.ts';
import { writeSynthetic } from './synthetic.ts';
import { fitModels, readDecisions } from './train-cli.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));

test("analysts' decisions become training examples: the model changes version and says how many it learnt from", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-decisions-'));
  const sql = await openPglite(join(dataDir, 'pglite'));
  await migrate(sql);
  const inputs = {
    volume: 1,
    outgoing: 1,
    noLife: 1,
    strangers: 1,
    onePlace: 1,
    device: 0.6,
    gateway: 0,
    conversations: 1,
  };
  const insert = (id: string, kind: string, msisdn: string, status: string, evidence: unknown) =>
    sql.query(
      `insert into alerts (id, kind, msisdn, score, evidence, status) values ($1, $2, $3, 0.9, $4::jsonb, $5)`,
      [id, kind, msisdn, JSON.stringify(evidence), status],
    );
  await insert('alr_1', 'simbox', '+77011230001', 'confirmed', { features: [], rules: [], inputs });
  await insert('alr_2', 'simbox', '+77011230002', 'dismissed', {
    features: [],
    rules: [],
    inputs: { ...inputs, noLife: 0 },
  });
  await insert('alr_3', 'fraud_caller', '+77011230003', 'open', { features: [], rules: [], inputs });
  await insert('alr_4', 'wangiri', '+88213000555', 'confirmed', {
    features: [
      { feature: 'calls', value: 30, contribution: 1 },
      { feature: 'distinctVictims', value: 30, contribution: 1 },
    ],
    rules: [],
  });
  await sql.close();
  const decisions = await readDecisions(dataDir);
  assert.deepEqual(
    decisions.simKinds,
    ['simbox', 'none'],
    'confirmed keeps its kind, dismissed is none, open is no label',
  );
  assert.deepEqual(decisions.sourceKinds, ['wangiri']);

  const dir = mkdtempSync(join(tmpdir(), 'callshield-train-'));
  await writeSynthetic(join(dir, 'cdr-synthetic.csv'), join(dir, 'truth.csv'), { subscribers: 1500, days: 2, seed: 3 });
  const { set } = await labelledDir(dir, plan);
  const plain = fitModels([set]);
  const taught = fitModels([set], decisions);
  assert.match(plain.version ?? '', /^2\.[0-9a-f]{8}$/);
  assert.notEqual(taught.version, plain.version);
  assert.equal((taught.sim.trainedOn as { fromDecisions: number }).fromDecisions, 10);
  assert.equal((plain.sim.trainedOn as { fromDecisions: number }).fromDecisions, 0);
});
