/**
 * Bank incidents of the simulation: some victims a fraud caller kept on the line lose money
 * shortly after the call, and their bank reports it some days later (`POST /v1/bank/incidents`
 * bodies plus `bank` and `reportedAt`, in incidents.jsonl). Drawn from a stream of its own, so
 * the CDRs and the other files stay the same.
 */
import { Random } from './random.ts';
import { type HookedCall, UTC_OFFSET, UTC_OFFSET_HOURS } from './traffic.ts';

/** The simulated banks: ids as the demo registers them, by share of customers. */
export const SIM_BANKS = [
  { id: 'HALYK', name: 'Halyk Bank', share: 0.55 },
  { id: 'KASPI', name: 'Kaspi Bank', share: 0.45 },
] as const;

export interface SimIncident {
  bank: string;
  incidentId: string;
  victim: string;
  /** When the money left, local time. */
  at: string;
  kind: 'transfer' | 'card' | 'loan';
  amount: number;
  currency: 'KZT';
  /** The number the victim named to the bank (not every victim remembers it). */
  suspectNumbers: string[];
  /** When the bank files it, local time: one to five days after the loss. */
  reportedAt: string;
}

/** Share of hooked victims who lose money. */
const LOSS_SHARE = 0.35;

const local = (ms: number) => new Date(ms + UTC_OFFSET_HOURS * 3_600_000).toISOString().slice(0, 19) + UTC_OFFSET;

/** The bank a subscriber banks with (the same for every incident of one victim). */
export function bankOf(victim: string): string {
  let h = 2166136261;
  for (let i = 0; i < victim.length; i++) h = Math.imul(h ^ victim.charCodeAt(i), 16777619);
  const x = (h >>> 0) / 2 ** 32;
  let acc = 0;
  for (const b of SIM_BANKS) {
    acc += b.share;
    if (x < acc) return b.id;
  }
  return SIM_BANKS[SIM_BANKS.length - 1].id;
}

export function bankIncidents(hooked: HookedCall[], seed: number): SimIncident[] {
  const random = new Random((seed ^ 0x62616e6b) >>> 0);
  const incidents: SimIncident[] = [];
  const counters = new Map<string, number>();
  for (const call of hooked) {
    if (!random.chance(LOSS_SHARE)) continue;
    const bank = bankOf(call.victim);
    const n = (counters.get(bank) ?? 0) + 1;
    counters.set(bank, n);
    const lostMs = call.endedMs + random.between(5, 120) * 60_000;
    const kind = random.chance(0.7) ? 'transfer' : random.chance(0.6) ? 'card' : 'loan';
    incidents.push({
      bank,
      incidentId: `${bank.toLowerCase()}-${String(n).padStart(5, '0')}`,
      victim: call.victim,
      at: local(lostMs),
      kind,
      amount: Math.round(random.logNormal(250_000, 0.9) / 1000) * 1000 || 1000,
      currency: 'KZT',
      suspectNumbers: random.chance(0.6) ? [call.caller] : [],
      reportedAt: local(lostMs + random.between(1, 5) * 86_400_000 + random.int(8 * 3600) * 1000),
    });
  }
  return incidents;
}
