/**
 * Screening answers (calls and messages) as JSON, byte for byte as the compiled serializer of
 * their schema writes them — the required fields first, then the optional ones in the schema's
 * order — without its per-character escaping pass: decision IDs (UUIDs), verdicts, reason, label,
 * verstat and attest codes are plain ASCII by construction; only labels (owners' names, texts in
 * the label language) need escaping, and they repeat, so each is escaped once.
 */
import { boundedMemo } from '../platform/memo.ts';

/** The fields of an answer this writes (DESIGN.md §3, §3.1); others are not part of the answer. */
export interface AnswerFields {
  decisionId: string;
  verdict: string;
  reasons: readonly string[];
  shadow: boolean;
  label?: string;
  labelCode?: string;
  shadowVerdict?: string;
  verstat?: string;
  attest?: string;
}

/** Labels escaped so far, at most this many (then the cache starts again). */
const MAX_QUOTED = 10_000;

/** An answer's fields before its label: ASCII by construction (IDs, verdicts and reason codes). */
function headOf(a: AnswerFields): string {
  return `{"decisionId":"${a.decisionId}${middleText(a)}`;
}

/** The head past the decision ID: `","verdict":"…","reasons":[…],"shadow":…`. */
function middleText(a: AnswerFields): string {
  let out = `","verdict":"${a.verdict}","reasons":[`;
  for (let i = 0; i < a.reasons.length; i++) out += i === 0 ? `"${a.reasons[i]}"` : `,"${a.reasons[i]}"`;
  return out + (a.shadow ? '],"shadow":true' : '],"shadow":false');
}

/** An answer's fields after its label, and its closing brace: ASCII codes. */
function tailOf(a: AnswerFields): string {
  let out = '';
  if (a.labelCode !== undefined) out += `,"labelCode":"${a.labelCode}"`;
  if (a.shadowVerdict !== undefined) out += `,"shadowVerdict":"${a.shadowVerdict}"`;
  if (a.verstat !== undefined) out += `,"verstat":"${a.verstat}"`;
  if (a.attest !== undefined) out += `,"attest":"${a.attest}"`;
  return `${out}}`;
}

/** The label field of an answer, with its leading comma. */
const labelField = (label: string): string => `,"label":${JSON.stringify(label)}`;

export function answerSerializer(): (a: AnswerFields) => string {
  const labelJson = boundedMemo(labelField, MAX_QUOTED);
  return (a) => headOf(a) + (a.label !== undefined ? labelJson(a.label) : '') + tailOf(a);
}

/** Where a verdict's middle bytes are kept in a reasons list's entry (times two: shadow or not); -1 for none. */
const verdictSlot = (verdict: string): number =>
  verdict === 'block' ? 2 : verdict === 'label' ? 1 : verdict === 'allow' ? 0 : -1;
/** Reasons lists with their middles kept, at most this many (screening shares one list per set). */
const MAX_REASON_LISTS = 4096;
/** Room enough for an answer's fixed parts: `,{"decisionId":"` and the quote after the ID. */
const ANSWER_ROOM = 32;
const idOpen = Buffer.from('{"decisionId":"');
const closeBrace = Buffer.from('}');

/** Copies `bytes` into `out` at `at`; returns the new end. */
function copyBytes(out: Buffer, at: number, bytes: Buffer): number {
  out.set(bytes, at);
  return at + bytes.length;
}

/** Copies ASCII (or Latin-1) text into `out` at `at`, a byte a character; returns the new end. */
function copyAscii(out: Buffer, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/**
 * The serializer of a batch answer `{"results":[…]}`, written straight into one buffer, each answer
 * as `answerSerializer` writes it and an item's error as it is. Concatenating a 100 KB string of a
 * thousand pieces costs a flattening pass to measure it and an encoding pass to send it; a buffer
 * costs neither. An answer is its decision ID between fixed bytes, the bytes from its verdict to its
 * shadow flag (kept by reasons list, verdict and shadow: screening shares one frozen list among the
 * decisions with the same reasons), its label's UTF-8 (kept by label, encoded once) and its tail
 * (kept by label code when it has no other optional field): the ID is written as Latin-1 and the rest
 * are copies of bytes made once. Error answers (4xx) have no results and keep their usual
 * form.
 */
export function resultsSerializer(): (data: unknown) => string {
  const labelBytes = boundedMemo((label) => Buffer.from(labelField(label), 'utf8'), MAX_QUOTED);
  let middles = new Map<readonly string[], (Buffer | undefined)[]>();
  // An answer whose tail is its label code alone (the usual labelled answer).
  const tailOfCode = boundedMemo(
    (labelCode) => Buffer.from(tailOf({ labelCode } as AnswerFields), 'latin1'),
    MAX_QUOTED,
  );

  /**
   * `","verdict":"…","reasons":[…],"shadow":…` of an answer, kept for the frozen reasons lists of
   * screening (`reasonList`) and its three verdicts; any other answer's is written afresh.
   */
  function middleOf(a: AnswerFields): Buffer {
    const v = verdictSlot(a.verdict);
    if (v < 0 || !Object.isFrozen(a.reasons)) return Buffer.from(middleText(a), 'latin1');
    let kept = middles.get(a.reasons);
    if (kept === undefined) {
      if (middles.size >= MAX_REASON_LISTS) middles = new Map();
      kept = [undefined, undefined, undefined, undefined, undefined, undefined];
      middles.set(a.reasons, kept);
    }
    const slot = v * 2 + (a.shadow ? 1 : 0);
    let bytes = kept[slot];
    if (bytes === undefined) {
      bytes = Buffer.from(middleText(a), 'latin1');
      kept[slot] = bytes;
    }
    return bytes;
  }

  /** The answer's fields after its label, and its closing brace. */
  function tailBytes(a: AnswerFields): Buffer | string {
    if (a.shadowVerdict !== undefined || a.verstat !== undefined || a.attest !== undefined) return tailOf(a);
    return a.labelCode === undefined ? closeBrace : tailOfCode(a.labelCode);
  }

  return (data) => {
    const results = (data as { results?: unknown[] }).results;
    if (!Array.isArray(results)) return JSON.stringify(data);
    const n = results.length;
    let out = Buffer.allocUnsafe(64 + n * 192);
    /** Makes room for `more` bytes past `at`. */
    const room = (at: number, more: number) => {
      if (at + more <= out.length) return;
      const grown = Buffer.allocUnsafe(Math.max(out.length * 2, at + more + 4096));
      out.copy(grown, 0, 0, at);
      out = grown;
    };
    let at = copyAscii(out, 0, '{"results":[');
    for (let i = 0; i < n; i++) {
      const r = results[i] as AnswerFields | { error: unknown };
      if ('error' in r) {
        const error = JSON.stringify(r);
        room(at, 1 + error.length * 3);
        if (i > 0) out[at++] = 0x2c;
        at += out.write(error, at, 'utf8');
        continue;
      }
      const middle = middleOf(r);
      const label = r.label !== undefined ? labelBytes(r.label) : undefined;
      const tail = tailBytes(r);
      room(at, ANSWER_ROOM + r.decisionId.length + middle.length + (label?.length ?? 0) + tail.length);
      if (i > 0) out[at++] = 0x2c;
      at = copyBytes(out, at, idOpen);
      // One copy of the ID's characters (a decision ID is a joined string: read a character at a time, it would be flattened first).
      at += out.write(r.decisionId, at, 'latin1');
      at = copyBytes(out, at, middle);
      if (label !== undefined) at = copyBytes(out, at, label);
      at = typeof tail === 'string' ? copyAscii(out, at, tail) : copyBytes(out, at, tail);
    }
    room(at, 2);
    out[at++] = 0x5d;
    out[at++] = 0x7d;
    // Fastify sends a Buffer as it is; the serializer's type says string.
    return out.subarray(0, at) as unknown as string;
  };
}
