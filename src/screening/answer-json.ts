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
  let out = `{"decisionId":"${a.decisionId}","verdict":"${a.verdict}","reasons":[`;
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

/**
 * The serializer of a batch answer `{"results":[…]}`, written straight into one buffer, each answer
 * as `answerSerializer` writes it and an item's error as it is. Concatenating a 100 KB string of a
 * thousand pieces costs a flattening pass to measure it and an encoding pass to send it; a buffer
 * costs neither. The ASCII text between two labels (the tail of one answer, the heads and tails of
 * the unlabelled answers after it, the head of the next) is joined and copied in one write, one
 * byte a character, and each label (Cyrillic, mostly) is encoded to UTF-8 once and copied: a label
 * joined to the rest made the whole answer a two-byte string to encode, and a write per head and
 * tail cost more than the copying (0.77 → 0.49 µs an answer in a micro-bench of the SMS bench's
 * answers). Error answers (4xx) have no results and keep their usual form.
 */
export function resultsSerializer(): (data: unknown) => string {
  const labelBytes = boundedMemo((label) => Buffer.from(labelField(label), 'utf8'), MAX_QUOTED);
  return (data) => {
    const results = (data as { results?: unknown[] }).results;
    if (!Array.isArray(results)) return JSON.stringify(data);
    const n = results.length;
    // The answer as runs of ASCII text with a label's bytes (or an error's UTF-8) after each.
    const runs: string[] = [];
    const breaks: (Buffer | string)[] = [];
    let run = '{"results":[';
    let bound = 16;
    for (let i = 0; i < n; i++) {
      if (i > 0) run += ',';
      const r = results[i] as AnswerFields | { error: unknown };
      if ('error' in r) {
        const error = JSON.stringify(r);
        runs.push(run);
        breaks.push(error);
        bound += run.length + error.length * 3;
        run = '';
        continue;
      }
      run += headOf(r);
      if (r.label !== undefined) {
        const label = labelBytes(r.label);
        runs.push(run);
        breaks.push(label);
        bound += run.length + label.length;
        run = '';
      }
      run += tailOf(r);
    }
    run += ']}';
    const out = Buffer.allocUnsafe(bound + run.length);
    let at = 0;
    for (let k = 0; k < runs.length; k++) {
      at += out.write(runs[k], at, 'latin1');
      const b = breaks[k];
      if (typeof b === 'string') at += out.write(b, at, 'utf8');
      else {
        out.set(b, at);
        at += b.length;
      }
    }
    at += out.write(run, at, 'latin1');
    // Fastify sends a Buffer as it is; the serializer's type says string.
    return out.subarray(0, at) as unknown as string;
  };
}
