/**
 * Operators' habits: how each operator's mediation writes the canonical CDR columns
 * (DESIGN.md §3). Every good row stays valid per the contract; only the spelling changes.
 */
import { CDR_COLUMNS } from '../../cdr/parse.ts';
import { mixKeys, Rng } from './rng.ts';
import { type CellFormat, type Network, OPERATORS } from './world.ts';

export interface OperatorHabits {
  format: 'csv' | 'jsonl';
  gzip: boolean;
  /** Column (CSV) or key (JSON Lines) order: a permutation of the canonical columns. */
  columnOrder: string[];
  /** Extra CSV columns callshield does not use (filled with plausible values). */
  extraColumns: string[];
  /** Offset written in started_at: Almaty time, UTC, or Almaty without the colon. */
  timeZone: '+05:00' | 'Z' | '+0500';
  timeSeparator: 'T' | ' ';
  millis: boolean;
  recordId: 'sequence' | 'dated' | 'hex';
  cellFormat: CellFormat;
  /** 14 (no check digit), 15, or 16 (IMEISV: TAC, serial, software version). */
  imeiDigits: 14 | 15 | 16;
  /** Share of rows with an empty imei. */
  emptyImeiShare: number;
  /** Terminating (direction in) records carry no IMEI at all. */
  noImeiOnIncoming: boolean;
  emptyImsiShare: number;
  answered: '1/0' | 'true/false';
  /** JSON Lines: empty values omitted, null, or "". */
  jsonEmpty: 'omit' | 'null' | 'empty';
  /** Share of rows re-sent in the next file (same record, same record_id). */
  duplicateShare: number;
  /** Share of extra malformed rows (each refused by the contract's validation). */
  malformedShare: number;
  /** Data sessions in their own files. */
  splitData: boolean;
}

export const PLAIN_HABITS: OperatorHabits = {
  format: 'csv',
  gzip: false,
  columnOrder: [...CDR_COLUMNS],
  extraColumns: [],
  timeZone: '+05:00',
  timeSeparator: 'T',
  millis: false,
  recordId: 'sequence',
  cellFormat: 'plain',
  imeiDigits: 15,
  emptyImeiShare: 0,
  noImeiOnIncoming: false,
  emptyImsiShare: 0,
  answered: '1/0',
  jsonEmpty: 'omit',
  duplicateShare: 0,
  malformedShare: 0,
  splitData: false,
};

const EXTRA_COLUMNS = ['switch_id', 'charge_units', 'tariff_class', 'lac', 'teleservice'];

/** One operator's habits, drawn from the seed. */
export function drawHabits(seed: number, operator: number): OperatorHabits {
  const rng = new Rng(seed, 0x4ab17, operator);
  const columnOrder = rng.chance(0.25) ? [...CDR_COLUMNS] : rng.shuffle([...CDR_COLUMNS]);
  return {
    format: rng.chance(0.5) ? 'csv' : 'jsonl',
    gzip: rng.chance(0.5),
    columnOrder,
    extraColumns: rng.chance(0.5) ? rng.shuffle([...EXTRA_COLUMNS]).slice(0, rng.intIn(1, 3)) : [],
    timeZone: rng.pick(['+05:00', 'Z', '+0500'] as const),
    timeSeparator: rng.chance(0.7) ? 'T' : ' ',
    millis: rng.chance(0.3),
    recordId: rng.pick(['sequence', 'dated', 'hex'] as const),
    cellFormat: rng.pick(['plain', 'cgi', 'ecgi', 'hex'] as const),
    imeiDigits: rng.pick([14, 15, 15, 16] as const),
    emptyImeiShare: rng.chance(0.5) ? rng.range(0.001, 0.05) : 0,
    noImeiOnIncoming: rng.chance(0.3),
    emptyImsiShare: rng.chance(0.4) ? rng.range(0.001, 0.02) : 0,
    answered: rng.chance(0.7) ? '1/0' : 'true/false',
    jsonEmpty: rng.pick(['omit', 'null', 'empty'] as const),
    duplicateShare: rng.chance(0.6) ? rng.range(0.0005, 0.01) : 0,
    malformedShare: rng.chance(0.7) ? rng.range(0.0001, 0.001) : 0,
    splitData: rng.chance(0.4),
  };
}

export const EVENT_VOICE = 0;
export const EVENT_SMS = 1;
export const EVENT_DATA = 2;
const EVENT_WORDS = ['voice', 'sms', 'data'];
export const ROUTE_NONE = 0;
export const ROUTE_INTERNATIONAL = 1;
export const ROUTE_DOMESTIC = 2;
export const ROUTE_ON_NET = 3;
const ROUTE_WORDS = ['', 'international', 'domestic', 'on-net'];

/** One event as the generator knows it, before an operator spells it. */
export interface Row {
  t: number;
  operator: number;
  event: number;
  /** 0 out, 1 in. */
  direction: number;
  msisdn: string;
  other: string;
  imsi: string;
  imei: string;
  /** Global cell index, -1 when none. */
  cell: number;
  duration: number;
  answered: boolean;
  bytes: number;
  route: number;
}

const ALMATY_OFFSET_MS = 5 * 3_600_000;

/** Where a formatter writes a line: text, and numbers written as decimal digits. */
export interface TextSink {
  text(s: string): void;
  /** The first `length` characters of s. */
  prefix(s: string, length: number): void;
  /** A non-negative integer, left-padded with zeros to at least `width` digits. */
  int(n: number, width: number): void;
}

/** A line built as a string (headers, the rare corrupted row). */
class StringSink implements TextSink {
  value = '';
  text(s: string): void {
    this.value += s;
  }
  prefix(s: string, length: number): void {
    this.value += s.slice(0, length);
  }
  int(n: number, width: number): void {
    this.value += String(n).padStart(width, '0');
  }
}

const MSC_NAMES = ['MSC1', 'MSC2', 'MSC3', 'MSC4'];
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Spells rows in one operator's habits, and decides which to re-send or corrupt. */
export class RowFormatter {
  readonly habits: OperatorHabits;
  readonly operator: number;
  private readonly network: Network;
  private readonly rng: Rng;
  private readonly cellIds = new Map<number, string>();
  private sequence = 0;
  private cachedDay = -1;
  private cachedDate = '';
  private cachedIdPrefix = '';
  private readonly offsetMs: number;
  /** Column order of a CSV line: canonical columns then extra columns. */
  readonly header: string;
  private readonly order: number[];
  /** JSON Lines: the `"key":` text of each column, with and without a leading comma. */
  private readonly keys: string[];
  private readonly laterKeys: string[];
  private readonly yes: string;
  private readonly no: string;
  malformed = 0;

  constructor(habits: OperatorHabits, operator: number, network: Network, seed: number) {
    this.habits = habits;
    this.operator = operator;
    this.network = network;
    this.rng = new Rng(seed, 0xf0a7, operator);
    this.offsetMs = habits.timeZone === 'Z' ? 0 : ALMATY_OFFSET_MS;
    this.order = habits.columnOrder.map((c) => (CDR_COLUMNS as readonly string[]).indexOf(c));
    this.header = [...habits.columnOrder, ...(habits.format === 'csv' ? habits.extraColumns : [])].join(',');
    this.keys = CDR_COLUMNS.map((c) => `"${c}":`);
    this.laterKeys = CDR_COLUMNS.map((c) => `,"${c}":`);
    this.yes = habits.answered === '1/0' ? '1' : 'true';
    this.no = habits.answered === '1/0' ? '0' : 'false';
  }

  cellId(cell: number): string {
    let id = this.cellIds.get(cell);
    if (id === undefined) {
      id = this.network.cellId(cell, this.habits.cellFormat);
      this.cellIds.set(cell, id);
    }
    return id;
  }

  private day(local: number): number {
    const day = Math.floor(local / 86_400_000);
    if (day !== this.cachedDay) {
      this.cachedDay = day;
      this.cachedDate = new Date(day * 86_400_000).toISOString().slice(0, 10);
      this.cachedIdPrefix = `${OPERATORS[this.operator].slice(0, 3)}${this.cachedDate.replaceAll('-', '')}-`;
    }
    return day;
  }

  private writeTime(t: number, out: TextSink): void {
    const local = t + this.offsetMs;
    const ms = local - this.day(local) * 86_400_000;
    const seconds = Math.floor(ms / 1000);
    out.text(this.cachedDate);
    out.text(this.habits.timeSeparator);
    out.int(Math.floor(seconds / 3600), 2);
    out.text(':');
    out.int(Math.floor((seconds % 3600) / 60), 2);
    out.text(':');
    out.int(seconds % 60, 2);
    if (this.habits.millis) {
      out.text('.');
      out.int(ms % 1000, 3);
    }
    out.text(this.habits.timeZone);
  }

  private writeRecordId(t: number, n: number, out: TextSink): void {
    switch (this.habits.recordId) {
      case 'dated':
        this.day(t + this.offsetMs);
        out.text(this.cachedIdPrefix);
        out.int(n, 8);
        return;
      case 'hex':
        out.text(mixKeys(this.operator, n).toString(16).padStart(8, '0'));
        out.text(n.toString(16).padStart(6, '0'));
        return;
      default:
        out.int(n, 1);
    }
  }

  /** The IMEI as this operator writes it, or '' (drawn per row). */
  private imeiText(row: Row): string {
    const h = this.habits;
    if (row.imei === '' || (h.noImeiOnIncoming && row.direction === 1)) return '';
    if (h.emptyImeiShare > 0 && this.rng.next() < h.emptyImeiShare) return '';
    return row.imei;
  }

  private writeImei(imei: string, out: TextSink): void {
    if (this.habits.imeiDigits === 15) out.text(imei);
    else {
      out.prefix(imei, 14);
      // IMEISV: the 14 identifying digits and a two-digit software version.
      if (this.habits.imeiDigits === 16) out.int((imei.charCodeAt(8) % 7) + 1, 2);
    }
  }

  /** Writes one value; false when the value is empty. */
  private writeValue(row: Row, column: number, imsi: string, imei: string, n: number, out: TextSink | null): boolean {
    switch (column) {
      case 0:
        if (out) this.writeRecordId(row.t, n, out);
        return true;
      case 1:
        if (out) out.text(OPERATORS[row.operator]);
        return true;
      case 2:
        if (out) out.text(EVENT_WORDS[row.event]);
        return true;
      case 3:
        if (out) out.text(row.direction === 0 ? 'out' : 'in');
        return true;
      case 4:
        if (out) out.text(row.msisdn);
        return true;
      case 5:
        if (row.other === '') return false;
        if (out) out.text(row.other);
        return true;
      case 6:
        if (imsi === '') return false;
        if (out) out.text(imsi);
        return true;
      case 7:
        if (imei === '') return false;
        if (out) this.writeImei(imei, out);
        return true;
      case 8:
        if (row.cell < 0) return false;
        if (out) out.text(this.cellId(row.cell));
        return true;
      case 9:
        if (out) this.writeTime(row.t, out);
        return true;
      case 10:
        if (row.event !== EVENT_VOICE) return false;
        if (out) out.int(row.duration, 1);
        return true;
      case 11:
        if (row.event !== EVENT_VOICE) return false;
        if (out) out.text(row.answered ? this.yes : this.no);
        return true;
      case 12:
        if (row.event !== EVENT_DATA) return false;
        if (out) out.int(row.bytes, 1);
        return true;
      default:
        if (row.route === 0) return false;
        if (out) out.text(ROUTE_WORDS[row.route]);
        return true;
    }
  }

  /** Writes a row as one line (no newline) in this operator's habits. */
  write(row: Row, out: TextSink): void {
    const h = this.habits;
    const n = ++this.sequence;
    const imsi = row.imsi === '' || (h.emptyImsiShare > 0 && this.rng.next() < h.emptyImsiShare) ? '' : row.imsi;
    const imei = this.imeiText(row);
    const order = this.order;
    if (h.format === 'csv') {
      for (let k = 0; k < order.length; k++) {
        if (k > 0) out.text(',');
        this.writeValue(row, order[k], imsi, imei, n, out);
      }
      for (const extra of h.extraColumns) {
        out.text(',');
        out.text(this.extraValue(extra, n));
      }
      return;
    }
    out.text('{');
    let first = true;
    for (let k = 0; k < order.length; k++) {
      const column = order[k];
      const present = this.writeValue(row, column, imsi, imei, n, null);
      if (!present && h.jsonEmpty === 'omit') continue;
      out.text(first ? this.keys[column] : this.laterKeys[column]);
      first = false;
      if (!present) {
        out.text(h.jsonEmpty === 'null' ? 'null' : '""');
        continue;
      }
      // duration_s and bytes as JSON numbers, answered as a JSON boolean when spelt so.
      const bare = column === 10 || column === 12 || (column === 11 && h.answered === 'true/false');
      if (!bare) out.text('"');
      this.writeValue(row, column, imsi, imei, n, out);
      if (!bare) out.text('"');
    }
    out.text('}');
  }

  private extraValue(column: string, n: number): string {
    switch (column) {
      case 'switch_id':
        return MSC_NAMES[n & 3];
      case 'charge_units':
        return DIGITS[n % 7];
      case 'tariff_class':
        return n % 3 === 0 ? 'B' : 'A';
      case 'lac':
        return DIGITS[n % 10];
      default:
        return '11';
    }
  }

  /** Whether the row just written is re-sent later (drawn per row). */
  resend(): boolean {
    return this.habits.duplicateShare > 0 && this.rng.next() < this.habits.duplicateShare;
  }

  /**
   * Now and then (drawn per row) a malformed copy of a row under a fresh record id, of a kind
   * the contract refuses: a time without an offset, a lost msisdn, an event word out of the
   * contract, or a record cut short.
   */
  maybeMalformed(row: Row): string | null {
    if (this.habits.malformedShare === 0 || this.rng.next() >= this.habits.malformedShare) return null;
    this.malformed++;
    const kind = this.rng.int(4);
    const copy: Row = { ...row };
    if (kind === 1) copy.msisdn = 'unknown';
    const out = new StringSink();
    this.write(copy, out);
    let line = out.value;
    if (kind === 0) line = line.replace(/(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)/, '$1');
    else if (kind === 2) line = line.replace(/voice|sms|data/, (word) => word.toUpperCase());
    else if (kind === 3) line = line.slice(0, Math.floor(line.length / 2));
    return line;
  }

  /** A row as a string line, for tests and tools. */
  line(row: Row): string {
    const out = new StringSink();
    this.write(row, out);
    return out.value;
  }
}
