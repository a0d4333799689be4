/**
 * Shapes of the API answers the console reads (checked against the server by the browser tests).
 * Where the server has the shape as a type, it is imported from there (type-only: nothing of the
 * server is bundled).
 */
import type { AuditEntry, VerifyResult } from '../../../src/audit/log.ts';
import type { ApiKeyInfo as ApiKey } from '../../../src/auth/keys.ts';
import type { RankedContact as TrailContact } from '../../../src/banks/routes.ts';
import type { Incident } from '../../../src/banks/store.ts';
import type { ComplianceReport, ComplianceRow } from '../../../src/compliance/service.ts';
import type { ListEntry } from '../../../src/lists/types.ts';
import type { UserRole as Role } from '../../../src/platform/http.ts';
import type { Decision } from '../../../src/screening/types.ts';
import type { User } from '../../../src/users/types.ts';

export type {
  ApiKey,
  AuditEntry,
  ComplianceReport,
  ComplianceRow,
  Decision,
  Incident,
  ListEntry,
  Role,
  User,
  VerifyResult,
};

export interface IncidentDetail extends Incident {
  lookbackHours: number;
  contacts: TrailContact[];
  cdrScanComplete: boolean;
  alerts: { number: string; id: string; kind: string; status: string; score: number }[];
  otherBanks: string[];
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
  sinceLaunch: Figures & {
    launchedAt: string | null;
    byReason: Record<string, number>;
    /** Messages (SMS) since launch, counted apart from calls. */
    messages?: Figures & { byReason: Record<string, number> };
  };
  /** Messages (SMS) of the period, counted apart from calls. */
  messages?: {
    totals: Figures;
    byReason: Record<string, number>;
    byIngress: Record<string, number>;
    byOperator: Record<string, Figures>;
    series: (Figures & { t: string })[];
  };
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
  /** The operator whose subscriber it is (or whose CDRs raised it). */
  operator?: string | null;
  operators?: string[];
  /** When detection raised it. */
  createdAt?: string;
  updatedAt?: string;
  decidedBy?: string | null;
  decidedAt?: string | null;
  decisionReason?: string | null;
  /** The SIM suspension request a confirmation sent to the SIM's operator, with its outcome. */
  suspension?: { id: string; status: string; note: string | null; ackedAt: string | null } | null;
  actions?: { blocklisted: boolean; deviceBlocked: boolean };
}

/** A number in the citizens' report queue (`GET /v1/reports/queue`). */
export interface ReportQueueItem {
  number: string | null;
  reports: number;
  verifiedReports: number;
  reporters: number;
  firstAt: string;
  lastAt: string;
  categories: string[];
  channels: string[];
  urls: string[];
  score: number;
  risk: string;
}

/** One citizen's report about a number (`GET /v1/reports/numbers/{number}`). */
export interface CitizenReport {
  id: string;
  channel: string;
  category: string;
  text: string | null;
  url: string | null;
  at: string;
  receivedAt: string;
  source: string;
  verified: boolean;
  reporterNumber: string | null;
  status: string;
  decidedBy: string | null;
}
