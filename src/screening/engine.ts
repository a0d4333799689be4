/**
 * The screening engine: a pure function of the call, the in-memory state and the policy
 * (DESIGN.md §4). It runs in two steps because one check depends on a racing request:
 * `assessCall` runs every check it can decide now and says whether the origin must be confirmed
 * by a registration of the number's owner; `concludeCall` adds the outcome of that confirmation
 * and computes the verdict. Reasons are bits of one integer, so a decision allocates only its answer.
 */
import type { NumberingPlan } from '../numbering/plan.ts';
import { type Policy, SEVERITY_ALLOW, SEVERITY_BLOCK, SEVERITY_LABEL } from './policy.ts';
import {
  type CallToVerify,
  type LabelCode,
  type ReasonCode,
  reasonBit,
  reasonCodes,
  type Verdict,
  type Verstat,
} from './types.ts';

const MALFORMED_CLI = reasonBit('MALFORMED_CLI');
const UNALLOCATED_CLI = reasonBit('UNALLOCATED_CLI');
const ALLOWLISTED_CLI = reasonBit('ALLOWLISTED_CLI');
const DNO_CLI = reasonBit('DNO_CLI');
const BLOCKLISTED_CLI = reasonBit('BLOCKLISTED_CLI');
const SPOOFED_DOMESTIC_FROM_ABROAD = reasonBit('SPOOFED_DOMESTIC_FROM_ABROAD');
const ROAMING_CONFIRMED = reasonBit('ROAMING_CONFIRMED');
const UNCONFIRMED_ORIGIN = reasonBit('UNCONFIRMED_ORIGIN');
const ORIGIN_NOT_PARTICIPATING = reasonBit('ORIGIN_NOT_PARTICIPATING');
const REPORTED_CLI = reasonBit('REPORTED_CLI');
const CALL_BURST = reasonBit('CALL_BURST');
const PROTECTED_B = reasonBit('PROTECTED_B');
const INTERNATIONAL_CALL = reasonBit('INTERNATIONAL_CALL');
const IDENTITY_INVALID = reasonBit('IDENTITY_INVALID');
const ORIGIN_CHECK_UNAVAILABLE = reasonBit('ORIGIN_CHECK_UNAVAILABLE');

/** Reasons that mean "this call may be fraud", as opposed to informative ones. */
const SUSPICION = UNCONFIRMED_ORIGIN | REPORTED_CLI | CALL_BURST | DNO_CLI | BLOCKLISTED_CLI | IDENTITY_INVALID;

/** A list as the engine reads it: an entry for a number, if present and not expired. */
export interface ListView {
  find(e164: number, now: number): { displayName?: string } | undefined;
}

/** Everything the engine reads besides the call. All lookups are in memory. */
export interface ScreeningState {
  plan: NumberingPlan;
  /** Owner of a domestic number: its MNP entry if ported, else its range owner. */
  ownerOf(e164: number): string | null;
  isParticipating(operator: string): boolean;
  allowlist: ListView;
  dno: ListView;
  blocklist: ListView;
  protectedNumbers: ListView;
  isRoaming(e164: number, now: number): boolean;
  isReported(e164: number): boolean;
}

/** What the engine knows before the origin confirmation. */
export interface Assessment {
  reasons: number;
  /** Operator whose origination must confirm the call, or null when no confirmation is needed. */
  confirmingOperator: string | null;
  bProtected: boolean;
  displayName?: string;
  /** The verified Identity header of the call, when it carried one. */
  identity?: IdentityOutcome;
}

/** What the verification of a call's Identity header (STIR/SHAKEN) means for screening. */
export interface IdentityOutcome {
  verstat: Verstat;
  attest?: 'A' | 'B' | 'C';
  /** A valid full attestation signed by the owner of the calling number (TNAuthList and plan + MNP). */
  confirmsOrigin: boolean;
}

/**
 * Adds a verified Identity to an assessment: a failed verification is IDENTITY_INVALID; a full
 * attestation by the number's owner confirms the origin at once, so no originate is waited for.
 */
export function noteIdentity(assessment: Assessment, identity: IdentityOutcome | undefined): Assessment {
  if (!identity) return assessment;
  const noted: Assessment = { ...assessment, identity };
  if (identity.verstat === 'TN-Validation-Failed') noted.reasons |= IDENTITY_INVALID;
  else if (identity.confirmsOrigin && identity.verstat === 'TN-Validation-Passed') noted.confirmingOperator = null;
  return noted;
}

/** A finished decision, without identifiers and timing. */
export interface Conclusion {
  verdict: Verdict;
  reasons: ReasonCode[];
  labelCode?: LabelCode;
  displayName?: string;
  shadow: boolean;
  shadowVerdict?: Verdict;
}

/**
 * Runs every check that does not need the racing originate.
 * @param now the platform's clock (epoch ms): list expiry and roaming are judged by it, not by the
 *   time the operator presented, which may be skewed
 * @param burstCount calls presented with this CLI across the platform in the burst window, this one included
 */
export function assessCall(
  call: CallToVerify,
  state: ScreeningState,
  policy: Policy,
  now: number,
  burstCount: number,
  burstThreshold: number,
): Assessment {
  const protectedEntry = call.b >= 0 ? state.protectedNumbers.find(call.b, now) : undefined;
  const bProtected = protectedEntry !== undefined;
  const a = call.a;
  if (a < 0) return { reasons: MALFORMED_CLI, confirmingOperator: null, bProtected };
  const zone = state.plan.classify(a).zone;
  if (zone === 'malformed') return { reasons: MALFORMED_CLI, confirmingOperator: null, bProtected };
  if (zone === 'unallocated') return { reasons: UNALLOCATED_CLI, confirmingOperator: null, bProtected };

  let reasons = 0;
  let confirmingOperator: string | null = null;
  let displayName: string | undefined;
  const allowed = state.allowlist.find(a, now);
  if (allowed) {
    reasons |= ALLOWLISTED_CLI;
    displayName = allowed.displayName;
  }
  if (state.dno.find(a, now)) reasons |= DNO_CLI;
  // The allowlist overrides list- and behaviour-based judgments, never origin checks.
  if (!allowed && state.blocklist.find(a, now)) reasons |= BLOCKLISTED_CLI;

  if (zone === 'domestic') {
    if (call.ingress === 'international') {
      reasons |= state.isRoaming(a, now) ? ROAMING_CONFIRMED : SPOOFED_DOMESTIC_FROM_ABROAD;
    } else {
      const owner = state.ownerOf(a);
      // A subscriber of the asking operator calling inside its network needs no confirmation.
      if (owner !== null && !(call.ingress === 'on-net' && owner === call.operator)) {
        if (state.isParticipating(owner)) confirmingOperator = owner;
        else reasons |= ORIGIN_NOT_PARTICIPATING;
      }
    }
  } else if (call.ingress === 'international' && policy.labelInternational) {
    reasons |= INTERNATIONAL_CALL;
  }
  if (!allowed) {
    if (state.isReported(a)) reasons |= REPORTED_CLI;
    if (burstCount >= burstThreshold) reasons |= CALL_BURST;
  }
  return { reasons, confirmingOperator, bProtected, displayName };
}

/** True when the assessment already blocks the call, so waiting for an origination is pointless. */
export function alreadyBlocked(assessment: Assessment, policy: Policy): boolean {
  return enforcedSeverity(assessment.reasons, policy) === SEVERITY_BLOCK;
}

function enforcedSeverity(reasons: number, policy: Policy): number {
  let severity = SEVERITY_ALLOW;
  for (let i = 0; reasons >>> i !== 0; i++) {
    if ((reasons >>> i) & 1 && policy.shadowed[i] === 0 && policy.severity[i] > severity) severity = policy.severity[i];
  }
  return severity;
}

function anySeverity(reasons: number, policy: Policy): number {
  let severity = SEVERITY_ALLOW;
  for (let i = 0; reasons >>> i !== 0; i++) {
    if ((reasons >>> i) & 1 && policy.severity[i] > severity) severity = policy.severity[i];
  }
  return severity;
}

const verdicts: Verdict[] = ['allow', 'label', 'block'];

/**
 * Adds the origin confirmation outcome and computes the verdict.
 * @param originConfirmed true when the owner's origination was found, false when none came in time,
 *   'unavailable' when the registrations could not be read (the failure policy decides),
 *   null when no confirmation was needed or it was skipped because the call is blocked anyway
 */
export function concludeCall(
  assessment: Assessment,
  originConfirmed: boolean | 'unavailable' | null,
  policy: Policy,
): Conclusion {
  let reasons = assessment.reasons;
  if (assessment.confirmingOperator !== null) {
    if (originConfirmed === false) reasons |= UNCONFIRMED_ORIGIN;
    else if (originConfirmed === 'unavailable') reasons |= ORIGIN_CHECK_UNAVAILABLE;
  }

  // A protected subscriber gets suspected fraud blocked instead of labelled.
  if (
    assessment.bProtected &&
    reasons & SUSPICION &&
    enforcedSeverity(reasons, policy) === SEVERITY_LABEL &&
    enforcedSeverity(reasons & SUSPICION, policy) === SEVERITY_LABEL
  ) {
    reasons |= PROTECTED_B;
  }
  const enforced = enforcedSeverity(reasons, policy);
  const verdict = verdicts[enforced];
  const shadow = (reasons & shadowMask(policy)) !== 0;
  const conclusion: Conclusion = { verdict, reasons: reasonList(reasons), shadow };
  if (shadow) conclusion.shadowVerdict = verdicts[anySeverity(reasons, policy)];
  if (verdict === 'label') {
    conclusion.labelCode =
      enforcedSeverity(reasons & ~INTERNATIONAL_CALL, policy) === SEVERITY_LABEL
        ? 'SUSPECTED_FRAUD'
        : 'INTERNATIONAL_CALL';
  } else if (verdict === 'allow' && assessment.displayName && reasons & ALLOWLISTED_CLI) {
    conclusion.labelCode = 'VERIFIED_BUSINESS';
    conclusion.displayName = assessment.displayName;
  }
  return conclusion;
}

const shadowMasks = new WeakMap<Policy, number>();
function shadowMask(policy: Policy): number {
  let mask = shadowMasks.get(policy);
  if (mask === undefined) {
    mask = 0;
    for (let i = 0; i < reasonCodes.length; i++) if (policy.shadowed[i]) mask |= 1 << i;
    shadowMasks.set(policy, mask);
  }
  return mask;
}

/** Reason lists made so far, by their bit set; past this many the memo starts again. */
const MAX_REASON_LISTS = 4096;
let reasonLists = new Map<number, ReasonCode[]>();

/**
 * The reasons of a bit set in `reasonCodes` order. Each list is made once and shared by every
 * decision with the same reasons (frozen: nothing may change a decision's reasons), so a decision
 * allocates none, and the folds that read a batch of decisions find the few lists in the cache.
 */
export function reasonList(reasons: number): ReasonCode[] {
  let list = reasonLists.get(reasons);
  if (list === undefined) {
    const out: ReasonCode[] = [];
    for (let i = 0; reasons >>> i !== 0; i++) if ((reasons >>> i) & 1) out.push(reasonCodes[i]);
    list = Object.freeze(out) as ReasonCode[];
    if (reasonLists.size >= MAX_REASON_LISTS) reasonLists = new Map();
    reasonLists.set(reasons, list);
  }
  return list;
}
