-- The flushes of the decision counts already applied, by id: a flush whose COMMIT went through
-- but whose answer was lost (the connection dropped) is sent again under the same id, and the
-- second time it adds nothing. Ids older than a day are deleted by the counter itself.
create table if not exists stats_flushes (
  id text primary key,
  applied_at timestamptz not null default now()
);
create index if not exists stats_flushes_applied_at on stats_flushes (applied_at);
