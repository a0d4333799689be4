-- Population outliers (kind 'anomaly') are stored beside the detectors' alerts, at low priority.
alter table alerts drop constraint if exists alerts_kind_check;
alter table alerts add constraint alerts_kind_check check (kind in ('simbox', 'fraud_caller', 'wangiri', 'anomaly'));
