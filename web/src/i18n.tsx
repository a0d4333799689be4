import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { type Formatters, formatters } from './format.ts';
import { type Language, type MessageKey, messages } from './messages.ts';

export type { Language, MessageKey } from './messages.ts';

export const languages: { id: Language; label: string }[] = [
  { id: 'ru', label: 'Рус' },
  { id: 'kk', label: 'Қаз' },
  { id: 'en', label: 'Eng' },
];

const storageKey = 'callshield.language';

function initialLanguage(): Language {
  const saved = localStorage.getItem(storageKey);
  if (saved === 'ru' || saved === 'kk' || saved === 'en') return saved;
  return 'ru';
}

/** The language, its texts, and numbers, shares, durations and dates in its conventions (format.ts). */
interface I18n extends Formatters {
  language: Language;
  setLanguage(language: Language): void;
  t(key: MessageKey): string;
}

/** The text of a data value (`alerts.status` + `open`), or the value itself when there is none. */
export function valueName(t: (key: MessageKey) => string, prefix: string, value: string): string {
  const key = `${prefix}.${value}` as MessageKey;
  const name = t(key);
  return name === key ? value : name;
}

const Context = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const setLanguage = useCallback((l: Language) => {
    localStorage.setItem(storageKey, l);
    setLanguageState(l);
  }, []);
  // Also for a language remembered from an earlier visit (index.html says ru).
  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo<I18n>(() => {
    return {
      ...formatters(language),
      language,
      setLanguage,
      // Dynamic keys (`verdict.${v}`) may name no text: the key itself shows then.
      t: (key) => messages[language][key] ?? messages.en[key] ?? key,
    };
  }, [language, setLanguage]);
  return <Context.Provider value={value}>{children}</Context.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(Context);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
