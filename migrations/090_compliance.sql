-- Operators' duties (DESIGN.md §3.1): the deadline of each SIM suspension request, and the
-- figures of screening coverage and CDR timeliness, folded as CDRs and decisions arrive.
alter table sim_suspensions add column deadline_at timestamptz;
create index sim_suspensions_by_created on sim_suspensions (created_at);

-- Incoming inter-operator and international voice CDRs per operator, local (Almaty) day of the
-- call and route, and how many of them the operator asked the platform about (a verify).
create table compliance_coverage (
  day date not null,
  operator_id text not null,
  route text not null check (route in ('international', 'domestic')),
  calls bigint not null default 0,
  screened bigint not null default 0,
  primary key (day, operator_id, route)
);

-- Accepted CDRs per operator and local day of the call.
create table compliance_cdr_days (
  day date not null,
  operator_id text not null,
  records bigint not null default 0,
  primary key (day, operator_id)
);

-- When each operator last sent CDRs.
create table compliance_uploads (
  operator_id text primary key,
  last_upload_at timestamptz not null,
  uploads bigint not null default 0
);

-- The coverage index (verifies and CDRs waiting for their match), saved at a clean stop and
-- taken back (then deleted) at the next start, so a restart does not lose the last 48 hours.
create table compliance_index_snapshot (
  id smallint primary key default 1 check (id = 1),
  saved_at timestamptz not null,
  payload bytea not null
);
