import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Device families by Type Allocation Code (the first 8 digits of an IMEI), read from
 * data/tac/gateways.csv (`tac,family,note,source`). Families: `gateway` (SIM-box modules),
 * `iot`, `probe`.
 */
export type TacFamily = 'gateway' | 'iot' | 'probe';

export const TAC_PATH = join(import.meta.dirname, '..', '..', 'data', 'tac', 'gateways.csv');

export class TacTable {
  private readonly families = new Map<number, TacFamily>();

  constructor(rows: Iterable<[string, TacFamily]> = []) {
    for (const [tac, family] of rows) if (/^\d{8}$/.test(tac)) this.families.set(Number(tac), family);
  }

  get size(): number {
    return this.families.size;
  }

  /** The family of an IMEI held as a number with its digit count (15, or 14 without check digit, 16 IMEISV). */
  familyOf(imei: number, digits: number): TacFamily | undefined {
    if (imei < 0 || digits < 14) return undefined;
    const tac = Math.floor(imei / 10 ** (digits - 8));
    return this.families.get(tac);
  }
}

/** Reads a TAC table; a missing file gives an empty table (no TAC trait, every other trait still works). */
export function loadTacTable(path = TAC_PATH): TacTable {
  if (!existsSync(path)) return new TacTable();
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n');
  const columns = header.trim().split(',');
  const t = columns.indexOf('tac');
  const f = columns.indexOf('family');
  const rows: [string, TacFamily][] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const fields = line.split(',');
    rows.push([fields[t]?.trim() ?? '', (fields[f]?.trim() ?? '') as TacFamily]);
  }
  return new TacTable(rows);
}

let shared: TacTable | null = null;
/** The shipped table, read once. */
export function defaultTacTable(): TacTable {
  shared ??= loadTacTable();
  return shared;
}
