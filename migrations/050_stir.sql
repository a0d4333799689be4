-- The national STI-CA and certificate repository (STIR/SHAKEN): roots, intermediates and operator
-- certificates. Private keys of the CA and of operators whose calls callshield signs (hosted STI-AS)
-- are kept here (PKCS#8 PEM); a production deployment keeps the root key offline or in an HSM.
-- Operators that sign in their own STI-AS bring a CSR and their key never reaches callshield.
create table stir_certificates (
  id text primary key,
  kind text not null check (kind in ('root', 'intermediate', 'operator')),
  operator_id text references operators(id),
  spc text,
  issuer_id text references stir_certificates(id),
  serial text not null unique,
  certificate_pem text not null,
  private_key_pem text,
  x5u text,
  not_before timestamptz not null,
  not_after timestamptz not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  revocation_reason text
);
create index stir_certificates_operator on stir_certificates (operator_id);
