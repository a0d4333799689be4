import type { AuditLog } from '../audit/log.ts';
import type { AlertPolicy } from '../config.ts';
import type { LiveRun } from '../detection/live.ts';
import { AppError } from '../errors.ts';
import type { ListService } from '../lists/service.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { Sql } from '../platform/sql.ts';
import type { EventStream } from '../platform/stream.ts';
import type { DeviceBlocklist, SuspensionStore } from './actions-store.ts';
import { alertDigest, contentForm, evidenceUpdatedAction } from './digest.ts';
import type { AlertInput, AlertQuery, AlertStore } from './store.ts';
import type { StoredAlert } from './types.ts';
import { seesOwnersAnswer } from './visibility.ts';

/**
 * Alerts upserted per statement: small, since the embedded records store runs on the event loop
 * (it gives the event loop a turn after each statement).
 */
const UPSERT_CHUNK = 200;

/** The IMEIs an alert's SIM was seen in: its main one and those in the evidence. */
function imeisOf(alert: StoredAlert): string[] {
  const seen = Array.isArray(alert.evidence.imeis) ? alert.evidence.imeis : [];
  const all = [alert.imei, ...seen].filter((x): x is string => typeof x === 'string' && x.length > 0);
  return [...new Set(all)];
}

/**
 * An alert as a reader confined to `operator` may see it (undefined: a national reader, who sees it
 * whole): the SIM suspension's state, without the owning operator's note (`seesOwnersAnswer`).
 */
function asSeenBy<T extends StoredAlert>(alert: T, operator: string | undefined): T {
  if (seesOwnersAnswer(operator, alert.operator) || alert.suspension?.note == null) return alert;
  return { ...alert, suspension: { ...alert.suspension, note: null } };
}

/** A stored alert with the state of the actions it led to. */
export interface AlertView extends StoredAlert {
  actions: { blocklisted: boolean; deviceBlocked: boolean };
}

/**
 * Alerts and the policy that turns them into actions. The detectors' alerts are stored (one per
 * kind and number); the policy confirms by itself those scoring at or above its threshold and
 * leaves the rest to analysts. Confirming puts the number on the blocklist (source `detection`),
 * asks the owning operator to suspend a SIM-box or fraud-caller SIM, and puts every IMEI a SIM-box
 * SIM was seen in on the device blocklist; dismissing a confirmed alert withdraws what it did.
 */
export function createAlertService(deps: {
  sql: Sql;
  store: AlertStore;
  suspensions: SuspensionStore;
  devices: DeviceBlocklist;
  lists: ListService;
  plan: NumberingPlan;
  ownerOf: (e164: number) => string | null;
  policy: AlertPolicy;
  stream: EventStream;
  audit?: AuditLog;
  onError?: (error: unknown, what: string) => void;
}) {
  const { store, suspensions, devices, lists, plan, policy } = deps;

  const blockReason = (alert: StoredAlert) =>
    `detection alert ${alert.id}: ${alert.kind.replace('_', ' ')} (score ${alert.score})`;

  /** Whether the blocklist entry of a number was put there by this alert. */
  async function blocklistedBy(alert: StoredAlert): Promise<boolean> {
    const { rows } = await deps.sql.query<{ source: string; reason: string }>(
      `select source, reason from list_entries where list = 'blocklist' and number = $1`,
      [alert.msisdn],
    );
    return rows.length > 0 && rows[0].source === 'detection' && rows[0].reason.includes(alert.id);
  }

  async function applyActions(alert: StoredAlert, actor: string): Promise<void> {
    if (policy.blockNumbers)
      await lists.add('blocklist', [{ number: alert.msisdn, reason: blockReason(alert) }], actor, 'detection');
    if (policy.suspendSims && (alert.kind === 'simbox' || alert.kind === 'fraud_caller') && alert.operator) {
      await suspensions.request({
        operator: alert.operator,
        msisdn: alert.msisdn,
        imsi: alert.imsi,
        reason: `${alert.kind === 'simbox' ? 'SIM-box (interconnect bypass)' : 'fraud call-centre'} SIM, alert ${alert.id}`,
        alertId: alert.id,
      });
    }
    if (policy.blockDevices && alert.kind === 'simbox')
      for (const imei of imeisOf(alert)) await devices.add(imei, `SIM-box device, alert ${alert.id}`, alert.id, actor);
  }

  async function withdrawActions(alert: StoredAlert, actor: string): Promise<void> {
    if (await blocklistedBy(alert)) await lists.remove('blocklist', alert.msisdn, actor, `alert ${alert.id} dismissed`);
    await suspensions.cancel(alert.id);
    for (const imei of imeisOf(alert)) await devices.remove(imei, actor, alert.id);
  }

  async function view(alert: StoredAlert): Promise<AlertView> {
    const { rows } = await deps.sql.query(`select 1 from list_entries where list = 'blocklist' and number = $1`, [
      alert.msisdn,
    ]);
    return {
      ...alert,
      actions: { blocklisted: rows.length > 0, deviceBlocked: alert.imei ? await devices.has(alert.imei) : false },
    };
  }

  async function confirm(id: string, actor: string, reason: string): Promise<AlertView> {
    const alert = await store.get(id);
    if (!alert) throw new AppError('NOT_FOUND', 'no such alert');
    if (alert.status === 'confirmed') throw new AppError('CONFLICT', 'the alert is already confirmed');
    // Actions first: each is idempotent, so a failure part-way leaves the alert open to confirm again.
    await applyActions(alert, actor);
    const decided = await store.decide(id, ['open', 'dismissed'], 'confirmed', actor, reason);
    if (!decided) throw new AppError('CONFLICT', 'the alert was decided by someone else meanwhile');
    deps.stream.publish('alerts', { type: 'confirmed', id, kind: alert.kind, msisdn: alert.msisdn, by: actor });
    return view(decided);
  }

  async function dismiss(id: string, actor: string, reason: string): Promise<AlertView> {
    const alert = await store.get(id);
    if (!alert) throw new AppError('NOT_FOUND', 'no such alert');
    if (alert.status === 'dismissed') throw new AppError('CONFLICT', 'the alert is already dismissed');
    const decided = await store.decide(id, ['open', 'confirmed'], 'dismissed', actor, reason);
    if (!decided) throw new AppError('CONFLICT', 'the alert was decided by someone else meanwhile');
    if (alert.status === 'confirmed') await withdrawActions(alert, actor);
    deps.stream.publish('alerts', { type: 'dismissed', id, kind: alert.kind, msisdn: alert.msisdn, by: actor });
    return view(decided);
  }

  /** Alerts a query asks for, as the operator it is confined to (if any) may see them. */
  async function list(q: AlertQuery): Promise<{ items: StoredAlert[]; next: string | null }> {
    const page = await store.list(q);
    return { items: page.items.map((alert) => asSeenBy(alert, q.operator)), next: page.next };
  }

  const autoConfirms = (kind: string, score: number) =>
    kind !== 'anomaly' &&
    policy.autoConfirmAbove !== null &&
    score >= policy.autoConfirmAbove &&
    (policy.autoConfirmKinds as string[]).includes(kind);

  /**
   * Whether the platform may act on an alert by itself: only when its number is no domestic
   * operator's subscriber (a wangiri source abroad, an inbound roamer) or when the data that
   * raised it includes its own operator's. An alert raised only from other operators' CDRs about
   * a domestic operator's subscriber waits for an analyst: one operator's records never block or
   * suspend another's subscribers.
   */
  const ownEvidence = (owner: string | null, reporters: readonly string[]) =>
    owner === null || reporters.includes(owner);

  return {
    /**
     * Stores the alerts of a detection run and applies the policy to new and changed open ones.
     * Each alert it rewrites gets an `alert.evidence_updated` audit entry with its new digest, so a
     * case that cited the alert tells this change from one made outside the platform (digest.ts).
     */
    async recordRun(run: LiveRun): Promise<{ created: number; updated: number; confirmed: number }> {
      /** Whose data raised each alert, and whether that includes the number's own operator. */
      const evidenceOf = new Map<string, boolean>();
      const inputs: AlertInput[] = run.alerts.map((a) => {
        const number = plan.parse(a.msisdn);
        const owner = number >= 0 && plan.isDomestic(number) ? deps.ownerOf(number) : null;
        evidenceOf.set(`${a.kind}\u0000${a.msisdn}`, ownEvidence(owner, a.reporters));
        const operators = [...new Set([...(owner ? [owner] : []), ...a.reporters])].sort();
        return {
          kind: a.kind,
          msisdn: a.msisdn,
          imsi: a.imsi,
          imei: a.imei,
          device: a.device,
          score: a.score,
          evidence: a.evidence,
          firstSeen: a.firstSeen,
          lastSeen: a.lastSeen,
          owner,
          operators,
        };
      });
      let created = 0;
      let updated = 0;
      let confirmed = 0;
      for (let start = 0; start < inputs.length; start += UPSERT_CHUNK) {
        const changed = await store.upsert(inputs.slice(start, start + UPSERT_CHUNK));
        for (const c of changed) {
          if (c.created) created++;
          else {
            updated++;
            // Before anything else can happen to it: an update without its entry reads as tampering.
            await deps.audit?.append({
              actor: 'system',
              role: 'detection',
              action: evidenceUpdatedAction,
              target: c.id,
              details: {
                form: contentForm,
                algorithm: 'SHA-256',
                sha256: alertDigest(c.content),
                score: c.score,
                lastSeen: c.content.lastSeen,
              },
              clientIp: '',
            });
          }
          deps.stream.publish('alerts', {
            type: c.created ? 'raised' : 'updated',
            id: c.id,
            kind: c.kind,
            msisdn: c.msisdn,
            score: c.score,
          });
          if (c.status !== 'open' || !autoConfirms(c.kind, c.score)) continue;
          if (evidenceOf.get(`${c.kind}\u0000${c.msisdn}`) !== true) {
            // Left to an analyst; the audit says why the policy did not act.
            await deps.audit?.append({
              actor: 'system',
              role: 'policy',
              action: 'alert.auto_confirm_withheld',
              target: c.id,
              details: {
                kind: c.kind,
                msisdn: c.msisdn,
                score: c.score,
                why: "no data from the number's own operator",
              },
              clientIp: '',
            });
            continue;
          }
          const reason = `score ${c.score} at or above the auto-confirm threshold ${policy.autoConfirmAbove}`;
          try {
            await confirm(c.id, 'policy', reason);
            confirmed++;
            await deps.audit?.append({
              actor: 'system',
              role: 'policy',
              action: 'alert.auto_confirm',
              target: c.id,
              details: { kind: c.kind, msisdn: c.msisdn, score: c.score },
              clientIp: '',
            });
          } catch (error) {
            deps.onError?.(error, `auto-confirming alert ${c.id}`);
          }
        }
      }
      return { created, updated, confirmed };
    },

    /**
     * Closes the open alerts without new evidence for `quietDays` (dismissed by the system, reason
     * "quiet"; an open alert has no actions to withdraw), each audited and announced.
     */
    async closeQuiet(now: number, quietDays: number): Promise<number> {
      const closed = await store.closeQuiet(new Date(now - quietDays * 86_400_000));
      for (const a of closed) {
        deps.stream.publish('alerts', { type: 'dismissed', id: a.id, kind: a.kind, msisdn: a.msisdn, by: 'system' });
        await deps.audit?.append({
          actor: 'system',
          role: 'policy',
          action: 'alert.closed_quiet',
          target: a.id,
          details: { kind: a.kind, msisdn: a.msisdn, score: a.score, quietDays },
          clientIp: '',
        });
      }
      return closed.length;
    },

    confirm,
    dismiss,

    /** One alert with its actions, or null when unknown or not visible to `operator`. */
    async get(id: string, operator?: string): Promise<AlertView | null> {
      const alert = await store.get(id);
      if (!alert || (operator !== undefined && !alert.operators.includes(operator))) return null;
      return asSeenBy(await view(alert), operator);
    },

    list,
    figures: store.figures,

    /** A number as alerts store it (+E.164), or null when it is not a number. */
    normalise(msisdn: string): string | null {
      const number = plan.parse(msisdn);
      return number < 0 ? null : formatNumber(number);
    },

    /** Alerts about one number (the console's number lookup). */
    async alertsOf(msisdn: string, operatorId?: string): Promise<StoredAlert[]> {
      const number = plan.parse(msisdn);
      if (number < 0) return [];
      const { items } = await list({ msisdn: formatNumber(number), operator: operatorId, limit: 50 });
      return items;
    },
  };
}

export type AlertService = ReturnType<typeof createAlertService>;
