/** Reason codes of DESIGN.md §3, in the order the checks run, plus this platform's extensions. */
export const reasonCodes = [
  'MALFORMED_CLI',
  'UNALLOCATED_CLI',
  'ALLOWLISTED_CLI',
  'DNO_CLI',
  'BLOCKLISTED_CLI',
  'SPOOFED_DOMESTIC_FROM_ABROAD',
  'ROAMING_CONFIRMED',
  'UNCONFIRMED_ORIGIN',
  'ORIGIN_NOT_PARTICIPATING',
  'REPORTED_CLI',
  'CALL_BURST',
  'PROTECTED_B',
  // Extension: every international call labelled when the policy asks for it.
  'INTERNATIONAL_CALL',
  // Extension: the origin could not be checked (hot state down); the failure policy says what it does.
  'ORIGIN_CHECK_UNAVAILABLE',
  // Extension: the SIP Identity header (STIR/SHAKEN) given with the call failed verification.
  'IDENTITY_INVALID',
  // SMS screening (DESIGN.md §3.1): an alphanumeric sender ID not in the registry (or imitating one),
  // a registered one on a route not registered for it, a phishing link in the text, a burst of one sender.
  'SENDER_ID_UNREGISTERED',
  'SENDER_ID_WRONG_ROUTE',
  'PHISHING_LINK',
  'SMS_BURST',
] as const;
export type ReasonCode = (typeof reasonCodes)[number];

/** The bit of a reason in a bit set of reasons (bit k: `reasonCodes[k]`), as screening and the decision columns hold them. */
export const reasonBit = (reason: ReasonCode): number => 1 << reasonCodes.indexOf(reason);

export const ingressTypes = ['international', 'domestic', 'on-net'] as const;
export type Ingress = (typeof ingressTypes)[number];

export type Verdict = 'allow' | 'label' | 'block';
/** Verification status of a signed caller ID (ATIS-1000074 verstat). */
export type Verstat = 'TN-Validation-Passed' | 'TN-Validation-Failed' | 'No-TN-Validation';
export type PolicyAction = 'block' | 'label' | 'allow' | 'monitor';
export type LabelCode = 'SUSPECTED_FRAUD' | 'INTERNATIONAL_CALL' | 'VERIFIED_BUSINESS' | 'UNREGISTERED_SENDER';
/** What a decision screened: a call (the default) or a message (SMS). */
export type Channel = 'call' | 'sms';

/** A verify request after validation: numbers are E.164 integers, times epoch milliseconds. */
export interface CallToVerify {
  callId: string;
  /** Calling line identity as presented (E.164 integer, or -1 when malformed). */
  a: number;
  b: number;
  at: number;
  /** `at` as the operator sent it (validated), kept so that no call pays for formatting it again. */
  atText?: string;
  ingress: Ingress;
  /** Operator asking (terminating or transit). */
  operator: string;
  /** Carrier that delivered the call, when the asking operator knows it. */
  fromOperator?: string;
  /** SIP Identity header value (STIR/SHAKEN PASSporT), when the call carried one. */
  identity?: string;
}

/** A screening decision as emitted on the decisions stream and counted in stats. */
export interface Decision {
  decisionId: string;
  /** The call's id; for a message (channel `sms`), its messageId. */
  callId: string;
  /** Absent on calls decided before channels existed: read absent as `call`. */
  channel?: Channel;
  operator: string;
  fromOperator?: string;
  /** The calling number; for a message, its sender (a number, or an alphanumeric sender ID as sent). */
  a: string;
  b: string;
  ingress: Ingress;
  at: string;
  decidedAt: string;
  verdict: Verdict;
  reasons: ReasonCode[];
  labelCode?: LabelCode;
  label?: string;
  shadow: boolean;
  /** Verdict had the shadow-mode reasons been enforced. */
  shadowVerdict?: Verdict;
  /** Outcome of the Identity header's verification, when the call carried one. */
  verstat?: Verstat;
  /** Microseconds spent deciding, waits included. */
  latencyUs: number;
  /** SMS: registrable domains of the links found in the text (the text itself is never kept). */
  linkDomains?: string[];
}
