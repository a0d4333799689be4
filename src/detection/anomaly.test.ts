import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCdrText } from '../cdr/reader.ts';
import { CdrLines, victim } from '../cdr/test-support.ts';
import { loadPlan } from '../numbering/plan.ts';
import { FeatureStore } from './features.ts';
import { detect, loadModels } from './pipeline.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));

test('the backstop names a SIM far from its population, as a low-priority anomaly, only when asked', () => {
  const cdrs = new CdrLines('KCELL');
  // 200 ordinary subscribers: a few friends, calls both ways, SMS.
  for (let s = 0; s < 200; s++) {
    const me = `+7701500${String(1000 + s)}`;
    for (let k = 0; k < 12; k++) {
      const friend = victim(s * 10 + (k % 4));
      cdrs.voice(me, 'out', friend, k * 50 + s, 60 + ((k * 37) % 200), `ALA-${s % 20}`, {
        imei: `35332211${String(100000 + s)}0`,
      });
      cdrs.voice(me, 'in', friend, k * 50 + s + 20, 45, `ALA-${s % 20}`, { imei: `35332211${String(100000 + s)}0` });
      cdrs.sms(me, friend, k * 50 + s + 30, `ALA-${s % 20}`);
    }
  }
  // Something no rule foresaw: night-time bursts to consecutive numbers through a module shared by
  // many SIMs, while keeping enough SMS and incoming calls to miss the SIM-box and call-centre traits.
  const odd = '+77015009999';
  for (let k = 0; k < 300; k++) {
    cdrs.voice(odd, 'out', `+7705600${String(1000 + k)}`, -420 + k, k % 2 ? 40 : 0, `ALA-${k % 12}`, {
      imei: '861111111111110',
    });
    if (k % 3 === 0) cdrs.sms(odd, victim(k), -420 + k, 'ALA-1');
    if (k % 2 === 0) cdrs.voice(odd, 'in', victim(9000 + k), -420 + k, 30, 'ALA-1', { imei: '861111111111110' });
  }
  for (let s = 0; s < 6; s++)
    cdrs.voice(`+7701500888${s}`, 'out', victim(7000 + s), 100 + s, 30, 'ALA-1', { imei: '861111111111110' });
  const store = new FeatureStore(plan);
  for (const batch of parseCdrText(cdrs.text(), 'test.csv', plan).batches) store.addBatch(batch);
  const models = loadModels();
  assert.deepEqual(detect(store, models).anomalies, [], 'no anomalies unless asked');
  const { alerts, anomalies } = detect(store, models, { anomalies: true });
  assert.equal(alerts.length, 0, 'no fraud kind for it');
  assert.deepEqual(
    anomalies.map((a) => a.msisdn),
    [odd],
  );
  assert.equal(anomalies[0].kind, 'anomaly');
  assert.equal(anomalies[0].evidence.priority, 'low');
  const named = (anomalies[0].evidence.unusual as { feature: string }[]).map((u) => u.feature);
  assert.ok(named.includes('simsPerImei') && named.includes('outPerActiveDay'), named.join(', '));
});
