/** Who is calling: every route checks ids in the request against this. */
export type Principal =
  | { kind: 'admin' }
  | { kind: 'operator'; operatorId: string; keyId: string }
  /** A bank of the antifraud exchange: reaches only the bank and webhook routes (src/banks). */
  | { kind: 'bank'; bankId: string; keyId: string }
  | { kind: 'user'; userId: string; role: string; operatorId?: string };

export const describePrincipal = (p: Principal): string =>
  p.kind === 'admin'
    ? 'admin'
    : p.kind === 'operator'
      ? `operator:${p.operatorId}:${p.keyId}`
      : p.kind === 'bank'
        ? `bank:${p.bankId}:${p.keyId}`
        : `user:${p.userId}`;
