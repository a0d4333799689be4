import { parseDeadline } from '../../../../src/compliance/deadline.ts';
import { locales } from '../../format.ts';
import type { Language, MessageKey } from '../../messages.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The suspension deadline setting (`2WD`, `PT48H`, `P2D`) in words: "2 рабочих дня", "2 дня",
 * "1 час 30 минут". It reads the setting as the server does (src/compliance/deadline.ts); a setting
 * the console cannot read shows as written.
 */
export function deadlineText(setting: string, t: (key: MessageKey) => string, language: Language): string {
  const parsed = parseDeadline(setting);
  if (typeof parsed === 'string') return setting;
  // Plural categories by the language's own rules (kk-KZ, not the ru-KZ that stands in for its figures).
  const plural = new Intl.PluralRules(locales[language]);
  const count = (unit: 'workingDays' | 'days' | 'hours' | 'minutes', n: number) =>
    t(`deadline.${unit}.${plural.select(n)}` as MessageKey).replace('{n}', String(n));
  if (parsed.kind === 'workingDays') return count('workingDays', parsed.days);
  const parts: string[] = [];
  const days = Math.floor(parsed.ms / DAY);
  const hours = Math.floor((parsed.ms % DAY) / HOUR);
  // Seconds round to the minute; a deadline under a minute still reads as one.
  const minutes = Math.max(Math.round((parsed.ms % HOUR) / MINUTE), parsed.ms < MINUTE ? 1 : 0);
  if (days) parts.push(count('days', days));
  if (hours) parts.push(count('hours', hours));
  if (minutes) parts.push(count('minutes', minutes));
  return parts.join(' ');
}
