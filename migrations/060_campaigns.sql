-- Spoofing-campaign figures (GET /v1/campaigns), one row per hour bucket, so that a restart keeps
-- them. `state` holds the bucket's complete state with absolute values (calls, shadow, byReason,
-- per carrier: calls, distinct-number count, byReason, victims; the hour's top numbers); `calls`
-- repeats its call count for the write guard: several nodes see every decision and write the same
-- hour, and a bucket with fewer calls (a node that missed some) never overwrites one with more.
-- Rows older than the 7-day window are deleted by the nodes.
create table campaign_hours (
  hour timestamptz primary key,
  calls bigint not null,
  state jsonb not null,
  written_at timestamptz not null default now()
);
