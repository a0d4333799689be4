import { useI18n } from '../../i18n.tsx';
import { type ReportTextKey, reportMessages } from './messages.ts';

/** The Reports page's texts in the console's language. */
export function useReportText() {
  const i18n = useI18n();
  const dictionary: Record<string, string | undefined> = reportMessages[i18n.language];
  const r = (key: ReportTextKey) => dictionary[key] ?? reportMessages.en[key];
  /** A data value's text (`category` + `bank`), or the value itself. */
  const named = (prefix: string, value: string) => dictionary[`${prefix}.${value}`] ?? value;
  return { ...i18n, r, named };
}
