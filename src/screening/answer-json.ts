/**
 * Screening answers (calls and messages) as JSON, byte for byte as the compiled serializer of
 * their schema writes them — the required fields first, then the optional ones in the schema's
 * order — without its per-character escaping pass: decision IDs (UUIDs), verdicts, reason, label,
 * verstat and attest codes are plain ASCII by construction; only labels (owners' names, texts in
 * the label language) need escaping, and they repeat, so each is escaped once.
 */

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

export function answerSerializer(): (a: AnswerFields) => string {
  let quoted = new Map<string, string>();
  const quote = (text: string): string => {
    let json = quoted.get(text);
    if (json === undefined) {
      json = JSON.stringify(text);
      if (quoted.size >= MAX_QUOTED) quoted = new Map();
      quoted.set(text, json);
    }
    return json;
  };
  return (a) => {
    let out = `{"decisionId":"${a.decisionId}","verdict":"${a.verdict}","reasons":[`;
    for (let i = 0; i < a.reasons.length; i++) out += i === 0 ? `"${a.reasons[i]}"` : `,"${a.reasons[i]}"`;
    out += a.shadow ? '],"shadow":true' : '],"shadow":false';
    if (a.label !== undefined) out += `,"label":${quote(a.label)}`;
    if (a.labelCode !== undefined) out += `,"labelCode":"${a.labelCode}"`;
    if (a.shadowVerdict !== undefined) out += `,"shadowVerdict":"${a.shadowVerdict}"`;
    if (a.verstat !== undefined) out += `,"verstat":"${a.verstat}"`;
    if (a.attest !== undefined) out += `,"attest":"${a.attest}"`;
    return `${out}}`;
  };
}

/**
 * The serializer of a batch answer `{"results":[…]}`: each answer through `answerJson`, an item's
 * error as it is, written straight into one buffer. Concatenating a 100 KB string of a thousand
 * pieces costs a flattening pass to measure it and an encoding pass to send it; a buffer costs
 * neither. Error answers (4xx) have no results and keep their usual form.
 */
export function resultsSerializer(answerJson: (a: AnswerFields) => string): (data: unknown) => string {
  return (data) => {
    const results = (data as { results?: unknown[] }).results;
    if (!Array.isArray(results)) return JSON.stringify(data);
    const pieces = new Array<string>(results.length);
    let bound = 16;
    for (let i = 0; i < results.length; i++) {
      const r = results[i] as AnswerFields | { error: unknown };
      pieces[i] = 'error' in r ? JSON.stringify(r) : answerJson(r);
      // A UTF-16 unit is at most 3 bytes of UTF-8.
      bound += pieces[i].length * 3 + 1;
    }
    const out = Buffer.allocUnsafe(bound);
    let at = out.write('{"results":[', 0);
    for (let i = 0; i < pieces.length; i++) {
      if (i > 0) out[at++] = 0x2c; // ,
      at += out.write(pieces[i], at);
    }
    at += out.write(']}', at);
    // Fastify sends a Buffer as it is; the serializer's type says string.
    return out.subarray(0, at) as unknown as string;
  };
}
