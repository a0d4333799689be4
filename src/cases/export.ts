/**
 * The evidence export of a case: a ZIP of CSVs of the underlying records, the PDF summary and a
 * manifest with the SHA-256 digest and size of every other file, so that a court can check that
 * nothing was changed after the export (the export's own digest goes to the audit log). Cited
 * alerts and reports also carry their content digest at citation (from the audit log) and now, so
 * that a record changed in the database before the export is shown, not silently copied (citations.ts).
 */
import { createHash } from 'node:crypto';
import { zipSync } from 'fflate';
import { canonicalJson } from '../audit/log.ts';
import { citationCells, citationColumns, citationKey, expectedFromText } from './citations.ts';
import { describeEvent, renderSummaryPdf, type SummaryLanguage, suspensionTimeliness } from './pdf.ts';
import type { CaseEvidence } from './service.ts';
import type { AlertRecord } from './sources.ts';

/** One CSV cell: RFC 4180 quoting, and a leading = + - @ defused so no spreadsheet runs it as a formula. */
function cell(value: unknown): string {
  const s = value === null || value === undefined ? '' : typeof value === 'string' ? value : canonicalJson(value);
  const safe = /^[=@\t\r]/.test(s) || /^[+-](?!\d+$)/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(columns: string[], rows: unknown[][]): string {
  return `${[columns.join(','), ...rows.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The decision on an alert and its SIM suspension request: columns appended to alerts.csv. */
const alertActionColumns = [
  'decided_by',
  'decided_at',
  'decision_reason',
  'suspension_id',
  'suspension_operator',
  'suspension_status',
  'suspension_requested_at',
  'suspension_requested_by',
  'suspension_deadline',
  'suspension_overdue',
  'suspension_acked_at',
  'suspension_acked_by',
  'suspension_ack_late',
  'suspension_note',
];

function alertActionCells(a: AlertRecord, generatedAt: string): unknown[] {
  const s = a.suspension;
  const { overdue, late } = suspensionTimeliness(s, generatedAt);
  return [
    a.decidedBy,
    a.decidedAt,
    a.decisionReason,
    s?.id,
    s?.operator,
    s?.status,
    s?.requestedAt,
    s?.requestedBy,
    s?.deadline,
    overdue,
    s?.ackedAt,
    s?.ackedBy,
    late,
    s?.note,
  ];
}

export interface ExportedCase {
  zip: Buffer;
  fileName: string;
  sha256: string;
  files: { name: string; sha256: string; bytes: number }[];
}

export async function buildCaseExport(
  evidence: CaseEvidence,
  meta: { generatedAt: string; generatedBy: string; operator: string | undefined; language: SummaryLanguage },
): Promise<ExportedCase> {
  const { detail, alerts, relations, reports, cells, citations } = evidence;
  const cited = (type: string, value: string) => citationCells(citations.get(citationKey(type, value)));
  const items = (type: string) => detail.caseItems.filter((i) => i.type === type);
  const itemRows = (type: string) =>
    items(type).map((i) => [i.value, i.operators.join(' '), i.addedBy, i.addedAt, i.note]);
  const itemColumns = ['value', 'operators', 'added_by', 'added_at', 'note'];
  const located = new Map(cells.map((c) => [c.cell, c]));
  const text = new TextEncoder();
  const files: Record<string, Uint8Array> = {
    'case.csv': text.encode(
      toCsv(
        ['id', 'title', 'status', 'assignee', 'external_ref', 'summary', 'created_by', 'created_at', 'updated_at'],
        [
          [
            detail.id,
            detail.title,
            detail.status,
            detail.assignee,
            detail.externalRef,
            detail.summary,
            detail.createdBy,
            detail.createdAt,
            detail.updatedAt,
          ],
        ],
      ),
    ),
    'alerts.csv': text.encode(
      toCsv(
        [
          'id',
          'kind',
          'msisdn',
          'imsi',
          'imei',
          'device',
          'score',
          'status',
          'operators',
          'first_seen',
          'last_seen',
          'evidence',
          ...alertActionColumns,
          ...citationColumns,
        ],
        alerts.map((a) => [
          a.id,
          a.kind,
          a.msisdn,
          a.imsi,
          a.imei,
          a.device,
          a.score,
          a.status,
          a.operators.join(' '),
          a.firstSeen,
          a.lastSeen,
          a.evidence,
          ...alertActionCells(a, meta.generatedAt),
          ...cited('alert', a.id),
        ]),
      ),
    ),
    'numbers.csv': text.encode(toCsv(['number', ...itemColumns.slice(1)], itemRows('number'))),
    'sims.csv': text.encode(
      toCsv(
        ['kind', 'value', ...itemColumns.slice(1)],
        [...items('imsi'), ...items('iccid')].map((i) => [
          i.type,
          i.value,
          i.operators.join(' '),
          i.addedBy,
          i.addedAt,
          i.note,
        ]),
      ),
    ),
    'devices.csv': text.encode(toCsv(['imei', ...itemColumns.slice(1)], itemRows('imei'))),
    'cells.csv': text.encode(
      toCsv(
        ['cell_id', 'lat', 'lon', 'region', 'operators', 'added_at'],
        items('cell').map((i) => {
          const c = located.get(i.value);
          return [i.value, c?.lat, c?.lon, c?.region, i.operators.join(' '), i.addedAt];
        }),
      ),
    ),
    'cdr_relations.csv': text.encode(
      toCsv(
        ['operator', 'msisdn', 'imsi', 'imei', 'cell_id', 'first_seen', 'last_seen', 'events'],
        relations.map((r) => [
          r.operator,
          r.msisdn,
          r.imsi,
          r.imei,
          r.cell,
          new Date(r.firstSeen).toISOString(),
          new Date(r.lastSeen).toISOString(),
          r.events,
        ]),
      ),
    ),
    'reports.csv': text.encode(
      toCsv(
        ['id', 'number', 'channel', 'category', 'at', 'status', 'verified', 'text', 'url', ...citationColumns],
        reports.map((r) => [
          r.id,
          r.number,
          r.channel,
          r.category,
          r.at,
          r.status,
          r.verified,
          r.text,
          r.url,
          ...cited('report', r.id),
        ]),
      ),
    ),
    'incidents.csv': text.encode(
      toCsv(
        // The header is a contract (src/banks pins it): an incident's citation check is in the PDF
        // and the manifest's citedRecords.
        ['bank', 'incident_id', 'victim', 'at', 'kind', 'amount', 'currency', 'suspects', 'received_at', 'contacts'],
        evidence.incidents.map((i) => [
          i.bank,
          i.incidentId,
          i.victim,
          i.at,
          i.kind,
          i.amount,
          i.currency,
          i.suspects.join(' '),
          i.receivedAt,
          i.contacts.length,
        ]),
      ),
    ),
    'incident_contacts.csv': text.encode(
      toCsv(
        ['bank', 'incident_id', 'number', 'at', 'channel', 'verdict', 'reasons', 'reputation', 'suspect', 'source'],
        evidence.incidents.flatMap((i) =>
          i.contacts.map((c) => [
            i.bank,
            i.incidentId,
            c.number,
            c.at,
            c.channel,
            c.verdict,
            (c.reasons ?? []).join(' '),
            c.reputation,
            c.suspect,
            c.source.join(' '),
          ]),
        ),
      ),
    ),
    'seized_items.csv': text.encode(
      toCsv(
        ['id', 'kind', 'identifier', 'description', 'seized_at', 'place', 'operators', 'added_by', 'added_at'],
        detail.seized.map((s) => [
          s.id,
          s.kind,
          s.identifier,
          s.description,
          s.seizedAt,
          s.place,
          s.operators.join(' '),
          s.addedBy,
          s.addedAt,
        ]),
      ),
    ),
    'timeline.csv': text.encode(
      toCsv(
        ['seq', 'at', 'actor', 'kind', 'description', 'details'],
        detail.timeline.map((e) => [e.seq, e.at, e.actor, e.kind, describeEvent(e.kind, e.details), e.details]),
      ),
    ),
    'graph.json': text.encode(`${JSON.stringify(evidence.graph, null, 1)}\n`),
    'summary.pdf': new Uint8Array(await renderSummaryPdf(evidence, meta)),
  };
  const checks = [...citations.values()];
  const listed = Object.entries(files).map(([name, data]) => ({ name, sha256: sha256(data), bytes: data.byteLength }));
  const manifest = {
    case: detail.id,
    generatedAt: meta.generatedAt,
    generatedBy: meta.generatedBy,
    scope: meta.operator ?? 'all operators',
    algorithm: 'SHA-256',
    files: listed,
    // The cited alerts, reports and incidents against the digests the audit log kept when each was
    // cited (the *_digest_* columns of alerts.csv, reports.csv and incidents.csv hold the detail).
    citedRecords: {
      checked: checks.length,
      unchanged: checks.filter((c) => c.changed === false).length,
      notRecorded: checks.filter((c) => c.changed === null).length,
      changedSinceCitation: checks
        .filter((c) => c.changed === true)
        .map((c) => ({
          type: c.type,
          id: c.value,
          digestAtCitation: c.digestAtCitation,
          digestNow: c.digestNow,
          auditSeq: c.auditSeq,
          expectedDigest: c.expectedDigest,
          expectedFrom: c.expectedFrom ? expectedFromText[c.expectedFrom] : null,
          expectedAuditSeq: c.expectedAuditSeq,
        })),
      // Records detection rewrote after citation, checked against its latest recorded digest.
      updatedByPlatform: checks
        .filter((c) => c.expectedFrom === 'platform_update')
        .map((c) => ({ type: c.type, id: c.value, expectedDigest: c.expectedDigest, auditSeq: c.expectedAuditSeq })),
    },
  };
  files['manifest.json'] = text.encode(`${JSON.stringify(manifest, null, 2)}\n`);
  // Fixed entry times keep the archive's bytes a function of its contents.
  const mtime = new Date(meta.generatedAt);
  const zip = Buffer.from(
    zipSync(Object.fromEntries(Object.entries(files).map(([name, data]) => [name, [data, { mtime }]])), { level: 6 }),
  );
  const stamp = meta.generatedAt.replace(/[-:]/g, '').slice(0, 15);
  return { zip, fileName: `${detail.id}-evidence-${stamp}.zip`, sha256: sha256(zip), files: listed };
}
