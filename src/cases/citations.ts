/**
 * Digests of the records a case cites. A case names alerts, citizen reports and bank incidents by
 * id only, and the export copies their content from the records store as it is at export time. So
 * that a record changed in the database after it was cited (by an insider, or by detection
 * re-running) cannot pass unnoticed, the SHA-256 of each cited record's content goes into the audit
 * entry of its addition (hash-chained and checkpoint-signed, src/audit), and the export recomputes
 * it and shows both digests and whether they differ.
 *
 * Detection itself rewrites an open alert when it runs on new CDRs; it records the new digest in an
 * `alert.evidence_updated` entry (src/alerts/digest.ts). The digest an export expects of a cited
 * alert is the latest of its citation's and of those later platform updates', so only a change made
 * outside the platform shows as changed, and the export names the entry the expected digest is from.
 *
 * Only what the record says is digested, not what legitimately moves on after citation: an alert's
 * status, decision, suspension and reader operators; a report's status and verification; the
 * suspects an analyst marks on an incident later.
 */
import { contentDigest, contentForm } from '../alerts/digest.ts';
import type { IncidentRecord, ReportRecord } from './sources.ts';

/** The audit action whose entry holds the digests of the records an addition cited. */
export const citationAction = 'case.items.cite';

/** Names the canonical form below; a later change of the form gets a new name, old entries keep theirs. */
export const citationForm = contentForm;

export type CitedType = 'alert' | 'report' | 'incident';

/** One cited record's digest, as the audit entry of its addition holds it. */
export interface Citation {
  type: CitedType;
  /** The case item's value: an alert or report id, or `<bank>/<incidentId>`. */
  value: string;
  sha256: string;
}

/** A digest recorded at citation, with the audit entry that holds it. */
export interface RecordedCitation {
  sha256: string;
  auditSeq: number;
  at: string;
}

/** Where the digest an export expects of a record comes from. */
export type ExpectedFrom = 'citation' | 'platform_update';

/** What the export says of one cited record. */
export interface CitationCheck {
  type: CitedType;
  value: string;
  /** Null when the record was cited before digests were recorded (or the entry was not written). */
  digestAtCitation: string | null;
  digestNow: string;
  /**
   * Whether the record differs from the digest expected of it (the latest recorded by the citation
   * or a later platform update): changed outside the platform. Null when nothing was recorded at
   * citation to compare with.
   */
  changed: boolean | null;
  auditSeq: number | null;
  citedAt: string | null;
  /** The digest expected now, and the audit entry it comes from (null with no digest at citation). */
  expectedDigest: string | null;
  expectedFrom: ExpectedFrom | null;
  expectedAuditSeq: number | null;
  expectedAt: string | null;
}

export const reportContent = (r: ReportRecord) => ({
  type: 'report',
  id: r.id,
  number: r.number,
  channel: r.channel,
  category: r.category,
  text: r.text,
  url: r.url,
  at: r.at,
});

export const incidentContent = (i: IncidentRecord) => ({
  type: 'incident',
  bank: i.bank,
  incidentId: i.incidentId,
  victim: i.victim,
  at: i.at,
  kind: i.kind,
  amount: i.amount,
  currency: i.currency,
  suspectNumbers: i.namedSuspects,
  receivedAt: i.receivedAt,
});

export const reportDigest = (r: ReportRecord) => contentDigest(reportContent(r));
export const incidentDigest = (i: IncidentRecord) => contentDigest(incidentContent(i));

export const citationKey = (type: string, value: string) => `${type}:${value}`;

/**
 * The digests recorded in a case's citation entries, by `type:value`. Each item's latest entry
 * wins: an item already in a case is not cited again, so the latest entry is the one of the
 * addition that put the current item there (a removed and re-added item was cited anew).
 */
export function recordedDigests(
  entries: { seq: number; at: string; details: Record<string, unknown> }[],
): Map<string, RecordedCitation> {
  const byKey = new Map<string, RecordedCitation>();
  for (const e of [...entries].sort((x, y) => x.seq - y.seq)) {
    if (e.details.form !== citationForm || !Array.isArray(e.details.citations)) continue;
    for (const c of e.details.citations as Partial<Citation>[]) {
      if (typeof c?.type !== 'string' || typeof c.value !== 'string' || typeof c.sha256 !== 'string') continue;
      byKey.set(citationKey(c.type, c.value), { sha256: c.sha256, auditSeq: e.seq, at: e.at });
    }
  }
  return byKey;
}

/**
 * The digests detection recorded when it rewrote alerts (`alert.evidence_updated` entries), by
 * alert id, oldest first.
 */
export function platformUpdates(
  entries: { seq: number; at: string; target: string; details: Record<string, unknown> }[],
): Map<string, RecordedCitation[]> {
  const byAlert = new Map<string, RecordedCitation[]>();
  for (const e of [...entries].sort((x, y) => x.seq - y.seq)) {
    if (e.details.form !== citationForm || typeof e.details.sha256 !== 'string') continue;
    const list = byAlert.get(e.target) ?? [];
    list.push({ sha256: e.details.sha256, auditSeq: e.seq, at: e.at });
    byAlert.set(e.target, list);
  }
  return byAlert;
}

/**
 * Compares a record's digest now with the one expected of it: the digest recorded when it was
 * cited, or a platform update's recorded after that citation, whichever is latest.
 */
export function checkCitation(
  type: CitedType,
  value: string,
  digestNow: string,
  recorded: Map<string, RecordedCitation>,
  updates: RecordedCitation[] = [],
): CitationCheck {
  const at = recorded.get(citationKey(type, value));
  const update = at ? updates.filter((u) => u.auditSeq > at.auditSeq).at(-1) : undefined;
  const expected = update ?? at;
  return {
    type,
    value,
    digestAtCitation: at?.sha256 ?? null,
    digestNow,
    changed: expected ? expected.sha256 !== digestNow : null,
    auditSeq: at?.auditSeq ?? null,
    citedAt: at?.at ?? null,
    expectedDigest: expected?.sha256 ?? null,
    expectedFrom: update ? 'platform_update' : at ? 'citation' : null,
    expectedAuditSeq: expected?.auditSeq ?? null,
    expectedAt: expected?.at ?? null,
  };
}

/** The CSV columns of the check, appended to alerts.csv, reports.csv and incidents.csv. */
export const citationColumns = [
  'evidence_digest_at_citation',
  'evidence_digest_now',
  'evidence_changed_since_citation',
  'evidence_citation_audit_seq',
  'evidence_digest_expected',
  'evidence_digest_expected_from',
  'evidence_digest_expected_audit_seq',
];

/** How the CSV and manifest name where the expected digest comes from. */
export const expectedFromText: Record<ExpectedFrom, string> = {
  citation: 'citation',
  platform_update: 'platform update (alert.evidence_updated)',
};

export const notRecorded = 'not recorded';

export function citationCells(check: CitationCheck | undefined): unknown[] {
  if (!check) return [notRecorded, '', notRecorded, '', notRecorded, notRecorded, ''];
  return [
    check.digestAtCitation ?? notRecorded,
    check.digestNow,
    check.changed === null ? notRecorded : check.changed,
    check.auditSeq,
    check.expectedDigest ?? notRecorded,
    check.expectedFrom ? expectedFromText[check.expectedFrom] : notRecorded,
    check.expectedAuditSeq,
  ];
}
