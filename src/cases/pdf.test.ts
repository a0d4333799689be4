import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { caseTitleIn, describeEvent, evidenceRules } from './pdf.ts';
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

describe('case summary: words, not codes', () => {
  it('names the alert kind in titles and where items came from on the timeline', () => {
    assert.equal(caseTitleIn('simbox +77761234567', 'ru'), 'SIM-бокс +77761234567');
    assert.equal(caseTitleIn('Almaty farm', 'ru'), 'Almaty farm');
    const line = describeEvent(
      'items_added',
      {
        source: 'alertId alr_1',
        items: [
          { type: 'alert', value: 'alr_1' },
          { type: 'imei', value: '35693803564380' },
        ],
      },
      'ru',
    );
    assert.equal(line, 'добавлено 2 (из оповещения alr_1): оповещение alr_1, устройство (IMEI) 35693803564380');
    assert.doesNotMatch(line, /alertId/);
  });
});
