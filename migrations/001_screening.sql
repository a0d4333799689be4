-- Operators of the numbering plan and any added later.
create table operators (
  id text primary key,
  name text not null,
  participating boolean not null default true,
  created_at timestamptz not null default now()
);

-- Operator API keys: only a SHA-256 digest of the key is kept (keys are 256-bit random).
create table api_keys (
  id text primary key,
  operator_id text not null references operators(id),
  key_hash text not null unique,
  key_prefix text not null,
  created_at timestamptz not null default now(),
  created_by text not null,
  revoked_at timestamptz,
  last_used_at timestamptz
);

-- Mobile number portability: numbers served by another operator than their range owner.
create table mnp (
  msisdn text primary key,
  operator_id text not null references operators(id),
  updated_at timestamptz not null default now(),
  source text not null
);

-- Subscribers abroad, registered by their home operator.
create table roaming (
  msisdn text primary key,
  operator_id text not null references operators(id),
  visited_country text not null,
  since timestamptz not null,
  until timestamptz,
  updated_at timestamptz not null default now()
);

-- Current content of the number lists.
create table list_entries (
  list text not null,
  number text not null,
  reason text not null,
  source text not null,
  created_by text not null,
  display_name text,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  version bigint not null,
  primary key (list, number)
);
create index list_entries_expiry on list_entries (expires_at) where expires_at is not null;

-- Every change of a list, for incremental sync (`GET /v1/lists/{list}?since=`).
create table list_changes (
  version bigserial primary key,
  list text not null,
  number text not null,
  op text not null check (op in ('add', 'remove')),
  reason text,
  actor text not null,
  at timestamptz not null default now()
);
create index list_changes_by_list on list_changes (list, version);

-- Decision counts per hour, operator and metric (verdict:block, reason:DNO_CLI, ingress:…).
create table stats_hourly (
  hour timestamptz not null,
  operator_id text not null,
  metric text not null,
  count bigint not null,
  primary key (hour, operator_id, metric)
);

-- Since-launch totals, so that the headline figures never scan the history.
create table stats_totals (
  operator_id text not null,
  metric text not null,
  count bigint not null,
  primary key (operator_id, metric)
);

create table platform_settings (
  key text primary key,
  value text not null
);
insert into platform_settings (key, value) values ('launched_at', to_char(now() at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'));
