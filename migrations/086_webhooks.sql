-- Webhook subscriptions of operators and banks (DESIGN.md §3.1); the secret is AES-256-GCM
-- encrypted with a key from CALLSHIELD_SECRET_KEY.
create table webhooks (
  id text primary key,
  owner_kind text not null,
  owner_id text not null,
  url text not null,
  events text[] not null,
  secret_enc text not null,
  created_at timestamptz not null default now(),
  created_by text not null,
  deleted_at timestamptz
);

create index webhooks_owner on webhooks (owner_kind, owner_id);

-- One row per event and subscription: at-least-once delivery with retries, kept across restarts.
create table webhook_deliveries (
  id bigserial primary key,
  webhook_id text not null references webhooks(id),
  event_id text not null,
  event text not null,
  body text not null,
  status text not null default 'pending',
  attempts int not null default 0,
  next_at timestamptz not null default now(),
  locked_until timestamptz,
  last_status int,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  unique (webhook_id, event_id)
);

create index webhook_deliveries_due on webhook_deliveries (next_at) where status = 'pending';

create index webhook_deliveries_by_hook on webhook_deliveries (webhook_id, id);
