/**
 * A batch of decisions from the stream, read once into columns for the folds that run on every
 * decision (screening coverage, the contact index, spoofing campaigns). Each of those used to walk
 * the batch's objects on its own and read the same texts into the same numbers; by the time a
 * batch is delivered its objects have left the processor's caches, and three walks cost three
 * rounds of misses (in the call batch bench the folds took about a quarter of the server's CPU).
 * Now the first fold to ask reads the batch once into columns and the others get the same ones.
 */
import { e164Value } from '../numbering/numbers.ts';
import { OffsetTimeReader } from '../platform/iso-time.ts';
import { type Decision, reasonBit, reasonCodes, type Verdict } from './types.ts';

export const VERDICT_ALLOW = 0;
export const VERDICT_LABEL = 1;
export const VERDICT_BLOCK = 2;
/** `shadowVerdict` when the decision has none. */
export const NO_VERDICT = 3;

const verdictIndex = (v: Verdict | undefined): number =>
  v === 'block' ? VERDICT_BLOCK : v === 'label' ? VERDICT_LABEL : v === 'allow' ? VERDICT_ALLOW : NO_VERDICT;
/** A reason's bit by its text, for the reasons of a decision off the stream (unknown texts have none). */
const bitByCode = new Map<string, number>(reasonCodes.map((code) => [code, reasonBit(code)]));

/** What an SMS decision of another shape may carry (older nodes wrote `messageId` and `sender`). */
type MaybeSmsDecision = Decision & { messageId?: string; sender?: string };

export function channelOf(d: Decision): 'call' | 'sms' {
  const m = d as MaybeSmsDecision;
  return m.channel === 'sms' || m.messageId !== undefined ? 'sms' : 'call';
}

/** A caller of a decision: its number as +E.164, or an SMS sender ID as given. */
export const callerOf = (d: Decision): string => (d as MaybeSmsDecision).sender ?? d.a;

/**
 * The columns of the batch last read. They are valid until the next batch is read: a fold uses
 * them in one synchronous pass and keeps nothing of them.
 */
export interface DecisionColumns {
  readonly size: number;
  /** The decisions themselves, for the rare field no column holds. */
  readonly decisions: readonly Decision[];
  readonly operator: readonly string[];
  /** The carrier that delivered the call (`fromOperator`), or undefined when not given. */
  readonly fromOperator: readonly (string | undefined)[];
  /** The caller (`callerOf`) as an E.164 integer; NaN for a sender ID or a malformed number. */
  readonly a: Float64Array;
  /** The callee as an E.164 integer, or NaN. */
  readonly b: Float64Array;
  /** The call's `at` in epoch ms, or NaN when it is not a date-time. */
  readonly at: Float64Array;
  /** `decidedAt` in epoch ms, or NaN. */
  readonly decidedAt: Float64Array;
  /** Bit k: `reasonCodes[k]` is among the reasons (reasons of no known code are left out). */
  readonly reasons: Uint32Array;
  /** VERDICT_* of the verdict. */
  readonly verdict: Uint8Array;
  /** VERDICT_* of the shadow verdict, NO_VERDICT when none. */
  readonly shadowVerdict: Uint8Array;
  /** 1 for a message (SMS), 0 for a call. */
  readonly sms: Uint8Array;
}

/**
 * One set of columns, read again for each new batch and grown when a batch is larger than any
 * before: a delivery of a few decisions (a turn of single verifies) allocates nothing.
 */
class Columns implements DecisionColumns {
  size = 0;
  decisions: readonly Decision[] = [];
  operator: string[] = [];
  fromOperator: (string | undefined)[] = [];
  a = new Float64Array(0);
  b = new Float64Array(0);
  at = new Float64Array(0);
  decidedAt = new Float64Array(0);
  reasons = new Uint32Array(0);
  verdict = new Uint8Array(0);
  shadowVerdict = new Uint8Array(0);
  sms = new Uint8Array(0);

  room(size: number): void {
    if (size <= this.a.length) return;
    const capacity = Math.max(64, 2 ** Math.ceil(Math.log2(size)));
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
    this.decidedAt = new Float64Array(capacity);
    this.reasons = new Uint32Array(capacity);
    this.verdict = new Uint8Array(capacity);
    this.shadowVerdict = new Uint8Array(capacity);
    this.sms = new Uint8Array(capacity);
  }
}

const columns = new Columns();
const atReader = new OffsetTimeReader();
const decidedAtReader = new OffsetTimeReader();

/** Epoch ms of a date-time: the usual form with an offset read digit by digit, others by Date.parse. */
function timeOf(reader: OffsetTimeReader, text: string): number {
  return reader.read(text) ? reader.parsed.timeMs : Date.parse(text);
}

/**
 * The columns of a batch. The stream hands the same batch (array) to each of its handlers in
 * turn: the first reads it, the others find it read.
 */
export function decisionColumns(decisions: readonly Decision[]): DecisionColumns {
  if (decisions === columns.decisions && decisions.length === columns.size) return columns;
  const size = decisions.length;
  columns.room(size);
  columns.decisions = decisions;
  columns.size = size;
  const { operator, fromOperator, a, b, at, decidedAt, reasons, verdict, shadowVerdict, sms } = columns;
  operator.length = size;
  fromOperator.length = size;
  let lastCodes: unknown = null;
  let lastBits = 0;
  for (let i = 0; i < size; i++) {
    const d = decisions[i];
    operator[i] = d.operator;
    fromOperator[i] = d.fromOperator;
    a[i] = e164Value(callerOf(d));
    b[i] = e164Value(d.b);
    at[i] = typeof d.at === 'string' ? timeOf(atReader, d.at) : Number.NaN;
    decidedAt[i] = typeof d.decidedAt === 'string' ? timeOf(decidedAtReader, d.decidedAt) : Number.NaN;
    // Screening shares one list among the decisions with the same reasons (`reasonList`).
    const codes = d.reasons;
    if (codes !== lastCodes) {
      lastCodes = codes;
      lastBits = 0;
      if (Array.isArray(codes)) for (let k = 0; k < codes.length; k++) lastBits |= bitByCode.get(codes[k]) ?? 0;
    }
    reasons[i] = lastBits;
    const v = verdictIndex(d.verdict);
    verdict[i] = v === NO_VERDICT ? VERDICT_ALLOW : v;
    shadowVerdict[i] = verdictIndex(d.shadowVerdict);
    sms[i] = channelOf(d) === 'sms' ? 1 : 0;
  }
  return columns;
}
