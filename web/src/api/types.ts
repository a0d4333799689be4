/** Shapes of the API answers the console reads (checked against the server by the browser tests). */
export type Role = 'admin' | 'supervisor' | 'analyst' | 'operator_analyst' | 'viewer';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  operatorId?: string;
  mustChangePassword: boolean;
  disabled: boolean;
  createdAt: string;
  createdBy: string;
  lastLoginAt?: string;
}

export interface Me {
  user: User;
  mustChangePassword: boolean;
  expiresAt: string;
  idleMinutes: number;
}

export interface Figures {
  screened: number;
  allowed: number;
  labelled: number;
  blocked: number;
  shadow: number;
}

export interface Stats {
  from: string;
  to: string;
  groupBy: 'hour' | 'day';
  operator?: string;
  totals: Figures;
  byReason: Record<string, number>;
  byIngress: Record<string, number>;
  byOperator: Record<string, Figures>;
  series: (Figures & { t: string })[];
  sinceLaunch: Figures & { launchedAt: string | null; byReason: Record<string, number> };
}

export interface Decision {
  decisionId: string;
  callId: string;
  operator: string;
  fromOperator?: string;
  a: string;
  b: string;
  ingress: string;
  at: string;
  decidedAt: string;
  verdict: 'allow' | 'label' | 'block';
  reasons: string[];
  labelCode?: string;
  label?: string;
  shadow: boolean;
  shadowVerdict?: string;
  latencyUs: number;
}

export interface ListEntry {
  number: string;
  reason: string;
  source: string;
  createdBy: string;
  createdAt: string;
  expiresAt?: string;
  displayName?: string;
  version: number;
}

export interface Lookup {
  number: string;
  zone: string;
  numberType?: string;
  region?: string;
  country?: string | null;
  rangeOwner: string | null;
  owner: string | null;
  ownerName: string | null;
  ported: boolean;
  portedAt?: string;
  roaming: { visitedCountry: string; since: string; until?: string; operator: string } | null;
  lists: { list: string; reason: string; source: string; createdBy: string; createdAt: string; expiresAt?: string }[];
  reputation: string;
  decisions: Decision[];
  alerts: Alert[];
}

export interface OperatorOverview {
  id: string;
  name: string;
  participating: boolean;
  createdAt: string;
  keys: { active: number; revoked: number };
  lastSeenAt?: string;
  traffic24h: Figures;
}

export interface ApiKey {
  id: string;
  operatorId: string;
  prefix: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

export interface AuditEntry {
  seq: number;
  id: string;
  at: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  clientIp: string;
  prevHash: string;
  hash: string;
}

export type VerifyResult =
  | { ok: true; entries: number; headSeq: number; headHash: string }
  | { ok: false; entries: number; problem: string; seq?: number };

/** The alerts contract of DESIGN.md §3 (`GET /v1/alerts`). */
export interface Alert {
  id: string;
  kind: 'simbox' | 'fraud_caller' | 'wangiri' | string;
  msisdn: string;
  imsi?: string;
  imei?: string;
  score: number;
  evidence: Record<string, unknown>;
  status: string;
  firstSeen?: string;
  lastSeen?: string;
  device?: string;
}
