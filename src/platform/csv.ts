import { parse } from 'csv-parse/sync';
import { fail, ok, type Result } from '../errors.ts';

/**
 * Parses a small CSV document with a header (registry and list imports). Large CDR files have
 * their own streaming parser in src/cdr.
 */
export function parseCsv(text: string, required: string[], maxRows = 1_000_000): Result<Record<string, string>[]> {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, {
      columns: (h: string[]) => h.map((c) => c.trim()),
      skip_empty_lines: true,
      trim: true,
      to: maxRows + 1,
      bom: true,
    });
  } catch (error) {
    return fail('VALIDATION_FAILED', `the CSV cannot be read: ${(error as Error).message.split('\n')[0]}`);
  }
  if (rows.length > maxRows) return fail('VALIDATION_FAILED', `more than ${maxRows} rows`);
  if (rows.length === 0) return fail('VALIDATION_FAILED', 'the CSV has no rows');
  for (const r of required) if (!(r in rows[0])) return fail('VALIDATION_FAILED', `the CSV header lacks "${r}"`);
  return ok(rows);
}
