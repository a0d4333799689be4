import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCdrText } from '../cdr/reader.ts';
import { CdrLines, victim } from '../cdr/test-support.ts';
import { loadPlan } from '../numbering/plan.ts';
import { simRecords } from './detectors.ts';
import { FeatureStore } from './features.ts';
import { detect, loadModels } from './pipeline.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));
const models = loadModels();
/** The detectors' alerts on the CDRs, fed straight into a feature store. */
function detectIn(cdrs: CdrLines) {
  const store = new FeatureStore(plan);
  for (const batch of parseCdrText(cdrs.text(), 'test.csv', plan).batches) store.addBatch(batch);
  return detect(store, models).alerts;
}

test('a SIM-box: 4 SIMs on 2 IMEIs in one cell, only outgoing calls to ever new numbers → one device', () => {
  const cdrs = new CdrLines('KCELL');
  for (let sim = 0; sim < 4; sim++)
    for (let k = 0; k < 60; k++)
      cdrs.voice(`+7701900000${sim}`, 'out', victim(sim * 100 + k), k * 12 + sim, 90 + (k % 7) * 20, 'ALA-7', {
        imei: sim < 2 ? '861111111111110' : '861111111111128',
      });
  const alerts = detectIn(cdrs);
  assert.deepEqual(alerts.map((a) => [a.kind, a.msisdn]).sort(), [
    ['simbox', '+77019000000'],
    ['simbox', '+77019000001'],
    ['simbox', '+77019000002'],
    ['simbox', '+77019000003'],
  ]);
  assert.equal(new Set(alerts.map((a) => a.device)).size, 1, 'one device for the co-located box');
  assert.ok(alerts[0].device);
  assert.ok(alerts[0].evidence.features.length > 0, 'evidence lists features');
});

test('a taxi dispatcher: moves over many cells, customers call first and get called back → no alert', () => {
  const cdrs = new CdrLines('KCELL');
  for (let k = 0; k < 60; k++) {
    const customer = victim(k);
    cdrs.voice('+77019000010', 'in', customer, k * 12, 40, `ALA-${k % 15}`);
    cdrs.voice('+77019000010', 'out', customer, k * 12 + 5, 25, `ALA-${k % 15}`);
    cdrs.data('+77019000010', k * 12 + 6, `ALA-${k % 15}`);
  }
  assert.deepEqual(detectIn(cdrs), []);
});

test('a fraud call-centre: co-located SIMs with many short, mostly unanswered calls → fraud_caller', () => {
  const cdrs = new CdrLines('KCELL');
  for (let sim = 0; sim < 3; sim++)
    for (let k = 0; k < 80; k++)
      cdrs.voice(
        `+7701900002${sim}`,
        'out',
        victim(1000 + sim * 100 + k),
        k * 6 + sim,
        k % 3 === 0 ? 4 + (k % 5) : 0,
        'ALA-9',
        {
          imei: `35222222222222${sim}`,
        },
      );
  const alerts = detectIn(cdrs);
  assert.deepEqual(
    alerts.map((a) => a.kind),
    ['fraud_caller', 'fraud_caller', 'fraud_caller'],
  );
});

test('wangiri: a foreign number rings 30 subscribers once at night, nobody answers → alert on the source', () => {
  const cdrs = new CdrLines('KCELL');
  for (let k = 0; k < 30; k++)
    cdrs.voice(victim(k), 'in', '+88213000555', -400 + k * 3, 0, 'ALA-1', { route: 'international' });
  const alerts = detectIn(cdrs);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].kind, 'wangiri');
  assert.equal(alerts[0].msisdn, '+88213000555');
});

test('an ordinary subscriber calling a few friends who call back → no alert', () => {
  const cdrs = new CdrLines('KCELL');
  const friends = [victim(1), victim(2), victim(3)];
  for (let k = 0; k < 30; k++) {
    cdrs.voice('+77019000030', 'out', friends[k % 3], k * 20, 120, 'ALA-2');
    cdrs.voice('+77019000030', 'in', friends[(k + 1) % 3], k * 20 + 10, 60, 'ALA-3');
    cdrs.sms('+77019000030', friends[k % 3], k * 20 + 11, 'ALA-2');
  }
  assert.deepEqual(detectIn(cdrs), []);
});

test('device grouping follows a SIM rotated into a box module after only two calls', () => {
  const cdrs = new CdrLines('KCELL');
  for (let sim = 0; sim < 3; sim++)
    for (let k = 0; k < 60; k++)
      cdrs.voice(`+7701900004${sim}`, 'out', victim(2000 + sim * 100 + k), k * 12 + sim, 90 + (k % 7) * 20, 'ALA-5', {
        imei: '861111111111999',
      });
  cdrs.voice('+77019000049', 'out', victim(2900), 800, 120, 'ALA-5', { imei: '861111111111999' });
  cdrs.voice('+77019000049', 'out', victim(2901), 812, 150, 'ALA-5', { imei: '861111111111999' });
  const alerts = detectIn(cdrs);
  const rotated = alerts.find((a) => a.msisdn === '+77019000049');
  assert.ok(rotated, 'the rotated SIM is alerted');
  assert.equal(rotated.kind, 'simbox');
  assert.equal(new Set(alerts.map((a) => a.device)).size, 1);
  assert.match(rotated.evidence.rules[0], /rotated into the IMEI/);
});

test('a quiet SIM of a box, called by its siblings, has its farm traffic set apart like any other', () => {
  // Three SIMs of one gateway call out a lot, and call the fourth, which itself calls out only
  // five times: too few calls to be judged, but its incoming calls are the farm's own.
  const cdrs = new CdrLines('KCELL');
  const imei = { imei: '861111111111110' };
  for (let sim = 0; sim < 3; sim++)
    for (let k = 0; k < 40; k++) {
      cdrs.voice(`+7701900000${sim}`, 'out', victim(sim * 100 + k), k * 12 + sim, 90, 'ALA-7', imei);
      if (k % 4 === 0) cdrs.voice(`+7701900000${sim}`, 'out', '+77019000003', k * 12 + sim + 1, 60, 'ALA-7', imei);
    }
  for (let k = 0; k < 5; k++) cdrs.voice('+77019000003', 'out', victim(900 + k), k * 30, 90, 'ALA-7', imei);
  for (let sim = 0; sim < 3; sim++)
    for (let k = 0; k < 40; k += 4)
      cdrs.voice('+77019000003', 'in', `+7701900000${sim}`, k * 12 + sim + 1, 60, 'ALA-7', imei);
  const store = new FeatureStore(plan);
  for (const batch of parseCdrText(cdrs.text(), 'test.csv', plan).batches) store.addBatch(batch);
  const quiet = detect(store, models).simScores.find((s) => s.msisdn === 77019000003);
  assert.ok(quiet);
  assert.equal(quiet.eligible, false);
  assert.equal(quiet.features.farmCallsIn, 30, 'the calls from its siblings');
  assert.equal(quiet.features.voiceIn, 0, 'no call in from the outside world');
  assert.deepEqual(quiet.features, simRecords(store).get(77019000003));
});
