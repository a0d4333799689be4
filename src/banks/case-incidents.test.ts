/**
 * Item 3's end (issue 19): an analyst adds a bank's incident to a case and the case's evidence
 * export carries it, with its suspects and the contacts of its trail. A bank never reaches cases.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import { eventually } from '../distributed/harness.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';

const FRAUD = '+905321234567';
const VICTIM = '+77771234501';

let t: TestApp;
let bankKey: string;

before(async () => {
  t = await startTestApp({ secretKey: 'test-secret-key-0123456789abcdef' });
  const created = await t.request('POST', '/v1/admin/banks', {
    token: admin,
    body: { id: 'HALYK', name: 'Halyk Bank' },
  });
  assert.equal(created.statusCode, 201, created.body);
  const key = await t.request('POST', '/v1/admin/banks/HALYK/keys', { token: admin, body: {} });
  assert.equal(key.statusCode, 201, key.body);
  bankKey = (key.json() as { apiKey: string }).apiKey;
});

after(async () => {
  await t.close();
});

describe('bank incidents in cases', () => {
  it('an analyst adds an incident to a case, and the export lists it with its suspects and trail', async () => {
    const call = await t.request('POST', '/v1/calls/verify', {
      token: await t.keyFor('BEELINE'),
      body: { callId: 'case-incident-1', a: FRAUD, b: VICTIM, at: new Date().toISOString(), ingress: 'international' },
    });
    assert.equal(call.statusCode, 200, call.body);
    const filed = await t.request('POST', '/v1/bank/incidents', {
      token: bankKey,
      body: {
        incidentId: 'hb-77',
        victim: VICTIM,
        // The money left a little after the call.
        at: new Date(Date.now() + 1000).toISOString(),
        kind: 'transfer',
        amount: 480000,
        currency: 'KZT',
        suspectNumbers: [FRAUD],
      },
    });
    assert.equal(filed.statusCode, 202, filed.body);
    // The trail holds the call once the decision is folded.
    assert.ok(
      await eventually(async () => {
        const r = await t.request('GET', '/v1/bank/incidents/hb-77', { token: bankKey });
        return ((r.json() as { contacts?: { number: string }[] }).contacts ?? []).some((c) => c.number === FRAUD);
      }, 20_000),
      'the trail holds the call',
    );

    const created = await t.request('POST', '/v1/cases', { token: admin, body: { title: 'Перевод 480 000 ₸' } });
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json() as { id: string };
    const unknown = await t.request('POST', `/v1/cases/${id}/items`, {
      token: admin,
      body: { items: [{ type: 'incident', value: 'HALYK/no-such' }] },
    });
    assert.equal(unknown.statusCode, 404, unknown.body);
    const malformed = await t.request('POST', `/v1/cases/${id}/items`, {
      token: admin,
      body: { items: [{ type: 'incident', value: 'hb-77' }] },
    });
    assert.equal(malformed.statusCode, 400, malformed.body);
    const added = await t.request('POST', `/v1/cases/${id}/items`, {
      token: admin,
      body: { items: [{ type: 'incident', value: 'HALYK/hb-77' }] },
    });
    assert.equal(added.statusCode, 201, added.body);
    const detail = (await t.request('GET', `/v1/cases/${id}`, { token: admin })).json() as {
      caseItems: { type: string; value: string }[];
    };
    assert.deepEqual(
      detail.caseItems.map((i) => [i.type, i.value]),
      [['incident', 'HALYK/hb-77']],
    );

    const exported = await t.request('GET', `/v1/cases/${id}/export`, { token: admin });
    assert.equal(exported.statusCode, 200, exported.body);
    const files = unzipSync(new Uint8Array(exported.rawPayload));
    const text = (name: string) => new TextDecoder().decode(files[name]);
    const incidents = text('incidents.csv').trim().split('\r\n');
    assert.equal(incidents[0], 'bank,incident_id,victim,at,kind,amount,currency,suspects,received_at,contacts');
    assert.equal(incidents.length, 2);
    assert.match(incidents[1], new RegExp(`^HALYK,hb-77,\\${VICTIM},[^,]+,transfer,480000,KZT,\\${FRAUD},`));
    const contacts = text('incident_contacts.csv').trim().split('\r\n');
    assert.ok(
      contacts.some((line) => line.startsWith(`HALYK,hb-77,${FRAUD},`) && line.includes(',call,')),
      contacts.join('\n'),
    );
    const manifest = JSON.parse(text('manifest.json')) as { files: { name: string }[] };
    assert.ok(manifest.files.some((f) => f.name === 'incidents.csv'));
    assert.ok(manifest.files.some((f) => f.name === 'incident_contacts.csv'));
    assert.ok(files['summary.pdf'].byteLength > 1000);

    // And it leaves the case again (the value's slash escaped in the path).
    const removed = await t.request('DELETE', `/v1/cases/${id}/items/incident/${encodeURIComponent('HALYK/hb-77')}`, {
      token: admin,
    });
    assert.ok(removed.statusCode < 300, removed.body);
    const after = (await t.request('GET', `/v1/cases/${id}`, { token: admin })).json() as { caseItems: unknown[] };
    assert.equal(after.caseItems.length, 0);
  });

  it('a bank key reaches no case', async () => {
    const list = await t.request('GET', '/v1/cases', { token: bankKey });
    assert.equal(list.statusCode, 403, list.body);
    const create = await t.request('POST', '/v1/cases', { token: bankKey, body: { title: 'x' } });
    assert.equal(create.statusCode, 403, create.body);
  });
});
