/**
 * The embedded records store's thread (see `openPgliteThread` in sql.ts): PGlite runs each
 * statement synchronously on the thread it lives on, so in the server it lives here, and a long
 * statement (an upload's insert, a console's report) no longer holds the calls being screened.
 * Messages come from sql.ts only; each is answered with its id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Transaction } from '@electric-sql/pglite';
import { createPglite, type ThreadReply, type ThreadRequest } from './sql.ts';

const dir = (workerData as { dir: string }).dir;
const port = parentPort!;

/** An error as plain fields: its message and the PostgreSQL fields (code, detail, constraint…). */
function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = { message: error.message, name: error.name };
  for (const [key, value] of Object.entries(error))
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  return fields;
}

const reply = (message: ThreadReply) => port.postMessage(message);

/** An open transaction: its PGlite handle, and how to end it. */
interface Open {
  tx: Transaction;
  end(commit: boolean, id: number): void;
}
const open = new Map<number, Open>();
let nextTransaction = 1;
/** Thrown inside a transaction whose owner asked for a rollback. */
const rollback = Symbol('rollback');

try {
  const db = await createPglite(dir);
  port.on('message', (request: ThreadRequest) => {
    const { id } = request;
    switch (request.op) {
      case 'query': {
        const target = request.tx === undefined ? db : open.get(request.tx)?.tx;
        if (!target) {
          reply({ id, error: { message: 'the transaction has ended' } });
          return;
        }
        target.query(request.text, request.params).then(
          (r) => reply({ id, rows: r.rows, affectedRows: r.affectedRows ?? 0 }),
          (error: unknown) => reply({ id, error: errorFields(error) }),
        );
        return;
      }
      case 'begin': {
        const transaction = nextTransaction++;
        let endId = -1;
        db.transaction(
          (tx) =>
            new Promise<void>((resolve, reject) => {
              open.set(transaction, {
                tx,
                end(commit, endRequest) {
                  endId = endRequest;
                  if (commit) resolve();
                  else reject(rollback);
                },
              });
              reply({ id, transaction });
            }),
        )
          .then(
            () => reply({ id: endId, rows: [], affectedRows: 0 }),
            (error: unknown) =>
              error === rollback
                ? reply({ id: endId, rows: [], affectedRows: 0 })
                : // A failed begin has no end request yet: the begin itself is answered.
                  reply({ id: endId >= 0 ? endId : id, error: errorFields(error) }),
          )
          .finally(() => open.delete(transaction));
        return;
      }
      case 'end': {
        const transaction = open.get(request.tx);
        if (!transaction) reply({ id, error: { message: 'the transaction has ended' } });
        else transaction.end(request.commit, id);
        return;
      }
      case 'close':
        db.close().then(
          () => reply({ id, rows: [], affectedRows: 0 }),
          (error: unknown) => reply({ id, error: errorFields(error) }),
        );
        return;
    }
  });
  reply({ id: 0, rows: [], affectedRows: 0 });
} catch (error) {
  reply({ id: 0, error: errorFields(error) });
}
