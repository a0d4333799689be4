import { useI18n } from '../../i18n.tsx';
import { type CaseTextKey, caseMessages } from './messages.ts';

export type { CaseTextKey } from './messages.ts';

/** The investigation pages' texts in the console's language (the data is in messages.ts). */
export function useCaseText() {
  const i18n = useI18n();
  const dictionary: Record<string, string | undefined> = caseMessages[i18n.language];
  const c = (key: CaseTextKey) => dictionary[key] ?? caseMessages.en[key] ?? key;
  /** The text of a data value (`event` + `items_added`), or the value itself when there is none. */
  const named = (prefix: string, value: string) => dictionary[`${prefix}.${value}`] ?? value;
  return { ...i18n, c, named };
}
