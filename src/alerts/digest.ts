/**
 * The content digest of an alert: what a case records when it cites the alert (src/cases/citations.ts)
 * and what detection records when it rewrites an alert it raised (`alert.evidence_updated`), so that
 * an export can tell a change by the platform from one made behind its back. One function for both,
 * here where src/cases may import it (src/alerts imports nothing of src/cases).
 *
 * Only what the alert says is digested, not what legitimately moves on: its status, decision,
 * suspension and reader operators.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../audit/log.ts';

/** Names the canonical form below; a later change of the form gets a new name, old entries keep theirs. */
export const contentForm = 'callshield-citation-v1';

/** The audit action of detection rewriting an alert's content; its details hold the new digest. */
export const evidenceUpdatedAction = 'alert.evidence_updated';

/** The digested fields of an alert, timestamps as ISO strings. */
export interface AlertContent {
  id: string;
  kind: string;
  msisdn: string;
  imsi: string | null;
  imei: string | null;
  device: string | null;
  score: number;
  evidence: Record<string, unknown>;
  firstSeen: string | null;
  lastSeen: string | null;
  createdAt: string | null;
}

export const alertContent = (a: AlertContent) => ({
  type: 'alert',
  id: a.id,
  kind: a.kind,
  msisdn: a.msisdn,
  imsi: a.imsi,
  imei: a.imei,
  device: a.device,
  score: a.score,
  evidence: a.evidence,
  firstSeen: a.firstSeen,
  lastSeen: a.lastSeen,
  createdAt: a.createdAt,
});

/** SHA-256 (hex) of the canonical JSON (keys sorted at every level) of a record's content. */
export function contentDigest(content: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** SHA-256 of an alert's content (see above for what is in it). */
export const alertDigest = (a: AlertContent) => contentDigest(alertContent(a));
