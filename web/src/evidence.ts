import { type Fact, type Fields, isRecord, scalarText } from './facts.ts';
import { type Formatters, featureValue } from './format.ts';
import { en, type MessageKey } from './messages.ts';

/**
 * Alert evidence in the console's language. The detectors (src/detection/detectors.ts,
 * devices.ts) write their rules as English sentences and name features by their evidence keys;
 * messages.ts holds a label per feature (`feature.<name>`, `evidence.<key>`) and a translation
 * per rule (`rule.*`), whose English text is the detectors' sentence with `{name}` where the
 * sentence carries a value. The detectors' trait names (`trait.*`) and the anomaly detector's
 * sentence (`evidence.detector.*`) are matched by their English text the same way. Anything without
 * a text shows as the server wrote it.
 */

type T = (key: MessageKey) => string;

interface RuleTemplate {
  key: MessageKey;
  pattern: RegExp;
  names: string[];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The rule templates, from the English texts: fixed words matched exactly, `{name}` as a value. */
const templates: RuleTemplate[] = (Object.keys(en) as MessageKey[])
  .filter((key) => key.startsWith('rule.'))
  .map((key) => {
    const parts = en[key].split(/\{(\w+)\}/);
    const names = parts.filter((_, i) => i % 2 === 1);
    const source = parts.map((part, i) => (i % 2 === 1 ? '(.+?)' : escapeRegExp(part))).join('');
    return { key, pattern: new RegExp(`^${source}$`), names };
  });

/** A rule sentence in the language of `t`, or the sentence itself when no template matches it. */
export function ruleText(t: T, rule: string): string {
  for (const template of templates) {
    const match = template.pattern.exec(rule);
    if (!match) continue;
    const values = new Map(template.names.map((name, i) => [name, match[i + 1]]));
    return t(template.key).replace(/\{(\w+)\}/g, (whole, name: string) => values.get(name) ?? whole);
  }
  return rule;
}

const label = (t: T, key: string) => {
  const text = t(key as MessageKey);
  return text === key ? undefined : text;
};

/** The label of a model feature (`imeisPerSim` → "IMEIs per SIM"), or its name. */
export function featureLabel(t: T, name: string): string {
  return label(t, `feature.${name}`) ?? name;
}

/** The label of another evidence key (`deviceSims`, `imeis`, a raw feature such as `voiceOut`), or the key. */
export function evidenceLabel(t: T, key: string): string {
  return label(t, `evidence.${key}`) ?? label(t, `feature.${key}`) ?? key;
}

/** The text under `prefix` whose English is the server's `text`, in the language of `t`. */
function byEnglish(t: T, prefix: string, text: string): string | undefined {
  const key = (Object.keys(en) as MessageKey[]).find((k) => k.startsWith(prefix) && en[k] === text);
  return key ? t(key) : undefined;
}

/** A defining trait as the detectors name it (`bulk volume`), in the language of `t`, as a label ("Bulk volume"). */
export function traitText(t: T, name: string): string {
  const text = byEnglish(t, 'trait.', name) ?? name;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** The label of a key, where `parent` names what holds it (the kinds of `traitScores`, the traits of `inputs`). */
function keyLabel(t: T, key: string, parent: string): string {
  if (parent === 'traitScores') return label(t, `alerts.kind.${key}`) ?? key;
  if (parent === 'inputs' || parent === 'values') return featureLabel(t, key);
  return evidenceLabel(t, key);
}

/** A number in its kind: strengths and probabilities as percentages, scores as scores, features in their units. */
function numberText(f: Formatters, key: string, parent: string, value: number): string {
  if (parent === 'inputs' || key === 'strength' || key === 'modelProbability') return f.percent(value);
  if (parent === 'traitScores' || key === 'score') return f.score(value);
  if (key === 'z') return f.number(value, 1);
  return featureValue(f, key, value);
}

function stringText(t: T, f: Formatters, key: string, parent: string, value: string): string {
  if (isoDate.test(value)) return f.dateTime(value);
  if (key === 'kind') return label(t, `${parent === 'incidents' ? 'incidents' : 'alerts'}.kind.${value}`) ?? value;
  if (key === 'detector')
    return label(t, `evidence.detector.${value}`) ?? byEnglish(t, 'evidence.detector.', value) ?? value;
  if (key === 'priority') return label(t, `evidence.priority.${value}`) ?? value;
  return value;
}

/** A value with no parts, as text. */
function plainText(t: T, f: Formatters, key: string, parent: string, value: unknown): string {
  if (typeof value === 'number') return numberText(f, key, parent, value);
  if (typeof value === 'string') return stringText(t, f, key, parent, value);
  return scalarText(t, f, value);
}

/** One item of a list of records: a trait, an unusual feature, a bank incident, or numbered. */
function itemRow(t: T, f: Formatters, item: Fields, index: number, parent: string): Fact {
  const partsOf = (record: Fields, skip: string[], within: string) =>
    Object.entries(record)
      .filter(([k]) => !skip.includes(k))
      .map(([k, v]) => row(t, f, k, v, within));
  if (typeof item.trait === 'string') {
    const values = isRecord(item.values) ? item.values : {};
    return {
      key: item.trait,
      label: traitText(t, item.trait),
      text: typeof item.strength === 'number' ? f.percent(item.strength) : undefined,
      rows: [
        ...Object.entries(values).map(([k, v]) => row(t, f, k, v, 'values')),
        ...partsOf(item, ['trait', 'strength', 'values'], parent),
      ],
    };
  }
  if (typeof item.feature === 'string') {
    const feature = item.feature;
    const measured = (k: string, v: unknown) =>
      typeof v === 'number' && k !== 'z' ? featureValue(f, feature, v) : plainText(t, f, k, parent, v);
    return {
      key: feature,
      label: featureLabel(t, feature),
      text: item.value === undefined ? undefined : measured('value', item.value),
      rows: Object.entries(item)
        .filter(([k]) => k !== 'feature' && k !== 'value')
        .map(([k, v]) => ({ key: k, label: evidenceLabel(t, k), text: measured(k, v) })),
    };
  }
  if (typeof item.bank === 'string' && typeof item.incidentId === 'string') {
    const rows: Fact[] = [];
    if (typeof item.kind === 'string')
      rows.push({ key: 'kind', label: t('incidents.kind'), text: stringText(t, f, 'kind', 'incidents', item.kind) });
    if (typeof item.amount === 'number')
      rows.push({
        key: 'amount',
        label: t('incidents.amount'),
        text: `${f.number(item.amount)}${typeof item.currency === 'string' ? ` ${item.currency}` : ''}`,
      });
    rows.push(...partsOf(item, ['bank', 'incidentId', 'at', 'kind', 'amount', 'currency'], parent));
    return {
      key: `${item.bank}/${item.incidentId}`,
      label: `${item.bank} · ${item.incidentId}`,
      text: typeof item.at === 'string' ? f.dateTime(item.at) : undefined,
      rows,
    };
  }
  return { key: String(index + 1), label: String(index + 1), rows: partsOf(item, [], parent) };
}

function row(t: T, f: Formatters, key: string, value: unknown, parent: string): Fact {
  const name = keyLabel(t, key, parent);
  if (Array.isArray(value)) {
    if (value.some(isRecord))
      return {
        key,
        label: name,
        rows: value.map((item, i) =>
          isRecord(item)
            ? itemRow(t, f, item, i, key)
            : { key: String(i + 1), label: String(i + 1), text: plainText(t, f, key, parent, item) },
        ),
      };
    return {
      key,
      label: name,
      text: value.length ? value.map((v) => plainText(t, f, key, parent, v)).join(', ') : '—',
    };
  }
  if (isRecord(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return { key, label: name, text: '—' };
    return { key, label: name, rows: entries.map(([k, v]) => row(t, f, k, v, key)) };
  }
  return { key, label: name, text: plainText(t, f, key, parent, value) };
}

/**
 * The facts of an alert's evidence besides its rules and features (and whatever `omit` names), as
 * labelled values in the language of `t` and the formats of `f`: records and lists become labelled
 * lists, never the server's JSON.
 */
export function evidenceRows(
  evidence: Record<string, unknown>,
  t: T,
  f: Formatters,
  omit: string[] = ['features', 'rules'],
): Fact[] {
  return Object.entries(evidence)
    .filter(([key]) => !omit.includes(key))
    .map(([key, value]) => row(t, f, key, value, ''));
}
