/**
 * The ATIS-1000082 REST interface of the STI-AS and STI-VS: request and response shapes, and its
 * error form ({"requestError":{"serviceException"|"policyException":{messageId,text,variables}}}),
 * so SBCs that speak it can use callshield unchanged.
 */
import { randomUUID } from 'node:crypto';
import type { Authority } from './authority.ts';
import { attestations, canonicalTn, identityHeader, type ShakenClaims, signPassport } from './passport.ts';
import type { VerificationResult, Verifier } from './verifier.ts';

export interface RequestError {
  status: number;
  body: {
    requestError: {
      serviceException?: { messageId: string; text: string; variables?: string[] };
      policyException?: { messageId: string; text: string; variables?: string[] };
    };
  };
}

export const missingParameter = (name: string): RequestError => ({
  status: 400,
  body: {
    requestError: {
      serviceException: { messageId: 'SVC4000', text: 'Missing mandatory parameter %1', variables: [name] },
    },
  },
});

export const invalidParameter = (name: string): RequestError => ({
  status: 400,
  body: {
    requestError: {
      serviceException: { messageId: 'SVC4001', text: 'Invalid parameter value %1', variables: [name] },
    },
  },
});

export const policyError = (status: number, text: string): RequestError => ({
  status,
  body: { requestError: { policyException: { messageId: 'POL5000', text } } },
});

export const serviceError = (status: number, text: string): RequestError => ({
  status,
  body: { requestError: { serviceException: { messageId: 'SVC5000', text } } },
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const TN = /^\+?[0-9*#]{1,20}$/;

export function createStirService(deps: { authority: Authority; verifier: Verifier; clock: () => number }) {
  const { authority, verifier, clock } = deps;

  return {
    /** POST /stir/v1/signing: signs a PASSporT for the calling operator with its hosted certificate. */
    async sign(body: unknown, operator: string): Promise<{ signingResponse: { identity: string } } | RequestError> {
      if (!isRecord(body) || !isRecord(body.signingRequest)) return missingParameter('signingRequest');
      const request = body.signingRequest;
      for (const name of ['attest', 'dest', 'iat', 'orig', 'origid']) {
        if (request[name] === undefined || request[name] === null) return missingParameter(name);
      }
      if (typeof request.attest !== 'string' || !(attestations as readonly string[]).includes(request.attest)) {
        return invalidParameter('attest');
      }
      const orig = isRecord(request.orig) ? request.orig.tn : undefined;
      if (typeof orig !== 'string' || !TN.test(orig)) return invalidParameter('orig');
      const dest = isRecord(request.dest) ? request.dest.tn : undefined;
      if (!Array.isArray(dest) || dest.length === 0 || !dest.every((t) => typeof t === 'string' && TN.test(t))) {
        return invalidParameter('dest');
      }
      if (typeof request.iat !== 'number' || !Number.isInteger(request.iat) || request.iat <= 0) {
        return invalidParameter('iat');
      }
      if (typeof request.origid !== 'string' || request.origid.length === 0 || request.origid.length > 128) {
        return invalidParameter('origid');
      }
      const credential = authority.signingCredential(operator);
      if (!credential) return policyError(403, `no signing certificate held for operator ${operator}`);
      const claims: ShakenClaims = {
        attest: request.attest as ShakenClaims['attest'],
        dest: { tn: dest.map((t: string) => canonicalTn(t)) },
        iat: request.iat,
        orig: { tn: canonicalTn(orig) },
        origid: request.origid,
      };
      const token = await signPassport(claims, credential.key, credential.x5u);
      return { signingResponse: { identity: identityHeader(token, credential.x5u) } };
    },

    /** Signs for a call of the operator now (used by the CLI and tests). */
    async signCall(
      operator: string,
      call: { orig: string; dest: string; attest: ShakenClaims['attest'] },
    ): Promise<string | null> {
      const credential = authority.signingCredential(operator);
      if (!credential) return null;
      const token = await signPassport(
        {
          attest: call.attest,
          dest: { tn: [canonicalTn(call.dest)] },
          iat: Math.floor(clock() / 1000),
          orig: { tn: canonicalTn(call.orig) },
          origid: randomUUID(),
        },
        credential.key,
        credential.x5u,
      );
      return identityHeader(token, credential.x5u);
    },

    /** POST /stir/v1/verification */
    async verify(
      body: unknown,
      operator: string,
    ): Promise<{ verificationResponse: { verstat: string; reasoncode?: number; reasontext?: string } } | RequestError> {
      if (!isRecord(body) || !isRecord(body.verificationRequest)) return missingParameter('verificationRequest');
      const request = body.verificationRequest;
      for (const name of ['from', 'to', 'time']) {
        if (request[name] === undefined || request[name] === null) return missingParameter(name);
      }
      const from = isRecord(request.from) ? request.from.tn : undefined;
      if (typeof from !== 'string' || !TN.test(from)) return invalidParameter('from');
      const to = isRecord(request.to) ? request.to.tn : undefined;
      if (!Array.isArray(to) || to.length === 0 || !to.every((t) => typeof t === 'string' && TN.test(t))) {
        return invalidParameter('to');
      }
      if (typeof request.time !== 'number' || !Number.isInteger(request.time)) return invalidParameter('time');
      if (request.identity !== undefined && typeof request.identity !== 'string') return invalidParameter('identity');
      const result: VerificationResult = await verifier.verify({
        identity: request.identity as string | undefined,
        orig: from,
        dest: to[0] as string,
        asker: operator,
      });
      return { verificationResponse: verificationResponseOf(result) };
    },
  };
}

/** The response members of ATIS-1000082 for a result. */
export function verificationResponseOf(result: VerificationResult): {
  verstat: string;
  reasoncode?: number;
  reasontext?: string;
} {
  return result.verstat === 'TN-Validation-Passed'
    ? { verstat: result.verstat }
    : { reasoncode: result.reasonCode, reasontext: result.reasonText, verstat: result.verstat };
}

export type StirService = ReturnType<typeof createStirService>;
