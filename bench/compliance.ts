/**
 * Screening coverage (DESIGN.md §3.1): how fast incoming CDRs are joined against the verifies the
 * operators made (same a, b, time ±120 s), through the same path as the server (decisions folded
 * into the per-minute index, CDR batches decoded from the ingest stream's encoding and joined).
 */
import { CdrBatch } from '../src/cdr/batch.ts';
import { DIRECTION_IN, EVENT_VOICE, OTHER_E164, ROUTE_DOMESTIC, ROUTE_INTERNATIONAL } from '../src/cdr/types.ts';
import { loadCalendar } from '../src/compliance/calendar.ts';
import { createComplianceService } from '../src/compliance/service.ts';
import type { ComplianceStore } from '../src/compliance/store.ts';
import { encodeBatch } from '../src/ingest/codec.ts';
import type { Decision } from '../src/screening/types.ts';

const OPERATORS = ['KCELL', 'BEELINE', 'TELE2', 'ALTEL'];
const CALLS = 2_000_000;
const SCREENED = 0.8;
const BATCH_ROWS = 8192;

export async function benchCompliance(): Promise<Record<string, number | string>> {
  const start = Date.now() - 20 * 3_600_000;
  // Calls spread over 12 hours, a little more than 46 a second.
  const timeOf = (i: number) => start + Math.floor((i * 12 * 3_600_000) / CALLS);
  const caller = (i: number) => 77010000000 + ((i * 7919) % 90_000_000);
  const callee = (i: number) => 77770000000 + ((i * 104_729) % 90_000_000);
  const service = createComplianceService({
    store: {} as ComplianceStore,
    calendar: loadCalendar(),
    operators: () => OPERATORS.map((id) => ({ id, name: id })),
    deadlineSetting: '2WD',
    clock: () => Date.now(),
    onError: () => {},
  });

  // The decisions of the screened calls, in batches as the stream delivers them.
  const decisions: Decision[][] = [];
  let batch: Decision[] = [];
  for (let i = 0; i < CALLS; i++) {
    if ((i * 2654435761) % 1000 >= SCREENED * 1000) continue;
    batch.push({
      decisionId: '',
      callId: '',
      operator: OPERATORS[i % OPERATORS.length],
      a: `+${caller(i)}`,
      b: `+${callee(i)}`,
      ingress: 'international',
      at: new Date(timeOf(i) + 20_000).toISOString(),
      decidedAt: '',
      verdict: 'allow',
      reasons: [],
      shadow: false,
      latencyUs: 0,
    });
    if (batch.length === 1000) {
      decisions.push(batch);
      batch = [];
    }
  }
  if (batch.length) decisions.push(batch);
  const verifies = decisions.reduce((n, b) => n + b.length, 0);

  // The CDRs of every call, encoded as the ingest path publishes them.
  const payloads: Uint8Array[] = [];
  for (let first = 0; first < CALLS; first += BATCH_ROWS) {
    const rows = Math.min(BATCH_ROWS, CALLS - first);
    const b = new CdrBatch(rows);
    const ops = OPERATORS.map((o) => b.intern(o));
    for (let k = 0; k < rows; k++) {
      const i = first + k;
      b.event[k] = EVENT_VOICE;
      b.direction[k] = DIRECTION_IN;
      b.route[k] = i % 3 === 0 ? ROUTE_DOMESTIC : ROUTE_INTERNATIONAL;
      b.otherKind[k] = OTHER_E164;
      b.msisdn[k] = callee(i);
      b.otherParty[k] = caller(i);
      b.startedAt[k] = timeOf(i);
      b.operator[k] = ops[i % OPERATORS.length];
      b.cell[k] = -1;
      b.imsi[k] = -1;
      b.imei[k] = -1;
    }
    b.size = rows;
    payloads.push(encodeBatch(b));
  }

  const heapBefore = process.memoryUsage().heapUsed;
  let t0 = performance.now();
  for (const d of decisions) service.addDecisions(d);
  const verifyMs = performance.now() - t0;
  const indexed = service.stats();
  t0 = performance.now();
  for (const p of payloads) service.addPayload(p, 'upl_bench');
  const joinMs = performance.now() - t0;
  const deltas = service.join.takeDeltas();
  const calls = deltas.reduce((n, d) => n + d.calls, 0);
  const screened = deltas.reduce((n, d) => n + d.screened, 0);
  return {
    'CDRs joined': calls,
    'verifies indexed': verifies,
    'screened (expected ≈ 80 %)': `${((screened / calls) * 100).toFixed(2)} %`,
    'verifies folded into the index /s': Math.round(verifies / (verifyMs / 1000)),
    'CDRs joined against verifies /s (decode + join)': Math.round(calls / (joinMs / 1000)),
    'index bytes per verify (typed tables)': Math.round(indexed.bytes / Math.max(1, indexed.keys)),
    'heap growth while folding, MB': Math.round((process.memoryUsage().heapUsed - heapBefore) / 1_048_576),
  };
}
