/**
 * Records the server keeps as data (an alert's evidence, an audit entry's details) as labelled
 * facts for the panels: a value as text, or the parts of a record or list under its label. Plain
 * data (no JSX): components/ui.tsx draws them (FactList).
 */
import type { Formatters } from './format.ts';
import type { MessageKey } from './messages.ts';

type T = (key: MessageKey) => string;

/**
 * One labelled fact: its value as text, the facts under it (the parts of a record, the items of a
 * list), or both (a trait with its strength and the values it rests on). `key` is the server's own
 * name, kept for tooltips and tests.
 */
export interface Fact {
  key: string;
  label: string;
  text?: string;
  rows?: Fact[];
}

export type Fields = Record<string, unknown>;

export const isRecord = (value: unknown): value is Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** A value with no parts as text: numbers and dates in the language's conventions, yes or no, nothing as a dash. */
export function scalarText(t: T, f: Formatters, value: unknown): string {
  if (typeof value === 'number') return f.number(value);
  if (typeof value === 'boolean') return t(value ? 'common.yes' : 'common.no');
  if (typeof value === 'string') return isoDate.test(value) ? f.dateTime(value) : value;
  if (value === null || value === undefined || value === '') return '—';
  return String(value);
}

/**
 * A record of free-form fields (an audit entry's details: the request's own names), each under its
 * name: nested records and lists of records nested, lists of values joined — never JSON.
 */
export function recordFacts(record: Fields, t: T, f: Formatters): Fact[] {
  return Object.entries(record).map(([key, value]) => valueFact(key, value, t, f));
}

function valueFact(key: string, value: unknown, t: T, f: Formatters): Fact {
  if (Array.isArray(value)) {
    if (value.some((v) => isRecord(v) || Array.isArray(v)))
      return { key, label: key, rows: value.map((item, i) => valueFact(String(i + 1), item, t, f)) };
    return { key, label: key, text: value.length ? value.map((v) => scalarText(t, f, v)).join(', ') : '—' };
  }
  if (isRecord(value)) {
    const facts = recordFacts(value, t, f);
    return facts.length ? { key, label: key, rows: facts } : { key, label: key, text: '—' };
  }
  return { key, label: key, text: scalarText(t, f, value) };
}
