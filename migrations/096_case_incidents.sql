-- A case may hold a bank's incident (value `<bank>/<incidentId>`), so its export carries the loss
-- with its suspects and contact trail.
alter table case_items drop constraint if exists case_items_type_check;
alter table case_items add constraint case_items_type_check
  check (type in ('alert', 'number', 'imsi', 'iccid', 'imei', 'cell', 'report', 'incident'));
