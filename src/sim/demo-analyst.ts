/**
 * The demo's alert policy and its analyst. With the platform's default policy (confirm every kind
 * at or above 0.99) the demo confirmed nearly every alert by itself and left the console's queue
 * empty. The demo's policy confirms only wangiri by itself (a source abroad, no subscriber to
 * suspend); SIM boxes and fraud callers wait for an analyst. So that blocks, device blocks,
 * suspension requests and the banks' CONFIRMED_FRAUD warnings still show, the demo's analyst (a
 * console user, `demo-analyst`) confirms the highest-scored few of each at the first start, through
 * the API as a person would: the audit log records that user, not the policy.
 */
import { randomBytes } from 'node:crypto';
import type { AlertPolicy } from '../config.ts';
import type { Api } from './demo-banks.ts';

/** The alert policy `callshield demo` starts the platform with (unless CALLSHIELD_ALERT_POLICY says otherwise). */
export const DEMO_ALERT_POLICY: AlertPolicy = Object.freeze({
  autoConfirmAbove: 0.99,
  autoConfirmKinds: ['wangiri'],
  blockNumbers: true,
  suspendSims: true,
  blockDevices: true,
}) as AlertPolicy;

/** How many alerts of each kind the demo's analyst confirms at the first start (the highest-scored). */
export const DEMO_ANALYST_CONFIRMS: Readonly<Record<'simbox' | 'fraud_caller', number>> = Object.freeze({
  simbox: 2,
  fraud_caller: 3,
});

/** The demo's analyst's user name. */
export const DEMO_ANALYST = 'demo-analyst';

interface AlertItem {
  id: string;
  kind: string;
  msisdn: string;
  score: number;
}

interface UserItem {
  id: string;
  username: string;
  createdBy?: string;
  mustChangePassword?: boolean;
  lastLoginAt?: string;
}

const kindNames: Record<string, string> = { simbox: 'SIM-box', fraud_caller: 'fraud-caller' };

/**
 * Runs detection on every CDR uploaded so far, then, when no SIM-box or fraud-caller alert is
 * confirmed yet (a first start), logs in as the demo's analyst and confirms the highest-scored few
 * of each kind. Says what it did and how many alerts wait for an analyst.
 */
export async function analystTriage(o: {
  url: string;
  api: Api;
  adminToken: string;
  say: (line: string) => void;
  signal: AbortSignal;
}): Promise<{ confirmed: number; open: number }> {
  const { api, adminToken } = o;
  const run = await api('POST', '/v1/detection/run', adminToken, '{}', 'application/json');
  if (run.status !== 200) o.say(`detection run not started (HTTP ${run.status})`);
  const alertsOf = async (query: string): Promise<AlertItem[]> => {
    const answer = await api('GET', `/v1/alerts?${query}`, adminToken);
    return (answer.json?.items ?? []) as AlertItem[];
  };

  const picks: AlertItem[] = [];
  for (const [kind, count] of Object.entries(DEMO_ANALYST_CONFIRMS)) {
    // An earlier start's analyst already decided: this one leaves the queue as it is.
    if ((await alertsOf(`kind=${kind}&status=confirmed&limit=1`)).length > 0) continue;
    picks.push(...(await alertsOf(`kind=${kind}&status=open&sort=score&limit=${count}`)));
  }
  let confirmed = 0;
  const confirmedByKind: Record<string, number> = {};
  if (picks.length > 0) {
    const cookie = await analystSession(o);
    for (const alert of picks) {
      const response = await fetch(`${o.url}/v1/alerts/${encodeURIComponent(alert.id)}/confirm`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
        body: JSON.stringify({
          reason: `${kindNames[alert.kind] ?? alert.kind} confirmed at the demo's start (score ${alert.score})`,
        }),
        signal: o.signal,
      });
      await response.arrayBuffer();
      if (response.status === 200) {
        confirmed++;
        confirmedByKind[alert.kind] = (confirmedByKind[alert.kind] ?? 0) + 1;
      } else o.say(`${DEMO_ANALYST} could not confirm alert ${alert.id} (HTTP ${response.status})`);
    }
  }
  const open = (await alertsOf('status=open&limit=500')).length;
  const what = Object.entries(confirmedByKind)
    .map(([kind, n]) => `${n} ${kindNames[kind] ?? kind}`)
    .join(' and ');
  o.say(
    `${confirmed > 0 ? `analyst "${DEMO_ANALYST}" confirmed ${what} alerts (blocks, suspension requests); ` : ''}` +
      `${open}${open === 500 ? '+' : ''} open alerts wait for an analyst in the console (Alerts)`,
  );
  return { confirmed, open };
}

/**
 * A console session of the demo's analyst: the user is created at the first start (a later start
 * gives it a new one-time password), logs in and sets a random password, as a new analyst would.
 * Its password is not shown: an admin can give it a new one in the console (Users).
 */
async function analystSession(o: { url: string; api: Api; adminToken: string; signal: AbortSignal }): Promise<string> {
  const { api, adminToken } = o;
  const users = ((await api('GET', '/v1/console/users', adminToken)).json?.items ?? []) as UserItem[];
  const known = users.find((u) => u.username === DEMO_ANALYST);
  const issued = known
    ? await api(
        'POST',
        `/v1/console/users/${encodeURIComponent(known.id)}/reset-password`,
        adminToken,
        '{}',
        'application/json',
      )
    : await api(
        'POST',
        '/v1/console/users',
        adminToken,
        JSON.stringify({ username: DEMO_ANALYST, displayName: 'Demo analyst', role: 'analyst' }),
        'application/json',
      );
  const oneTime = issued.json?.oneTimePassword;
  if (typeof oneTime !== 'string') throw new Error(`setting up the demo's analyst failed with HTTP ${issued.status}`);

  const login = await fetch(`${o.url}/v1/console/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: DEMO_ANALYST, password: oneTime }),
    signal: o.signal,
  });
  await login.arrayBuffer();
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  if (login.status !== 200 || !cookie) throw new Error(`the demo's analyst could not log in (HTTP ${login.status})`);
  const changed = await fetch(`${o.url}/v1/console/password`, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ currentPassword: oneTime, newPassword: `Demo-${randomBytes(18).toString('base64url')}` }),
    signal: o.signal,
  });
  await changed.arrayBuffer();
  if (changed.status !== 200) throw new Error(`the demo's analyst could not set a password (HTTP ${changed.status})`);
  return cookie;
}

/**
 * The platform shows the first admin's one-time password again at each start while that admin has
 * never logged in and is the only user. The demo's analyst is a second user, so the demo does the
 * same itself: without it a newcomer who lost the first password would be locked out of the demo.
 */
export async function firstAdminAgain(
  api: Api,
  adminToken: string,
): Promise<{ username: string; password: string } | null> {
  const users = ((await api('GET', '/v1/console/users', adminToken)).json?.items ?? []) as UserItem[];
  const others = users.filter((u) => u.username !== DEMO_ANALYST);
  const only = others.length === 1 ? others[0] : null;
  if (only?.createdBy !== 'bootstrap' || !only.mustChangePassword || only.lastLoginAt) return null;
  const reset = await api(
    'POST',
    `/v1/console/users/${encodeURIComponent(only.id)}/reset-password`,
    adminToken,
    '{}',
    'application/json',
  );
  const password = reset.json?.oneTimePassword;
  return typeof password === 'string' ? { username: only.username, password } : null;
}
