import type { AlertKind, Evidence } from '../detection/detectors.ts';

/**
 * Kinds of stored alerts: the detectors' kinds, and `anomaly` — a population outlier that no rule or
 * model foresaw, raised at low priority for an analyst, never confirmed by the policy by itself.
 */
export type StoredAlertKind = AlertKind | 'anomaly';
export const alertKinds = [
  'simbox',
  'fraud_caller',
  'wangiri',
  'anomaly',
] as const satisfies readonly StoredAlertKind[];
export const alertStatuses = ['open', 'confirmed', 'dismissed'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

/** A stored alert, as `GET /v1/alerts` shows it (DESIGN.md §3 fields first). */
export interface StoredAlert {
  id: string;
  kind: StoredAlertKind;
  msisdn: string;
  imsi: string | null;
  imei: string | null;
  score: number;
  evidence: Evidence;
  status: AlertStatus;
  device: string | null;
  firstSeen: string | null;
  lastSeen: string | null;
  /** Owner of the number (numbering plan + MNP) when domestic. */
  operator: string | null;
  /** Operators that see the alert: the owner and those whose CDRs raised it. */
  operators: string[];
  createdAt: string;
  updatedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  seq: number;
  /** The SIM suspension request this alert led to, with the operator's outcome. */
  suspension: { id: string; status: SuspensionStatus; note: string | null; ackedAt: string | null } | null;
}

export const suspensionOutcomes = ['suspended', 'rejected'] as const;
export type SuspensionOutcome = (typeof suspensionOutcomes)[number];
export type SuspensionStatus = 'requested' | SuspensionOutcome | 'cancelled';

/** A SIM suspension request to the operator owning the number. */
export interface SimSuspension {
  id: string;
  msisdn: string;
  imsi: string | null;
  reason: string;
  alertId: string;
  operator: string;
  status: SuspensionStatus;
  note: string | null;
  version: number;
  createdAt: string;
  ackedAt: string | null;
  ackedBy: string | null;
  /** When the operator must have acted by (CALLSHIELD_SUSPENSION_DEADLINE); null for requests made before deadlines were kept. */
  deadline: string | null;
}

/** An entry of the IMEI device blocklist. */
export interface DeviceEntry {
  imei: string;
  reason: string;
  alertId: string | null;
  createdBy: string;
  createdAt: string;
  version: number;
}
