import {
  ANSWERED_UNKNOWN,
  ANSWERED_YES,
  type Cdr,
  DIRECTION_NAMES,
  EVENT_NAMES,
  OTHER_NONE,
  OTHER_SHORT_CODE,
  type QuarantineItem,
  ROUTE_NAMES,
} from './types.ts';

/**
 * A block of parsed CDRs held column-wise: one typed array per numeric column and small
 * per-batch dictionaries for the string columns (operator, cell), so that parsing millions of
 * rows creates no object per row. Identifiers made of digits (IMSI, IMEI) are kept as integers
 * with their digit count, which keeps leading zeros printable.
 */
export class CdrBatch {
  size = 0;
  readonly capacity: number;
  /** Source file and 1-based line of each row, for evidence and debugging. */
  file = '';
  readonly line: Uint32Array;
  readonly event: Uint8Array;
  readonly direction: Uint8Array;
  readonly route: Uint8Array;
  readonly otherKind: Uint8Array;
  readonly answered: Uint8Array;
  readonly localHour: Uint8Array;
  readonly msisdn: Float64Array;
  readonly otherParty: Float64Array;
  /** Epoch milliseconds. */
  readonly startedAt: Float64Array;
  readonly durationS: Float64Array;
  readonly bytes: Float64Array;
  /** IMSI digits as an integer, -1 when empty; imsiDigits keeps the length. */
  readonly imsi: Float64Array;
  readonly imsiDigits: Uint8Array;
  /** IMEI digits as an integer (first 14 digits of a 16-digit IMEISV), -1 when empty. */
  readonly imei: Float64Array;
  readonly imeiDigits: Uint8Array;
  /** Index into `strings`, -1 when empty. */
  readonly cell: Int32Array;
  readonly operator: Int32Array;
  /** The distinct strings of this batch (cells, operators), indexed by `cell` and `operator`. */
  readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  /** Filled only when the reader is asked for record ids (the ingest path de-duplicates on them). */
  recordIds: string[] | null = null;
  /** Rows of this batch's stretch of input that failed validation. */
  quarantine: QuarantineItem[] = [];
  /** Times it was emptied to be filled again (`reset`): what was learnt of its dictionary holds for one fill. */
  fill = 0;

  constructor(capacity = 65536, keepRecordIds = false) {
    this.capacity = capacity;
    this.line = new Uint32Array(capacity);
    this.event = new Uint8Array(capacity);
    this.direction = new Uint8Array(capacity);
    this.route = new Uint8Array(capacity);
    this.otherKind = new Uint8Array(capacity);
    this.answered = new Uint8Array(capacity);
    this.localHour = new Uint8Array(capacity);
    this.msisdn = new Float64Array(capacity);
    this.otherParty = new Float64Array(capacity);
    this.startedAt = new Float64Array(capacity);
    this.durationS = new Float64Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.imsi = new Float64Array(capacity);
    this.imsiDigits = new Uint8Array(capacity);
    this.imei = new Float64Array(capacity);
    this.imeiDigits = new Uint8Array(capacity);
    this.cell = new Int32Array(capacity);
    this.operator = new Int32Array(capacity);
    if (keepRecordIds) this.recordIds = [];
  }

  /**
   * Empties the batch to be filled again (for `file`), its columns kept: a reader that hands many
   * batches over one after another fills the same memory instead of new memory for each.
   */
  reset(file: string): void {
    this.fill++;
    this.size = 0;
    this.file = file;
    this.strings.length = 0;
    this.stringIndex.clear();
    if (this.recordIds !== null) this.recordIds = [];
    this.quarantine = [];
  }

  get full(): boolean {
    return this.size >= this.capacity;
  }

  /** Index of a string in this batch's dictionary, adding it when new. */
  intern(value: string): number {
    let index = this.stringIndex.get(value);
    if (index === undefined) {
      index = this.strings.length;
      this.strings.push(value);
      this.stringIndex.set(value, index);
    }
    return index;
  }

  /** Materialises row i as an object (for tests, evidence and the row-at-a-time ingest path). */
  row(i: number): Cdr {
    const answered = this.answered[i];
    return {
      recordId: this.recordIds?.[i] ?? '',
      operator: this.operator[i] >= 0 ? this.strings[this.operator[i]] : '',
      event: EVENT_NAMES[this.event[i]],
      direction: DIRECTION_NAMES[this.direction[i]],
      msisdn: this.msisdn[i],
      otherParty: this.otherKind[i] === OTHER_NONE ? -1 : this.otherParty[i],
      otherPartyIsShortCode: this.otherKind[i] === OTHER_SHORT_CODE,
      imsi: digitString(this.imsi[i], this.imsiDigits[i]),
      imei: digitString(this.imei[i], this.imeiDigits[i]),
      cellId: this.cell[i] >= 0 ? this.strings[this.cell[i]] : '',
      startedAt: this.startedAt[i],
      localHour: this.localHour[i],
      durationS: this.durationS[i],
      answered: answered === ANSWERED_UNKNOWN ? null : answered === ANSWERED_YES,
      bytes: this.bytes[i],
      route: ROUTE_NAMES[this.route[i]],
    };
  }
}

/** Prints an identifier kept as (integer, digit count), restoring leading zeros; '' when empty. */
export function digitString(value: number, digits: number): string {
  if (value < 0) return '';
  return String(value).padStart(digits, '0');
}
