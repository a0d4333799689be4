import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../distributed/harness.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { signedWith, startReceiver } from '../webhooks/test-support.ts';
import type { Banks } from './module.ts';

const FRAUD = '+905321234567';
const V1 = '+77771234501';
const V2 = '+77771234500';
const HIDDEN = '+77771234599';
const secrets = {
  HALYK: 'halyk-webhook-secret-0123456789',
  KASPIBANK: 'kaspi-webhook-secret-0123456789',
  BEELINE: 'beeline-webhook-secret-0123456789',
  KCELL: 'kcell-webhook-secret-0123456789',
};
type Who = keyof typeof secrets;

let t: TestApp;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const keys = {} as Record<Who, string>;
const hooks = {} as Record<Who, string>;
let calls = 0;

const now = () => new Date().toISOString();
const verify = async (a: string, b: string) => {
  const r = await t.request('POST', '/v1/calls/verify', {
    token: keys.BEELINE,
    body: { callId: `bank-test-${++calls}`, a, b, at: now(), ingress: 'international' },
  });
  assert.equal(r.statusCode, 200, r.body);
  return r.json() as { verdict: string; reasons: string[] };
};
const incident = (extra: Record<string, unknown> = {}) => ({
  incidentId: 'kb-1',
  victim: V1,
  at: now(),
  kind: 'transfer',
  amount: 250000,
  currency: 'KZT',
  suspectNumbers: [FRAUD],
  ...extra,
});
const contactsOf = async (id: string, token: string) => {
  const r = await t.request('GET', `/v1/bank/incidents/${id}`, { token });
  return {
    status: r.statusCode,
    body: r.json() as {
      contacts?: {
        number: string;
        channel: string;
        verdict?: string;
        reasons?: string[];
        suspect: boolean;
        source: string[];
      }[];
    },
  };
};
const payload = (raw: string) =>
  JSON.parse(raw) as { id: string; event: string; msisdn: string; number: string; reasons: string[] };

before(async () => {
  // The first delivery to HALYK fails with a 500: it must come again with the same event id.
  receiver = await startReceiver((path, count) => (path === '/halyk' && count === 1 ? 500 : 200));
  // Blocklist hits in shadow mode: decided and counted, not enforced, so the call is let through.
  t = await startTestApp({
    webhookAllowHosts: '127.0.0.1',
    secretKey: 'test-secret-key-0123456789abcdef',
    policy: { shadow: ['BLOCKLISTED_CLI'] },
  });
  for (const [id, name] of [
    ['HALYK', 'Halyk Bank'],
    ['KASPIBANK', 'Kaspi Bank'],
  ] as const) {
    const created = await t.request('POST', '/v1/admin/banks', { token: admin, body: { id, name } });
    assert.equal(created.statusCode, 201, created.body);
    const key = await t.request('POST', `/v1/admin/banks/${id}/keys`, { token: admin, body: {} });
    assert.equal(key.statusCode, 201, key.body);
    keys[id] = (key.json() as { apiKey: string }).apiKey;
  }
  keys.BEELINE = await t.keyFor('BEELINE');
  keys.KCELL = await t.keyFor('KCELL');
  for (const who of Object.keys(secrets) as Who[]) {
    const r = await t.request('POST', '/v1/webhooks', {
      token: keys[who],
      body: { url: receiver.url(`/${who.toLowerCase()}`), events: ['potential_victim'], secret: secrets[who] },
    });
    assert.equal(r.statusCode, 201, r.body);
    hooks[who] = (r.json() as { id: string }).id;
  }
});

after(async () => {
  await t.close();
  await receiver.close();
});

describe('banks as participants', () => {
  it('a bank id is taken once, and only the admin adds banks', async () => {
    const again = await t.request('POST', '/v1/admin/banks', { token: admin, body: { id: 'HALYK', name: 'x' } });
    assert.equal(again.statusCode, 409);
    const byBank = await t.request('POST', '/v1/admin/banks', { token: keys.HALYK, body: { id: 'OTHER', name: 'x' } });
    assert.equal(byBank.statusCode, 403);
    const list = await t.request('GET', '/v1/admin/banks', { token: admin });
    assert.deepEqual(
      (list.json() as { items: { id: string }[] }).items.map((b) => b.id),
      ['HALYK', 'KASPIBANK'],
    );
  });

  it("a bank key reaches only the bank and webhook routes, not the operators' API", async () => {
    for (const [method, url] of [
      ['GET', '/v1/alerts'],
      ['GET', '/v1/stats'],
      ['GET', '/v1/operators'],
      ['POST', '/v1/calls/verify'],
      ['GET', '/v1/lists/blocklist'],
    ] as const) {
      const r = await t.request(method, url, { token: keys.HALYK, body: method === 'POST' ? {} : undefined });
      assert.equal(r.statusCode, 403, `${method} ${url}: ${r.body}`);
    }
  });

  it('bank keys are listed and revoked by the admin, and the audit log records it', async () => {
    const issued = await t.request('POST', '/v1/admin/banks/HALYK/keys', { token: admin, body: {} });
    const { apiKey, id } = issued.json() as { apiKey: string; id: string };
    assert.equal((await t.request('GET', '/v1/webhooks', { token: apiKey })).statusCode, 200);
    const list = await t.request('GET', '/v1/admin/banks/HALYK/keys', { token: admin });
    assert.ok((list.json() as { items: { id: string }[] }).items.some((k) => k.id === id));
    assert.equal((await t.request('DELETE', `/v1/admin/banks/HALYK/keys/${id}`, { token: admin })).statusCode, 204);
    assert.equal((await t.request('GET', '/v1/webhooks', { token: apiKey })).statusCode, 401);
    const audit = await t.request('GET', '/v1/audit?limit=200', { token: admin });
    const actions = (audit.json() as { items: { action: string }[] }).items.map((e) => e.action);
    for (const a of ['bank.create', 'bank.key.issue', 'bank.key.revoke', 'webhook.create'])
      assert.ok(actions.includes(a), `${a} in ${actions}`);
  });
});

describe('webhooks', () => {
  it('refuses URLs that resolve to link-local, private or loopback addresses not allowed', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/hook', 'http://[::1]:9/hook']) {
      const r = await t.request('POST', '/v1/webhooks', {
        token: keys.HALYK,
        body: { url, events: ['potential_victim'], secret: 'x'.repeat(24) },
      });
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      assert.equal((r.json() as { error: { code: string } }).error.code, 'URL_NOT_ALLOWED');
    }
  });

  it('refuses URLs carrying credentials, which would be stored and audited in plain', async () => {
    for (const url of ['http://hook:p4ssw0rd@127.0.0.1:9/hook', 'http://good.example@127.0.0.1:9/hook']) {
      const r = await t.request('POST', '/v1/webhooks', {
        token: keys.HALYK,
        body: { url, events: ['potential_victim'], secret: 'x'.repeat(24) },
      });
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      assert.equal((r.json() as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
    }
  });

  it('refuses a secret with a lone surrogate, which has no bytes a receiver could key its HMAC with', async () => {
    const r = await t.request('POST', '/v1/webhooks', {
      token: keys.HALYK,
      body: { url: receiver.url('/surrogate'), events: ['potential_victim'], secret: `${'x'.repeat(20)}\ud800` },
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal((r.json() as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
    const listed = await t.request('GET', '/v1/webhooks', { token: keys.HALYK });
    assert.deepEqual(
      (listed.json() as { items: { id: string }[] }).items.map((w) => w.id),
      [hooks.HALYK],
    );
  });

  it('a delivery log cursor past any delivery id is refused with a code, not a 500', async () => {
    const r = await t.request('GET', `/v1/webhooks/${hooks.HALYK}/deliveries?before=99999999999999999999`, {
      token: keys.HALYK,
    });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal((r.json() as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
  });

  it('each participant lists, reads and deletes only its own webhooks', async () => {
    const own = await t.request('GET', '/v1/webhooks', { token: keys.KCELL });
    assert.deepEqual(
      (own.json() as { items: { id: string }[] }).items.map((w) => w.id),
      [hooks.KCELL],
    );
    assert.ok(!JSON.stringify(own.json()).includes(secrets.KCELL), 'no secret in the listing');
    assert.equal(
      (await t.request('GET', `/v1/webhooks/${hooks.HALYK}/deliveries`, { token: keys.KASPIBANK })).statusCode,
      404,
    );
    assert.equal((await t.request('DELETE', `/v1/webhooks/${hooks.HALYK}`, { token: keys.KCELL })).statusCode, 404);
    assert.equal((await t.request('GET', '/v1/webhooks', { token: admin })).statusCode, 403);
  });
});

describe('incidents, trails, warnings and escalation', () => {
  it('a call, then the incident: the trail shows the call with its verdict, riskiest first', async () => {
    await verify('+77051112233', V1);
    await verify(FRAUD, V1);
    const put = await t.request('PUT', '/v1/bank/customers', {
      token: keys.HALYK,
      body: { add: [V2, HIDDEN], remove: [] },
    });
    assert.equal(put.statusCode, 200, put.body);
    const filed = await t.request('POST', '/v1/bank/incidents', { token: keys.KASPIBANK, body: incident() });
    assert.equal(filed.statusCode, 202, filed.body);
    assert.deepEqual(filed.json(), { incidentId: 'kb-1' });
    const again = await t.request('POST', '/v1/bank/incidents', { token: keys.KASPIBANK, body: incident() });
    assert.equal(again.statusCode, 202);
    let trail: Awaited<ReturnType<typeof contactsOf>>['body']['contacts'] = [];
    assert.ok(
      await eventually(async () => {
        trail = (await contactsOf('kb-1', keys.KASPIBANK)).body.contacts ?? [];
        return trail.some((c) => c.number === FRAUD) && trail.some((c) => c.number === '+77051112233');
      }, 10_000),
      JSON.stringify(trail),
    );
    assert.equal(trail[0].number, FRAUD, 'the suspect first');
    assert.equal(trail[0].channel, 'call');
    assert.ok(trail[0].suspect);
    assert.ok(trail[0].verdict);
    assert.ok(Array.isArray(trail[0].reasons));
  });

  it('another bank cannot read the incident; its list holds only its own', async () => {
    assert.equal((await contactsOf('kb-1', keys.HALYK)).status, 404);
    const list = await t.request('GET', '/v1/bank/incidents', { token: keys.HALYK });
    assert.deepEqual((list.json() as { items: unknown[] }).items, []);
    const analysts = await t.request('GET', '/v1/bank/incidents/kb-1', { token: admin });
    assert.equal(analysts.statusCode, 200);
    assert.equal((analysts.json() as { bank: string }).bank, 'KASPIBANK');
  });

  it("an analysts' list of incidents is audited with its whole filter: the number, the bank and the page", async () => {
    const before = new Date(Date.now() + 60_000).toISOString();
    const url = `/v1/bank/incidents?bank=KASPIBANK&number=${encodeURIComponent(V1)}&before=${encodeURIComponent(before)}`;
    const list = await t.request('GET', url, { token: admin });
    assert.equal(list.statusCode, 200, list.body);
    const audit = await t.request('GET', '/v1/audit?action=bank.incidents.list&limit=1', { token: admin });
    const [entry] = (audit.json() as { items: { actor: string; target: string; details: Record<string, unknown> }[] })
      .items;
    assert.equal(entry.actor, 'admin');
    assert.equal(entry.target, V1);
    assert.equal(entry.details.bank, 'KASPIBANK');
    assert.equal(entry.details.before, before);
  });

  it("a bank's key reading its own incidents is audited too, as that key", async () => {
    const list = await t.request('GET', `/v1/bank/incidents?number=${encodeURIComponent(V1)}`, {
      token: keys.KASPIBANK,
    });
    assert.equal(list.statusCode, 200, list.body);
    const audit = await t.request('GET', '/v1/audit?action=bank.incidents.list&limit=1', { token: admin });
    const [entry] = (audit.json() as { items: { actor: string; target: string; details: Record<string, unknown> }[] })
      .items;
    assert.match(entry.actor, /^bank:KASPIBANK:/);
    assert.equal(entry.target, V1);
    assert.equal(entry.details.bank, 'KASPIBANK');
    assert.equal(entry.details.items, (list.json() as { items: unknown[] }).items.length);
  });

  it('bad incidents are refused with a code, and operators cannot file them', async () => {
    for (const [label, body, code] of [
      ['malformed victim', incident({ incidentId: 'b1', victim: 'abc' }), 'INVALID_NUMBER'],
      ['unknown kind', incident({ incidentId: 'b2', kind: 'magic' }), 'VALIDATION_FAILED'],
      ['amount not a number', incident({ incidentId: 'b3', amount: 'lots' }), 'VALIDATION_FAILED'],
      ['future', incident({ incidentId: 'b4', at: '2099-01-01T00:00:00Z' }), 'INVALID_TIME'],
      ['bad suspect', incident({ incidentId: 'b5', suspectNumbers: ['x'] }), 'INVALID_NUMBER'],
      // Date.parse reads these as some day of 2001, and year 1 came back from the store as 2001.
      ['a bare number for a time', incident({ incidentId: 'b6', at: '1' }), 'INVALID_TIME'],
      ['a date written in words', incident({ incidentId: 'b7', at: 'Dec 6 2026' }), 'INVALID_TIME'],
      ['a date without a time', incident({ incidentId: 'b8', at: '2026-12-06' }), 'INVALID_TIME'],
      ['year 1', incident({ incidentId: 'b9', at: '0001-01-01T00:00:00Z' }), 'INVALID_TIME'],
      // Beyond what the store holds: this one was a 500.
      ['before the store’s calendar', incident({ incidentId: 'b10', at: '-271821-04-20T00:00:00Z' }), 'INVALID_TIME'],
    ] as const) {
      const r = await t.request('POST', '/v1/bank/incidents', { token: keys.KASPIBANK, body });
      assert.equal(r.statusCode, 400, label);
      assert.equal((r.json() as { error: { code: string } }).error.code, code, label);
    }
    const byOperator = await t.request('POST', '/v1/bank/incidents', { token: keys.BEELINE, body: incident() });
    assert.equal(byOperator.statusCode, 403);
    const listed = await t.request('GET', '/v1/bank/incidents', { token: keys.KASPIBANK });
    assert.deepEqual(
      (listed.json() as { items: { incidentId: string }[] }).items.map((i) => i.incidentId),
      ['kb-1'],
      'none of the refused incidents was stored',
    );
  });

  it("the OpenAPI document names an incident's fields, and a body that is not an object gets a code", async () => {
    const doc = (await t.request('GET', '/openapi.json')).json() as {
      paths: Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { properties?: object } }> } } }
      >;
    };
    const schema = doc.paths['/v1/bank/incidents'].post?.requestBody?.content['application/json'].schema;
    assert.deepEqual(Object.keys(schema?.properties ?? {}).sort(), [
      'amount',
      'at',
      'currency',
      'incidentId',
      'kind',
      'suspectNumbers',
      'victim',
    ]);
    for (const raw of ['null', '[]', '"kb-1"']) {
      const r = await t.request('POST', '/v1/bank/incidents', { token: keys.KASPIBANK, raw });
      assert.equal(r.statusCode, 400, raw);
      assert.equal((r.json() as { error: { code: string } }).error.code, 'VALIDATION_FAILED', raw);
    }
  });

  it('a page of incidents after a cursor that is not a time is refused with a code', async () => {
    for (const before of ['garbage', '-271821-04-20T00:00:00Z']) {
      const r = await t.request('GET', `/v1/bank/incidents?before=${encodeURIComponent(before)}`, {
        token: keys.KASPIBANK,
      });
      assert.equal(r.statusCode, 400, before);
      assert.equal((r.json() as { error: { code: string } }).error.code, 'INVALID_TIME', before);
    }
  });

  it('a call from the suspect to a customer warns its bank and operator, signed; a 500 is retried with the same id', async () => {
    const decision = await verify(FRAUD, V2);
    assert.ok(['allow', 'label'].includes(decision.verdict), 'one incident alone does not block');
    assert.ok(
      await eventually(async () => receiver.at('/halyk').length >= 2 && receiver.at('/beeline').length >= 1, 20_000),
      JSON.stringify(receiver.got.map((r) => r.path)),
    );
    for (const who of ['HALYK', 'BEELINE'] as const) {
      const ok = receiver.at(`/${who.toLowerCase()}`).filter((r) => signedWith(secrets[who], r));
      assert.ok(ok.length > 0, `${who}: signed with its secret`);
      const p = payload(ok[0].raw);
      assert.equal(p.event, 'potential_victim');
      assert.equal(p.msisdn, V2);
      assert.equal(p.number, FRAUD);
      assert.ok(p.reasons.includes('INCIDENT_CONTACT'));
      assert.equal(ok[0].headers['x-callshield-event-id'], p.id);
    }
    const halyk = receiver.at('/halyk');
    assert.equal(halyk[0].headers['x-callshield-event-id'], halyk[1].headers['x-callshield-event-id']);
    assert.ok(!signedWith(secrets.KASPIBANK, halyk[0]), "another participant's secret does not verify");
    const log = await t.request('GET', `/v1/webhooks/${hooks.HALYK}/deliveries`, { token: keys.HALYK });
    const [entry] = (log.json() as { items: { status: string; attempts: number; lastStatus: number }[] }).items;
    assert.deepEqual([entry.status, entry.attempts, entry.lastStatus], ['delivered', 2, 200]);
  });

  it('no warning to a bank without the customer, nor to an operator that does not serve the subscriber', async () => {
    assert.equal(receiver.at('/kaspibank').length, 0);
    assert.equal(receiver.at('/kcell').length, 0);
  });

  it("a number in two banks' incidents raises a fraud_caller alert with the incidents, and its public risk is high", async () => {
    const before = await t.request('GET', `/public/v1/numbers/${encodeURIComponent(FRAUD)}`);
    assert.notEqual((before.json() as { risk: string }).risk, 'high');
    const filed = await t.request('POST', '/v1/bank/incidents', {
      token: keys.HALYK,
      body: incident({ incidentId: 'hb-77', victim: V2, kind: 'card', amount: 90000 }),
    });
    assert.equal(filed.statusCode, 202);
    const alerts = await t.request('GET', `/v1/alerts?msisdn=${encodeURIComponent(FRAUD)}`, { token: admin });
    const [alert] = (
      alerts.json() as { items: { kind: string; status: string; evidence: { incidents: { bank: string }[] } }[] }
    ).items;
    assert.equal(alert.kind, 'fraud_caller');
    assert.equal(alert.status, 'open', 'an analyst decides: incidents alone do not confirm');
    assert.deepEqual(alert.evidence.incidents.map((i) => i.bank).sort(), ['HALYK', 'KASPIBANK']);
    const after = await t.request('GET', `/public/v1/numbers/${encodeURIComponent(FRAUD)}`);
    assert.equal((after.json() as { risk: string }).risk, 'high');
    const view = await t.request('GET', '/v1/bank/incidents/hb-77', { token: admin });
    assert.deepEqual((view.json() as { otherBanks: string[] }).otherBanks, ['KASPIBANK']);
  });

  it("an analyst's dismissal of the alert withdraws the high risk; a further incident raises it again", async () => {
    const number = '+905320000077';
    for (const [token, incidentId] of [
      [keys.HALYK, 'hb-90'],
      [keys.KASPIBANK, 'kb-90'],
    ])
      await t.request('POST', '/v1/bank/incidents', {
        token,
        body: incident({ incidentId, suspectNumbers: [number] }),
      });
    const risk = async () =>
      ((await t.request('GET', `/public/v1/numbers/${encodeURIComponent(number)}`)).json() as { risk: string }).risk;
    assert.equal(await risk(), 'high');
    const alerts = await t.request('GET', `/v1/alerts?msisdn=${encodeURIComponent(number)}`, { token: admin });
    const [alert] = (alerts.json() as { items: { id: string }[] }).items;
    const dismissed = await t.request('POST', `/v1/alerts/${alert.id}/dismiss`, {
      token: admin,
      body: { reason: 'a bank test number' },
    });
    assert.equal(dismissed.statusCode, 200, dismissed.body);
    assert.ok(await eventually(async () => (await risk()) !== 'high', 5_000));
    await t.request('POST', '/v1/bank/incidents', {
      token: keys.HALYK,
      body: incident({ incidentId: 'hb-91', suspectNumbers: [number] }),
    });
    assert.equal(await risk(), 'high');
  });

  it('warnings name why: high risk once escalated, confirmed fraud for a blocklisted caller let through', async () => {
    const customers = ['+77771234510', '+77771234511', '+77771234512'];
    await t.request('PUT', '/v1/bank/customers', { token: keys.HALYK, body: { add: customers } });
    await verify(FRAUD, customers[0]);
    const blocked = '+905329999999';
    const listed = await t.request('POST', '/v1/lists/blocklist/entries', {
      token: admin,
      body: { number: blocked, reason: 'confirmed fraud caller' },
    });
    assert.equal(listed.statusCode, 201, listed.body);
    const decision = await verify(blocked, customers[1]);
    assert.equal(decision.verdict, 'allow', 'shadow mode lets it through');
    const received = () => receiver.at('/halyk').map((r) => payload(r.raw));
    assert.ok(
      await eventually(async () => customers.slice(0, 2).every((c) => received().some((p) => p.msisdn === c)), 20_000),
      JSON.stringify(received()),
    );
    assert.deepEqual(received().find((p) => p.msisdn === customers[0])?.reasons, ['HIGH_RISK', 'INCIDENT_CONTACT']);
    assert.deepEqual(received().find((p) => p.msisdn === customers[1])?.reasons, ['CONFIRMED_FRAUD']);
  });

  it('a caller of the trail is not a suspect until the bank marks it; one incident and citizens’ reports escalate', async () => {
    const caller = '+77471234567';
    await verify(caller, '+77771234502');
    const filed = await t.request('POST', '/v1/bank/incidents', {
      token: keys.HALYK,
      body: incident({ incidentId: 'hb-78', victim: '+77771234502', suspectNumbers: [] }),
    });
    assert.equal(filed.statusCode, 202);
    const report = await t.app.http.inject({
      method: 'POST',
      url: '/public/v1/reports',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ number: caller, channel: 'call', category: 'bank' }),
    });
    assert.equal(report.statusCode, 202, report.body);
    assert.equal(
      (
        (await t.request('GET', `/v1/alerts?msisdn=${encodeURIComponent(caller)}`, { token: admin })).json() as {
          items: unknown[];
        }
      ).items.length,
      0,
      'a caller of the trail alone is not seen in the incident',
    );
    const marked = await t.request('POST', '/v1/bank/incidents/hb-78/suspects', {
      token: keys.HALYK,
      body: { number: caller },
    });
    assert.equal(marked.statusCode, 200, marked.body);
    const alerts = await t.request('GET', `/v1/alerts?msisdn=${encodeURIComponent(caller)}`, { token: admin });
    assert.equal((alerts.json() as { items: { kind: string }[] }).items[0]?.kind, 'fraud_caller');
    const risk = await t.request('GET', `/public/v1/numbers/${encodeURIComponent(caller)}`);
    assert.equal((risk.json() as { risk: string }).risk, 'high');
  });

  it('an SMS from a suspect to a customer warns too, and shows in the trail as an SMS', async () => {
    const customer = '+77771234520';
    await t.request('PUT', '/v1/bank/customers', { token: keys.HALYK, body: { add: [customer] } });
    const sms = await t.request('POST', '/v1/sms/verify', {
      token: keys.BEELINE,
      body: {
        messageId: 'bank-sms-1',
        sender: FRAUD,
        b: customer,
        at: now(),
        ingress: 'international',
        text: 'Ваш счёт заблокирован',
      },
    });
    assert.equal(sms.statusCode, 200, sms.body);
    assert.notEqual((sms.json() as { verdict: string }).verdict, 'block');
    assert.ok(
      await eventually(async () => receiver.at('/halyk').some((r) => payload(r.raw).msisdn === customer), 20_000),
    );
    await t.request('POST', '/v1/bank/incidents', {
      token: keys.HALYK,
      body: incident({ incidentId: 'hb-sms', victim: customer, suspectNumbers: [] }),
    });
    const { body } = await contactsOf('hb-sms', keys.HALYK);
    assert.deepEqual(
      body.contacts?.map((c) => [c.number, c.channel]),
      [[FRAUD, 'sms']],
    );
  });

  it('citizens reporting a number after one bank named it escalate it at the next look', async () => {
    const number = '+905320000088';
    await t.request('POST', '/v1/bank/incidents', {
      token: keys.KASPIBANK,
      body: incident({ incidentId: 'kb-88', suspectNumbers: [number] }),
    });
    const risk = async () =>
      ((await t.request('GET', `/public/v1/numbers/${encodeURIComponent(number)}`)).json() as { risk: string }).risk;
    assert.notEqual(await risk(), 'high');
    const report = await t.app.http.inject({
      method: 'POST',
      url: '/public/v1/reports',
      remoteAddress: '203.0.113.88',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ number, channel: 'call', category: 'bank' }),
    });
    assert.equal(report.statusCode, 202, report.body);
    await (t.app.modules.banks as Banks).service.reload();
    assert.equal(await risk(), 'high');
  });

  it("the trail takes the victim's incoming CDRs too", async () => {
    const victim = '+77771234503';
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const csv = [
      'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route',
      `bk-1,BEELINE,voice,in,${victim},+77015550000,,,c1,${at},420,1,,domestic`,
      `bk-2,BEELINE,voice,out,${victim},+77015550001,,,c1,${at},60,1,,`,
    ].join('\n');
    const upload = await t.request('POST', '/v1/cdr', {
      token: keys.BEELINE,
      raw: `${csv}\n`,
      contentType: 'text/csv',
    });
    assert.equal(upload.statusCode, 200, upload.body);
    await t.request('POST', '/v1/bank/incidents', {
      token: keys.HALYK,
      body: incident({ incidentId: 'hb-79', victim, suspectNumbers: [] }),
    });
    const { body } = await contactsOf('hb-79', keys.HALYK);
    assert.deepEqual(
      body.contacts?.map((c) => [c.number, c.channel, c.source]),
      [['+77015550000', 'call', ['cdr']]],
    );
  });

  it('customers and webhook secrets are never stored in plain', async () => {
    const dump = JSON.stringify([
      (await t.app.sql.query('select * from bank_customers')).rows,
      (await t.app.sql.query('select * from webhooks')).rows,
      (await t.app.sql.query('select * from audit_log')).rows,
    ]);
    assert.ok(!dump.includes(HIDDEN.slice(1)), 'no customer number');
    for (const s of Object.values(secrets)) assert.ok(!dump.includes(s), 'no webhook secret');
    const removed = await t.request('PUT', '/v1/bank/customers', { token: keys.HALYK, body: { remove: [HIDDEN] } });
    assert.equal((removed.json() as { removed: number }).removed, 1);
    const bad = await t.request('PUT', '/v1/bank/customers', { token: keys.HALYK, body: { add: ['not-a-number'] } });
    assert.equal(bad.statusCode, 400);
  });
});
