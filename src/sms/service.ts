/**
 * SMS screening (DESIGN.md §3.1). A numeric sender goes through the call checks of the screening
 * engine (malformed, unallocated, allowlist, DNO, blocklist, spoofed domestic number from abroad,
 * reputation); an alphanumeric sender ID through the sender-ID registry; the links of the text
 * through the link check. The text is read for links in this call and then dropped: it is never
 * stored, logged, emitted or answered — only the verdict, the reasons and the links' domains are.
 */
import { fail, ok, type Result } from '../errors.ts';
import { digitCount, formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { newDecisionId } from '../platform/ids.ts';
import type { BurstCounter } from '../screening/burst.ts';
import { assessCall, reasonList, type ScreeningState } from '../screening/engine.ts';
import { type Language, labelText } from '../screening/labels.ts';
import { type Policy, SEVERITY_ALLOW, SEVERITY_BLOCK, SEVERITY_LABEL } from '../screening/policy.ts';
import { parseTime } from '../screening/service.ts';
import {
  type CallToVerify,
  type Decision,
  type Ingress,
  ingressTypes,
  type LabelCode,
  type ReasonCode,
  reasonBit,
  reasonCodes,
  type Verdict,
} from '../screening/types.ts';
import type { LinkJudge } from './links.ts';
import type { SenderRegistry } from './registry.ts';
import { senderIdProblem, senderKey } from './sender-id.ts';

const ALLOWLISTED_CLI = reasonBit('ALLOWLISTED_CLI');
const SENDER_ID_UNREGISTERED = reasonBit('SENDER_ID_UNREGISTERED');
const SENDER_ID_WRONG_ROUTE = reasonBit('SENDER_ID_WRONG_ROUTE');
const PHISHING_LINK = reasonBit('PHISHING_LINK');
const SMS_BURST = reasonBit('SMS_BURST');
/** Call reasons that say nothing of a message: its origin is not confirmed by originations. */
const CALL_ONLY = reasonBit('ORIGIN_NOT_PARTICIPATING') | reasonBit('INTERNATIONAL_CALL') | reasonBit('CALL_BURST');
const UNREGISTERED_INDEX = reasonCodes.indexOf('SENDER_ID_UNREGISTERED');
const PHISHING_INDEX = reasonCodes.indexOf('PHISHING_LINK');

/** The most UTF-8 a message text may have (DESIGN.md §3.1). */
export const MAX_TEXT_BYTES = 10 * 1024;
const MAX_ID = 128;

/** A message after validation. */
export interface MessageToVerify {
  messageId: string;
  /** The sender as given. */
  sender: string;
  /** The sender as an E.164 integer (-1 when it claims to be a number but is malformed), or null for a sender ID. */
  senderNumber: number | null;
  b: number;
  bText: string;
  at: number;
  atText: string;
  ingress: Ingress;
  operator: string;
  fromOperator?: string;
  text?: string;
}

export interface SmsAnswer {
  decisionId: string;
  verdict: Verdict;
  reasons: ReasonCode[];
  label?: string;
  labelCode?: LabelCode;
  shadow: boolean;
  shadowVerdict?: Verdict;
}

export type ItemError = { error: { code: import('../errors.ts').ErrorCode; message: string } };

export interface SmsDeps {
  plan: NumberingPlan;
  state: ScreeningState;
  policy: Policy;
  registry: SenderRegistry;
  judgeLinks: LinkJudge;
  /** Messages per sender across the platform in the burst window (its own counter, apart from calls). */
  bursts: BurstCounter;
  burstThreshold: number;
  clock: () => number;
  labelLanguage: Language;
  onDecision: (decision: Decision, decidedAtMs: number) => void;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A sender that claims to be a number: a leading +, or ten digits and more (E.164 or national 8 7xx …). */
export function looksNumeric(sender: string): boolean {
  const first = sender.charCodeAt(0);
  // Most sender IDs start with a letter: no need to look further.
  if (first !== 43 && (first < 48 || first > 57) && first !== 40) return false;
  const compact = sender.replace(/[\s()-]/g, '');
  return /^\+\d+$/.test(compact) || /^\d{10,}$/.test(compact);
}

/** A stable key of a sender ID in the burst counter, apart from numbers (which are positive). */
function senderIdBurstKey(sender: string): number {
  const key = senderKey(sender);
  let h = 0x811c9dc5;
  let l = 0;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
    l = (Math.imul(l, 31) + key.charCodeAt(i)) & 0xfffff;
  }
  return -(h * 0x100000 + l) - 1;
}

const verdicts: Verdict[] = ['allow', 'label', 'block'];

/** The number as "+E.164": the sender's own text when it already is exactly that (no new string). */
function e164Text(raw: string, e164: number): string {
  return raw.charCodeAt(0) === 43 && raw.length === digitCount(e164) + 1 ? raw : formatNumber(e164);
}

let lastTime = Number.NaN;
let lastIso = '';
/** ISO string of a time; messages decided in the same millisecond share one string. */
function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastTime = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** Parses and validates one message; every problem is a 400 with a code. */
export function parseMessage(plan: NumberingPlan, body: unknown, operator: string): Result<MessageToVerify> {
  if (!isRecord(body)) return fail('VALIDATION_FAILED', 'a message must be a JSON object');
  const id = body.messageId;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID)
    return fail('VALIDATION_FAILED', `"messageId" must be a string of 1 to ${MAX_ID} characters`);
  const sender = body.sender;
  if (typeof sender !== 'string') return fail('INVALID_SENDER', '"sender" must be a string');
  let senderNumber: number | null = null;
  if (looksNumeric(sender)) senderNumber = sender.length > 32 ? -1 : plan.parse(sender);
  else {
    const problem = senderIdProblem(sender);
    if (problem) return fail('INVALID_SENDER', problem);
  }
  if (typeof body.b !== 'string') return fail('VALIDATION_FAILED', '"b" must be a string');
  const b = plan.parse(body.b);
  if (b < 0) return fail('INVALID_NUMBER', '"b" is not a phone number');
  const at = parseTime(body.at, 'at');
  if (!at.ok) return at as Result<never>;
  if (typeof body.ingress !== 'string' || !(ingressTypes as readonly string[]).includes(body.ingress))
    return fail('VALIDATION_FAILED', `"ingress" must be one of ${ingressTypes.join(', ')}`);
  const fromOperator = body.fromOperator;
  if (
    fromOperator !== undefined &&
    fromOperator !== null &&
    (typeof fromOperator !== 'string' || fromOperator.length === 0 || fromOperator.length > MAX_ID)
  )
    return fail('VALIDATION_FAILED', `"fromOperator" must be a string of 1 to ${MAX_ID} characters`);
  const text = body.text;
  if (text !== undefined && text !== null) {
    // The messages say what is wrong, never what the text was.
    if (typeof text !== 'string') return fail('INVALID_TEXT', '"text" must be a string');
    // A UTF-16 unit is at most 3 bytes of UTF-8: short texts need no measuring.
    if (
      text.length > MAX_TEXT_BYTES ||
      (text.length * 3 > MAX_TEXT_BYTES && Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES)
    )
      return fail('INVALID_TEXT', `"text" has more than ${MAX_TEXT_BYTES} bytes of UTF-8`);
    if (!text.isWellFormed()) return fail('INVALID_TEXT', '"text" is not valid Unicode (a lone surrogate)');
  }
  return ok({
    messageId: id,
    sender,
    senderNumber,
    b,
    bText: body.b,
    at: at.value,
    atText: body.at as string,
    ingress: body.ingress as Ingress,
    operator,
    fromOperator: typeof fromOperator === 'string' ? fromOperator : undefined,
    text: typeof text === 'string' ? text : undefined,
  });
}

export function createSmsService(deps: SmsDeps) {
  const { plan, state, policy, registry, clock } = deps;

  /** Severity of one reason for this message: imitations are blocked, merely suspicious links labelled. */
  function severityOf(index: number, imitation: boolean, phishing: boolean): number {
    const severity = policy.severity[index];
    if (index === UNREGISTERED_INDEX && imitation && severity === SEVERITY_LABEL) return SEVERITY_BLOCK;
    if (index === PHISHING_INDEX && !phishing && severity === SEVERITY_BLOCK) return SEVERITY_LABEL;
    return severity;
  }

  /** When the last decision was made (performance.now()): a batch's next decision starts there. */
  let lastDecided = 0;

  /**
   * Decides one message at `now` (a batch's messages share the time it was taken at); its latency
   * runs from `started`.
   */
  function decide(message: MessageToVerify, started = performance.now(), now = clock()): SmsAnswer {
    let reasons = 0;
    let imitation = false;
    let displayName: string | undefined;
    let burstKey: number | null = null;
    if (message.senderNumber !== null) {
      const call: CallToVerify = {
        callId: message.messageId,
        a: message.senderNumber,
        b: message.b,
        at: message.at,
        ingress: message.ingress,
        operator: message.operator,
        fromOperator: message.fromOperator,
        identity: undefined,
      };
      // Bursts of messages are counted apart from calls (SMS_BURST below), so the engine's is off.
      const assessment = assessCall(call, state, policy, now, 0, Number.POSITIVE_INFINITY);
      reasons = assessment.reasons & ~CALL_ONLY;
      displayName = assessment.displayName;
      if (message.senderNumber >= 0 && !(reasons & ALLOWLISTED_CLI)) burstKey = message.senderNumber;
    } else {
      const standing = registry.standing(message.sender);
      if (standing.kind === 'registered') {
        if (!standing.routes.includes(message.ingress)) reasons |= SENDER_ID_WRONG_ROUTE;
        else displayName = standing.owner;
      } else {
        reasons |= SENDER_ID_UNREGISTERED;
        imitation = standing.kind === 'imitation';
        burstKey = senderIdBurstKey(message.sender);
      }
    }
    if (burstKey !== null) {
      const count = deps.bursts.hit(burstKey, now);
      if (typeof count === 'number' && count >= deps.burstThreshold) reasons |= SMS_BURST;
    }
    let linkDomains: string[] | undefined;
    let phishing = false;
    if (message.text) {
      const found = deps.judgeLinks(message.text, now);
      if (found.worst !== null) {
        reasons |= PHISHING_LINK;
        phishing = found.worst === 'phishing';
        if (found.domains.length) linkDomains = found.domains;
      }
      // The text is not needed past this point; nothing below may see it.
      message.text = undefined;
    }

    let enforced = SEVERITY_ALLOW;
    let any = SEVERITY_ALLOW;
    let shadow = false;
    let labelReasons = 0;
    for (let i = 0; reasons >>> i !== 0; i++) {
      if (!((reasons >>> i) & 1)) continue;
      const severity = severityOf(i, imitation, phishing);
      if (severity > any) any = severity;
      if (policy.shadowed[i]) shadow = true;
      else {
        if (severity > enforced) enforced = severity;
        if (severity === SEVERITY_LABEL) labelReasons |= 1 << i;
      }
    }
    const verdict = verdicts[enforced];
    let labelCode: LabelCode | undefined;
    if (verdict === 'label')
      labelCode = labelReasons === SENDER_ID_UNREGISTERED ? 'UNREGISTERED_SENDER' : 'SUSPECTED_FRAUD';
    else if (verdict === 'allow' && displayName && (message.senderNumber === null || reasons & ALLOWLISTED_CLI))
      labelCode = 'VERIFIED_BUSINESS';
    const label = labelCode ? labelText(labelCode, deps.labelLanguage, displayName) : undefined;

    const decisionId = newDecisionId();
    lastDecided = performance.now();
    const decision: Decision = {
      decisionId,
      callId: message.messageId,
      channel: 'sms',
      operator: message.operator,
      a:
        message.senderNumber !== null && message.senderNumber >= 0
          ? e164Text(message.sender, message.senderNumber)
          : message.sender,
      b: e164Text(message.bText, message.b),
      ingress: message.ingress,
      at: message.atText,
      decidedAt: isoTime(now),
      verdict,
      reasons: reasonList(reasons),
      shadow,
      latencyUs: Math.round((lastDecided - started) * 1000),
    };
    if (message.fromOperator) decision.fromOperator = message.fromOperator;
    if (labelCode) {
      decision.labelCode = labelCode;
      decision.label = label;
    }
    if (shadow) decision.shadowVerdict = verdicts[any];
    if (linkDomains) decision.linkDomains = linkDomains;
    deps.onDecision(decision, now);
    // The answer's fields are the decision's own: the serializers read those and no others.
    return decision;
  }

  return {
    parse: (body: unknown, operator: string) => parseMessage(plan, body, operator),
    /** Decides one validated message (SMPP firewall in process). */
    decide,

    verify(body: unknown, operator: string): Result<SmsAnswer> {
      const message = parseMessage(plan, body, operator);
      if (!message.ok) return message as Result<never>;
      return ok(decide(message.value));
    },

    /**
     * Answers every item in order; a bad item gets its error and does not fail the rest. The
     * messages are decided at the time the batch is taken up, and each one's latency runs from the
     * end of the one before (its validation included): one clock read a message instead of two.
     */
    verifyBatch(items: unknown[], operator: string): (SmsAnswer | ItemError)[] {
      let started = performance.now();
      const now = clock();
      return items.map((item) => {
        const message = parseMessage(plan, item, operator);
        if (!message.ok) return { error: { code: message.code, message: message.message } };
        const answer = decide(message.value, started, now);
        started = lastDecided;
        return answer;
      });
    },
  };
}

export type SmsService = ReturnType<typeof createSmsService>;
