-- CDR uploads: one row per POST /v1/cdr (or CLI file part), with its running counts.
create table cdr_uploads (
  id text primary key,
  operator_id text not null,
  file text not null,
  status text not null check (status in ('receiving', 'complete', 'failed', 'interrupted')),
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  bytes bigint not null default 0,
  accepted bigint not null default 0,
  duplicates bigint not null default 0,
  quarantined bigint not null default 0
);
create index cdr_uploads_by_operator on cdr_uploads (operator_id, started_at);

-- Accepted CDRs, one row per batch (the journal the detection worker replays after a restart and
-- tails from another process). The payload is the columnar batch, gzip-compressed.
create table cdr_batches (
  id bigserial primary key,
  operator_id text not null,
  upload_id text not null,
  ingested_at timestamptz not null default now(),
  rows integer not null,
  payload bytea not null
);
create index cdr_batches_by_time on cdr_batches (ingested_at);

-- De-duplication keys: every accepted (operator, record_id), with the batch that brought it in.
create table cdr_seen (
  operator_id text not null,
  record_id text not null,
  batch_id bigint not null,
  primary key (operator_id, record_id)
);

-- Rows refused by validation, kept with where they came from and why.
create table cdr_quarantine (
  id bigserial primary key,
  operator_id text not null,
  upload_id text not null,
  file text not null,
  line integer not null,
  reason text not null,
  raw text not null,
  raw_hash text not null,
  created_at timestamptz not null default now(),
  unique (operator_id, file, line, raw_hash)
);
create index cdr_quarantine_by_operator on cdr_quarantine (operator_id, id);

-- Detection alerts: one per (kind, number), updated while the detectors keep raising it.
create table alerts (
  seq bigserial primary key,
  id text not null unique,
  kind text not null check (kind in ('simbox', 'fraud_caller', 'wangiri')),
  msisdn text not null,
  imsi text,
  imei text,
  device text,
  score double precision not null,
  evidence jsonb not null,
  first_seen timestamptz,
  last_seen timestamptz,
  -- The owning operator of the number (plan + MNP) when domestic.
  owner_operator text,
  -- Operators that may see the alert: the owner and every operator whose CDRs raised it.
  operators text[] not null default '{}',
  status text not null default 'open' check (status in ('open', 'confirmed', 'dismissed')),
  decided_by text,
  decided_at timestamptz,
  decision_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (kind, msisdn)
);
create index alerts_by_status on alerts (status, seq);

-- SIM suspension requests to the owning operator, pulled with ?since={version} and acknowledged.
create table sim_suspensions (
  id text primary key,
  version bigint not null unique,
  operator_id text not null,
  msisdn text not null,
  imsi text,
  reason text not null,
  alert_id text not null unique references alerts(id),
  status text not null default 'requested' check (status in ('requested', 'suspended', 'rejected', 'cancelled')),
  note text,
  created_at timestamptz not null default now(),
  acked_at timestamptz,
  acked_by text
);
create index sim_suspensions_by_operator on sim_suspensions (operator_id, version);
create sequence sim_suspension_versions;

-- The IMEI device blocklist (SIM-box hardware), versioned like the number lists.
create table device_blocklist (
  imei text primary key,
  reason text not null,
  alert_id text,
  created_by text not null,
  created_at timestamptz not null default now(),
  version bigint not null
);

create table device_blocklist_changes (
  version bigserial primary key,
  imei text not null,
  op text not null check (op in ('add', 'remove')),
  actor text not null,
  at timestamptz not null default now()
);
