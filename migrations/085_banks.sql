-- Banks of the National Bank's antifraud exchange (DESIGN.md §3.1). A bank holds API keys of the
-- same keyring as operators: a key belongs to exactly one operator or one bank.
create table banks (
  id text primary key,
  name text not null,
  created_at timestamptz not null default now(),
  created_by text not null
);

alter table api_keys alter column operator_id drop not null;

alter table api_keys add column bank_id text references banks(id);

alter table api_keys add constraint api_keys_one_owner check ((operator_id is null) <> (bank_id is null));

-- A loss a bank reports. `suspects` are the numbers that count as "seen in an incident": those the
-- bank named in suspectNumbers and contacts of the trail the bank or an analyst marked.
create table bank_incidents (
  bank_id text not null references banks(id),
  incident_id text not null,
  victim text not null,
  at timestamptz not null,
  kind text not null,
  amount double precision,
  currency text,
  suspect_numbers text[] not null default '{}',
  marked_suspects text[] not null default '{}',
  received_at timestamptz not null default now(),
  primary key (bank_id, incident_id)
);

create index bank_incidents_victim on bank_incidents (victim);

create index bank_incidents_received on bank_incidents (received_at);

-- A bank's customers, as keyed hashes of their numbers (HMAC with a key from CALLSHIELD_SECRET_KEY).
create table bank_customers (
  bank_id text not null references banks(id),
  msisdn_hash text not null,
  added_at timestamptz not null default now(),
  primary key (bank_id, msisdn_hash)
);

create index bank_customers_hash on bank_customers (msisdn_hash);

-- Calls and messages subscribers received, from screening decisions, kept for the incidents'
-- look-back window. Written a block at a time (one row per callee bucket and flush, the contacts
-- gzipped inside), because a row per decision would cost the embedded store more than the call
-- itself; callees are kept as keyed hashes, callers as +E.164.
create table bank_contact_blocks (
  id bigserial primary key,
  bucket int not null,
  from_at timestamptz not null,
  to_at timestamptz not null,
  rows int not null,
  payload bytea not null
);

create index bank_contact_blocks_bucket on bank_contact_blocks (bucket, to_at);

create index bank_contact_blocks_to on bank_contact_blocks (to_at);

-- Numbers escalated by incidents (two banks, or an incident and citizens' reports): their public
-- risk is high while they are here.
create table bank_escalations (
  number text primary key,
  alert_id text,
  reason text not null,
  incidents jsonb not null default '[]',
  escalated_at timestamptz not null default now()
);
