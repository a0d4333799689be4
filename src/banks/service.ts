/**
 * Banks in the loop (DESIGN.md §3.1): incidents and their escalation, customers kept as keyed
 * hashes, and potential-victim warnings raised from the decisions stream (never on the call path).
 */
import { createHash } from 'node:crypto';
import type { AlertService } from '../alerts/service.ts';
import type { AuditLog } from '../audit/log.ts';
import type { LiveRun } from '../detection/live.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import { callerOf, decisionColumns, VERDICT_BLOCK } from '../screening/decision-columns.ts';
import type { ReputationIndex } from '../screening/reputation.ts';
import { type Decision, reasonBit } from '../screening/types.ts';
import type { EventBody, Webhooks } from '../webhooks/module.ts';
import type { WebhookOwner } from '../webhooks/store.ts';
import type { BankStore, Incident } from './store.ts';

const DAY = 86_400_000;
/** Score of an alert raised by incidents alone: below the default auto-confirm threshold, so an analyst decides. */
export const ESCALATION_SCORE = 0.9;
/** A warning about the same caller and subscriber is sent once in this long. */
const WARNING_REPEAT_MS = 3_600_000;
const WARNING_MEMORY = 100_000;
/** Warnings are gathered this long, then stored together. */
const WARNING_FLUSH_MS = 200;
/** Incidents name suspects for this long in the warning hook. */
const SUSPECT_DAYS = 90;
/** Reasons that name the caller as a known fraud one: a decision with either may warn (`warningReasons`). */
const LISTED = reasonBit('BLOCKLISTED_CLI') | reasonBit('REPORTED_CLI');

export type WarningReason = 'CONFIRMED_FRAUD' | 'HIGH_RISK' | 'INCIDENT_CONTACT';

export function createBankService(deps: {
  store: BankStore;
  plan: NumberingPlan;
  reputation: ReputationIndex;
  alerts: Pick<AlertService, 'recordRun' | 'alertsOf' | 'list'>;
  /** Whether citizens reported the number (a report that still counts). */
  citizenReports: (number: string) => boolean;
  ownerOf: (e164: number) => string | null;
  hashSubscriber: (number: string) => string;
  webhooks: Webhooks;
  audit?: AuditLog;
  clock: () => number;
  onError: (error: unknown, what: string) => void;
}) {
  const { store, plan, clock } = deps;
  const suspects = new Set<string>();
  const confirmedAlerts = new Set<string>();
  const recentWarnings = new Map<string, number>();
  let warningsQueued = 0;

  async function reload(): Promise<void> {
    const since = new Date(clock() - SUSPECT_DAYS * DAY);
    const names = await store.suspectNumbers(since);
    suspects.clear();
    for (const n of names) suspects.add(n);
    const escalated = new Set<string>();
    for (const e of await store.escalations()) {
      escalated.add(e.number);
      const n = plan.parse(e.number);
      if (n >= 0) deps.reputation.escalate(n);
    }
    // Citizens may report a number after a bank named it: escalate it now (unless an analyst dismissed it).
    for (const n of suspects)
      if (!escalated.has(n) && deps.citizenReports(n)) await considerEscalation(n, { unlessDismissed: true });
    const confirmed = await deps.alerts.list({ status: 'confirmed', limit: 10_000 });
    confirmedAlerts.clear();
    for (const a of confirmed.items) confirmedAlerts.add(a.msisdn);
  }

  function normalise(input: string): string | null {
    const n = plan.parse(input);
    return n < 0 ? null : formatNumber(n);
  }

  /**
   * Escalates a number seen in incidents of two banks, or in one incident and in citizens'
   * reports: a fraud_caller alert with the incidents as evidence (joined to the number's existing
   * one) and public risk high. Returns whether it escalated. A new incident escalates again after
   * an analyst dismissed the alert; the periodic look (`unlessDismissed`) does not.
   */
  async function considerEscalation(number: string, options: { unlessDismissed?: boolean } = {}): Promise<boolean> {
    const incidents = await store.incidentsNaming(number);
    const banks = [...new Set(incidents.map((i) => i.bank))].sort();
    let rule: string;
    if (banks.length >= 2) rule = `named in incidents of ${banks.length} banks (${banks.join(', ')})`;
    else if (banks.length === 1 && deps.citizenReports(number))
      rule = `named in an incident of ${banks[0]} and reported by citizens`;
    else return false;

    const evidenceIncidents = incidents.slice(0, 50).map((i) => ({
      bank: i.bank,
      incidentId: i.incidentId,
      at: i.at,
      kind: i.kind,
      ...(i.amount !== undefined ? { amount: i.amount, currency: i.currency } : {}),
    }));
    const existing = (await deps.alerts.alertsOf(number)).find((a) => a.kind === 'fraud_caller');
    if (options.unlessDismissed && existing?.status === 'dismissed') return false;
    const times = incidents.map((i) => Date.parse(i.at));
    const run: LiveRun = {
      alerts: [
        {
          kind: 'fraud_caller',
          msisdn: number,
          score: Math.max(existing?.score ?? 0, ESCALATION_SCORE),
          evidence: {
            ...(existing?.evidence ?? {}),
            features: existing?.evidence.features ?? [],
            rules: [...(existing?.evidence.rules ?? []).filter((r) => !r.startsWith('named in ')), rule],
            incidents: evidenceIncidents,
          },
          firstSeen: new Date(Math.min(...times)).toISOString(),
          // Now, so the upsert sees a change and stores the incidents on an existing alert too.
          lastSeen: new Date(Math.max(clock(), ...times)).toISOString(),
          reporters: [],
        },
      ],
      cdrs: 0,
      sims: 0,
      imeis: 0,
      sources: 0,
      evicted: 0,
      tookMs: 0,
    };
    await deps.alerts.recordRun(run);
    const alert = (await deps.alerts.alertsOf(number)).find((a) => a.kind === 'fraud_caller');
    await store.saveEscalation({ number, alertId: alert?.id ?? null, reason: rule, incidents: evidenceIncidents });
    const n = plan.parse(number);
    if (n >= 0) deps.reputation.escalate(n);
    await deps.audit?.append({
      actor: 'system',
      role: 'policy',
      action: 'bank.escalation',
      target: number,
      details: { rule, alertId: alert?.id ?? null, incidents: evidenceIncidents.length },
      clientIp: '',
    });
    return true;
  }

  /** Numbers of an incident that count as seen in it. */
  const seenIn = (i: Incident) => [...new Set([...i.suspectNumbers, ...i.markedSuspects])];

  async function afterIncident(i: Incident): Promise<void> {
    for (const n of seenIn(i)) {
      suspects.add(n);
      await considerEscalation(n);
    }
  }

  /**
   * Why letting this decision through may have made a victim, or nothing. Screening already looked
   * the caller up (BLOCKLISTED_CLI for the blocklist, REPORTED_CLI for a high-risk reputation), so
   * only the confirmed alerts and the incidents' suspects are looked up here: a few set lookups
   * per decision, nothing parsed.
   */
  function warningReasons(d: Decision): WarningReason[] | null {
    const caller = callerOf(d);
    const blocklisted = d.reasons.includes('BLOCKLISTED_CLI');
    const reported = d.reasons.includes('REPORTED_CLI');
    const confirmed = blocklisted || confirmedAlerts.has(caller);
    const suspect = suspects.has(caller);
    if (!confirmed && !reported && !suspect) return null;
    const reasons: WarningReason[] = [];
    if (confirmed) reasons.push('CONFIRMED_FRAUD');
    if (reported) reasons.push('HIGH_RISK');
    if (suspect) reasons.push('INCIDENT_CONTACT');
    return reasons;
  }

  type Candidate = { d: Decision; caller: string; msisdn: string; b: number; reasons: WarningReason[]; key: string };
  let pending: Candidate[] = [];
  let nextFlush: Promise<void> | null = null;

  /** Queues the candidates gathered since the last flush: one customers query and one insert for all. */
  async function flushCandidates(): Promise<void> {
    const candidates = pending;
    pending = [];
    if (candidates.length === 0) return;
    const hashes = candidates.map((c) => deps.hashSubscriber(c.msisdn));
    const banksOf = await store.banksOf([...new Set(hashes)]);
    const events: { body: EventBody; recipients: WebhookOwner[] }[] = [];
    const keys: string[] = [];
    for (const [i, c] of candidates.entries()) {
      const owner = deps.ownerOf(c.b);
      const recipients: WebhookOwner[] = [
        ...(owner ? [{ kind: 'operator' as const, id: owner }] : []),
        ...(banksOf.get(hashes[i]) ?? []).map((id) => ({ kind: 'bank' as const, id })),
      ];
      if (!deps.webhooks.subscribed(recipients, 'potential_victim')) {
        recentWarnings.delete(c.key);
        continue;
      }
      keys.push(c.key);
      events.push({
        body: {
          id: `evt_${createHash('sha256').update(c.d.decisionId).digest('hex').slice(0, 24)}`,
          event: 'potential_victim',
          msisdn: c.msisdn,
          number: c.caller,
          at: c.d.at,
          reasons: c.reasons,
        },
        recipients,
      });
    }
    try {
      warningsQueued += await deps.webhooks.publish(events);
    } catch (error) {
      for (const key of keys) recentWarnings.delete(key);
      throw error;
    }
  }

  /**
   * Warnings for a batch of decisions: the in-memory checks pick the few candidates, which are
   * queued together every WARNING_FLUSH_MS (a statement per warning would cost the embedded store
   * more than the calls). Resolves once this batch's warnings are stored, so a grouped stream
   * subscription acknowledges them only then; a batch without candidates resolves at once.
   */
  function onDecisions(decisions: Decision[]): Promise<void> | undefined {
    const now = clock();
    let any = false;
    // Most decisions are neither of a listed caller nor of a watched one: those are passed over on
    // the batch's columns, without reading the decision.
    const { size, verdict, reasons: reasonBits } = decisionColumns(decisions);
    const watching = confirmedAlerts.size > 0 || suspects.size > 0;
    for (let i = 0; i < size; i++) {
      if (verdict[i] === VERDICT_BLOCK || (!watching && !(reasonBits[i] & LISTED))) continue;
      const d = decisions[i];
      const reasons = warningReasons(d);
      if (!reasons) continue;
      const a = plan.parse(callerOf(d));
      if (a < 0) continue;
      const caller = formatNumber(a);
      const b = plan.parse(d.b);
      if (b < 0) continue;
      const msisdn = formatNumber(b);
      const key = `${caller}|${msisdn}`;
      const last = recentWarnings.get(key);
      if (last !== undefined && now - last < WARNING_REPEAT_MS) continue;
      if (recentWarnings.size >= WARNING_MEMORY) recentWarnings.clear();
      recentWarnings.set(key, now);
      pending.push({ d, caller, msisdn, b, reasons, key });
      any = true;
    }
    if (!any) return undefined;
    nextFlush ??= new Promise<void>((resolve) => setTimeout(resolve, WARNING_FLUSH_MS)).then(() => {
      nextFlush = null;
      return flushCandidates();
    });
    return nextFlush;
  }

  return {
    /** Stores the warnings gathered so far (at a clean stop). */
    async close(): Promise<void> {
      await nextFlush?.catch(() => {});
    },
    reload,
    normalise,
    considerEscalation,
    afterIncident,
    onDecisions,
    warningReasons,
    warningsQueued: () => warningsQueued,
    isSuspect: (number: string) => suspects.has(number),

    /**
     * Applies `alerts` stream events: the confirmed set, and an analyst's dismissal of a
     * fraud_caller alert withdraws the escalation (a later incident may raise it again).
     */
    async onAlertEvents(events: { type: string; kind?: string; msisdn: string }[]): Promise<void> {
      for (const e of events) {
        if (e.type === 'confirmed') confirmedAlerts.add(e.msisdn);
        else if (e.type === 'dismissed') {
          confirmedAlerts.delete(e.msisdn);
          if (e.kind === 'fraud_caller' && (await store.removeEscalation(e.msisdn))) {
            const n = plan.parse(e.msisdn);
            if (n >= 0) deps.reputation.escalate(n, false);
          }
        }
      }
    },

    /** Which of these numbers the bank registered among its customers (compared by keyed hash). */
    async customersAmong(bank: string, numbers: string[]): Promise<Set<string>> {
      const hashes = new Map<string, string>();
      for (const n of new Set(numbers)) hashes.set(deps.hashSubscriber(n), n);
      const banksOf = await store.banksOf([...hashes.keys()]);
      const out = new Set<string>();
      for (const [hash, number] of hashes) if (banksOf.get(hash)?.includes(bank)) out.add(number);
      return out;
    },

    async updateCustomers(bank: string, add: string[], remove: string[]): Promise<{ added: number; removed: number }> {
      const addHashes = add.map((n) => deps.hashSubscriber(n));
      const removeHashes = remove.map((n) => deps.hashSubscriber(n));
      const added = await store.addCustomers(bank, addHashes);
      const removed = await store.removeCustomers(bank, removeHashes);
      return { added, removed };
    },
  };
}

export type BankService = ReturnType<typeof createBankService>;
