import type { Sql } from '../platform/sql.ts';

export interface Operator {
  id: string;
  name: string;
  participating: boolean;
  createdAt: string;
}

interface OperatorRow {
  id: string;
  name: string;
  participating: boolean;
  created_at: Date | string;
}

const toOperator = (r: OperatorRow): Operator => ({
  id: r.id,
  name: r.name,
  participating: r.participating,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * Operators in the records store, mirrored in memory for the hot path (participation is read
 * on every verify). Operators of the numbering plan are created at first start.
 */
export async function createOperatorRegistry(
  sql: Sql,
  planOperators: { id: string; name: string; participating: boolean }[],
) {
  for (const o of planOperators) {
    await sql.query('insert into operators (id, name, participating) values ($1, $2, $3) on conflict (id) do nothing', [
      o.id,
      o.name,
      o.participating,
    ]);
  }
  const byId = new Map<string, Operator>();
  const reload = async () => {
    const { rows } = await sql.query<OperatorRow>('select * from operators order by id');
    byId.clear();
    for (const r of rows) byId.set(r.id, toOperator(r));
  };
  await reload();
  return {
    get: (id: string) => byId.get(id),
    list: () => [...byId.values()],
    isParticipating: (id: string) => byId.get(id)?.participating ?? false,
    reload,
    async create(o: { id: string; name: string; participating: boolean }): Promise<Operator | null> {
      const { rows } = await sql.query<OperatorRow>(
        'insert into operators (id, name, participating) values ($1, $2, $3) on conflict (id) do nothing returning *',
        [o.id, o.name, o.participating],
      );
      if (rows.length === 0) return null;
      const operator = toOperator(rows[0]);
      byId.set(operator.id, operator);
      return operator;
    },
    async update(id: string, patch: { name?: string; participating?: boolean }): Promise<Operator | null> {
      const { rows } = await sql.query<OperatorRow>(
        'update operators set name = coalesce($2, name), participating = coalesce($3, participating) where id = $1 returning *',
        [id, patch.name ?? null, patch.participating ?? null],
      );
      if (rows.length === 0) return null;
      const operator = toOperator(rows[0]);
      byId.set(operator.id, operator);
      return operator;
    },
  };
}

export type OperatorRegistry = Awaited<ReturnType<typeof createOperatorRegistry>>;
