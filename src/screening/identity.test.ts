/** The engine's handling of a verified Identity header (STIR/SHAKEN): pure, no verifier involved. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadPlan } from '../numbering/plan.ts';
import {
  alreadyBlocked,
  assessCall,
  concludeCall,
  type ListView,
  noteIdentity,
  type ScreeningState,
} from './engine.ts';
import { compilePolicy } from './policy.ts';
import type { CallToVerify } from './types.ts';

const plan = loadPlan(new URL('../../data/numbering/kz.json', import.meta.url).pathname);
const none: ListView = { find: () => undefined };
const state: ScreeningState = {
  plan,
  ownerOf: (n) => plan.rangeOwner(n),
  isParticipating: () => true,
  allowlist: none,
  dno: none,
  blocklist: none,
  protectedNumbers: { find: (n) => (n === plan.parse('+77771234599') ? {} : undefined) },
  isRoaming: () => false,
  isReported: () => false,
};
const call = (b = '+77771234567'): CallToVerify => ({
  callId: 'c',
  a: plan.parse('+77011234567'),
  b: plan.parse(b),
  at: 0,
  ingress: 'domestic',
  operator: 'BEELINE',
});
const policy = compilePolicy();
const assess = (b?: string) => assessCall(call(b), state, policy, 0, 1, 100);

describe('signed caller ID in the engine', () => {
  it('a full attestation by the owner confirms the origin: nothing to wait for', () => {
    const noted = noteIdentity(assess(), { verstat: 'TN-Validation-Passed', attest: 'A', confirmsOrigin: true });
    assert.equal(noted.confirmingOperator, null);
    const conclusion = concludeCall(noted, null, policy);
    assert.equal(conclusion.verdict, 'allow');
    assert.deepEqual(conclusion.reasons, []);
  });

  it('a valid signature that does not confirm leaves the origin check as it was', () => {
    const noted = noteIdentity(assess(), { verstat: 'TN-Validation-Passed', attest: 'B', confirmsOrigin: false });
    assert.equal(noted.confirmingOperator, 'KCELL');
    assert.deepEqual(concludeCall(noted, false, policy).reasons, ['UNCONFIRMED_ORIGIN']);
  });

  it('an invalid identity is IDENTITY_INVALID, labelled by default, and never confirms', () => {
    const noted = noteIdentity(assess(), { verstat: 'TN-Validation-Failed', confirmsOrigin: true });
    assert.equal(noted.confirmingOperator, 'KCELL');
    assert.equal(alreadyBlocked(noted, policy), false);
    const conclusion = concludeCall(noted, true, policy);
    assert.equal(conclusion.verdict, 'label');
    assert.deepEqual(conclusion.reasons, ['IDENTITY_INVALID']);
    assert.equal(conclusion.labelCode, 'SUSPECTED_FRAUD');
  });

  it('follows the policy: block, or shadow mode', () => {
    const blocking = compilePolicy({ actions: { IDENTITY_INVALID: 'block' } });
    const invalid = noteIdentity(assessCall(call(), state, blocking, 0, 1, 100), {
      verstat: 'TN-Validation-Failed',
      confirmsOrigin: false,
    });
    assert.equal(alreadyBlocked(invalid, blocking), true);
    const shadow = compilePolicy({ shadow: ['IDENTITY_INVALID'] });
    const conclusion = concludeCall(invalid, true, shadow);
    assert.equal(conclusion.verdict, 'allow');
    assert.equal(conclusion.shadowVerdict, 'label');
  });

  it('a protected callee gets a call with an invalid identity blocked', () => {
    const noted = noteIdentity(assess('+77771234599'), { verstat: 'TN-Validation-Failed', confirmsOrigin: false });
    const conclusion = concludeCall(noted, true, policy);
    assert.equal(conclusion.verdict, 'block');
    assert.deepEqual(conclusion.reasons, ['PROTECTED_B', 'IDENTITY_INVALID']);
  });
});
