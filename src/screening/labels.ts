import type { LabelCode } from './types.ts';

export type Language = 'ru' | 'kk' | 'en';

/** Texts a subscriber sees on the incoming call screen. */
export const labelTexts: Record<Exclude<LabelCode, 'VERIFIED_BUSINESS'>, Record<Language, string>> = {
  SUSPECTED_FRAUD: {
    ru: 'Подозрение на мошенничество',
    kk: 'Алаяқтық күдігі',
    en: 'Suspected fraud',
  },
  INTERNATIONAL_CALL: {
    ru: 'Международный вызов',
    kk: 'Халықаралық қоңырау',
    en: 'International call',
  },
  UNREGISTERED_SENDER: {
    ru: 'Отправитель не зарегистрирован',
    kk: 'Жіберуші тіркелмеген',
    en: 'Unregistered sender',
  },
};

const verifiedSuffix: Record<Language, string> = {
  ru: 'проверено',
  kk: 'тексерілген',
  en: 'verified',
};

/** The label text for a code; verified businesses show their registered name. */
export function labelText(code: LabelCode, language: Language, displayName?: string): string {
  if (code === 'VERIFIED_BUSINESS') return verifiedLabel(displayName ?? '', language);
  return labelTexts[code][language];
}

/** Verified labels made so far, by language and name; at most this many (then it starts again). */
const MAX_VERIFIED_LABELS = 10_000;
const verifiedLabels: Record<Language, Map<string, string>> = { ru: new Map(), kk: new Map(), en: new Map() };

/**
 * One string per registered name: a bank's messages all carry its label, and the same string each
 * time is escaped once by the answer serializer's cache rather than built and measured per message.
 */
function verifiedLabel(name: string, language: Language): string {
  const made = verifiedLabels[language];
  let label = made.get(name);
  if (label === undefined) {
    if (made.size >= MAX_VERIFIED_LABELS) made.clear();
    label = `${name} (${verifiedSuffix[language]})`;
    made.set(name, label);
  }
  return label;
}
