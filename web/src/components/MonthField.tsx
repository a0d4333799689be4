import { type MessageKey, useI18n } from '../i18n.tsx';

/** `yyyy-mm` of the month `back` months before the one of `today` (`yyyy-mm`). */
function monthBefore(today: string, back: number): string {
  const [year, month] = today.split('-').map(Number);
  const index = year * 12 + (month - 1) - back;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * A month of a year, chosen from a list named in the console's language ("Ноябрь 2026",
 * "2026 ж. қараша"): Chromium's own month input names the months in the browser's language. It
 * takes and gives the native input's form, `yyyy-mm`, and offers `today`'s month and the `count`
 * before it, latest first.
 */
export function MonthField({
  name,
  value,
  onChange,
  label,
  today,
  count = 24,
}: {
  name: string;
  value: string;
  onChange(value: string): void;
  /** The field's visible label. */
  label: string;
  /** The current month, `yyyy-mm` (the caller's time zone decides when a month begins). */
  today: string;
  count?: number;
}) {
  const { t } = useI18n();
  const months = Array.from({ length: count + 1 }, (_, back) => monthBefore(today, back));
  if (value && !months.includes(value)) months.push(value);
  const named = (month: string) => {
    const [year, number] = month.split('-');
    return t('common.monthYear')
      .replace('{month}', t(`common.month.${Number(number)}` as MessageKey))
      .replace('{year}', year);
  };
  return (
    <label className="field">
      <span>{label}</span>
      <select name={name} value={value} onChange={(e) => onChange(e.target.value)} data-month-field>
        {months.map((m) => (
          <option key={m} value={m}>
            {named(m)}
          </option>
        ))}
      </select>
    </label>
  );
}
