-- SMS sender-ID registry (DESIGN.md §3.1): alphanumeric sender IDs, their owner and the routes by
-- which each may arrive. Keyed by the case-folded ID; the ID is kept as registered for display.
create table sms_senders (
  sender_key text primary key,
  sender_id text not null,
  owner text not null,
  routes text[] not null,
  created_by text not null,
  updated_at timestamptz not null default now(),
  version bigint not null
);

-- Every change of the registry, for incremental sync (`GET /v1/sms-senders?since=`).
create table sms_sender_changes (
  version bigserial primary key,
  sender_key text not null,
  sender_id text not null,
  op text not null check (op in ('add', 'remove')),
  actor text not null,
  at timestamptz not null default now()
);
