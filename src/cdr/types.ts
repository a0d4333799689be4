/**
 * Canonical CDRs (DESIGN.md §3) as the rest of the platform sees them. Rows are held column-wise in
 * a CdrBatch (typed arrays, no object per row); `Cdr` is the one-row object for callers that want it.
 */

/** Event codes stored in CdrBatch.event. */
export const EVENT_VOICE = 0;
export const EVENT_SMS = 1;
export const EVENT_DATA = 2;
export const EVENT_NAMES = ['voice', 'sms', 'data'] as const;
export type CdrEvent = (typeof EVENT_NAMES)[number];

/** Direction codes stored in CdrBatch.direction (for the served subscriber). */
export const DIRECTION_OUT = 0;
export const DIRECTION_IN = 1;
export const DIRECTION_NAMES = ['out', 'in'] as const;
export type CdrDirection = (typeof DIRECTION_NAMES)[number];

/** Route codes stored in CdrBatch.route: how an incoming voice call entered the network. */
export const ROUTE_NONE = 0;
export const ROUTE_INTERNATIONAL = 1;
export const ROUTE_DOMESTIC = 2;
export const ROUTE_ON_NET = 3;
export const ROUTE_NAMES = ['', 'international', 'domestic', 'on-net'] as const;
export type CdrRoute = (typeof ROUTE_NAMES)[number];

/** Kinds of other_party stored in CdrBatch.otherKind. */
export const OTHER_NONE = 0;
export const OTHER_E164 = 1;
export const OTHER_SHORT_CODE = 2;

/** answered column: 1, 0, or not given (SMS, data). */
export const ANSWERED_NO = 0;
export const ANSWERED_YES = 1;
export const ANSWERED_UNKNOWN = 2;

/** One CDR as an object: what `parseCdrRow` returns and `CdrBatch.row(i)` materialises. */
export interface Cdr {
  recordId: string;
  operator: string;
  event: CdrEvent;
  direction: CdrDirection;
  /** Served subscriber, E.164 digits as an integer. */
  msisdn: number;
  /** The other number (E.164 digits or short code digits), or -1 when empty. */
  otherParty: number;
  otherPartyIsShortCode: boolean;
  imsi: string;
  imei: string;
  cellId: string;
  /** Event start, epoch milliseconds. */
  startedAt: number;
  /** Hour of day at the record's own offset (local time of the operator), 0–23. */
  localHour: number;
  durationS: number;
  answered: boolean | null;
  bytes: number;
  route: CdrRoute;
}

/** A row that failed validation: kept with where it came from and why. */
export interface QuarantineItem {
  file: string;
  /** 1-based line number in the (decompressed) file. */
  line: number;
  reason: string;
  raw: string;
}
