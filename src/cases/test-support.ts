/**
 * A hand-made investigation data set a reader can check by eye, for the cases tests and the
 * console's browser tests:
 *
 *   SIM-box A (IMEI 350000000000011) in cell ALA-001, 1–2 March 2026, Kcell SIMs:
 *     +77011110001 / IMSI 401020000000001
 *     +77011110002 / IMSI 401020000000002
 *     +77011110003 / IMSI 401020000000003   — rotated on 5 March into box B
 *   the same box A also held a Beeline SIM (Beeline's CDRs, cell BEE-01, 2 March):
 *     +77051110005 / IMSI 401770000000005
 *   SIM-box B (IMEI 350000000000022) in cell ALA-003, 5–6 March:
 *     +77011110003 / IMSI 401020000000003
 *     +77011110004 / IMSI 401020000000004
 *   a legitimate phone co-located with box A (cell ALA-001, 1 March):
 *     +77015550000 / IMSI 401020000005555 / IMEI 355555555555555
 *   an unrelated phone elsewhere (cell AST-009): +77019990000 / IMSI 401020000009999 / IMEI 359999999999999
 *
 * Alerts: SIM-box alerts on +77011110001 (device box-A) and +77011110004 (device box-B).
 * A citizen report about +77011110002.
 */
import assert from 'node:assert/strict';
import type { Sql } from '../platform/sql.ts';
import type { TestApp } from '../platform/test-app.ts';

export const boxA = '350000000000011';
export const boxB = '350000000000022';

const header = 'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered';

function calls(
  operator: string,
  prefix: string,
  msisdn: string,
  imsi: string,
  imei: string,
  cell: string,
  day: string,
  count: number,
  hour = 9,
): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const minute = String(i * 7).padStart(2, '0');
    lines.push(
      `${prefix}-${msisdn.slice(-7)}-${day}-${i},${operator},voice,out,${msisdn},+7702${String(1000000 + i * 13 + Number(msisdn.slice(-4))).slice(-7)},${imsi},${imei},${cell},${day}T${String(hour).padStart(2, '0')}:${minute}:00+05:00,20,1`,
    );
  }
  return lines;
}

/** Kcell's CDR file of the data set. */
export const kcellCdrs = [
  header,
  ...calls('KCELL', 'k', '+77011110001', '401020000000001', boxA, 'ALA-001', '2026-03-01', 5),
  ...calls('KCELL', 'k', '+77011110001', '401020000000001', boxA, 'ALA-001', '2026-03-02', 3),
  ...calls('KCELL', 'k', '+77011110002', '401020000000002', boxA, 'ALA-001', '2026-03-01', 4),
  ...calls('KCELL', 'k', '+77011110003', '401020000000003', boxA, 'ALA-001', '2026-03-02', 2),
  ...calls('KCELL', 'k', '+77011110003', '401020000000003', boxB, 'ALA-003', '2026-03-05', 3),
  ...calls('KCELL', 'k', '+77011110004', '401020000000004', boxB, 'ALA-003', '2026-03-06', 4),
  ...calls('KCELL', 'k', '+77015550000', '401020000005555', '355555555555555', 'ALA-001', '2026-03-01', 2, 14),
  ...calls('KCELL', 'k', '+77019990000', '401020000009999', '359999999999999', 'AST-009', '2026-03-01', 2),
].join('\n');

/** Beeline's CDR file of the data set. */
export const beelineCdrs = [
  header,
  ...calls('BEELINE', 'b', '+77051110005', '401770000000005', boxA, 'BEE-01', '2026-03-02', 3),
].join('\n');

export const cellsCsv = [
  'cell_id,lat,lon,region',
  'ALA-001,43.2389,76.8897,Almaty',
  'ALA-003,43.2567,76.9286,Almaty',
  'BEE-01,43.2401,76.8950,Almaty',
  'AST-009,51.1694,71.4491,Astana',
].join('\n');

/** Alerts and a report, written straight into the records (detection would need far more traffic). */
export async function insertAlertsAndReports(sql: Sql): Promise<{ alertA: string; alertB: string; report: string }> {
  const evidence = JSON.stringify({ features: [], rules: ['many SIMs on one IMEI'], deviceSims: 3 });
  await sql.query(
    `insert into alerts (id, kind, msisdn, imsi, imei, device, score, evidence, first_seen, last_seen, owner_operator, operators)
     values ('alr_boxA1', 'simbox', '+77011110001', '401020000000001', $1, 'box-A', 0.97, $3, '2026-03-01T04:00:00Z', '2026-03-02T05:00:00Z', 'KCELL', '{KCELL}'),
            ('alr_boxB4', 'simbox', '+77011110004', '401020000000004', $2, 'box-B', 0.91, $3, '2026-03-06T04:00:00Z', '2026-03-06T05:00:00Z', 'KCELL', '{KCELL}')`,
    [boxA, boxB, evidence],
  );
  await sql.query(
    `insert into reports (id, number, channel, category, text, at, source, reporter_key)
     values ('rep_1', '+77011110002', 'call', 'bank', 'Звонили «из банка», просили код из SMS', '2026-03-01T06:00:00Z', 'web', 'test-reporter')`,
  );
  return { alertA: 'alr_boxA1', alertB: 'alr_boxB4', report: 'rep_1' };
}

/** Uploads Kcell's and Beeline's CDRs of the data set above through POST /v1/cdr; none is quarantined. */
export async function uploadCaseCdrs(t: TestApp): Promise<void> {
  for (const [operator, file] of [
    ['KCELL', kcellCdrs],
    ['BEELINE', beelineCdrs],
  ]) {
    const r = await t.request('POST', '/v1/cdr', {
      token: await t.keyFor(operator),
      raw: file,
      contentType: 'text/csv',
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((r.json() as { quarantined: number }).quarantined, 0, r.body);
  }
}
