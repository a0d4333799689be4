import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evidenceRules } from './pdf.ts';
import type { AlertRecord } from './sources.ts';

const alert = (id: string, rules: string[]): AlertRecord => ({
  id,
  kind: 'simbox',
  msisdn: '+77761234567',
  score: 0.9,
  status: 'open',
  operators: ['kcell'],
  imsi: null,
  imei: null,
  device: null,
  firstSeen: null,
  lastSeen: null,
  evidence: { rules },
});

describe('case summary: evidence rules', () => {
  it('lists the rules each alert met, in the summary language', () => {
    const alerts = [alert('alr_1', ['at least 20 outgoing calls', 'mostly outgoing voice']), alert('alr_2', [])];
    assert.deepEqual(evidenceRules(alerts, 'ru'), [
      {
        alertId: 'alr_1',
        number: '+77761234567',
        kind: 'simbox',
        rules: ['не менее 20 исходящих звонков', 'в основном исходящие звонки'],
      },
    ]);
    assert.deepEqual(evidenceRules(alerts, 'en')[0].rules, ['at least 20 outgoing calls', 'mostly outgoing voice']);
  });
});
