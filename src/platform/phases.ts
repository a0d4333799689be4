/**
 * Per-phase timing of the verify path, for the benchmark (`npm run bench -- http`). Off unless a
 * probe turns it on before the app is built (bench/phase-probe.ts, preloaded with `--import`):
 * then the HTTP server adds timing hooks, and the marks below add up the time of each phase.
 * Off, each mark on the call path costs one test of a constant field.
 *
 * The handler's phases are consecutive marks of one synchronous stretch (Node runs one request
 * at a time between awaits): `phaseStart` opens it, each `phaseMark` charges the time since the
 * last mark to its phase. Phases spread over turns of the event loop (body parsing, writing the
 * answer, waiting for an originate) are timed per request instead.
 */

/** The phases, in the order of a verify. */
export const phaseNames = [
  'auth (bearer → principal)',
  'parse (body read + JSON.parse)',
  'schema validation (Fastify)',
  'validation (service)',
  'burst count',
  'engine (assess + conclude)',
  'origin lookup',
  'origin wait (async)',
  'decision + answer objects',
  'decision record (stats, recent)',
  'stream publish (queue)',
  'metrics (decision counters)',
  'serialisation',
  "answer wait (wire path: the turn's answers are written together)",
  'write: the first answer of a turn (wire path; it usually wakes the client)',
  'write (onSend → response finished; wire path: the later answers of a turn)',
  'request metrics (histogram)',
  'after the reply: stream delivery',
] as const;

export const Phase = {
  auth: 0,
  parse: 1,
  schema: 2,
  validation: 3,
  burst: 4,
  engine: 5,
  originLookup: 6,
  originWait: 7,
  decision: 8,
  record: 9,
  stream: 10,
  metrics: 11,
  serialisation: 12,
  answerWait: 13,
  writeFirst: 14,
  write: 15,
  requestMetrics: 16,
  delivery: 17,
} as const;

/** `on` is read on the call path; the probe sets it before the app is built. */
export const phaseTiming = { on: false };

/**
 * The wire path's turns since the last reset: how many times it wrote the answers of a turn, and
 * how many answers it wrote (the first write of a turn and the later ones are their own phases).
 */
export const wireTurns = { turns: 0, answers: 0 };

const totals = new Float64Array(phaseNames.length);
let last = 0;

/** Opens a synchronous stretch of marks. */
export function phaseStart(): void {
  last = performance.now();
}

/** Charges the time since the last mark (or `phaseStart`) to `phase`. */
export function phaseMark(phase: number): void {
  const t = performance.now();
  totals[phase] += t - last;
  last = t;
}

/** Adds a duration measured elsewhere (ms) to `phase`. */
export function phaseAdd(phase: number, ms: number): void {
  totals[phase] += ms;
}

/** Milliseconds per phase since the last reset, and resets them. */
export function takePhaseTotals(): Record<string, number> {
  const out: Record<string, number> = {};
  phaseNames.forEach((name, i) => {
    out[name] = totals[i];
  });
  totals.fill(0);
  return out;
}
