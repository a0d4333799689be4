-- Wrong passwords counted per user name and client network (IPv4 address or IPv6 /64), for names
-- that exist or not: a lock from one network neither locks the user out elsewhere nor tells
-- whether the name exists. Replaces the per-user lock of users.failed_logins / locked_until.
create table login_failures (
  username text not null,
  client text not null,
  failures integer not null default 0,
  last_failure_at timestamptz not null,
  locked_until timestamptz,
  primary key (username, client)
);
create index login_failures_by_time on login_failures (last_failure_at);
