import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CitationCheck } from './citations.ts';
import {
  caseTitleIn,
  citationRows,
  citationSummary,
  decisionText,
  describeEvent,
  evidenceRules,
  suspensionText,
} from './pdf.ts';
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
  createdAt: null,
  decidedBy: null,
  decidedAt: null,
  decisionReason: null,
  suspension: null,
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

describe('case summary: decisions and SIM suspension requests', () => {
  const request = {
    id: 'sus_1',
    operator: 'KCELL',
    status: 'requested',
    requestedAt: '2026-03-02T06:00:00.000Z',
    requestedBy: 'user:aigerim',
    deadline: '2026-03-04T13:00:00.000Z',
    ackedAt: null,
    ackedBy: null,
    note: null,
  };

  it('says who decided, when and why', () => {
    const decided = {
      ...alert('alr_1', []),
      status: 'confirmed',
      decidedBy: 'user:aigerim',
      decidedAt: '2026-03-02T06:00:00.000Z',
      decisionReason: 'GoIP box seen on site',
    };
    assert.equal(
      decisionText(decided, 'en'),
      'confirmed 2026-03-02 06:00 UTC; by: aigerim; reason: GoIP box seen on site',
    );
    assert.equal(decisionText(alert('alr_2', []), 'ru'), 'ждёт решения');
  });

  it('marks an unanswered request past its deadline overdue, and an answer after it late', () => {
    assert.equal(
      suspensionText(request, 'en', '2026-03-05T00:00:00.000Z'),
      'KCELL: requested 2026-03-02 06:00 UTC (by: aigerim); deadline 2026-03-04 13:00 UTC; awaiting answer; OVERDUE',
    );
    assert.doesNotMatch(suspensionText(request, 'en', '2026-03-03T00:00:00.000Z'), /OVERDUE/);
    const late = {
      ...request,
      status: 'suspended',
      ackedAt: '2026-03-05T08:00:00.000Z',
      ackedBy: 'operator:KCELL:key_1',
      note: 'SIM blocked',
    };
    assert.equal(
      suspensionText(late, 'ru', '2026-03-06T00:00:00.000Z'),
      'KCELL: запрошено 2026-03-02 06:00 UTC (кто: aigerim); срок 2026-03-04 13:00 UTC; ' +
        'SIM заблокирована — ответ 2026-03-05 08:00 UTC (operator:KCELL:key_1); «SIM blocked»; ответ после срока',
    );
    assert.equal(suspensionText(null, 'en', '2026-03-06T00:00:00.000Z'), 'none requested');
  });
});

describe('case summary: integrity of the cited records', () => {
  const digest = (c: string) => c.repeat(64);
  const checks: CitationCheck[] = [
    {
      type: 'alert',
      value: 'alr_1',
      digestAtCitation: digest('a'),
      digestNow: digest('a'),
      changed: false,
      auditSeq: 7,
      citedAt: '2026-03-02T06:00:00.000Z',
      expectedDigest: digest('a'),
      expectedFrom: 'citation',
      expectedAuditSeq: 7,
      expectedAt: '2026-03-02T06:00:00.000Z',
    },
    {
      type: 'report',
      value: 'rep_1',
      digestAtCitation: null,
      digestNow: digest('c'),
      changed: null,
      auditSeq: null,
      citedAt: null,
      expectedDigest: null,
      expectedFrom: null,
      expectedAuditSeq: null,
      expectedAt: null,
    },
    {
      type: 'alert',
      value: 'alr_2',
      digestAtCitation: digest('a'),
      digestNow: digest('b'),
      changed: true,
      auditSeq: 9,
      citedAt: '2026-03-02T07:00:00.000Z',
      expectedDigest: digest('a'),
      expectedFrom: 'citation',
      expectedAuditSeq: 9,
      expectedAt: '2026-03-02T07:00:00.000Z',
    },
  ];

  it('lists changed records first, with both digests and the audit entry that recorded the first', () => {
    const rows = citationRows(checks, 'en');
    assert.deepEqual(rows[0], [
      'alert alr_2',
      `${digest('a')} (audit entry #9, 2026-03-02 07:00 UTC)`,
      digest('b'),
      'CHANGED SINCE CITATION',
    ]);
    assert.deepEqual(rows[1], [
      'report rep_1',
      'not recorded (cited before digests were kept)',
      digest('c'),
      'not recorded (cited before digests were kept)',
    ]);
    assert.equal(rows[2][3], 'unchanged');
    assert.equal(citationRows(checks, 'ru')[0][3], 'ИЗМЕНЕНА ПОСЛЕ ВКЛЮЧЕНИЯ В ДЕЛО');
  });

  it('sums the check up in one line', () => {
    assert.equal(
      citationSummary(checks, 'en'),
      'checked: 3; unchanged: 1; CHANGED SINCE CITATION: 1; not recorded (cited before digests were kept): 1',
    );
  });
});
