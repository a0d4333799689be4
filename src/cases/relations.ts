/**
 * The CDR relation table behind link analysis: which number used which SIM (IMSI) in which device
 * (IMEI) at which cell, per operator and day, with first/last seen and a count. It is folded from
 * the accepted batches the ingest service publishes on the 'cdr' stream (already de-duplicated),
 * each batch exactly once (the batch id is recorded in the same transaction), and caught up from
 * the ingest journal at start for batches published while this process was down.
 */
import { type CdrBatch, digitString } from '../cdr/batch.ts';
import { decodeBatch } from '../ingest/codec.ts';
import type { JournalBatch } from '../ingest/store.ts';
import type { CdrBatchEvent } from '../ingest/types.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import type { Relation } from './graph.ts';

/** One row of cdr_relations before it is stored: a relation of one UTC day. */
export interface RelationRow extends Relation {
  day: string;
}

/** Aggregates a batch into relation rows (pure): one per operator, UTC day and identifier tuple. */
export function foldBatch(batch: CdrBatch): RelationRow[] {
  const rows = new Map<string, RelationRow>();
  for (let i = 0; i < batch.size; i++) {
    const at = batch.startedAt[i];
    const operator = batch.operator[i] >= 0 ? batch.strings[batch.operator[i]] : '';
    const msisdn = formatNumber(batch.msisdn[i]);
    const imsi = digitString(batch.imsi[i], batch.imsiDigits[i]);
    const imei = digitString(batch.imei[i], batch.imeiDigits[i]);
    const cell = batch.cell[i] >= 0 ? batch.strings[batch.cell[i]] : '';
    const day = new Date(at).toISOString().slice(0, 10);
    const key = `${operator}\u0000${day}\u0000${msisdn}\u0000${imsi}\u0000${imei}\u0000${cell}`;
    const row = rows.get(key);
    if (row) {
      row.events++;
      if (at < row.firstSeen) row.firstSeen = at;
      if (at > row.lastSeen) row.lastSeen = at;
    } else rows.set(key, { operator, day, msisdn, imsi, imei, cell, firstSeen: at, lastSeen: at, events: 1 });
  }
  return [...rows.values()];
}

const DAY_MS = 86_400_000;
/**
 * Rows per upsert statement. The embedded store's are short (a few milliseconds): sized when PGlite
 * ran its statements on the server's event loop, to leave the calls between them their turn. The
 * server's store now runs them on a thread of its own (`openPgliteThread`); the size was kept.
 */
const CHUNK = { pglite: 250, postgres: 5000 } as const;

export function createRelationFeeder(deps: {
  sql: Sql;
  stream: EventStream;
  journal?: (afterId: number, since: Date, limit: number) => Promise<JournalBatch[]>;
  onError: (error: unknown, what: string) => void;
}) {
  const { sql } = deps;
  let tail: Promise<unknown> = Promise.resolve();

  /** Folds one journal batch; false when it was folded before. */
  async function fold(batchId: number, payload: Uint8Array): Promise<boolean> {
    const rows = foldBatch(decodeBatch(payload));
    return sql.transaction(async (tx) => {
      const claimed = await tx.query('insert into cdr_relation_batches (batch_id) values ($1) on conflict do nothing', [
        batchId,
      ]);
      if (claimed.affectedRows === 0) return false;
      const size = CHUNK[sql.kind];
      for (let start = 0; start < rows.length; start += size) {
        const chunk = rows.slice(start, start + size);
        await tx.query(
          `insert into cdr_relations (operator_id, day, msisdn, imsi, imei, cell_id, first_seen, last_seen, events)
           select r.operator_id, r.day::date, r.msisdn, r.imsi, r.imei, r.cell_id,
             to_timestamp(r.first_ms / 1000.0), to_timestamp(r.last_ms / 1000.0), r.events
           from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
             $8::float8[], $9::int[]) as r(operator_id, day, msisdn, imsi, imei, cell_id, first_ms, last_ms, events)
           on conflict (operator_id, day, msisdn, imsi, imei, cell_id) do update set
             first_seen = least(cdr_relations.first_seen, excluded.first_seen),
             last_seen = greatest(cdr_relations.last_seen, excluded.last_seen),
             events = cdr_relations.events + excluded.events`,
          [
            chunk.map((r) => r.operator),
            chunk.map((r) => r.day),
            chunk.map((r) => r.msisdn),
            chunk.map((r) => r.imsi),
            chunk.map((r) => r.imei),
            chunk.map((r) => r.cell),
            chunk.map((r) => r.firstSeen),
            chunk.map((r) => r.lastSeen),
            chunk.map((r) => r.events),
          ],
        );
      }
      return true;
    });
  }

  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work);
    tail = run.catch(() => {});
    return run;
  };

  // One consumer group: with several console processes each batch is folded by one of them.
  const unsubscribe = deps.stream.subscribe<CdrBatchEvent>(
    'cdr',
    async (events) => {
      await serial(async () => {
        for (const event of events) {
          try {
            await fold(event.batchId, event.payload);
          } catch (error) {
            deps.onError(error, `folding CDR batch ${event.batchId} into relations`);
          }
        }
      });
    },
    { group: 'cases' },
  );

  return {
    /**
     * Folds the journal batches not folded yet (published while no process folded them): every
     * batch the journal still holds from the last `journalDays` days and cdr_relation_batches does
     * not list, whatever order uploads committed in.
     */
    catchUp(now: number, journalDays: number): Promise<number> {
      const journal = deps.journal;
      if (!journal) return Promise.resolve(0);
      return serial(async () => {
        const since = new Date(now - journalDays * DAY_MS);
        let folded = 0;
        let after = 0;
        for (;;) {
          const { rows } = await sql.query<{ id: number | string }>(
            `select b.id from cdr_batches b
             where b.id > $1 and b.ingested_at >= $2 and length(b.payload) > 0
               and not exists (select 1 from cdr_relation_batches r where r.batch_id = b.id)
             order by b.id limit 64`,
            [after, since],
          );
          for (const { id } of rows) {
            const [batch] = await journal(Number(id) - 1, since, 1);
            if (batch && batch.id === Number(id) && (await fold(batch.id, batch.payload))) folded++;
          }
          if (rows.length < 64) return folded;
          after = Number(rows[rows.length - 1].id);
        }
      });
    },
    /**
     * Forgets relation days older than `keepDays` before `now`, one day per statement (a long
     * delete would hold the embedded store), and the fold records of batches the journal no
     * longer holds (they cannot be delivered again). Returns the relation rows deleted.
     */
    sweep(now: number, keepDays: number, journalDays: number): Promise<number> {
      return serial(async () => {
        const cutoff = new Date(now - keepDays * DAY_MS).toISOString().slice(0, 10);
        const { rows: days } = await sql.query<{ day: string }>(
          `select distinct to_char(day, 'YYYY-MM-DD') as day from cdr_relations where day < $1::date order by day`,
          [cutoff],
        );
        let deleted = 0;
        for (const { day } of days) {
          const r = await sql.query('delete from cdr_relations where day = $1::date', [day]);
          deleted += r.affectedRows;
        }
        await sql.query('delete from cdr_relation_batches where folded_at < $1', [
          new Date(now - (journalDays + 1) * DAY_MS),
        ]);
        return deleted;
      });
    },
    /** Resolves when every batch received so far is folded (tests wait on it). */
    idle: () => tail.then(() => undefined),
    close: unsubscribe,
  };
}

export type RelationFeeder = ReturnType<typeof createRelationFeeder>;
