import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPlan } from '../numbering/plan.ts';
import { alreadyBlocked, assessCall, concludeCall, type ListView, type ScreeningState } from './engine.ts';
import { compilePolicy, type Policy } from './policy.ts';
import type { CallToVerify, Ingress } from './types.ts';

const plan = loadPlan(new URL('../../data/numbering/kz.json', import.meta.url).pathname);
const NOW = Date.parse('2026-11-28T12:00:00Z');

function listOf(entries: Record<string, { displayName?: string; expiresAt?: number }> = {}): ListView {
  const map = new Map(Object.entries(entries).map(([n, e]) => [plan.parse(n), e]));
  return {
    find(n, now) {
      const e = map.get(n);
      return e && (e.expiresAt ?? Number.POSITIVE_INFINITY) > now ? e : undefined;
    },
  };
}

function stateWith(
  overrides: Partial<ScreeningState> & {
    ported?: Record<string, string>;
    roaming?: string[];
    reported?: string[];
    notParticipating?: string[];
  } = {},
): ScreeningState {
  const ported = new Map(Object.entries(overrides.ported ?? {}).map(([n, o]) => [plan.parse(n), o]));
  const roaming = new Set((overrides.roaming ?? []).map((n) => plan.parse(n)));
  const reported = new Set((overrides.reported ?? []).map((n) => plan.parse(n)));
  const notParticipating = new Set(overrides.notParticipating ?? []);
  return {
    plan,
    ownerOf: (n) => ported.get(n) ?? plan.rangeOwner(n),
    isParticipating: (o) => !notParticipating.has(o),
    allowlist: listOf(),
    dno: listOf(),
    blocklist: listOf(),
    protectedNumbers: listOf(),
    isRoaming: (n) => roaming.has(n),
    isReported: (n) => reported.has(n),
    ...overrides,
  };
}

function call(a: string, b: string, ingress: Ingress, operator = 'BEELINE'): CallToVerify {
  return { callId: 'c1', a: plan.parse(a), b: plan.parse(b), at: NOW, ingress, operator };
}

/** Runs both engine steps; `origin` says what the registry would answer. */
function decide(
  c: CallToVerify,
  state = stateWith(),
  policy: Policy = compilePolicy(),
  origin: boolean | null = false,
  burst = 1,
) {
  const assessment = assessCall(c, state, policy, NOW, burst, 100);
  return concludeCall(assessment, assessment.confirmingOperator ? origin : null, policy);
}

describe('screening engine', () => {
  it('blocks a malformed CLI', () => {
    const r = decide({ ...call('+77011234567', '+77771234567', 'domestic'), a: -1 });
    assert.equal(r.verdict, 'block');
    assert.deepEqual(r.reasons, ['MALFORMED_CLI']);
  });

  it('blocks unallocated Kazakh ranges and the +7 reserve', () => {
    assert.deepEqual(decide(call('+77990000001', '+77771234567', 'domestic')).reasons, ['UNALLOCATED_CLI']);
    assert.deepEqual(decide(call('+78191234567', '+77771234567', 'international')).reasons, ['UNALLOCATED_CLI']);
  });

  it('blocks a Kazakh number arriving from abroad without roaming', () => {
    const r = decide(call('+77011234567', '+77771234567', 'international'));
    assert.equal(r.verdict, 'block');
    assert.deepEqual(r.reasons, ['SPOOFED_DOMESTIC_FROM_ABROAD']);
  });

  it('lets a roaming subscriber call home', () => {
    const r = decide(call('+77011234567', '+77771234567', 'international'), stateWith({ roaming: ['+77011234567'] }));
    assert.equal(r.verdict, 'allow');
    assert.deepEqual(r.reasons, ['ROAMING_CONFIRMED']);
  });

  it('does not take a Russian +7 number from abroad for spoofed', () => {
    const r = decide(call('+79161234567', '+77771234567', 'international'));
    assert.equal(r.verdict, 'allow');
    assert.deepEqual(r.reasons, []);
  });

  it('asks the owner to confirm a domestic call from another network', () => {
    const c = call('+77011234567', '+77771234567', 'domestic');
    const assessment = assessCall(c, stateWith(), compilePolicy(), NOW, 1, 100);
    assert.equal(assessment.confirmingOperator, 'KCELL');
    assert.equal(decide(c, stateWith(), compilePolicy(), true).verdict, 'allow');
    const unconfirmed = decide(c, stateWith(), compilePolicy(), false);
    assert.equal(unconfirmed.verdict, 'block');
    assert.deepEqual(unconfirmed.reasons, ['UNCONFIRMED_ORIGIN']);
  });

  it('asks the new operator of a ported number, not the range owner', () => {
    const c = call('+77011234567', '+77771234567', 'domestic');
    const state = stateWith({ ported: { '+77011234567': 'TELE2' } });
    assert.equal(assessCall(c, state, compilePolicy(), NOW, 1, 100).confirmingOperator, 'TELE2');
  });

  it('needs no confirmation for an own subscriber on-net', () => {
    const c = call('+77771234500', '+77771234567', 'on-net', 'BEELINE');
    assert.equal(assessCall(c, stateWith(), compilePolicy(), NOW, 1, 100).confirmingOperator, null);
    const foreignOnNet = call('+77011234500', '+77771234567', 'on-net', 'BEELINE');
    assert.equal(assessCall(foreignOnNet, stateWith(), compilePolicy(), NOW, 1, 100).confirmingOperator, 'KCELL');
  });

  it('reports an owner that does not take part instead of waiting for it', () => {
    const r = decide(call('+77011234567', '+77771234567', 'domestic'), stateWith({ notParticipating: ['KCELL'] }));
    assert.equal(r.verdict, 'allow');
    assert.deepEqual(r.reasons, ['ORIGIN_NOT_PARTICIPATING']);
  });

  it('blocks DNO and blocklisted numbers without waiting for an origination', () => {
    const state = stateWith({ dno: listOf({ '+77172000000': {} }), blocklist: listOf({ '+77071234567': {} }) });
    const policy = compilePolicy();
    const dno = assessCall(call('+77172000000', '+77771234567', 'domestic'), state, policy, NOW, 1, 100);
    assert.equal(alreadyBlocked(dno, policy), true);
    assert.deepEqual(concludeCall(dno, null, policy).reasons, ['DNO_CLI']);
    const blocked = decide(call('+77071234567', '+77771234567', 'on-net', 'TELE2'), state);
    assert.equal(blocked.verdict, 'block');
    assert.deepEqual(blocked.reasons, ['BLOCKLISTED_CLI']);
  });

  it('ignores expired list entries', () => {
    const state = stateWith({ blocklist: listOf({ '+77071234567': { expiresAt: NOW - 1 } }) });
    assert.equal(decide(call('+77071234567', '+77771234567', 'on-net', 'TELE2'), state).verdict, 'allow');
  });

  it('lets the allowlist override the blocklist, reports and bursts, but not origin checks', () => {
    const state = stateWith({
      allowlist: listOf({ '+77172500000': { displayName: 'Halyk Bank' } }),
      blocklist: listOf({ '+77172500000': {} }),
      reported: ['+77172500000'],
    });
    const confirmed = decide(call('+77172500000', '+77771234567', 'domestic'), state, compilePolicy(), true, 1000);
    assert.equal(confirmed.verdict, 'allow');
    assert.deepEqual(confirmed.reasons, ['ALLOWLISTED_CLI']);
    assert.equal(confirmed.labelCode, 'VERIFIED_BUSINESS');
    assert.equal(confirmed.displayName, 'Halyk Bank');
    const spoofed = decide(call('+77172500000', '+77771234567', 'international'), state);
    assert.equal(spoofed.verdict, 'block');
    assert.deepEqual(spoofed.reasons, ['ALLOWLISTED_CLI', 'SPOOFED_DOMESTIC_FROM_ABROAD']);
  });

  it('labels reported numbers and bursts as suspected fraud', () => {
    const reported = decide(
      call('+79161234567', '+77771234567', 'international'),
      stateWith({ reported: ['+79161234567'] }),
    );
    assert.equal(reported.verdict, 'label');
    assert.deepEqual(reported.reasons, ['REPORTED_CLI']);
    assert.equal(reported.labelCode, 'SUSPECTED_FRAUD');
    const burst = decide(
      call('+79161234567', '+77771234567', 'international'),
      stateWith(),
      compilePolicy(),
      null,
      100,
    );
    assert.deepEqual(burst.reasons, ['CALL_BURST']);
    assert.equal(burst.verdict, 'label');
  });

  it('blocks suspected fraud to a protected subscriber instead of labelling it', () => {
    const state = stateWith({ reported: ['+79161234567'], protectedNumbers: listOf({ '+77771234567': {} }) });
    const r = decide(call('+79161234567', '+77771234567', 'international'), state);
    assert.equal(r.verdict, 'block');
    assert.deepEqual(r.reasons, ['REPORTED_CLI', 'PROTECTED_B']);
    // An ordinary call to a protected subscriber is untouched.
    assert.equal(decide(call('+79161234568', '+77771234567', 'international'), state).verdict, 'allow');
  });

  it('labels international calls when the policy asks for it', () => {
    const policy = compilePolicy({ labelInternational: true });
    const r = decide(call('+905321234567', '+77771234567', 'international'), stateWith(), policy);
    assert.equal(r.verdict, 'label');
    assert.equal(r.labelCode, 'INTERNATIONAL_CALL');
    assert.deepEqual(r.reasons, ['INTERNATIONAL_CALL']);
  });

  it('maps reasons to actions from the policy', () => {
    const policy = compilePolicy({ actions: { UNCONFIRMED_ORIGIN: 'label', SPOOFED_DOMESTIC_FROM_ABROAD: 'monitor' } });
    assert.equal(decide(call('+77011234567', '+77771234567', 'domestic'), stateWith(), policy, false).verdict, 'label');
    const spoofed = decide(call('+77011234567', '+77771234567', 'international'), stateWith(), policy);
    assert.equal(spoofed.verdict, 'allow');
    assert.deepEqual(spoofed.reasons, ['SPOOFED_DOMESTIC_FROM_ABROAD']);
  });

  it('decides and reports shadow-mode reasons without enforcing them', () => {
    const policy = compilePolicy({ shadow: ['UNCONFIRMED_ORIGIN'] });
    const r = decide(call('+77011234567', '+77771234567', 'domestic'), stateWith(), policy, false);
    assert.equal(r.verdict, 'allow');
    assert.equal(r.shadow, true);
    assert.equal(r.shadowVerdict, 'block');
    assert.deepEqual(r.reasons, ['UNCONFIRMED_ORIGIN']);
    // A shadowed block does not skip the origin wait either.
    const dnoState = stateWith({ dno: listOf({ '+77011234567': {} }) });
    const shadowDno = compilePolicy({ shadow: ['DNO_CLI'] });
    const a = assessCall(call('+77011234567', '+77771234567', 'domestic'), dnoState, shadowDno, NOW, 1, 100);
    assert.equal(alreadyBlocked(a, shadowDno), false);
  });

  it('reports no shadow when no shadowed reason fired', () => {
    const r = decide(
      call('+77011234567', '+77771234567', 'domestic'),
      stateWith(),
      compilePolicy({ shadow: ['CALL_BURST'] }),
      true,
    );
    assert.equal(r.shadow, false);
    assert.equal(r.shadowVerdict, undefined);
  });
});
