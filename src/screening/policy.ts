import type { PolicyInput } from '../config.ts';
import { type PolicyAction, type ReasonCode, reasonCodes } from './types.ts';

/** Default action of each reason: what a national platform does on day one. */
export const defaultActions: Record<ReasonCode, PolicyAction> = {
  MALFORMED_CLI: 'block',
  UNALLOCATED_CLI: 'block',
  ALLOWLISTED_CLI: 'allow',
  DNO_CLI: 'block',
  BLOCKLISTED_CLI: 'block',
  SPOOFED_DOMESTIC_FROM_ABROAD: 'block',
  ROAMING_CONFIRMED: 'allow',
  UNCONFIRMED_ORIGIN: 'block',
  ORIGIN_NOT_PARTICIPATING: 'monitor',
  REPORTED_CLI: 'label',
  CALL_BURST: 'label',
  PROTECTED_B: 'block',
  INTERNATIONAL_CALL: 'label',
  // Label, not block: a forged Identity cannot confirm an origin (that takes a valid A from the owner),
  // so the origin check still blocks the spoofs; an invalid one is mostly an interop fault (clock skew,
  // a transit network rewriting headers, an unreachable x5u), and blocking would drop genuine calls.
  IDENTITY_INVALID: 'label',
  // Fail open by default; `failurePolicy: closed` makes it block (see compilePolicy).
  ORIGIN_CHECK_UNAVAILABLE: 'monitor',
  // SMS: a mere unregistered sender ID is labelled; one imitating a registered ID or a protected
  // brand is blocked (src/sms/conclude.ts raises a label to a block for imitations).
  SENDER_ID_UNREGISTERED: 'label',
  SENDER_ID_WRONG_ROUTE: 'block',
  // For a phishing link; a merely suspicious link is labelled at most.
  PHISHING_LINK: 'block',
  SMS_BURST: 'label',
};

/** Severity of an action: the verdict is the most severe enforced one. */
export const SEVERITY_ALLOW = 0;
export const SEVERITY_LABEL = 1;
export const SEVERITY_BLOCK = 2;

/** A policy compiled for the hot path: per reason index, a severity and a shadow flag. */
export interface Policy {
  actions: Readonly<Record<ReasonCode, PolicyAction>>;
  shadow: ReadonlySet<ReasonCode>;
  labelInternational: boolean;
  /** severity[i] for reasonCodes[i] */
  severity: Int8Array;
  /** 1 when reasonCodes[i] runs in shadow mode */
  shadowed: Uint8Array;
}

function severityOf(action: PolicyAction): number {
  return action === 'block' ? SEVERITY_BLOCK : action === 'label' ? SEVERITY_LABEL : SEVERITY_ALLOW;
}

/**
 * Builds the policy from its configured form (validated by the config schema). The failure policy
 * sets what a call whose origin cannot be checked gets, unless the actions name it themselves.
 */
export function compilePolicy(input: Partial<PolicyInput> = {}, failurePolicy: 'open' | 'closed' = 'open'): Policy {
  const failure: PolicyAction = failurePolicy === 'closed' ? 'block' : 'monitor';
  const actions = {
    ...defaultActions,
    ORIGIN_CHECK_UNAVAILABLE: failure,
    ...(input.actions ?? {}),
  } as Record<ReasonCode, PolicyAction>;
  const shadow = new Set(input.shadow ?? []);
  return {
    actions: Object.freeze(actions),
    shadow,
    labelInternational: input.labelInternational ?? false,
    severity: Int8Array.from(reasonCodes, (r) => severityOf(actions[r])),
    shadowed: Uint8Array.from(reasonCodes, (r) => (shadow.has(r) ? 1 : 0)),
  };
}
