/**
 * The console's texts are complete in every language: Russian and Kazakh have exactly the English
 * keys, no text is empty, Kazakh is a translation (not Russian left in place), and the technical
 * tokens (IMEI, ZIP, CSV, 403, PUT /v1/cells…) are kept as they are. Every error code of the API,
 * every feature of the detection models, every rule sentence and trait name of the detectors and
 * every fact of an alert's evidence has its text, and every screening reason code
 * (src/screening/types.ts) its label.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { errorCodes } from '../../src/errors.ts';
import { ingressTypes, type LabelCode, reasonCodes } from '../../src/screening/types.ts';
import { ApiError } from '../src/api/client.ts';
import { errorLine, errorText } from '../src/errors.ts';
import { evidenceLabel, evidenceRows, featureLabel, ruleText, traitText } from '../src/evidence.ts';
import type { Fact } from '../src/facts.ts';
import { formatters } from '../src/format.ts';
import { cityNames, en, kk, labelCodeLabel, type MessageKey, reasonLabel, ru } from '../src/messages.ts';
import * as cases from '../src/pages/cases/messages.ts';
import * as compliance from '../src/pages/compliance/messages.ts';
import * as reports from '../src/pages/reports/messages.ts';
import * as speak from '../src/speak-messages.ts';

const dictionaries = [
  { name: 'console', en, ru, kk },
  { name: 'cases', en: cases.en, ru: cases.ru, kk: cases.kk },
  { name: 'compliance', en: compliance.en, ru: compliance.ru, kk: compliance.kk },
  { name: 'reports', en: reports.en, ru: reports.ru, kk: reports.kk },
  { name: 'analyst language', en: speak.en, ru: speak.ru, kk: speak.kk },
] as { name: string; en: Record<string, string>; ru: Record<string, string>; kk: Record<string, string> }[];

/** Latin words and numbers: reason codes, identifiers, formats, units of the API. */
const tokens = (text: string) => (text.match(/[A-Za-z][A-Za-z0-9]*|\d+/g) ?? []).sort();

for (const d of dictionaries) {
  describe(`${d.name} texts`, () => {
    const keys = Object.keys(d.en).sort();

    it('has exactly the English keys in Russian and Kazakh', () => {
      assert.ok(keys.length > 40);
      assert.deepEqual(Object.keys(d.ru).sort(), keys);
      assert.deepEqual(Object.keys(d.kk).sort(), keys);
    });

    it('has no empty text', () => {
      for (const language of ['en', 'ru', 'kk'] as const) {
        for (const key of keys) {
          const text = d[language][key];
          assert.equal(typeof text, 'string', `${language} ${key}`);
          assert.ok(text.trim().length > 0, `${language} ${key} is empty`);
        }
      }
    });

    it('translates at least 90 % of the texts into Kazakh (not left in Russian)', () => {
      const same = keys.filter((key) => d.kk[key] === d.ru[key]);
      const share = 1 - same.length / keys.length;
      assert.ok(share >= 0.9, `only ${(share * 100).toFixed(1)} % differ; the same as Russian: ${same.join(', ')}`);
    });

    it('writes Kazakh in Cyrillic, with the Kazakh letters', () => {
      const kazakhLetters = /[әғқңөұүһі]/i;
      const withLetters = keys.filter((key) => kazakhLetters.test(d.kk[key]));
      assert.ok(withLetters.length / keys.length > 0.5, `${withLetters.length} of ${keys.length}`);
      for (const key of keys) assert.doesNotMatch(d.kk[key], /[ёъщ]/i, `${key}: Russian-only letters in Kazakh`);
    });

    it('keeps technical tokens and numbers as in Russian', () => {
      for (const key of keys) assert.deepEqual(tokens(d.kk[key]), tokens(d.ru[key]), key);
    });
  });
}

describe('city names on the map', () => {
  it('names every city in every language', () => {
    for (const [id, names] of Object.entries(cityNames)) {
      for (const language of ['en', 'ru', 'kk'] as const) assert.ok(names[language].trim(), `${id} ${language}`);
    }
  });
});

/** A dictionary as the console's `t`: the text, else the key (as i18n.tsx falls back). */
const textsOf =
  (dictionary: Record<string, string>) =>
  (key: MessageKey): string =>
    dictionary[key] ?? key;
const languages = { en, ru, kk } as Record<'en' | 'ru' | 'kk', Record<string, string>>;
const detection = join(import.meta.dirname, '..', '..', 'src', 'detection');

describe('error texts', () => {
  it('has a text for every error code of the API', () => {
    for (const code of Object.keys(errorCodes)) assert.ok(en[`error.${code}` as MessageKey], `error.${code}`);
  });

  it('shows the text of the code, with the server message only where it names what to fix', () => {
    const t = textsOf(ru);
    assert.deepEqual(errorText(t, new ApiError(429, 'RATE_LIMITED', 'too many wrong passwords; try again later')), {
      text: ru['error.RATE_LIMITED'],
      detail: undefined,
      code: 'RATE_LIMITED',
    });
    assert.equal(
      errorLine(t, new ApiError(400, 'VALIDATION_FAILED', '"reason" is required')),
      `${ru['error.VALIDATION_FAILED']}: "reason" is required`,
    );
    assert.equal(
      errorLine(t, new ApiError(401, 'INVALID_CREDENTIALS', 'wrong user name or password')),
      ru['error.INVALID_CREDENTIALS'],
    );
    // A code newer than the console still says something, and what the server said.
    assert.deepEqual(errorText(t, new ApiError(418, 'SOMETHING_NEW', 'a new failure')), {
      text: ru['common.error'],
      detail: 'a new failure',
      code: 'SOMETHING_NEW',
    });
    assert.equal(errorLine(t, new TypeError('Failed to fetch')), ru['common.error']);
  });
});

describe('alert evidence texts', () => {
  it('labels every feature of the detection models, in every language', () => {
    const model = JSON.parse(readFileSync(join(detection, 'model.json'), 'utf8')) as Record<
      string,
      { features: string[] }
    >;
    // Besides the models, model.json holds its version, training and metrics: only models have features.
    const names = Object.values(model).flatMap((m) => (Array.isArray(m?.features) ? m.features : []));
    assert.ok(names.length > 15);
    for (const name of names) {
      for (const [language, dictionary] of Object.entries(languages)) {
        const label = featureLabel(textsOf(dictionary), name);
        assert.notEqual(label, name, `${language}: no label for feature ${name}`);
      }
    }
  });

  it('labels every per-SIM and per-source feature (the evidence keys of features.ts)', () => {
    const source = readFileSync(join(detection, 'features.ts'), 'utf8');
    const names: string[] = [];
    for (const block of ['SimFeatures', 'SourceFeatures']) {
      const body = new RegExp(`export interface ${block} \\{([^}]*)\\}`).exec(source)?.[1] ?? '';
      names.push(...[...body.matchAll(/^\s*(\w+)\??:/gm)].map((m) => m[1]));
    }
    assert.ok(names.length > 30, `${names.length} features read from features.ts`);
    for (const name of names) assert.ok(en[`feature.${name}` as MessageKey], `feature.${name}`);
    for (const key of ['deviceSims', 'imeis', 'voiceOut', 'voiceIn']) {
      assert.notEqual(evidenceLabel(textsOf(ru), key), key, key);
      assert.notEqual(evidenceLabel(textsOf(kk), key), key, key);
    }
  });

  /**
   * The rule sentences the detectors write: the string literals of `gates.push(…)` and of
   * `rules: […]` in src/detection, a template literal's `${…}` standing for a value.
   */
  const literal = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;
  const sentences: { text: string; values: string[] }[] = [];
  for (const file of readdirSync(detection).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const source = readFileSync(join(detection, file), 'utf8');
    const places = [
      ...[...source.matchAll(/gates\.push\(([^;]*?)\);/g)].map((m) => m[1]),
      ...[...source.matchAll(/rules:\s*\[([^\]]*)\]/g)].map((m) => m[1]),
    ];
    for (const place of places) {
      for (const m of place.matchAll(literal)) {
        const values: string[] = [];
        const text = (m[1] ?? m[2] ?? m[3]).replace(/\$\{[^}]*\}/g, () => {
          values.push(`+7701000000${values.length}`);
          return values[values.length - 1];
        });
        sentences.push({ text, values });
      }
    }
  }

  it('finds the rule sentences in the detectors', () => {
    assert.ok(sentences.length >= 7, sentences.map((s) => s.text).join(' | '));
    assert.ok(
      sentences.some((s) => s.values.length > 0),
      'a sentence with a value',
    );
  });

  it('translates every rule sentence the detectors write, keeping its values', () => {
    for (const { text, values } of sentences) {
      assert.equal(ruleText(textsOf(en), text), text, `no template reproduces "${text}"`);
      for (const dictionary of [ru, kk]) {
        const translated = ruleText(textsOf(dictionary), text);
        assert.notEqual(translated, text, `no translation of "${text}"`);
        assert.doesNotMatch(translated, /\{\w+\}/, translated);
        for (const value of values) assert.ok(translated.includes(value), `${translated} lacks ${value}`);
      }
    }
  });

  it('names every defining trait the detectors write, in every language', () => {
    const source = readFileSync(join(detection, 'traits.ts'), 'utf8');
    // Each trait of TRAITS: { id: '…', name: '…', keys: […] }.
    const names = [...source.matchAll(/\bid: '(\w+)',\s*name:\s*'([^']+)'/g)].map((m) => m[2]);
    assert.ok(names.length >= 10, `${names.length} traits read from traits.ts`);
    for (const name of names) {
      assert.ok(
        Object.entries(en).some(([key, text]) => key.startsWith('trait.') && text === name),
        `no English text reproduces the trait "${name}"`,
      );
      const english = traitText(textsOf(en), name);
      assert.equal(english, name.charAt(0).toUpperCase() + name.slice(1));
      for (const dictionary of [ru, kk]) assert.notEqual(traitText(textsOf(dictionary), name), english, name);
    }
    assert.equal(traitText(textsOf(ru), 'a trait added tomorrow'), 'A trait added tomorrow');
  });

  it('labels the facts of an alert beside its rules and features, in every language', () => {
    // The keys of the evidence the detectors, the device pass, the backstop and the banks write.
    const keys = [
      'traits',
      'otherKind',
      'traitScores',
      'modelProbability',
      'inputs',
      'detector',
      'model',
      'imeis',
      'deviceSims',
      'priority',
      'unusual',
      'incidents',
      'kind',
      'score',
      'median',
      'z',
    ];
    for (const key of keys)
      for (const dictionary of [en, ru, kk]) assert.notEqual(evidenceLabel(textsOf(dictionary), key), key, key);
    // What raised the alert: the traits, the model or both (decideKind), or the backstop's sentence.
    const anomaly = /detector: '([^']+)'/.exec(readFileSync(join(detection, 'anomaly.ts'), 'utf8'))?.[1];
    assert.ok(anomaly, 'the backstop names itself');
    for (const value of ['traits', 'model', 'traits+model', anomaly]) {
      const shown = evidenceRows({ detector: value }, textsOf(ru), formatters('ru'))[0].text;
      assert.ok(shown && shown !== value, `detector "${value}" shown as ${shown}`);
    }
  });

  it('shows records and lists of the evidence as labelled values, never as JSON', () => {
    const rows = evidenceRows(
      {
        features: [],
        rules: [],
        otherKind: {
          kind: 'fraud_caller',
          score: 0.84,
          traits: [{ trait: 'bulk volume', strength: 1, values: { outPerActiveDay: 60 } }],
        },
        inputs: { volume: 1, office: 0.778 },
        unusual: [{ feature: 'outShare', value: 0.97, median: 0.42, z: 5.25 }],
        somethingNew: { nested: [{ a: 1 }] },
      },
      textsOf(en),
      formatters('en'),
    );
    const flat = (list: Fact[]): string[] => list.flatMap((r) => [r.label, r.text ?? '', ...flat(r.rows ?? [])]);
    assert.doesNotMatch(flat(rows).join(' '), /[{}[\]"]/);
    assert.deepEqual(
      rows.map((r) => r.key),
      ['otherKind', 'inputs', 'unusual', 'somethingNew'],
    );
    const [otherKind, inputs, unusual] = rows;
    assert.deepEqual(
      otherKind.rows?.map((r) => [r.label, r.text]),
      [
        [en['evidence.kind'], en['alerts.kind.fraud_caller']],
        [en['evidence.score'], '0.84'],
        [en['evidence.traits'], undefined],
      ],
    );
    assert.deepEqual(otherKind.rows?.[2].rows?.[0], {
      key: 'bulk volume',
      label: 'Bulk volume',
      text: '100%',
      rows: [{ key: 'outPerActiveDay', label: en['feature.outPerActiveDay'], text: '60' }],
    });
    assert.deepEqual(
      inputs.rows?.map((r) => [r.label, r.text]),
      [
        [en['feature.volume'], '100%'],
        [en['feature.office'], '77.8%'],
      ],
    );
    assert.deepEqual(unusual.rows?.[0], {
      key: 'outShare',
      label: en['feature.outShare'],
      text: '97%',
      rows: [
        { key: 'median', label: en['evidence.median'], text: '42%' },
        { key: 'z', label: en['evidence.z'], text: '5.3' },
      ],
    });
  });

  it('shows an unknown rule as the server wrote it', () => {
    assert.equal(ruleText(textsOf(ru), 'a rule added tomorrow'), 'a rule added tomorrow');
    assert.equal(ruleText(textsOf(ru), 'mostly outgoing voice, and more'), 'mostly outgoing voice, and more');
  });
});

describe('screening codes', () => {
  const all = ['en', 'ru', 'kk'] as const;

  it('labels every reason code of screening, in every language', () => {
    assert.ok(reasonCodes.length >= 12);
    for (const code of reasonCodes) {
      for (const language of all) {
        const label = reasonLabel(code, language);
        assert.notEqual(label, code, `${language}: no label for ${code}`);
        assert.equal(label, languages[language][`reason.${code}`], `${language} ${code} from its own dictionary`);
      }
      assert.notEqual(reasonLabel(code, 'kk'), reasonLabel(code, 'ru'), `${code}: Kazakh left in Russian`);
    }
    assert.equal(reasonLabel('SPOOFED_DOMESTIC_FROM_ABROAD', 'ru'), 'Казахстанский номер из-за рубежа');
    assert.equal(reasonLabel('SPOOFED_DOMESTIC_FROM_ABROAD', 'kk'), 'Шетелден келген қазақстандық нөмір');
    assert.equal(reasonLabel('SPOOFED_DOMESTIC_FROM_ABROAD', 'en'), 'Kazakh number from abroad');
  });

  it('has no label for a code screening does not give', () => {
    const known = new Set<string>(reasonCodes);
    for (const key of Object.keys(en).filter((k) => k.startsWith('reason.'))) {
      assert.ok(known.has(key.slice('reason.'.length)), `${key} names no reason code`);
    }
  });

  it('shows a reason code newer than the console as the code', () => {
    assert.equal(reasonLabel('SOMETHING_NEW', 'ru'), 'SOMETHING_NEW');
  });

  it('labels every label code and ingress type, in every language', () => {
    const labelCodes: LabelCode[] = ['SUSPECTED_FRAUD', 'INTERNATIONAL_CALL', 'VERIFIED_BUSINESS'];
    for (const code of labelCodes) {
      for (const language of all) assert.notEqual(labelCodeLabel(code, language), code, `${language} ${code}`);
    }
    for (const ingress of ingressTypes) {
      for (const language of all)
        assert.ok(languages[language][`ingress.${ingress}`], `${language} ingress.${ingress}`);
    }
  });
});
