import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { Sql, SqlQueryable } from '../platform/sql.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** A quarantined row as stored: where it came from and why it was refused. */
export interface QuarantineRow {
  line: number;
  reason: string;
  raw: string;
}

export interface QuarantineEntry extends QuarantineRow {
  id: number;
  operator: string;
  uploadId: string;
  file: string;
  at: string;
}

export interface Upload {
  id: string;
  operator: string;
  file: string;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  bytes: number;
  accepted: number;
  duplicates: number;
  quarantined: number;
}

/** One committed batch of accepted CDRs, as the journal gives it back. */
export interface JournalBatch {
  id: number;
  operator: string;
  uploadId: string;
  rows: number;
  /** The encoded batch (src/ingest/codec.ts), decompressed. */
  payload: Uint8Array;
}

export interface BatchToCommit {
  uploadId: string;
  /** Operator written on the journal row (the uploader, or '*' for an admin import of several). */
  operator: string;
  /** Candidate rows: operator and record id of each, in the batch's order. */
  operators: string[];
  recordIds: string[];
  /** Rows refused before de-duplication (validation, foreign operator), to store. */
  quarantine: QuarantineRow[];
  /** How many rows were refused (more than `quarantine` holds once an upload's storage cap is reached). */
  quarantined: number;
  file: string;
  /** Duplicates already found inside the batch itself. */
  duplicatesInBatch: number;
  /** Encodes some of the candidate rows (indexes into `recordIds`) for the journal. */
  encodeRows(candidates: Int32Array): Uint8Array;
  bytes: number;
}

export interface CommittedBatch {
  batchId: number;
  accepted: number;
  duplicates: number;
  quarantined: number;
  /** The journal rows written: the accepted rows, encoded (uncompressed), a few thousand a part. */
  parts: { batchId: number; rows: number; payload: Uint8Array }[];
}

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

/**
 * Keys and quarantined rows per statement, and CDRs per journal row. PGlite runs in this thread:
 * a statement blocks the event loop while it runs, so each one stays small (a few milliseconds);
 * the records store gives the event loop a turn after each statement (src/platform/sql.ts),
 * keeping the call path answering during a large upload.
 */
const SLICE = 512;
const JOURNAL_ROWS = 8192;

/** The journal rows of some candidates: encoded, and compressed off the event loop. */
async function journalParts(
  batch: BatchToCommit,
  candidates: number[],
): Promise<{ rows: number; payload: Uint8Array; compressed: string }[]> {
  const parts: { rows: number; payload: Uint8Array; compressed: string }[] = [];
  for (let start = 0; start < candidates.length; start += JOURNAL_ROWS) {
    const rows = Int32Array.from(candidates.slice(start, start + JOURNAL_ROWS));
    const payload = batch.encodeRows(rows);
    parts.push({ rows: rows.length, payload, compressed: (await gzipAsync(payload, { level: 1 })).toString('base64') });
  }
  return parts;
}

interface UploadRow {
  id: string;
  operator_id: string;
  file: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  bytes: number | string;
  accepted: number | string;
  duplicates: number | string;
  quarantined: number | string;
}

const toUpload = (r: UploadRow): Upload => ({
  id: r.id,
  operator: r.operator_id,
  file: r.file,
  status: r.status,
  startedAt: iso(r.started_at)!,
  finishedAt: iso(r.finished_at),
  bytes: Number(r.bytes),
  accepted: Number(r.accepted),
  duplicates: Number(r.duplicates),
  quarantined: Number(r.quarantined),
});

/**
 * The ingest tables of the records store: uploads, de-duplication keys, the journal of accepted
 * batches and the quarantine. A batch is committed in one transaction — keys, journal row,
 * quarantined rows and the upload's counts together — so a crash at any point leaves either all
 * of a batch or none of it, and a re-sent file finds exactly the records that made it in.
 */
export function createIngestStore(sql: Sql) {
  async function insertQuarantine(
    tx: SqlQueryable,
    operator: string,
    uploadId: string,
    file: string,
    rows: QuarantineRow[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `insert into cdr_quarantine (operator_id, upload_id, file, line, reason, raw, raw_hash)
       select $1, $2, $3, q.line, q.reason, q.raw, md5(q.raw)
       from unnest($4::int[], $5::text[], $6::text[]) as q(line, reason, raw)
       on conflict (operator_id, file, line, raw_hash) do nothing`,
      [
        operator,
        uploadId,
        file,
        rows.map((r) => r.line),
        rows.map((r) => r.reason),
        // PostgreSQL text cannot hold NUL.
        rows.map((r) => r.raw.replaceAll('\u0000', '')),
      ],
    );
  }

  return {
    async beginUpload(upload: { id: string; operator: string; file: string }): Promise<void> {
      await sql.query(`insert into cdr_uploads (id, operator_id, file, status) values ($1, $2, $3, 'receiving')`, [
        upload.id,
        upload.operator,
        upload.file,
      ]);
    },

    async finishUpload(id: string, status: 'complete' | 'failed', bytes: number): Promise<void> {
      await sql.query(`update cdr_uploads set status = $2, finished_at = now(), bytes = $3 where id = $1`, [
        id,
        status,
        bytes,
      ]);
    },

    /** Uploads left 'receiving' by a process that stopped: they were cut off. */
    async markInterrupted(): Promise<number> {
      const r = await sql.query(
        `update cdr_uploads set status = 'interrupted', finished_at = now() where status = 'receiving'`,
      );
      return r.affectedRows;
    },

    async commitBatch(batch: BatchToCommit): Promise<CommittedBatch> {
      // Encoded and compressed (off the event loop) before the transaction holds the database,
      // assuming every candidate is new; redone inside only when some turn out to be duplicates.
      const candidates = batch.recordIds.length;
      const all = Array.from({ length: candidates }, (_, i) => i);
      let parts = await journalParts(batch, all);
      return sql.transaction(async (tx) => {
        const nextId = async () =>
          Number(
            (
              await tx.query<{ id: number | string }>(
                `select nextval(pg_get_serial_sequence('cdr_batches', 'id')) as id`,
              )
            ).rows[0].id,
          );
        const commitId = await nextId();
        const single = batch.operators.every((o) => o === batch.operators[0]);
        let known: Set<string> | null = null;
        for (let start = 0; start < candidates; start += SLICE) {
          const operators = batch.operators.slice(start, start + SLICE);
          const ids = batch.recordIds.slice(start, start + SLICE);
          const inserted = single
            ? await tx.query(
                `insert into cdr_seen (operator_id, record_id, batch_id) select $1, unnest($2::text[]), $3
                 on conflict do nothing`,
                [operators[0], ids, commitId],
              )
            : await tx.query(
                `insert into cdr_seen (operator_id, record_id, batch_id) select unnest($1::text[]), unnest($2::text[]), $3
                 on conflict do nothing`,
                [operators, ids, commitId],
              );
          if (inserted.affectedRows < ids.length) {
            // Some were seen before: find which (their key belongs to an earlier commit).
            const { rows } = await tx.query<{ operator_id: string; record_id: string }>(
              `select s.operator_id, s.record_id from cdr_seen s
               join unnest($1::text[], $2::text[]) as k(operator_id, record_id)
                 on s.operator_id = k.operator_id and s.record_id = k.record_id
               where s.batch_id <> $3`,
              [operators, ids, commitId],
            );
            known ??= new Set();
            for (const r of rows) known.add(`${r.operator_id}\u0000${r.record_id}`);
          }
        }
        let accepted = candidates;
        if (known !== null) {
          const seen = known;
          const kept = all.filter((i) => !seen.has(`${batch.operators[i]}\u0000${batch.recordIds[i]}`));
          accepted = kept.length;
          parts = await journalParts(batch, kept);
        }
        const duplicates = batch.duplicatesInBatch + (candidates - accepted);
        const committed: CommittedBatch['parts'] = [];
        for (const part of parts) {
          const id = committed.length === 0 ? commitId : await nextId();
          await tx.query(
            `insert into cdr_batches (id, operator_id, upload_id, rows, payload)
             values ($1, $2, $3, $4, decode($5, 'base64'))`,
            [id, batch.operator, batch.uploadId, part.rows, part.compressed],
          );
          committed.push({ batchId: id, rows: part.rows, payload: part.payload });
        }
        for (let start = 0; start < batch.quarantine.length; start += SLICE) {
          await insertQuarantine(
            tx,
            batch.operator,
            batch.uploadId,
            batch.file,
            batch.quarantine.slice(start, start + SLICE),
          );
        }
        await tx.query(
          `update cdr_uploads set accepted = accepted + $2, duplicates = duplicates + $3,
             quarantined = quarantined + $4, bytes = $5 where id = $1`,
          [batch.uploadId, accepted, duplicates, batch.quarantined, batch.bytes],
        );
        return { batchId: commitId, accepted, duplicates, quarantined: batch.quarantined, parts: committed };
      });
    },

    /** Quarantine of a failed upload that never reached a batch (e.g. the body could not be read). */
    insertQuarantine: (operator: string, uploadId: string, file: string, rows: QuarantineRow[]) =>
      insertQuarantine(sql, operator, uploadId, file, rows),

    /** Journal batches after `afterId` ingested since `since` (but those in `skip`), oldest first, at most `limit`. */
    async journal(afterId: number, since: Date, limit: number, skip: number[] = []): Promise<JournalBatch[]> {
      const { rows } = await sql.query<{
        id: number | string;
        operator_id: string;
        upload_id: string;
        rows: number;
        payload: string;
      }>(
        `select id, operator_id, upload_id, rows, encode(payload, 'base64') as payload from cdr_batches
         where id > $1 and ingested_at >= $2 and length(payload) > 0 and not (id = any($4::bigint[]))
         order by id limit $3`,
        [afterId, since, limit, skip],
      );
      const out: JournalBatch[] = [];
      for (const r of rows) {
        out.push({
          id: Number(r.id),
          operator: r.operator_id,
          uploadId: r.upload_id,
          rows: Number(r.rows),
          payload: new Uint8Array(await gunzipAsync(Buffer.from(r.payload, 'base64'))),
        });
      }
      return out;
    },

    /**
     * Retention: journal payloads older than `journalBefore` are dropped (the feature windows no
     * longer need them); de-duplication keys and batch rows older than `keysBefore` are deleted,
     * a slice at a time so that the embedded database is never held for long.
     */
    async sweep(journalBefore: Date, keysBefore: Date, slice = 5000): Promise<{ keys: number; batches: number }> {
      await sql.query(`update cdr_batches set payload = '' where ingested_at < $1 and length(payload) > 0`, [
        journalBefore,
      ]);
      const { rows } = await sql.query<{ id: number | string | null }>(
        'select max(id) as id from cdr_batches where ingested_at < $1',
        [keysBefore],
      );
      const last = rows[0]?.id === null || rows[0]?.id === undefined ? null : Number(rows[0].id);
      let keys = 0;
      if (last !== null) {
        for (;;) {
          const r = await sql.query(
            `delete from cdr_seen where ctid in (select ctid from cdr_seen where batch_id <= $1 limit $2)`,
            [last, slice],
          );
          keys += r.affectedRows;
          if (r.affectedRows < slice) break;
        }
      }
      const gone = await sql.query('delete from cdr_batches where ingested_at < $1', [keysBefore]);
      return { keys, batches: gone.affectedRows };
    },

    async quarantine(q: {
      operator?: string;
      uploadId?: string;
      before?: number;
      limit: number;
    }): Promise<{ items: QuarantineEntry[]; next: string | null }> {
      const { rows } = await sql.query<{
        id: number | string;
        operator_id: string;
        upload_id: string;
        file: string;
        line: number;
        reason: string;
        raw: string;
        created_at: Date;
      }>(
        `select id, operator_id, upload_id, file, line, reason, raw, created_at from cdr_quarantine
         where ($1::text is null or operator_id = $1) and ($2::text is null or upload_id = $2)
           and ($3::bigint is null or id < $3)
         order by id desc limit $4`,
        [q.operator ?? null, q.uploadId ?? null, q.before ?? null, q.limit + 1],
      );
      const items = rows.slice(0, q.limit).map((r) => ({
        id: Number(r.id),
        operator: r.operator_id,
        uploadId: r.upload_id,
        file: r.file,
        line: Number(r.line),
        reason: r.reason,
        raw: r.raw,
        at: iso(r.created_at)!,
      }));
      return { items, next: rows.length > q.limit ? String(items[items.length - 1].id) : null };
    },

    async uploads(q: { operator?: string; before?: string; limit: number }): Promise<Upload[]> {
      const { rows } = await sql.query<UploadRow>(
        `select * from cdr_uploads where ($1::text is null or operator_id = $1)
         order by started_at desc, id desc limit $2`,
        [q.operator ?? null, q.limit],
      );
      return rows.map(toUpload);
    },

    async upload(id: string): Promise<Upload | null> {
      const { rows } = await sql.query<UploadRow>('select * from cdr_uploads where id = $1', [id]);
      return rows[0] ? toUpload(rows[0]) : null;
    },

    /** Totals for metrics and the stats page. */
    async totals(operator?: string) {
      const { rows } = await sql.query<{ accepted: number; duplicates: number; quarantined: number; uploads: number }>(
        `select coalesce(sum(accepted), 0)::float8 as accepted, coalesce(sum(duplicates), 0)::float8 as duplicates,
           coalesce(sum(quarantined), 0)::float8 as quarantined, count(*)::int as uploads
         from cdr_uploads where ($1::text is null or operator_id = $1)`,
        [operator ?? null],
      );
      return rows[0];
    },
  };
}

export type IngestStore = ReturnType<typeof createIngestStore>;
