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
  if (code === 'VERIFIED_BUSINESS') return `${displayName ?? ''} (${verifiedSuffix[language]})`;
  return labelTexts[code][language];
}
