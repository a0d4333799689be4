-- Trusted report channels: an operator's short number, a bank, a messenger bot. Keys hashed.
create table report_channels (
  id text primary key,
  name text not null,
  kind text not null check (kind in ('operator', 'bank', 'bot')),
  trust real not null default 1.0,
  key_hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- Citizens' reports of fraud calls, SMS, messenger messages and links.
create table reports (
  id text primary key,
  number text,
  channel text not null,
  category text not null,
  text text,
  url text,
  at timestamptz not null,
  received_at timestamptz not null default now(),
  -- 'web' for anonymous reports, else the trusted channel's id
  source text not null,
  -- who reported: a salted digest of the web client, or of the verified reporter number
  reporter_key text not null,
  reporter_number text,
  verified boolean not null default false,
  status text not null default 'new' check (status in ('new', 'confirmed', 'rejected')),
  decided_by text,
  decided_at timestamptz
);
create index reports_by_number on reports (number, at);
create index reports_by_status on reports (status, received_at);

-- How often a reporter's reports were confirmed or rejected by analysts.
create table reporter_history (
  reporter_key text primary key,
  confirmed integer not null default 0,
  rejected integer not null default 0
);

-- Numbers an analyst cleared of reports (a bank's hotline flooded by a campaign, say).
create table cleared_numbers (
  number text primary key,
  cleared_by text not null,
  cleared_at timestamptz not null default now(),
  until timestamptz not null
);

-- Phishing domains from reports, analysts and imports.
create table phishing_domains (
  domain text primary key,
  source text not null,
  reason text not null,
  added_by text not null,
  added_at timestamptz not null default now()
);
