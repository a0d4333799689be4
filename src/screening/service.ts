/**
 * The screening service around the pure engine: validates requests, counts bursts, consumes origin
 * registrations (waiting a bounded time for a racing originate), and hands every decision to the
 * counters and the decisions stream. Waits are per call and concurrent, so a batch with several
 * unconfirmed calls answers in about one wait.
 */
import { AppError, type ErrorCode, fail, ok, type Result } from '../errors.ts';
import { digitCount, formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { newDecisionId } from '../platform/ids.ts';
import { OffsetTimeReader } from '../platform/iso-time.ts';
import { Phase, phaseAdd, phaseMark, phaseStart, phaseTiming } from '../platform/phases.ts';
import type { BurstCounter } from './burst.ts';
import {
  alreadyBlocked,
  assessCall,
  concludeCall,
  type IdentityOutcome,
  noteIdentity,
  type ScreeningState,
} from './engine.ts';
import { type Language, labelText } from './labels.ts';
import type { OriginCheck, OriginRegistry } from './origins.ts';
import type { Policy } from './policy.ts';
import { type CallToVerify, type Decision, type Ingress, ingressTypes } from './types.ts';

export interface VerifyAnswer {
  decisionId: string;
  verdict: Decision['verdict'];
  reasons: Decision['reasons'];
  label?: string;
  labelCode?: Decision['labelCode'];
  shadow: boolean;
  shadowVerdict?: Decision['verdict'];
  /** Outcome of the Identity header's verification (ATIS-1000074 verstat), when one was given. */
  verstat?: Decision['verstat'];
  attest?: 'A' | 'B' | 'C';
}

/** What screening needs of the STIR verification service (src/stir/verifier.ts). */
export interface IdentityVerifier {
  verify(input: {
    identity: string;
    orig: string;
    dest: string;
    asker: string;
  }): IdentityVerification | Promise<IdentityVerification>;
}

export interface IdentityVerification {
  verstat: NonNullable<Decision['verstat']>;
  attest?: 'A' | 'B' | 'C';
  /** The operator the signing certificate was issued to. */
  operator?: string;
}

/** The numbers of a validated request as the operator wrote them. */
type RawNumbers = { a: string; b: string };

export type ItemError = { error: { code: ErrorCode; message: string } };

export interface ScreeningDeps {
  plan: NumberingPlan;
  state: ScreeningState;
  policy: Policy;
  origins: OriginRegistry;
  bursts: BurstCounter;
  clock: () => number;
  originWaitMs: number;
  burstThreshold: number;
  labelLanguage: Language;
  /** Verifies SIP Identity headers (STIR/SHAKEN); calls carrying one are refused without it. */
  identityVerifier?: IdentityVerifier;
  /** Called with every decision: stats, stream, recent-decisions buffer, metrics. */
  onDecision: (decision: Decision, decidedAtMs: number) => void;
}

const MAX_ID = 128;
/** PASSporTs are a few hundred bytes; this leaves room for long x5u URLs. */
const MAX_IDENTITY = 4096;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a text field is not acceptable, or null when it is (no allocation on the good path). */
function textProblem(value: unknown, field: string, required: boolean): string | null {
  if (value === undefined || value === null) return required ? `"${field}" is required` : null;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID) {
    return `"${field}" must be a string of 1 to ${MAX_ID} characters`;
  }
  return null;
}

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
/** Calls of one second (a batch, a busy switch) often carry the same text: it is read once. */
const atReader = new OffsetTimeReader();

/** Epoch ms of an ISO 8601 date-time, or NaN for a bare date or garbage. */
function timeOf(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  // The usual form with an offset is read digit by digit; other ISO forms go through Date.parse.
  if (atReader.read(value)) return atReader.parsed.timeMs;
  return ISO_PREFIX.test(value) ? Date.parse(value) : Number.NaN;
}

/** The number as "+E.164": the caller's own text when it already is exactly that (no new string). */
function e164Text(raw: string, e164: number): string {
  return raw.charCodeAt(0) === 43 && raw.length === digitCount(e164) + 1 ? raw : formatNumber(e164);
}

/** ISO 8601 with a time; a bare date or garbage is refused. */
export function parseTime(value: unknown, field: string): Result<number> {
  const t = timeOf(value);
  return Number.isNaN(t) ? fail('INVALID_TIME', `"${field}" must be an ISO 8601 date-time`) : ok(t);
}

let lastTime = Number.NaN;
let lastIso = '';
/** ISO string of a time; calls decided in the same millisecond share one string. */
function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastTime = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export function createScreeningService(deps: ScreeningDeps) {
  const { plan, state, policy, origins, bursts, clock } = deps;

  /** Validates one verify item; a malformed `a` is not an error but a MALFORMED_CLI decision. */
  function parseVerify(body: unknown, operator: string): Result<CallToVerify> {
    if (!isRecord(body)) return fail('VALIDATION_FAILED', 'a call must be a JSON object');
    const callIdProblem = textProblem(body.callId, 'callId', true);
    if (callIdProblem) return fail('VALIDATION_FAILED', callIdProblem);
    if (typeof body.a !== 'string') return fail('VALIDATION_FAILED', '"a" must be a string');
    if (typeof body.b !== 'string') return fail('VALIDATION_FAILED', '"b" must be a string');
    const b = plan.parse(body.b);
    if (b < 0) return fail('INVALID_NUMBER', '"b" is not a phone number');
    const at = timeOf(body.at);
    if (Number.isNaN(at)) return fail('INVALID_TIME', '"at" must be an ISO 8601 date-time');
    if (typeof body.ingress !== 'string' || !(ingressTypes as readonly string[]).includes(body.ingress)) {
      return fail('VALIDATION_FAILED', `"ingress" must be one of ${ingressTypes.join(', ')}`);
    }
    const fromOperatorProblem = textProblem(body.fromOperator, 'fromOperator', false);
    if (fromOperatorProblem) return fail('VALIDATION_FAILED', fromOperatorProblem);
    const identity = body.identity;
    if (
      identity !== undefined &&
      identity !== null &&
      (typeof identity !== 'string' || identity.length > MAX_IDENTITY)
    ) {
      return fail(
        'VALIDATION_FAILED',
        `"identity" must be a SIP Identity header value of at most ${MAX_IDENTITY} characters`,
      );
    }
    if (typeof identity === 'string' && !deps.identityVerifier) {
      return fail('VALIDATION_FAILED', 'this node does not verify "identity"');
    }
    return ok({
      callId: body.callId as string,
      a: body.a.length > 32 ? -1 : plan.parse(body.a),
      b,
      at,
      atText: body.at as string,
      ingress: body.ingress as Ingress,
      operator,
      fromOperator: (body.fromOperator as string | null | undefined) ?? undefined,
      // Always present (possibly undefined): one object shape for every call on the hot path.
      identity: typeof identity === 'string' ? identity : undefined,
    });
  }

  function answer(
    call: CallToVerify,
    raw: RawNumbers,
    started: number,
    confirmed: OriginCheck | null,
    assessment: ReturnType<typeof assessCall>,
    now: number,
  ): VerifyAnswer {
    const conclusion = concludeCall(assessment, confirmed, policy);
    if (phaseTiming.on) phaseMark(Phase.engine);
    const decisionId = newDecisionId();
    const decidedAt = performance.now();
    lastDecided = decidedAt;
    const label = conclusion.labelCode
      ? labelText(conclusion.labelCode, deps.labelLanguage, conclusion.displayName)
      : undefined;
    const decision: Decision = {
      decisionId,
      callId: call.callId,
      operator: call.operator,
      a: call.a >= 0 ? e164Text(raw.a, call.a) : raw.a,
      b: e164Text(raw.b, call.b),
      ingress: call.ingress,
      at: call.atText ?? isoTime(call.at),
      decidedAt: isoTime(now),
      verdict: conclusion.verdict,
      reasons: conclusion.reasons,
      shadow: conclusion.shadow,
      latencyUs: Math.round((decidedAt - started) * 1000),
    };
    if (call.fromOperator) decision.fromOperator = call.fromOperator;
    if (conclusion.labelCode) {
      decision.labelCode = conclusion.labelCode;
      decision.label = label;
    }
    if (conclusion.shadowVerdict) decision.shadowVerdict = conclusion.shadowVerdict;
    if (assessment.identity) decision.verstat = assessment.identity.verstat;
    if (phaseTiming.on) phaseMark(Phase.decision);
    deps.onDecision(decision, now);
    const out: VerifyAnswer = {
      decisionId,
      verdict: conclusion.verdict,
      reasons: conclusion.reasons,
      shadow: conclusion.shadow,
    };
    if (label) {
      out.label = label;
      out.labelCode = conclusion.labelCode;
    }
    if (conclusion.shadowVerdict) out.shadowVerdict = conclusion.shadowVerdict;
    if (assessment.identity) {
      out.verstat = assessment.identity.verstat;
      if (assessment.identity.attest) out.attest = assessment.identity.attest;
    }
    if (phaseTiming.on) phaseMark(Phase.decision);
    return out;
  }

  /** Verifies the call's Identity header; a full attestation confirms the origin only from the number's owner. */
  function verifyIdentity(call: CallToVerify, raw: RawNumbers): IdentityOutcome | Promise<IdentityOutcome> {
    const outcome = (result: IdentityVerification): IdentityOutcome => ({
      verstat: result.verstat,
      attest: result.attest,
      confirmsOrigin:
        result.verstat === 'TN-Validation-Passed' &&
        result.attest === 'A' &&
        result.operator !== undefined &&
        call.a >= 0 &&
        state.ownerOf(call.a) === result.operator,
    });
    const result = deps.identityVerifier!.verify({
      identity: call.identity!,
      orig: call.a >= 0 ? String(call.a) : raw.a,
      dest: String(call.b),
      asker: call.operator,
    });
    return result instanceof Promise ? result.then(outcome) : outcome(result);
  }

  /** When the last decision was made (performance.now()): a batch's next call starts there. */
  let lastDecided = 0;

  /**
   * Decides one validated call at `now` (a batch's calls share the time it was taken up at); its
   * latency runs from `started` (a double, not a BigInt: no allocation per call). Resolves at once
   * unless it must wait for an originate.
   */
  function decide(
    call: CallToVerify,
    raw: RawNumbers,
    started = performance.now(),
    now = clock(),
  ): VerifyAnswer | Promise<VerifyAnswer> {
    let burstCount = 0;
    if (call.a >= 0) {
      const hit = bursts.hit(call.a, now);
      if (typeof hit !== 'number') {
        return hit.then((count) => finish(call, raw, started, now, count));
      }
      burstCount = hit;
    }
    if (phaseTiming.on) phaseMark(Phase.burst);
    return finish(call, raw, started, now, burstCount);
  }

  function finish(
    call: CallToVerify,
    raw: RawNumbers,
    started: number,
    now: number,
    burstCount: number,
    identity?: IdentityOutcome,
  ): VerifyAnswer | Promise<VerifyAnswer> {
    // The Identity header is verified first (async on a cold certificate cache), then the call decided.
    if (call.identity !== undefined && identity === undefined) {
      const checked = verifyIdentity(call, raw);
      return checked instanceof Promise
        ? checked.then((outcome) => finish(call, raw, started, now, burstCount, outcome))
        : finish(call, raw, started, now, burstCount, checked);
    }
    const assessment = noteIdentity(assessCall(call, state, policy, now, burstCount, deps.burstThreshold), identity);
    if (phaseTiming.on) phaseMark(Phase.engine);
    const operator = assessment.confirmingOperator;
    if (operator === null || alreadyBlocked(assessment, policy))
      return answer(call, raw, started, null, assessment, now);
    // A remote store takes or waits in one round trip; the memory one answers at once when it can.
    const consumed = origins.consumeOrWait
      ? origins.consumeOrWait(call.a, call.b, operator, deps.originWaitMs)
      : origins.consume(call.a, call.b, operator);
    if (phaseTiming.on) phaseMark(Phase.originLookup);
    if (consumed === true || consumed === 'unavailable') return answer(call, raw, started, consumed, assessment, now);
    const wait =
      consumed === false
        ? origins.waitFor(call.a, call.b, operator, deps.originWaitMs)
        : origins.consumeOrWait
          ? consumed
          : consumed.then((c) => (c === false ? origins.waitFor(call.a, call.b, operator, deps.originWaitMs) : c));
    if (phaseTiming.on) {
      const waitStarted = performance.now();
      return wait.then((confirmed) => {
        phaseAdd(Phase.originWait, performance.now() - waitStarted);
        phaseStart();
        return answer(call, raw, started, confirmed, assessment, now);
      });
    }
    return wait.then((confirmed) => answer(call, raw, started, confirmed, assessment, now));
  }

  return {
    parseVerify,

    verify(body: unknown, operator: string): Result<VerifyAnswer | Promise<VerifyAnswer>> {
      const call = parseVerify(body, operator);
      if (phaseTiming.on) phaseMark(Phase.validation);
      if (!call.ok) return call as Result<never>;
      return ok(decide(call.value, body as RawNumbers));
    },

    /**
     * Answers every item in order; a bad item gets its error and does not fail the rest. The calls
     * are decided at the time the batch is taken up, and each one's latency runs from the end of
     * the decision before (its validation included): one clock read a call instead of three.
     */
    async verifyBatch(items: unknown[], operator: string): Promise<(VerifyAnswer | ItemError)[]> {
      lastDecided = performance.now();
      const now = clock();
      const results: (VerifyAnswer | ItemError | Promise<VerifyAnswer>)[] = items.map((item) => {
        const call = parseVerify(item, operator);
        if (!call.ok) return { error: { code: call.code, message: call.message } };
        return decide(call.value, item as RawNumbers, lastDecided, now);
      });
      // Most answers are ready at once: wait only for those that wait for an originate,
      // all together, instead of wrapping every answer in a promise.
      const waiting: Promise<void>[] = [];
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        if (r instanceof Promise) {
          waiting.push(
            r.then((answer) => {
              results[i] = answer;
            }),
          );
        }
      }
      if (waiting.length > 0) await Promise.all(waiting);
      return results as (VerifyAnswer | ItemError)[];
    },

    /**
     * Registers an origination by the number's owner; the caller must own `a` (numbering plan + MNP).
     * Idempotent by (operator, callId) within the registration's TTL.
     */
    originate(body: unknown, operator: string): Result<{ accepted: true } | Promise<{ accepted: true }>> {
      if (!isRecord(body)) return fail('VALIDATION_FAILED', 'a call must be a JSON object');
      const callIdProblem = textProblem(body.callId, 'callId', true);
      if (callIdProblem) return fail('VALIDATION_FAILED', callIdProblem);
      if (typeof body.a !== 'string') return fail('VALIDATION_FAILED', '"a" must be a string');
      if (typeof body.b !== 'string') return fail('VALIDATION_FAILED', '"b" must be a string');
      const a = plan.parse(body.a);
      if (a < 0) return fail('INVALID_NUMBER', '"a" is not a phone number');
      const b = plan.parse(body.b);
      if (b < 0) return fail('INVALID_NUMBER', '"b" is not a phone number');
      if (Number.isNaN(timeOf(body.at))) return fail('INVALID_TIME', '"at" must be an ISO 8601 date-time');
      if (state.ownerOf(a) !== operator) {
        return fail('NOT_NUMBER_OWNER', `${formatNumber(a)} does not belong to operator ${operator}`);
      }
      // A retry of the same callId is answered as the first was, and counted once (origins.ts).
      const done = origins.register(a, b, operator, body.callId as string);
      return ok(done instanceof Promise ? done.then(() => ({ accepted: true as const })) : { accepted: true as const });
    },

    async originateBatch(items: unknown[], operator: string): Promise<({ accepted: true } | ItemError)[]> {
      const itemError = (error: unknown): ItemError => {
        // A registration the hot state could not take fails alone, with its code.
        if (error instanceof AppError) return { error: { code: error.code, message: error.message } };
        throw error;
      };
      return Promise.all(
        items.map((item) => {
          let r: ReturnType<typeof this.originate>;
          try {
            r = this.originate(item, operator);
          } catch (error) {
            return itemError(error);
          }
          if (!r.ok) return { error: { code: r.code, message: r.message } };
          return r.value instanceof Promise ? r.value.catch(itemError) : r.value;
        }),
      );
    },
  };
}

export type ScreeningService = ReturnType<typeof createScreeningService>;
