-- Who served a ported number when: every change of the MNP registry, dated, so that the ingest
-- path can tell whether an operator served a number at the time of a CDR (a number ported away
-- yesterday was still the donor's subscriber last week). operator_id null: back to the range owner.
create table mnp_history (
  id bigserial primary key,
  msisdn text not null,
  operator_id text,
  valid_from timestamptz not null default now()
);

create index mnp_history_msisdn on mnp_history (msisdn, valid_from);

-- The registry as it stands, dated by its last change (the port dates before that are unknown).
insert into mnp_history (msisdn, operator_id, valid_from) select msisdn, operator_id, updated_at from mnp;

create function mnp_history_record() returns trigger language plpgsql as $$ begin if tg_op = 'DELETE' then insert into mnp_history (msisdn, operator_id) values (old.msisdn, null); return old; end if; if tg_op = 'UPDATE' and new.operator_id = old.operator_id then return new; end if; insert into mnp_history (msisdn, operator_id) values (new.msisdn, new.operator_id); return new; end $$;

create trigger mnp_history_record after insert or update or delete on mnp for each row execute function mnp_history_record();
