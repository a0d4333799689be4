-- Console users. Passwords are kept as scrypt digests (memory-hard), never in clear.
create table users (
  id text primary key,
  username text not null unique,
  display_name text not null,
  role text not null check (role in ('admin', 'supervisor', 'analyst', 'operator_analyst', 'viewer')),
  operator_id text references operators(id),
  password_hash text not null,
  must_change_password boolean not null default true,
  disabled boolean not null default false,
  failed_logins integer not null default 0,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  created_by text not null,
  last_login_at timestamptz,
  check ((role = 'operator_analyst') = (operator_id is not null))
);

-- Console sessions: only a SHA-256 digest of the cookie token is stored (tokens are 256-bit random).
create table user_sessions (
  token_hash text primary key,
  user_id text not null references users(id),
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  client_ip text,
  user_agent text
);
create index user_sessions_by_user on user_sessions (user_id);

-- The audit log: append-only and hash-chained (each hash covers the entry and the previous hash).
create table audit_log (
  seq bigint primary key,
  id text not null unique,
  at timestamptz not null,
  actor text not null,
  role text not null,
  action text not null,
  target text not null,
  details jsonb not null,
  client_ip text not null,
  prev_hash text not null,
  hash text not null
);
create index audit_log_by_actor on audit_log (actor, seq);
create index audit_log_by_target on audit_log (target, seq);
create index audit_log_by_at on audit_log (at);

-- The chain head, written with each entry, so that cutting the newest entries off is detected too.
create table audit_head (
  singleton boolean primary key default true check (singleton),
  seq bigint not null,
  hash text not null
);

-- The database refuses changes to written entries; the hash chain catches whoever bypasses this.
create function audit_log_refuse_change() returns trigger language plpgsql as $$ begin raise exception 'the audit log is append-only'; end $$;
create trigger audit_log_append_only before update or delete on audit_log for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log for each statement execute function audit_log_refuse_change();
