/**
 * The demo's banks (issue 19): two banks with API keys kept beside the operators' keys, their
 * customers (the simulated subscribers, split between them), the incidents the simulation's
 * victims' banks file (incidents.jsonl), and a webhook each to a receiver inside the demo, so
 * the console shows trails, escalations and potential-victim warnings.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { bankOf, SIM_BANKS, type SimIncident } from './banks.ts';

/** The demo's call of its own server's API. */
export type Api = (
  method: string,
  path: string,
  token: string,
  body?: string,
  contentType?: string,
) => Promise<{ status: number; json: Record<string, unknown> | null }>;

/** The demo keys file's name for a bank's key (operators' keys are named by the operator alone). */
export const bankKeyName = (bank: string) => `bank:${bank}`;

/** Whether a kept key still opens its bank's routes. */
export async function bankKeyWorks(api: Api, key: string): Promise<boolean> {
  return (await api('GET', '/v1/bank/incidents?limit=1', key)).status === 200;
}

export interface DemoBanks {
  /** Potential-victim warnings the receiver got, per bank. */
  received: Map<string, number>;
  close(): Promise<void>;
}

export async function setUpDemoBanks(o: {
  api: Api;
  adminToken: string;
  dir: string;
  /** The demo's keys (operators' and `bank:<id>`), saved by `saveKeys`. */
  keys: Map<string, string>;
  saveKeys(): void;
  say(line: string): void;
}): Promise<DemoBanks> {
  const { api, adminToken, keys, say } = o;
  const received = new Map<string, number>();
  // A receiver in the demo itself: the signed events land here (127.0.0.1 is allowed for the demo).
  const server = createServer((request, response) => {
    const bank = (request.url ?? '/').slice(1).toUpperCase();
    request.resume();
    request.on('end', () => {
      received.set(bank, (received.get(bank) ?? 0) + 1);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));

  const json = (body: unknown) => JSON.stringify(body);
  let created = 0;
  for (const bank of SIM_BANKS) {
    const made = await api(
      'POST',
      '/v1/admin/banks',
      adminToken,
      json({ id: bank.id, name: bank.name }),
      'application/json',
    );
    if (made.status !== 201 && made.status !== 409)
      throw new Error(`creating bank ${bank.id} failed with HTTP ${made.status}`);
    const name = bankKeyName(bank.id);
    const kept = keys.get(name);
    if (!kept || !(await bankKeyWorks(api, kept))) {
      const issued = await api('POST', `/v1/admin/banks/${bank.id}/keys`, adminToken, '{}', 'application/json');
      const key = issued.json?.apiKey;
      if (typeof key !== 'string') throw new Error(`a key for bank ${bank.id} failed with HTTP ${issued.status}`);
      keys.set(name, key);
      created++;
      o.saveKeys();
    }
    const key = keys.get(name)!;
    // One subscription to this run's receiver: the last run's (another port) goes.
    const hooks = await api('GET', '/v1/webhooks', key);
    for (const hook of (hooks.json?.items ?? []) as { id: string }[])
      await api('DELETE', `/v1/webhooks/${encodeURIComponent(hook.id)}`, key);
    const hook = await api(
      'POST',
      '/v1/webhooks',
      key,
      json({
        url: `http://127.0.0.1:${port}/${bank.id.toLowerCase()}`,
        events: ['potential_victim'],
        secret: randomBytes(24).toString('base64url'),
      }),
      'application/json',
    );
    if (hook.status !== 201) say(`bank ${bank.id}: webhook not subscribed (HTTP ${hook.status})`);
  }

  // Customers: the simulated mobile subscribers, each with the bank the simulation gave them.
  const incidents = readIncidents(join(o.dir, 'incidents.jsonl'));
  const customers = new Map<string, Set<string>>(SIM_BANKS.map((b) => [b.id, new Set<string>()]));
  const truth = join(o.dir, 'truth.csv');
  if (existsSync(truth))
    for (const line of readFileSync(truth, 'utf8').split('\n').slice(1)) {
      const [msisdn, kind] = line.split(',');
      if (kind === 'normal' && msisdn?.startsWith('+77')) customers.get(bankOf(msisdn))?.add(msisdn);
    }
  for (const i of incidents) customers.get(i.bank)?.add(i.victim);
  for (const [bank, set] of customers) {
    const put = await api(
      'PUT',
      '/v1/bank/customers',
      keys.get(bankKeyName(bank))!,
      json({ add: [...set], remove: [] }),
      'application/json',
    );
    if (put.status !== 200) say(`bank ${bank}: customers not registered (HTTP ${put.status})`);
  }

  // The incidents, as the banks file them (idempotent: a restart files nothing twice).
  let filed = 0;
  for (const { bank, reportedAt: _, ...body } of incidents) {
    const r = await api('POST', '/v1/bank/incidents', keys.get(bankKeyName(bank))!, json(body), 'application/json');
    if (r.status === 202) filed++;
  }
  say(
    `banks ${SIM_BANKS.map((b) => b.id).join(', ')}: keys ${SIM_BANKS.length - created} reused, ${created} created; ` +
      `${[...customers.values()].reduce((s, c) => s + c.size, 0)} customers; ${filed}/${incidents.length} incidents filed; ` +
      `warnings go to http://127.0.0.1:${port}/`,
  );
  return { received, close };
}

function readIncidents(path: string): SimIncident[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as SimIncident);
}
