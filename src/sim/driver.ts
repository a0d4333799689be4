/**
 * Replays a simulation's calls against a running callshield server the way operators would:
 * the caller's operator reports the call start (`originate`), the callee's operator asks for a
 * verdict (`verify`). Calls from abroad are only verified: nobody at home originated them.
 * Calls are read from the `in` voice records of the simulated CDRs (one per call that reached a
 * Kazakh subscriber), judged against truth.csv, and the verdicts are tallied per truth label.
 */
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { NumberingPlan } from '../numbering/plan.ts';
import { Random } from './random.ts';
import { replaySms, type SimulatedSms, simulatedPhishingDomains, simulatedSenders } from './sms.ts';

export type Ingress = 'international' | 'domestic' | 'on-net';

/** What a call really was, from the simulator's truth. */
export type CallTruth = 'legit' | 'roamer' | 'spoofed' | 'wangiri' | 'simbox' | 'fraud_caller';

export interface ReplayCall {
  a: string;
  b: string;
  ingress: Ingress;
  /** Operator that originates the call (null for calls from abroad). */
  callerOperator: string | null;
  calleeOperator: string;
  truth: CallTruth;
}

export interface Scenery {
  calls: ReplayCall[];
  operators: string[];
  /** Roaming registrations, with the home operator that makes them. */
  roaming: { msisdn: string; operator: string | null; visitedCountry: string; since: string; until?: string }[];
  ported: { msisdn: string; operator: string }[];
  dno: { number: string; reason: string }[];
}

/** Reads a sample of up to `limit` calls and the registries of a simulation directory. */
export async function loadScenery(dir: string, plan: NumberingPlan, limit: number): Promise<Scenery> {
  const truth = new Map(readCsv(join(dir, 'truth.csv')).map((r) => [r.msisdn, r.kind]));
  const ported = readCsv(join(dir, 'mnp.csv')).map((r) => ({ msisdn: r.msisdn, operator: r.operator }));
  const portedTo = new Map(ported.map((p) => [p.msisdn, p.operator]));
  const ownerOf = (msisdn: string): string | null => portedTo.get(msisdn) ?? plan.rangeOwner(plan.parse(msisdn));
  const roaming = readCsv(join(dir, 'roaming.csv')).map((r) => ({
    msisdn: r.msisdn,
    operator: ownerOf(r.msisdn),
    visitedCountry: r.visitedCountry,
    since: r.since,
    ...(r.until ? { until: r.until } : {}),
  }));
  const roamers = new Set(roaming.map((r) => r.msisdn));
  const dno = existsSync(join(dir, 'dno.csv'))
    ? readCsv(join(dir, 'dno.csv')).map((r) => ({ number: r.number, reason: r.reason }))
    : [];

  const files = readdirSync(dir)
    .filter((f) => f.startsWith('cdr') && f.endsWith('.csv'))
    .sort();
  // A uniform sample of all calls (reservoir sampling, seeded so runs repeat), replayed in time
  // order: a short drive sees the day's mix, not just the first minutes after midnight.
  const random = new Random(1);
  const sample: { at: string; call: ReplayCall }[] = [];
  let offered = 0;
  for (const file of files) {
    let columns: Record<string, number> | null = null;
    const lines = createInterface({ input: createReadStream(join(dir, file)), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (columns === null) {
        columns = Object.fromEntries(line.split(',').map((name, i) => [name.trim(), i]));
        continue;
      }
      const v = line.split(',');
      if (v[columns.event] !== 'voice' || v[columns.direction] !== 'in') continue;
      const route = v[columns.route] as Ingress;
      if (route !== 'international' && route !== 'domestic' && route !== 'on-net') continue;
      offered++;
      const slot = sample.length < limit ? sample.length : random.int(offered);
      if (slot >= limit) continue;
      const a = v[columns.other_party];
      const b = v[columns.msisdn];
      const calleeOperator = v[columns.operator];
      const callerOperator =
        route === 'international' ? null : route === 'on-net' ? calleeOperator : (ownerOf(a) ?? calleeOperator);
      sample[slot] = {
        at: v[columns.started_at],
        call: { a, b, ingress: route, callerOperator, calleeOperator, truth: judge(a, route, truth, roamers, plan) },
      };
    }
  }
  // ISO times with one offset sort as strings; the sort is stable, so ties keep their order.
  sample.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : 0));
  const calls = sample.map((c) => c.call);
  const operators = [...new Set(calls.flatMap((c) => [c.calleeOperator, c.callerOperator ?? c.calleeOperator]))].sort();
  return { calls, operators, roaming, ported, dno };
}

function judge(
  a: string,
  route: Ingress,
  truth: Map<string, string>,
  roamers: Set<string>,
  plan: NumberingPlan,
): CallTruth {
  const kind = truth.get(a);
  if (kind === 'wangiri' || kind === 'simbox' || kind === 'fraud_caller') return kind;
  if (route === 'international' && plan.isDomestic(plan.parse(a))) return roamers.has(a) ? 'roamer' : 'spoofed';
  return 'legit';
}

function readCsv(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').split('\n');
  const names = header.split(',');
  return lines
    .filter((l) => l.length > 0)
    .map((line) => {
      const values = line.split(',');
      return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
    });
}

export interface DriveOptions {
  server: string;
  adminToken: string;
  scenery: Scenery;
  /** Calls per second to offer. */
  rate: number;
  /** Seconds to drive. */
  duration: number;
  /** Calls per batch request. */
  batchSize?: number;
  /** Register roaming, MNP and DNO entries before the calls (default true). */
  setup?: boolean;
  log?: (line: string) => void;
  /**
   * API keys by operator to use instead of creating new ones; keys the drive has to create are
   * added to it, so a caller can keep them for the next drive.
   */
  keys?: Map<string, string>;
  /** Index in scenery.calls of the first call replayed (default 0): successive drives can differ. */
  start?: number;
  /** Stops the drive early (within a tick); the report covers what was sent. */
  signal?: AbortSignal;
  /**
   * Simulated SMS (src/sim/sms.ts) to replay beside the calls at `rate` messages per second, in a
   * loop if needed, through the SMS screening of the operators' keys in turn. The setup registers
   * the simulated banks' and state's sender IDs and the phishing campaigns' domains first.
   */
  sms?: { messages: readonly SimulatedSms[]; rate: number; start?: number };
}

/** What the SMS screening answered during a drive, per truth label. */
export interface SmsDriveReport {
  offered: number;
  verified: number;
  errors: number;
  messagesPerSecond: number;
  /** truth label → verdict → count. */
  verdicts: Record<string, Record<string, number>>;
}

export interface DriveReport {
  offered: number;
  verified: number;
  errors: number;
  seconds: number;
  callsPerSecond: number;
  /** truth label → verdict → count. */
  verdicts: Record<string, Record<string, number>>;
  reasons: Record<string, number>;
  setupFailures: number;
  verifyBatchMs: { p50: number; p99: number };
  /** Present when messages were replayed too. */
  sms?: SmsDriveReport;
}

interface VerifyResult {
  verdict?: string;
  reasons?: string[];
  error?: unknown;
}

/** Creates keys, registers the simulation's registries, then replays calls at `rate` for `duration` s. */
export async function drive(options: DriveOptions): Promise<DriveReport> {
  const { scenery } = options;
  const log = options.log ?? (() => {});
  const base = options.server.replace(/\/+$/, '');
  const batchSize = options.batchSize ?? 200;
  if (scenery.calls.length === 0) throw new Error('no calls to replay: the directory has no voice "in" records');

  const post = async (path: string, token: string, body: unknown, method = 'POST') => {
    const response = await fetch(base + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: options.signal,
    });
    const text = await response.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: response.status, json };
  };

  const keys = options.keys ?? new Map<string, string>();
  const keyFor = async (operator: string): Promise<string> => {
    const r = await post(`/v1/admin/operators/${encodeURIComponent(operator)}/keys`, options.adminToken, {});
    const apiKey = (r.json as { apiKey?: string } | null)?.apiKey;
    if (r.status >= 300 || !apiKey) throw new Error(`creating a key for ${operator} failed with HTTP ${r.status}`);
    keys.set(operator, apiKey);
    return apiKey;
  };
  const created: string[] = [];
  for (const operator of scenery.operators) {
    if (keys.has(operator)) continue;
    await keyFor(operator);
    created.push(operator);
  }
  if (created.length > 0) log(`keys created for ${created.join(', ')}`);

  let setupFailures = 0;
  if (options.setup !== false) {
    const tasks: (() => Promise<{ status: number }>)[] = [
      ...scenery.ported.map(
        (p) => () =>
          post(`/v1/admin/mnp/${encodeURIComponent(p.msisdn)}`, options.adminToken, { operator: p.operator }, 'PUT'),
      ),
      ...scenery.dno.map(
        (d) => () => post('/v1/lists/dno/entries', options.adminToken, { number: d.number, reason: d.reason }),
      ),
    ];
    // Roaming is registered by the home operator, which owns the number (MNP first, then the range).
    const roamingTasks = scenery.roaming.map((r) => async () => {
      const key = r.operator ? (keys.get(r.operator) ?? (await keyFor(r.operator))) : undefined;
      if (!key) return { status: 0 };
      // The calls are replayed now, not on the simulated dates: the stay is moved to cover the drive.
      const now = Date.now();
      const body = {
        visitedCountry: r.visitedCountry,
        since: new Date(now - 2 * 86_400_000).toISOString(),
        until: new Date(now + options.duration * 1000 + 86_400_000).toISOString(),
      };
      return post(`/v1/roaming/${encodeURIComponent(r.msisdn)}`, key, body, 'PUT');
    });
    const sms = options.sms && options.sms.rate > 0 && options.sms.messages.length > 0;
    if (sms) {
      // Sender IDs of the banks and the state, and the campaigns' domains as analysts would list them.
      tasks.push(
        ...simulatedSenders.map(
          (s) => () =>
            post(
              `/v1/admin/sms-senders/${encodeURIComponent(s.senderId)}`,
              options.adminToken,
              { owner: s.owner, routes: s.routes },
              'PUT',
            ),
        ),
        ...simulatedPhishingDomains.map(
          (domain) => () =>
            post('/v1/links/phishing', options.adminToken, { domain, reason: 'simulated phishing campaign' }),
        ),
      );
    }
    setupFailures += await runLimited(tasks, 16);
    setupFailures += await runLimited(roamingTasks, 16);
    log(
      `registered ${scenery.ported.length} ported numbers, ${scenery.dno.length} DNO numbers, ${scenery.roaming.length} roamers` +
        (sms
          ? `, ${simulatedSenders.length} SMS sender IDs, ${simulatedPhishingDomains.length} phishing domains`
          : '') +
        (setupFailures > 0 ? ` (${setupFailures} failed)` : ''),
    );
  }

  const verdicts: Record<string, Record<string, number>> = {};
  const reasons: Record<string, number> = {};
  const batchTimes: number[] = [];
  let offered = 0;
  let verified = 0;
  let errors = 0;
  let next = Math.max(0, Math.floor(options.start ?? 0));
  const runTag = Date.now().toString(36);
  const smsReport: SmsDriveReport = { offered: 0, verified: 0, errors: 0, messagesPerSecond: 0, verdicts: {} };
  let nextSms = Math.max(0, Math.floor(options.sms?.start ?? 0));
  let smsOwed = 0;
  const sendSms = async (messages: SimulatedSms[], token: string) => {
    const tally = await replaySms(
      messages,
      async (path, body) => {
        const r = await post(path, token, body);
        return { status: r.status, body: r.json };
      },
      batchSize,
    ).catch(() => null);
    if (!tally) {
      smsReport.errors += messages.length;
      return;
    }
    for (const [truth, counts] of Object.entries(tally)) {
      for (const verdict of ['allow', 'label', 'block'] as const) {
        if (counts[verdict] === 0) continue;
        smsReport.verdicts[truth] ??= {};
        const row = smsReport.verdicts[truth];
        row[verdict] = (row[verdict] ?? 0) + counts[verdict];
        smsReport.verified += counts[verdict];
      }
      smsReport.errors += counts.errors;
    }
  };

  const sendTick = async (calls: (ReplayCall & { callId: string; at: string })[]) => {
    const originations = groupBy(
      calls.filter((c) => c.callerOperator !== null),
      (c) => c.callerOperator!,
    );
    await Promise.all(
      [...originations].flatMap(([operator, list]) =>
        chunk(list, batchSize).map(async (part) => {
          const r = await post('/v1/calls/originate/batch', keys.get(operator)!, {
            calls: part.map((c) => ({ callId: c.callId, a: c.a, b: c.b, at: c.at })),
          }).catch(() => ({ status: 0, json: null }));
          if (r.status >= 300) errors += part.length;
        }),
      ),
    );
    const verifications = groupBy(calls, (c) => c.calleeOperator);
    await Promise.all(
      [...verifications].flatMap(([operator, list]) =>
        chunk(list, batchSize).map(async (part) => {
          const started = performance.now();
          const r = await post('/v1/calls/verify/batch', keys.get(operator)!, {
            calls: part.map((c) => ({
              callId: c.callId,
              a: c.a,
              b: c.b,
              at: c.at,
              ingress: c.ingress,
              ...(c.ingress === 'domestic' && c.callerOperator ? { fromOperator: c.callerOperator } : {}),
            })),
          }).catch(() => ({ status: 0, json: null }));
          batchTimes.push(performance.now() - started);
          const results = (r.json as { results?: VerifyResult[] } | null)?.results;
          if (r.status >= 300 || !Array.isArray(results)) {
            errors += part.length;
            return;
          }
          part.forEach((c, k) => {
            const result = results[k];
            if (!result || typeof result.verdict !== 'string') {
              errors++;
              return;
            }
            verified++;
            verdicts[c.truth] ??= {};
            const row = verdicts[c.truth];
            row[result.verdict] = (row[result.verdict] ?? 0) + 1;
            for (const reason of result.reasons ?? []) reasons[reason] = (reasons[reason] ?? 0) + 1;
          });
        }),
      ),
    );
  };

  // Ten ticks a second; a tick sends its share of calls without waiting for the previous one,
  // but no more than eight ticks are in flight, so a slow server slows the driver instead of
  // piling up requests.
  const tickMs = 100;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let owed = 0;
  let lastReport = started;
  for (let tick = 0; ; tick++) {
    if (tick * tickMs >= options.duration * 1000 || options.signal?.aborted) break;
    const due = started + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    owed += (options.rate * tickMs) / 1000;
    const count = Math.floor(owed);
    owed -= count;
    const at = new Date().toISOString();
    let messages: SimulatedSms[] = [];
    if (options.sms && options.sms.rate > 0 && options.sms.messages.length > 0) {
      smsOwed += (options.sms.rate * tickMs) / 1000;
      const due = Math.floor(smsOwed);
      smsOwed -= due;
      // Sent now, under this run's message IDs, by the SMS hub of each operator in turn.
      messages = Array.from({ length: due }, () => {
        const m = options.sms!.messages[nextSms % options.sms!.messages.length];
        return { ...m, messageId: `sim-sms-${runTag}-${nextSms++}`, at };
      });
      smsReport.offered += due;
    }
    if (count === 0 && messages.length === 0) continue;
    const calls = [];
    for (let k = 0; k < count; k++) {
      const call = scenery.calls[next % scenery.calls.length];
      calls.push({ ...call, callId: `sim-${runTag}-${next}`, at });
      next++;
    }
    offered += count;
    while (inFlight.size >= 8) await Promise.race(inFlight);
    const smsToken = keys.get(scenery.operators[tick % scenery.operators.length])!;
    const promise: Promise<void> = Promise.all([
      calls.length > 0 ? sendTick(calls) : undefined,
      messages.length > 0 ? sendSms(messages, smsToken) : undefined,
    ])
      .then(() => {})
      .finally(() => inFlight.delete(promise));
    inFlight.add(promise);
    if (performance.now() - lastReport >= 5000) {
      lastReport = performance.now();
      log(`offered ${offered}, verified ${verified}, errors ${errors}`);
    }
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  batchTimes.sort((x, y) => x - y);
  const quantile = (q: number) =>
    batchTimes.length
      ? Math.round(batchTimes[Math.min(batchTimes.length - 1, Math.floor(q * batchTimes.length))] * 10) / 10
      : 0;
  return {
    offered,
    verified,
    errors,
    seconds: Math.round(seconds * 10) / 10,
    callsPerSecond: Math.round(verified / seconds),
    verdicts,
    reasons,
    setupFailures,
    verifyBatchMs: { p50: quantile(0.5), p99: quantile(0.99) },
    ...(options.sms && options.sms.rate > 0
      ? { sms: { ...smsReport, messagesPerSecond: Math.round(smsReport.verified / seconds) } }
      : {}),
  };
}

/** Renders a report as a table: for each truth label, how many calls were allowed, labelled, blocked. */
export function formatReport(report: DriveReport): string {
  const verdictNames = ['allow', 'label', 'block'];
  const lines = [
    `offered ${report.offered} calls in ${report.seconds} s: ${report.verified} verified (${report.callsPerSecond}/s), ${report.errors} errors` +
      `; verify batch p50 ${report.verifyBatchMs.p50} ms, p99 ${report.verifyBatchMs.p99} ms`,
    '',
    `${'truth'.padEnd(14)}${verdictNames.map((v) => v.padStart(10)).join('')}${'stopped'.padStart(10)}`,
  ];
  for (const [truth, counts] of Object.entries(report.verdicts).sort()) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const stopped = (counts.block ?? 0) + (counts.label ?? 0);
    lines.push(
      `${truth.padEnd(14)}${verdictNames.map((v) => String(counts[v] ?? 0).padStart(10)).join('')}${`${((100 * stopped) / total).toFixed(1)} %`.padStart(10)}`,
    );
  }
  const reasons = Object.entries(report.reasons).sort((x, y) => y[1] - x[1]);
  if (reasons.length > 0) lines.push('', `reasons: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`);
  lines.push(
    '',
    'spoofed calls should be blocked or labelled; legit and roamer calls allowed. SIM-box and fraud-caller',
    'calls come from real SIMs, so screening lets them through: they are found from CDRs (callshield analyze).',
  );
  if (report.sms) {
    const sms = report.sms;
    lines.push(
      '',
      `SMS: offered ${sms.offered} messages: ${sms.verified} verified (${sms.messagesPerSecond}/s), ${sms.errors} errors`,
      '',
      `${'truth'.padEnd(18)}${verdictNames.map((v) => v.padStart(10)).join('')}${'stopped'.padStart(10)}`,
    );
    for (const [truth, counts] of Object.entries(sms.verdicts).sort()) {
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const stopped = (counts.block ?? 0) + (counts.label ?? 0);
      lines.push(
        `${truth.padEnd(18)}${verdictNames.map((v) => String(counts[v] ?? 0).padStart(10)).join('')}${`${((100 * stopped) / total).toFixed(1)} %`.padStart(10)}`,
      );
    }
    lines.push(
      '',
      'bank and state messages should be allowed, shops labelled; look-alike senders, phishing links and spoofed',
      "numbers blocked; a SIM-box farm's bulk sends labelled once its numbers burst.",
    );
  }
  return `${lines.join('\n')}\n`;
}

async function runLimited(tasks: (() => Promise<{ status: number }>)[], limit: number): Promise<number> {
  let failures = 0;
  let index = 0;
  const worker = async () => {
    while (index < tasks.length) {
      const task = tasks[index++];
      const r = await task().catch(() => ({ status: 0 }));
      if (r.status < 200 || r.status >= 300) failures++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return failures;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
