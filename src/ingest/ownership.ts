import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Sql } from '../platform/sql.ts';

/** Quarantine reason code of a row whose served subscriber the uploader did not serve. */
export const NOT_OPERATOR_SUBSCRIBER = 'NOT_OPERATOR_SUBSCRIBER';

/** One change of a number's MNP entry: from `from` on, `operator` served it (null: the range owner). */
export interface PortChange {
  operator: string | null;
  from: number;
}

/** The MNP changes of some numbers, oldest first per number. */
export type PortHistory = (numbers: number[]) => Promise<Map<number, PortChange[]>>;

/** The MNP history of the records store (migrations/070_mnp_history.sql). */
export function sqlPortHistory(sql: Sql, plan: NumberingPlan): PortHistory {
  return async (numbers) => {
    const out = new Map<number, PortChange[]>();
    if (numbers.length === 0) return out;
    const { rows } = await sql.query<{ msisdn: string; operator_id: string | null; valid_from: Date | string }>(
      `select msisdn, operator_id, valid_from from mnp_history where msisdn = any($1::text[]) order by valid_from, id`,
      [numbers.map(formatNumber)],
    );
    for (const r of rows) {
      const n = plan.parse(r.msisdn);
      let list = out.get(n);
      if (!list) {
        list = [];
        out.set(n, list);
      }
      list.push({ operator: r.operator_id, from: new Date(r.valid_from).getTime() });
    }
    return out;
  };
}

/** A row the uploader may not send: its index in the batch and the reason. */
export interface ForeignRow {
  row: number;
  reason: string;
}

/**
 * Whose subscriber a CDR's served number is. A domestic number must be the uploading operator's
 * subscriber — now (numbering plan + MNP), or at the row's time by the MNP history (a number
 * ported away since) — else the row is refused: one operator's records about another's
 * subscribers would let it raise alerts, blocks and suspension requests against them. A foreign
 * number is kept: an inbound roamer is served by the visited operator, and the alert policy never
 * lets such data alone act on a domestic operator's subscriber.
 */
export function createSubscriberOwnership(deps: {
  plan: NumberingPlan;
  /** Current owner of a number (MNP entry if ported, else the range owner); the plan's range owner when not given. */
  ownerOf?: (e164: number) => string | null;
  /** The MNP history; without it, only the current owner counts. */
  portHistory?: PortHistory;
}) {
  const { plan } = deps;
  const ownerOf = deps.ownerOf ?? ((n: number) => plan.rangeOwner(n));

  function ownerAt(changes: PortChange[] | undefined, range: string | null, at: number): string | null {
    if (!changes || changes.length === 0) return null;
    let owner: string | null = range;
    for (const c of changes) {
      if (c.from > at) break;
      owner = c.operator ?? range;
    }
    return owner;
  }

  return {
    /**
     * The rows among `rows` whose served subscriber `expected(row)` did not serve, with the
     * reason each is refused. `msisdn` and `at` give each row's number and time.
     */
    async foreignRows(
      rows: ArrayLike<number>,
      msisdn: ArrayLike<number>,
      at: ArrayLike<number>,
      expected: (row: number) => string,
    ): Promise<ForeignRow[]> {
      const suspects: number[] = [];
      for (let k = 0; k < rows.length; k++) {
        const i = rows[k];
        const n = msisdn[i];
        if (!plan.isDomestic(n)) continue;
        if (ownerOf(n) !== expected(i)) suspects.push(i);
      }
      if (suspects.length === 0) return [];
      const history = deps.portHistory ? await deps.portHistory([...new Set(suspects.map((i) => msisdn[i]))]) : null;
      const out: ForeignRow[] = [];
      for (const i of suspects) {
        const n = msisdn[i];
        const uploader = expected(i);
        const now = ownerOf(n);
        if (history && ownerAt(history.get(n), plan.rangeOwner(n), at[i]) === uploader) continue;
        const number = formatNumber(n);
        out.push({
          row: i,
          reason:
            now === null
              ? `${NOT_OPERATOR_SUBSCRIBER}: ${number} is not allocated to any operator`
              : `${NOT_OPERATOR_SUBSCRIBER}: ${number} is served by ${now} (numbering plan and MNP), not by ${uploader}`,
        });
      }
      return out;
    },
  };
}

export type SubscriberOwnership = ReturnType<typeof createSubscriberOwnership>;
