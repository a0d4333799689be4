import assert from 'node:assert/strict';
import { test } from 'node:test';
import fastJson from 'fast-json-stringify';
import { smsAnswer } from '../sms/routes.ts';
import { type AnswerFields, answerSerializer, resultsSerializer } from './answer-json.ts';
import { reasonList } from './engine.ts';
import { verifyAnswer } from './routes.ts';
import { reasonBit } from './types.ts';

const answers: AnswerFields[] = [
  { decisionId: '0b6f1f9e-4a49-4c1e-9a57-3f7c0c1d2e3f', verdict: 'allow', reasons: [], shadow: false },
  {
    decisionId: '7d1c2b3a-1111-4222-8333-444455556666',
    verdict: 'block',
    reasons: ['SPOOFED_DOMESTIC_FROM_INTERNATIONAL', 'BLOCKLISTED'],
    shadow: false,
  },
  {
    decisionId: 'a',
    verdict: 'label',
    reasons: ['HIGH_RISK'],
    shadow: true,
    label: 'Возможное мошенничество «банк» "Kaspi" \\ \n\t\u0001 😀 Алаяқтық',
    labelCode: 'FRAUD_RISK',
    shadowVerdict: 'block',
  },
  {
    decisionId: 'b',
    verdict: 'allow',
    reasons: [],
    shadow: false,
    verstat: 'TN-Validation-Passed',
    attest: 'A',
  },
  { decisionId: 'c', verdict: 'label', reasons: ['SMS_LOOKALIKE_SENDER'], shadow: false, label: '', labelCode: 'L' },
];

test('call and SMS answers are written byte for byte as the compiled serializers of their schemas write them', () => {
  const json = answerSerializer();
  const compiledCall = fastJson(verifyAnswer as unknown as Parameters<typeof fastJson>[0]);
  const compiledSms = fastJson(smsAnswer as unknown as Parameters<typeof fastJson>[0]);
  for (const a of answers) {
    // Twice: the second time the label comes from the cache of escaped labels.
    for (let k = 0; k < 2; k++) {
      assert.equal(json(a), compiledCall(a));
      if (a.verstat === undefined) assert.equal(json(a), compiledSms(a));
    }
  }
});

test('a batch answer holds every answer and every item error in order, as one UTF-8 buffer', () => {
  const write = resultsSerializer();
  const json = answerSerializer();
  const error = { error: { code: 'INVALID_NUMBER', message: '"b" «номер» is not a phone number' } };
  const results = [answers[0], error, ...answers.slice(1)];
  // Twice: the second time the labels' bytes come from the cache.
  for (let k = 0; k < 2; k++) {
    const out = write({ results }) as unknown as Buffer;
    assert.ok(Buffer.isBuffer(out));
    assert.deepEqual(JSON.parse(out.toString('utf8')), { results });
    // Each answer byte for byte as a single verify writes it.
    const pieces = results.map((r) => ('error' in r ? JSON.stringify(r) : json(r)));
    assert.equal(out.toString('utf8'), `{"results":[${pieces.join(',')}]}`);
  }
  // An error answer of the whole request keeps its usual form.
  const refused = { code: 'BATCH_TOO_LARGE', message: 'at most 1000 calls per batch' };
  assert.equal(write(refused), JSON.stringify(refused));
});

test('a batch answer keeps each answer apart when the same reasons come with other verdicts, shadows, labels and tails', () => {
  const write = resultsSerializer();
  const json = answerSerializer();
  // Screening's shared, frozen reasons lists: their bytes are kept between answers and batches.
  const spoofed = reasonList(reasonBit('SPOOFED_DOMESTIC_FROM_ABROAD') | reasonBit('BLOCKLISTED_CLI'));
  const none = reasonList(0);
  const id = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const results: AnswerFields[] = [];
  for (let i = 0; i < 600; i++) {
    const reasons = i % 2 ? spoofed : none;
    const verdict = (['allow', 'label', 'block'] as const)[i % 3];
    const answer: AnswerFields = { decisionId: id(i), verdict, reasons, shadow: i % 5 === 0 };
    if (i % 7 === 0) answer.labelCode = i % 14 ? 'SUSPECTED_FRAUD' : 'VERIFIED_BUSINESS';
    // Labels long enough to outgrow the buffer the batch starts with.
    if (i % 7 === 0) answer.label = `${'Возможное мошенничество '.repeat(i % 28 ? 1 : 20)}${i % 3}`;
    if (i % 11 === 0) answer.shadowVerdict = 'block';
    if (i % 13 === 0) answer.verstat = 'TN-Validation-Passed';
    results.push(answer);
  }
  for (let k = 0; k < 2; k++) {
    const out = (write({ results }) as unknown as Buffer).toString('utf8');
    assert.equal(out, `{"results":[${results.map((r) => json(r)).join(',')}]}`);
  }
});
