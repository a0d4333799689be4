/**
 * X.509 building blocks of the STI-CA: key pairs, certificates with the extensions SHAKEN needs
 * (basic constraints, key usage, key identifiers, CRL distribution point, TNAuthList), CSRs and
 * CRLs, built with pkijs/asn1js over WebCrypto. Checking certificates is done with Node's
 * X509Certificate (OpenSSL) in verifier.ts.
 */
import { createHash, randomBytes, type webcrypto, type X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { decodeTnAuthList, encodeTnAuthList, TN_AUTH_LIST_OID, type TnEntry } from './tnauthlist.ts';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  country: '2.5.4.6',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  crlDistributionPoints: '2.5.29.31',
  crlNumber: '2.5.29.20',
  subjectAltName: '2.5.29.17',
};

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(EC_P256, true, ['sign', 'verify'])) as CryptoKeyPair;
}

export function toPem(label: string, der: ArrayBuffer | Uint8Array): string {
  const base64 = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der)).toString('base64');
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/** DER blocks of a PEM text with the given label, in order. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const out: Buffer[] = [];
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+?)-----END ${label}-----`, 'g');
  for (const match of text.matchAll(pattern)) out.push(Buffer.from(match[1].replace(/\s+/g, ''), 'base64'));
  return out;
}

export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return toPem('PRIVATE KEY', await crypto.subtle.exportKey('pkcs8', key));
}

export async function importPrivateKeyPem(text: string): Promise<CryptoKey> {
  const [der] = pemBlocks(text, 'PRIVATE KEY');
  return crypto.subtle.importKey('pkcs8', der, EC_P256, true, ['sign']);
}

export interface Subject {
  commonName: string;
  organization?: string;
  country: string;
}

function setName(name: pkijs.RelativeDistinguishedNames, subject: Subject) {
  name.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({
      type: OID.country,
      value: new asn1js.PrintableString({ value: subject.country }),
    }),
  );
  if (subject.organization) {
    name.typesAndValues.push(
      new pkijs.AttributeTypeAndValue({
        type: OID.organization,
        value: new asn1js.Utf8String({ value: subject.organization }),
      }),
    );
  }
  name.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({
      type: OID.commonName,
      value: new asn1js.Utf8String({ value: subject.commonName }),
    }),
  );
}

/** SHA-1 of the subject public key bits: the key identifier of RFC 5280 §4.2.1.2 (1). */
function keyIdentifier(info: pkijs.PublicKeyInfo): Uint8Array {
  return new Uint8Array(createHash('sha1').update(info.subjectPublicKey.valueBlock.valueHexView).digest());
}

/** A positive 128-bit serial number. */
function newSerial(): Uint8Array {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return new Uint8Array(bytes);
}

function keyUsageBits(ca: boolean): asn1js.BitString {
  // digitalSignature is bit 0; keyCertSign bit 5 and cRLSign bit 6.
  return ca
    ? new asn1js.BitString({ valueHex: new Uint8Array([0x06]).buffer, unusedBits: 1 })
    : new asn1js.BitString({ valueHex: new Uint8Array([0x80]).buffer, unusedBits: 7 });
}

export interface CertificateSpec {
  subject: Subject;
  publicKey: CryptoKey;
  /** The issuing certificate (PEM) and its key; absent for a self-signed root. */
  issuer?: { certificatePem: string; privateKey: CryptoKey };
  /** Key of a self-signed certificate. */
  selfKey?: CryptoKey;
  notBefore: Date;
  notAfter: Date;
  ca: boolean;
  pathLength?: number;
  tnAuthList?: TnEntry[];
  crlUrl?: string;
  /** Subject alternative names of a TLS server certificate (tests run an x5u server on 127.0.0.1). */
  altNames?: { ip?: string[]; dns?: string[] };
}

/** Builds and signs a certificate; answers its PEM. */
export async function issueCertificate(spec: CertificateSpec): Promise<string> {
  const certificate = new pkijs.Certificate();
  certificate.version = 2;
  certificate.serialNumber = new asn1js.Integer({ valueHex: newSerial().buffer });
  setName(certificate.subject, spec.subject);
  let issuerKeyId: Uint8Array | undefined;
  if (spec.issuer) {
    const issuer = pkijs.Certificate.fromBER(pemBlocks(spec.issuer.certificatePem, 'CERTIFICATE')[0]);
    certificate.issuer = issuer.subject;
    issuerKeyId = keyIdentifier(issuer.subjectPublicKeyInfo);
  } else {
    setName(certificate.issuer, spec.subject);
  }
  certificate.notBefore.value = spec.notBefore;
  certificate.notAfter.value = spec.notAfter;
  await certificate.subjectPublicKeyInfo.importKey(spec.publicKey);
  const ownKeyId = keyIdentifier(certificate.subjectPublicKeyInfo);

  const extensions: pkijs.Extension[] = [
    new pkijs.Extension({
      extnID: OID.basicConstraints,
      critical: true,
      extnValue: new pkijs.BasicConstraints(
        spec.ca ? { cA: true, pathLenConstraint: spec.pathLength ?? 0 } : { cA: false },
      )
        .toSchema()
        .toBER(false),
    }),
    new pkijs.Extension({ extnID: OID.keyUsage, critical: true, extnValue: keyUsageBits(spec.ca).toBER(false) }),
    new pkijs.Extension({
      extnID: OID.subjectKeyIdentifier,
      extnValue: new asn1js.OctetString({ valueHex: ownKeyId.slice().buffer }).toBER(false),
    }),
    new pkijs.Extension({
      extnID: OID.authorityKeyIdentifier,
      extnValue: new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: (issuerKeyId ?? ownKeyId).slice().buffer }),
      })
        .toSchema()
        .toBER(false),
    }),
  ];
  if (spec.crlUrl) {
    extensions.push(
      new pkijs.Extension({
        extnID: OID.crlDistributionPoints,
        extnValue: new pkijs.CRLDistributionPoints({
          distributionPoints: [
            new pkijs.DistributionPoint({
              distributionPoint: [new pkijs.GeneralName({ type: 6, value: spec.crlUrl })],
            }),
          ],
        })
          .toSchema()
          .toBER(false),
      }),
    );
  }
  if (spec.altNames) {
    const names = [
      ...(spec.altNames.dns ?? []).map((value) => new pkijs.GeneralName({ type: 2, value })),
      ...(spec.altNames.ip ?? []).map(
        (ip) =>
          new pkijs.GeneralName({
            type: 7,
            value: new asn1js.OctetString({ valueHex: new Uint8Array(ip.split('.').map(Number)).buffer }),
          }),
      ),
    ];
    extensions.push(
      new pkijs.Extension({
        extnID: OID.subjectAltName,
        extnValue: new pkijs.GeneralNames({ names }).toSchema().toBER(false),
      }),
    );
  }
  if (spec.tnAuthList) {
    extensions.push(new pkijs.Extension({ extnID: TN_AUTH_LIST_OID, extnValue: encodeTnAuthList(spec.tnAuthList) }));
  }
  certificate.extensions = extensions;
  const signingKey = spec.issuer?.privateKey ?? spec.selfKey;
  if (!signingKey) throw new Error('a certificate needs an issuer key or its own key');
  await certificate.sign(signingKey, 'SHA-256');
  return toPem('CERTIFICATE', certificate.toSchema(true).toBER(false));
}

/** The TNAuthList entries of a certificate, null when it has none (or a malformed one). */
export function tnAuthListOf(certificate: X509Certificate): TnEntry[] | null {
  const parsed = pkijs.Certificate.fromBER(certificate.raw);
  const extension = parsed.extensions?.find((e) => e.extnID === TN_AUTH_LIST_OID);
  if (!extension) return null;
  return decodeTnAuthList(extension.extnValue.valueBlock.valueHexView);
}

/** A CSR's public key after checking its self-signature; null when the CSR is not valid. */
export async function publicKeyOfCsr(pem: string): Promise<CryptoKey | null> {
  const [der] = pemBlocks(pem, 'CERTIFICATE REQUEST');
  if (!der) return null;
  try {
    const request = pkijs.CertificationRequest.fromBER(der);
    if (!(await request.verify())) return null;
    const key = await request.getPublicKey();
    const algorithm = key.algorithm as webcrypto.EcKeyAlgorithm;
    return algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256' ? key : null;
  } catch {
    return null;
  }
}

/** A CSR for a key (operators bring one when they keep their signing key, e.g. in their own STI-AS). */
export async function createCsr(subject: Subject, keys: CryptoKeyPair): Promise<string> {
  const request = new pkijs.CertificationRequest();
  setName(request.subject, subject);
  await request.subjectPublicKeyInfo.importKey(keys.publicKey);
  await request.sign(keys.privateKey, 'SHA-256');
  return toPem('CERTIFICATE REQUEST', request.toSchema().toBER(false));
}

/** A CRL of an issuer listing revoked serial numbers (hex). */
export async function issueCrl(
  issuer: { certificatePem: string; privateKey: CryptoKey },
  revoked: { serial: string; revokedAt: Date }[],
  now: Date,
  nextUpdate: Date,
  number: number,
): Promise<Buffer> {
  const issuerCertificate = pkijs.Certificate.fromBER(pemBlocks(issuer.certificatePem, 'CERTIFICATE')[0]);
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = issuerCertificate.subject;
  crl.thisUpdate = new pkijs.Time({ type: 0, value: now });
  crl.nextUpdate = new pkijs.Time({ type: 0, value: nextUpdate });
  crl.revokedCertificates = revoked.map(
    (r) =>
      new pkijs.RevokedCertificate({
        userCertificate: new asn1js.Integer({ valueHex: new Uint8Array(Buffer.from(r.serial, 'hex')).buffer }),
        revocationDate: new pkijs.Time({ type: 0, value: r.revokedAt }),
      }),
  );
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [
      new pkijs.Extension({ extnID: OID.crlNumber, extnValue: new asn1js.Integer({ value: number }).toBER(false) }),
    ],
  });
  await crl.sign(issuer.privateKey, 'SHA-256');
  return Buffer.from(crl.toSchema(true).toBER(false));
}

/** Serial numbers (hex, upper case, as Node prints them) listed in a CRL. */
export function serialsOfCrl(der: Uint8Array): string[] {
  const crl = pkijs.CertificateRevocationList.fromBER(der);
  return (crl.revokedCertificates ?? []).map((r) =>
    Buffer.from(r.userCertificate.valueBlock.valueHexView).toString('hex').toUpperCase(),
  );
}
