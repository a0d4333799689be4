import { useI18n } from '../../i18n.tsx';
import { type ComplianceTextKey, complianceMessages } from './messages.ts';

/** The operators' duties page's texts in the console's language (the data is in messages.ts). */
export function useComplianceText() {
  const i18n = useI18n();
  const dictionary: Record<string, string | undefined> = complianceMessages[i18n.language];
  const c = (key: ComplianceTextKey) => dictionary[key] ?? complianceMessages.en[key] ?? key;
  return { ...i18n, c };
}
