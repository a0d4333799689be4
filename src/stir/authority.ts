/**
 * The national STI-CA and certificate repository run by callshield: a root, an intermediate that
 * issues operator certificates (each carrying the operator's SPC in TNAuthList), rotation of both,
 * revocation with CRLs, and the keys of the hosted signing service. Certificates live in the records
 * store and in memory (a country has a few hundred); the hierarchy is created on first use.
 */
import { createPrivateKey, type KeyObject, randomBytes, type webcrypto, X509Certificate } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { Sql } from '../platform/sql.ts';
import {
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  issueCertificate,
  issueCrl,
  publicKeyOfCsr,
} from './certificates.ts';

export type CertificateKind = 'root' | 'intermediate' | 'operator';

export interface CertificateRecord {
  id: string;
  kind: CertificateKind;
  operatorId: string | null;
  spc: string | null;
  issuerId: string | null;
  serial: string;
  certificatePem: string;
  privateKeyPem: string | null;
  x5u: string | null;
  notBefore: number;
  notAfter: number;
  revokedAt: number | null;
  revocationReason: string | null;
  x509: X509Certificate;
}

/** What the API shows of a certificate (never a key). */
export interface CertificateView {
  id: string;
  kind: CertificateKind;
  operatorId?: string;
  spc?: string;
  issuerId?: string;
  serial: string;
  x5u?: string;
  notBefore: string;
  notAfter: string;
  revokedAt?: string;
  revocationReason?: string;
  hostedKey: boolean;
  certificate: string;
}

interface Row {
  id: string;
  kind: CertificateKind;
  operator_id: string | null;
  spc: string | null;
  issuer_id: string | null;
  serial: string;
  certificate_pem: string;
  private_key_pem: string | null;
  x5u: string | null;
  not_before: Date | string;
  not_after: Date | string;
  revoked_at: Date | string | null;
  revocation_reason: string | null;
}

const fromRow = (r: Row): CertificateRecord => ({
  id: r.id,
  kind: r.kind,
  operatorId: r.operator_id,
  spc: r.spc,
  issuerId: r.issuer_id,
  serial: r.serial,
  certificatePem: r.certificate_pem,
  privateKeyPem: r.private_key_pem,
  x5u: r.x5u,
  notBefore: new Date(r.not_before).getTime(),
  notAfter: new Date(r.not_after).getTime(),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).getTime(),
  revocationReason: r.revocation_reason,
  x509: new X509Certificate(r.certificate_pem),
});

export function viewOf(c: CertificateRecord): CertificateView {
  const view: CertificateView = {
    id: c.id,
    kind: c.kind,
    serial: c.serial,
    notBefore: new Date(c.notBefore).toISOString(),
    notAfter: new Date(c.notAfter).toISOString(),
    hostedKey: c.kind === 'operator' && c.privateKeyPem !== null,
    certificate: c.certificatePem,
  };
  if (c.operatorId) view.operatorId = c.operatorId;
  if (c.spc) view.spc = c.spc;
  if (c.issuerId) view.issuerId = c.issuerId;
  if (c.x5u) view.x5u = c.x5u;
  if (c.revokedAt !== null) view.revokedAt = new Date(c.revokedAt).toISOString();
  if (c.revocationReason) view.revocationReason = c.revocationReason;
  return view;
}

export interface AuthorityOptions {
  sql: Sql;
  clock: () => number;
  /** Public HTTPS base of the certificate repository (x5u and CRL URLs), or undefined until configured. */
  repositoryUrl: string | undefined;
  country: string;
  operatorName: (id: string) => string | undefined;
  certificateDays: number;
}

const DAY = 86_400_000;
const ROOT_DAYS = 20 * 365;
const INTERMEDIATE_DAYS = 5 * 365;
/** Spare time a certificate is back-dated by, for clocks of relying parties a little behind. */
const BACKDATE_MS = 5 * 60_000;

const newId = () => `stc_${randomBytes(8).toString('hex')}`;

/** A signing credential of the hosted STI-AS. */
export interface SigningCredential {
  certificateId: string;
  key: KeyObject;
  x5u: string;
  spc: string;
}

export async function createAuthority(options: AuthorityOptions) {
  const { sql, clock } = options;
  const byId = new Map<string, CertificateRecord>();
  const bySerial = new Map<string, CertificateRecord>();
  const keys = new Map<string, KeyObject>();
  const crls = new Map<string, { der: Buffer; until: number }>();
  let crlNumber = 1;

  const remember = (c: CertificateRecord) => {
    byId.set(c.id, c);
    bySerial.set(c.serial, c);
  };

  async function reload() {
    const { rows } = await sql.query<Row>('select * from stir_certificates order by created_at, id');
    for (const r of rows) {
      const known = byId.get(r.id);
      if (known) {
        known.revokedAt = r.revoked_at === null ? null : new Date(r.revoked_at).getTime();
        known.revocationReason = r.revocation_reason;
      } else remember(fromRow(r));
    }
    crls.clear();
  }
  await reload();

  const live = (c: CertificateRecord, now: number) => c.revokedAt === null && c.notBefore <= now && now < c.notAfter;
  const newest = (kind: CertificateKind, now: number, filter: (c: CertificateRecord) => boolean = () => true) => {
    let best: CertificateRecord | undefined;
    for (const c of byId.values()) {
      if (c.kind === kind && live(c, now) && filter(c) && (!best || c.notBefore >= best.notBefore)) best = c;
    }
    return best;
  };

  async function insert(record: Omit<CertificateRecord, 'x509' | 'revokedAt' | 'revocationReason'>) {
    await sql.query(
      `insert into stir_certificates (id, kind, operator_id, spc, issuer_id, serial, certificate_pem, private_key_pem, x5u, not_before, not_after)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        record.id,
        record.kind,
        record.operatorId,
        record.spc,
        record.issuerId,
        record.serial,
        record.certificatePem,
        record.privateKeyPem,
        record.x5u,
        new Date(record.notBefore),
        new Date(record.notAfter),
      ],
    );
    const full: CertificateRecord = {
      ...record,
      revokedAt: null,
      revocationReason: null,
      x509: new X509Certificate(record.certificatePem),
    };
    remember(full);
    return full;
  }

  const repository = () => {
    if (!options.repositoryUrl) {
      throw new AppError('NOT_READY', 'the STIR certificate repository URL is not configured (stirRepositoryUrl)');
    }
    return options.repositoryUrl.replace(/\/+$/, '');
  };
  const crlUrlOf = (issuerId: string) => `${repository()}/stir/v1/crl/${issuerId}.crl`;

  async function createCa(kind: 'root' | 'intermediate', issuer: CertificateRecord | undefined) {
    const now = clock();
    const pair = await generateKeyPair();
    const id = newId();
    const days = kind === 'root' ? ROOT_DAYS : INTERMEDIATE_DAYS;
    const notAfter = Math.min(now + days * DAY, issuer ? issuer.notAfter : Number.POSITIVE_INFINITY);
    const label = new Date(now).toISOString().slice(0, 10);
    const pem = await issueCertificate({
      subject: {
        commonName: kind === 'root' ? `callshield STI root ${label}` : `callshield STI-CA ${label}`,
        organization: 'callshield',
        country: options.country,
      },
      publicKey: pair.publicKey,
      selfKey: pair.privateKey,
      issuer: issuer ? { certificatePem: issuer.certificatePem, privateKey: await signingKeyOf(issuer) } : undefined,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(notAfter),
      ca: true,
      pathLength: kind === 'root' ? 1 : 0,
    });
    return insert({
      id,
      kind,
      operatorId: null,
      spc: null,
      issuerId: issuer?.id ?? null,
      serial: new X509Certificate(pem).serialNumber,
      certificatePem: pem,
      privateKeyPem: await exportPrivateKeyPem(pair.privateKey),
      x5u: null,
      notBefore: now - BACKDATE_MS,
      notAfter,
    });
  }

  async function signingKeyOf(c: CertificateRecord): Promise<webcrypto.CryptoKey> {
    if (!c.privateKeyPem) throw new Error(`certificate ${c.id} has no key here`);
    return importPrivateKeyPem(c.privateKeyPem);
  }

  let hierarchy: Promise<CertificateRecord> | undefined;
  /** The intermediate that issues now, creating the root and the intermediate when missing. */
  function activeIntermediate(): Promise<CertificateRecord> {
    const now = clock();
    const current = newest('intermediate', now, (c) => {
      const root = c.issuerId ? byId.get(c.issuerId) : undefined;
      return root !== undefined && live(root, now);
    });
    if (current) return Promise.resolve(current);
    // One creation at a time, however many requests ask.
    hierarchy ??= (async () => {
      try {
        const root = newest('root', clock()) ?? (await createCa('root', undefined));
        return await createCa('intermediate', root);
      } finally {
        hierarchy = undefined;
      }
    })();
    return hierarchy;
  }

  return {
    reload,
    get: (id: string) => byId.get(id),
    list: (filter: { operatorId?: string; kind?: CertificateKind } = {}) =>
      [...byId.values()].filter(
        (c) =>
          (filter.operatorId === undefined || c.operatorId === filter.operatorId) &&
          (filter.kind === undefined || c.kind === filter.kind),
      ),

    /** Creates the hierarchy if needed (first start, or every CA certificate expired or revoked). */
    ensureHierarchy: activeIntermediate,

    /**
     * Issues an operator certificate with TNAuthList = its SPC. With a CSR the operator keeps its key;
     * without one callshield generates the key and signs for the operator (hosted STI-AS).
     */
    async issueOperatorCertificate(request: { operatorId: string; spc?: string; csr?: string; days?: number }) {
      const name = options.operatorName(request.operatorId);
      if (name === undefined) throw new AppError('UNKNOWN_OPERATOR', `no operator "${request.operatorId}"`);
      const spc = request.spc ?? request.operatorId;
      for (const c of byId.values()) {
        if (c.kind === 'operator' && c.spc === spc && c.operatorId !== request.operatorId) {
          throw new AppError('CONFLICT', `SPC "${spc}" belongs to operator ${c.operatorId}`);
        }
      }
      let publicKey: webcrypto.CryptoKey;
      let privateKeyPem: string | null = null;
      if (request.csr) {
        const fromCsr = await publicKeyOfCsr(request.csr);
        if (!fromCsr) {
          throw new AppError('VALIDATION_FAILED', '"csr" must be a PEM PKCS#10 request for a P-256 key, self-signed');
        }
        publicKey = fromCsr;
      } else {
        const pair = await generateKeyPair();
        publicKey = pair.publicKey;
        privateKeyPem = await exportPrivateKeyPem(pair.privateKey);
      }
      const base = repository();
      const intermediate = await activeIntermediate();
      const now = clock();
      const id = newId();
      const notAfter = Math.min(now + (request.days ?? options.certificateDays) * DAY, intermediate.notAfter);
      const pem = await issueCertificate({
        subject: { commonName: `SHAKEN ${spc}`, organization: name, country: options.country },
        publicKey,
        issuer: { certificatePem: intermediate.certificatePem, privateKey: await signingKeyOf(intermediate) },
        notBefore: new Date(now - BACKDATE_MS),
        notAfter: new Date(notAfter),
        ca: false,
        tnAuthList: [{ spc }],
        crlUrl: crlUrlOf(intermediate.id),
      });
      return insert({
        id,
        kind: 'operator',
        operatorId: request.operatorId,
        spc,
        issuerId: intermediate.id,
        serial: new X509Certificate(pem).serialNumber,
        certificatePem: pem,
        privateKeyPem,
        x5u: `${base}/stir/v1/certificates/${id}.pem`,
        notBefore: now - BACKDATE_MS,
        notAfter,
      });
    },

    /**
     * Rotates the intermediate (new operator certificates come from a fresh one) or the root (a new
     * root and intermediate). Certificates already issued stay valid until they expire or are revoked.
     */
    async rotate(kind: 'root' | 'intermediate'): Promise<CertificateRecord> {
      const root = kind === 'root' ? await createCa('root', undefined) : newest('root', clock());
      if (!root) return activeIntermediate();
      return createCa('intermediate', root);
    },

    async revoke(id: string, reason: string): Promise<CertificateRecord> {
      const c = byId.get(id);
      if (!c) throw new AppError('NOT_FOUND', `no certificate "${id}"`);
      if (c.revokedAt === null) {
        const at = clock();
        await sql.query(
          'update stir_certificates set revoked_at = $2, revocation_reason = $3 where id = $1 and revoked_at is null',
          [id, new Date(at), reason],
        );
        c.revokedAt = at;
        c.revocationReason = reason;
        crls.clear();
      }
      return c;
    },

    isRevoked: (serial: string) => {
      const c = bySerial.get(serial);
      return c !== undefined && c.revokedAt !== null;
    },

    /** Roots that anchor verification: not revoked, not expired. */
    trustAnchors(): X509Certificate[] {
      const now = clock();
      return [...byId.values()].filter((c) => c.kind === 'root' && live(c, now)).map((c) => c.x509);
    },

    /** The operator an SPC was issued to. */
    operatorOfSpc(spc: string): string | undefined {
      for (const c of byId.values()) if (c.kind === 'operator' && c.spc === spc) return c.operatorId ?? undefined;
      return undefined;
    },

    /** The PEM served at x5u: the operator certificate followed by its intermediate. */
    chainPem(id: string): string | undefined {
      const c = byId.get(id);
      if (c?.kind !== 'operator') return undefined;
      const issuer = c.issuerId ? byId.get(c.issuerId) : undefined;
      return c.certificatePem + (issuer ? issuer.certificatePem : '');
    },

    /** The newest hosted signing credential of an operator, if it has one that is valid now. */
    signingCredential(operatorId: string): SigningCredential | undefined {
      const c = newest('operator', clock(), (x) => x.operatorId === operatorId && x.privateKeyPem !== null);
      if (!c?.x5u || !c.spc) return undefined;
      let key = keys.get(c.id);
      if (!key) {
        key = createPrivateKey(c.privateKeyPem!);
        keys.set(c.id, key);
      }
      return { certificateId: c.id, key, x5u: c.x5u, spc: c.spc };
    },

    /** The CRL of a CA certificate (DER), regenerated after a revocation and before it goes stale. */
    async crl(issuerId: string): Promise<Buffer | undefined> {
      const issuer = byId.get(issuerId);
      if (!issuer || issuer.kind === 'operator' || !issuer.privateKeyPem) return undefined;
      const now = clock();
      const cached = crls.get(issuerId);
      if (cached && cached.until > now) return cached.der;
      const revoked = [...byId.values()]
        .filter((c) => c.issuerId === issuerId && c.revokedAt !== null)
        .map((c) => ({ serial: c.serial, revokedAt: new Date(c.revokedAt!) }));
      const der = await issueCrl(
        { certificatePem: issuer.certificatePem, privateKey: await signingKeyOf(issuer) },
        revoked,
        new Date(now),
        new Date(now + DAY),
        crlNumber++,
      );
      crls.set(issuerId, { der, until: now + DAY / 2 });
      return der;
    },
  };
}

export type Authority = Awaited<ReturnType<typeof createAuthority>>;
