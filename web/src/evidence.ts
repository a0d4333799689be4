import { en, type MessageKey } from './messages.ts';

/**
 * Alert evidence in the console's language. The detectors (src/detection/detectors.ts,
 * devices.ts) write their rules as English sentences and name features by their evidence keys;
 * messages.ts holds a label per feature (`feature.<name>`, `evidence.<key>`) and a translation
 * per rule (`rule.*`), whose English text is the detectors' sentence with `{name}` where the
 * sentence carries a value. Anything without a text shows as the server wrote it.
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
