import { useEffect, useState } from 'react';
import { parseDateInput } from '../format.ts';
import { useI18n } from '../i18n.tsx';

/**
 * A date (or date and time) field in the console language's order, not the browser's: Chromium's
 * own date inputs follow the browser's locale (mm/dd/yyyy beside a Russian page). It takes and
 * gives the native inputs' form (`yyyy-mm-dd`, `yyyy-mm-ddThh:mm`; '' when empty) and accepts
 * what people type: 04.12.2026, 04/12/2026 14:30, or 2026-12-04.
 */
export function DateField({
  name,
  value,
  onChange,
  withTime = false,
  label,
  className = 'field',
}: {
  name: string;
  value: string;
  onChange(value: string): void;
  withTime?: boolean;
  /** The field's visible label. */
  label: string;
  /** The label's class (`field`, `field inline`). */
  className?: string;
}) {
  const { date, hourMinute, t } = useI18n();
  const show = (v: string) => {
    if (!v) return '';
    const at = `${v}${withTime ? '' : 'T00:00'}`;
    return withTime ? `${date(at)} ${hourMinute(at)}` : date(at);
  };
  const [text, setText] = useState(() => show(value));
  const [invalid, setInvalid] = useState(false);
  // A value set from outside (a form reset, another language) shows in the language's order.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `show` changes with the language only
  useEffect(() => {
    if ((parseDateInput(text, withTime) ?? '') !== value) {
      setText(show(value));
      setInvalid(false);
    }
  }, [value, date]);
  return (
    <label className={className}>
      <span>{label}</span>
      <input
        name={name}
        type="text"
        inputMode="numeric"
        autoComplete="off"
        value={text}
        placeholder={t(withTime ? 'common.dateTimePattern' : 'common.datePattern')}
        size={withTime ? 16 : 10}
        aria-invalid={invalid || undefined}
        data-date-field={withTime ? 'datetime' : 'date'}
        onChange={(e) => {
          const typed = e.target.value;
          setText(typed);
          const parsed = typed.trim() ? parseDateInput(typed, withTime) : '';
          setInvalid(parsed === null);
          onChange(parsed ?? '');
        }}
      />
    </label>
  );
}
