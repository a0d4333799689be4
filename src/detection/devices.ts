import { digitString } from '../cdr/batch.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { Alert } from './detectors.ts';
import type { FeatureStore } from './features.ts';

/**
 * Grouping of alerted SIMs into devices and farms: SIMs that share an IMEI are in one device
 * (a SIM-box module takes many SIMs in turn), and alerted SIMs of the same kind whose main cell
 * is the same are one farm (a box of several modules, a call-centre room). SIMs found on an
 * alerted box's IMEIs that were not alerted themselves — rotated in, with too little traffic yet
 * for the model — are alerted too when they behave like the box (outgoing-only voice).
 */

class UnionFind {
  private readonly parent = new Map<number, number>();
  find(x: number): number {
    let root = this.parent.get(x) ?? x;
    if (root === x) {
      if (!this.parent.has(x)) this.parent.set(x, x);
      return x;
    }
    root = this.find(root);
    this.parent.set(x, root);
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(Math.max(ra, rb), Math.min(ra, rb));
  }
}

/**
 * A SIM rotated into a box's module may have made only a call or two before the window ended:
 * it is alerted with the box when its voice is mostly outgoing and the IMEI is a multi-SIM device.
 */
const ROTATED_MIN_OUT = 1;
const ROTATED_MIN_OUT_SHARE = 0.6;
const ROTATED_MIN_SIMS_ON_IMEI = 3;

/**
 * Sets `device` on the alerts (mutating them) and returns the alerts added for rotated SIMs.
 */
export function groupDevices(store: FeatureStore, alerts: Alert[]): Alert[] {
  const added: Alert[] = [];
  const byMsisdn = new Map<number, Alert>();
  for (const a of alerts) if (a.kind !== 'wangiri') byMsisdn.set(Number(a.msisdn.slice(1)), a);
  // Rotated SIMs: other SIMs seen on the multi-SIM IMEIs of alerted SIM-box SIMs. The box's SIMs
  // (alerted, or seen on those IMEIs) call each other to fake incoming calls: those calls are set
  // aside when judging whether a rotated SIM's voice is outgoing.
  const boxSims = new Set<number>();
  for (const [msisdn, alert] of byMsisdn) {
    if (alert.kind !== 'simbox') continue;
    boxSims.add(msisdn);
    for (const imei of store.sims.get(msisdn)?.imeis ?? []) {
      const device = store.imeis.get(imei);
      if (device && device.simCount() + device.simsOverflow >= ROTATED_MIN_SIMS_ON_IMEI)
        for (const other of device.simList()) boxSims.add(other);
    }
  }
  for (const [msisdn, alert] of [...byMsisdn]) {
    if (alert.kind !== 'simbox') continue;
    const sim = store.sims.get(msisdn);
    if (!sim) continue;
    for (const imei of sim.imeis) {
      const device = store.imeis.get(imei);
      if (!device || device.simCount() + device.simsOverflow < ROTATED_MIN_SIMS_ON_IMEI) continue;
      for (const other of device.simList()) {
        if (byMsisdn.has(other)) continue;
        const otherSim = store.sims.get(other);
        if (!otherSim) continue;
        let fromBox = 0;
        for (const [caller, n] of otherSim.callerCounts.counts)
          if (caller !== other && boxSims.has(caller)) fromBox += n;
        const outsideIn = Math.max(0, otherSim.voiceIn - fromBox);
        const outgoing =
          otherSim.voiceOut >= ROTATED_MIN_OUT &&
          otherSim.voiceOut / (otherSim.voiceOut + outsideIn) >= ROTATED_MIN_OUT_SHARE;
        // Or a SIM whose only calls came from the box's own SIMs (faked incoming calls).
        const internal = otherSim.voiceOut === 0 && otherSim.voiceIn > 0 && outsideIn === 0;
        if (!outgoing && !internal) continue;
        const rotated: Alert = {
          kind: 'simbox',
          msisdn: formatNumber(other),
          ...(otherSim.imsi >= 0 ? { imsi: digitString(otherSim.imsi, otherSim.imsiDigits) } : {}),
          imei: digitString(imei, device.digits),
          score: Math.round(alert.score * 0.9 * 1000) / 1000,
          evidence: {
            features: [],
            rules: [
              `rotated into the IMEI of alerted SIM-box SIM ${alert.msisdn}`,
              internal
                ? 'only called by the box’s own SIMs'
                : fromBox > 0
                  ? 'mostly outgoing voice, calls from the box’s own SIMs set aside'
                  : 'mostly outgoing voice',
            ],
            model: alert.evidence.model,
            voiceOut: otherSim.voiceOut,
            voiceIn: otherSim.voiceIn,
            ...(fromBox > 0 ? { callsInFromBox: Math.min(fromBox, otherSim.voiceIn) } : {}),
          },
          firstSeen: new Date(otherSim.firstSeen).toISOString(),
          lastSeen: new Date(otherSim.lastSeen).toISOString(),
        };
        byMsisdn.set(other, rotated);
        added.push(rotated);
      }
    }
  }
  const groups = new UnionFind();
  const firstByImei = new Map<number, number>();
  const firstByCell = new Map<string, number>();
  for (const [msisdn, alert] of byMsisdn) {
    groups.find(msisdn);
    const sim = store.sims.get(msisdn);
    if (!sim) continue;
    for (const imei of sim.imeis) {
      const first = firstByImei.get(imei);
      if (first === undefined) firstByImei.set(imei, msisdn);
      else groups.union(first, msisdn);
    }
    const cell = sim.cellCounts.top();
    if (cell >= 0) {
      const key = `${alert.kind}:${cell}`;
      const first = firstByCell.get(key);
      if (first === undefined) firstByCell.set(key, msisdn);
      else groups.union(first, msisdn);
    }
  }
  const members = new Map<number, number[]>();
  for (const msisdn of byMsisdn.keys()) {
    const root = groups.find(msisdn);
    const list = members.get(root);
    if (list) list.push(msisdn);
    else members.set(root, [msisdn]);
  }
  for (const [root, list] of members) {
    if (list.length < 2) continue;
    const rootAlert = byMsisdn.get(root)!;
    const sim = store.sims.get(root);
    const cell = sim ? sim.cellCounts.top() : -1;
    const name = `${rootAlert.kind === 'simbox' ? 'box' : 'centre'}-${cell >= 0 ? store.cellNames[cell] : 'x'}-${root % 100000}`;
    for (const msisdn of list) {
      const alert = byMsisdn.get(msisdn)!;
      alert.device = name;
      alert.evidence.deviceSims = list.length;
    }
  }
  return added;
}
