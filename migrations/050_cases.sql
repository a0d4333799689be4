-- Investigation cases (src/cases/): alerts, numbers, SIMs, devices, cells, reports and seized items
-- grouped under one workflow, with a timeline of everything that happened.
create table cases (
  id text primary key,
  seq bigserial unique,
  title text not null,
  status text not null default 'new' check (status in ('new', 'investigating', 'action_requested', 'closed')),
  assignee text,
  -- The criminal case number of the police or prosecutor, when one is opened.
  external_ref text,
  summary text,
  created_by text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index cases_by_status on cases (status, seq);

-- What a case groups. `operators` names whose records an item belongs to (an operator analyst
-- sees only items of their own operator); empty for items that belong to no operator.
create table case_items (
  case_id text not null references cases(id),
  type text not null check (type in ('alert', 'number', 'imsi', 'iccid', 'imei', 'cell', 'report')),
  value text not null,
  operators text[] not null default '{}',
  note text,
  added_by text not null,
  added_at timestamptz not null default now(),
  primary key (case_id, type, value)
);
create index case_items_by_value on case_items (type, value);

-- SIM cards and SIM-box devices the police seized, with where and when.
create table case_seized (
  id text primary key,
  case_id text not null references cases(id),
  kind text not null check (kind in ('sim_card', 'simbox', 'phone', 'other')),
  identifier text,
  description text,
  seized_at timestamptz not null,
  place text not null,
  operators text[] not null default '{}',
  added_by text not null,
  added_at timestamptz not null default now()
);
create index case_seized_by_case on case_seized (case_id);

-- Everything that happened to a case, in order. `operators` scopes events about one operator's
-- records (null: a case-level event every reader of the case sees).
create table case_timeline (
  seq bigserial primary key,
  case_id text not null references cases(id),
  at timestamptz not null,
  actor text not null,
  kind text not null,
  details jsonb not null default '{}',
  operators text[]
);
create index case_timeline_by_case on case_timeline (case_id, seq);

-- Link analysis needs which number used which SIM in which device at which cell, and when; the
-- CDR journal keeps batches only for the detection window. This compact relation table, fed from
-- accepted CDR batches, keeps one row per operator, day and (number, IMSI, IMEI, cell) seen
-- together ('' when a column was empty).
create table cdr_relations (
  operator_id text not null,
  day date not null,
  msisdn text not null,
  imsi text not null,
  imei text not null,
  cell_id text not null,
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  events integer not null,
  primary key (operator_id, day, msisdn, imsi, imei, cell_id)
);
create index cdr_relations_by_msisdn on cdr_relations (msisdn);
create index cdr_relations_by_imsi on cdr_relations (imsi) where imsi <> '';
create index cdr_relations_by_imei on cdr_relations (imei) where imei <> '';
create index cdr_relations_by_cell on cdr_relations (cell_id) where cell_id <> '';

-- Journal batches already folded into cdr_relations: each is folded exactly once.
create table cdr_relation_batches (
  batch_id bigint primary key,
  folded_at timestamptz not null default now()
);

-- Cell locations (the operators' cell files: cell_id,lat,lon,region), for cells on the map.
create table cells (
  cell_id text primary key,
  lat double precision not null,
  lon double precision not null,
  region text,
  updated_at timestamptz not null default now()
)
