import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scoreAlerts } from './score.ts';

const truth = [
  { msisdn: '+77010000001', kind: 'simbox', family: 'simbox_plain' },
  { msisdn: '+77010000002', kind: 'simbox', family: 'simbox_plain' },
  { msisdn: '+77010000003', kind: 'simbox', family: 'simbox_static_slots' },
  { msisdn: '+77010000004', kind: 'fraud_caller', family: 'fraud_cc_list_dialer' },
  { msisdn: '+21612345678', kind: 'wangiri', family: 'wangiri_burst' },
  { msisdn: '+77010000005', kind: 'taxi', family: 'legit_taxi' },
  { msisdn: '+77010000006', kind: 'normal', family: 'normal_social' },
  { msisdn: '+77010000007', kind: 'normal', family: 'normal_social' },
];

test('kinds are scored as the contract scores them, families show what each variant was alerted as', () => {
  const score = scoreAlerts(
    [
      { kind: 'simbox', msisdn: '+77010000001' },
      { kind: 'simbox', msisdn: '77010000002' },
      { kind: 'fraud_caller', msisdn: '+77010000003' },
      { kind: 'fraud_caller', msisdn: '+77010000004' },
      { kind: 'fraud_caller', msisdn: '+77010000005' },
      { kind: 'wangiri', msisdn: '+21612345678' },
    ],
    truth,
  );
  assert.deepEqual(score.kinds.simbox, { precision: 1, recall: 2 / 3, alerts: 2, truth: 3 });
  assert.deepEqual(score.kinds.fraud_caller, { precision: 1 / 3, recall: 1, alerts: 3, truth: 1 });
  assert.deepEqual(score.kinds.wangiri, { precision: 1, recall: 1, alerts: 1, truth: 1 });
  assert.equal(score.legitHeavyFpr, 1);
  assert.equal(score.normalFpr, 0);
  assert.deepEqual(score.families.simbox_static_slots, {
    kind: 'simbox',
    truth: 1,
    alerted: 1,
    alertedAs: { fraud_caller: 1 },
  });
  assert.deepEqual(score.families.normal_social, { kind: 'normal', truth: 2, alerted: 0, alertedAs: {} });
});
