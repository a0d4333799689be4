import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { LightMyRequestResponse } from 'fastify';
import { unzipSync } from 'fflate';
import { cookieOf, testPasswordOf } from '../console/test-support.ts';
import { startTestApp, type TestApp, testAdminToken } from '../platform/test-app.ts';
import type { Cases } from './index.ts';
import { beelineCdrs, boxA, boxB, cellsCsv, insertAlertsAndReports, uploadCaseCdrs } from './test-support.ts';
import { canTransition } from './workflow.ts';

interface GraphBody {
  nodes: { id: string; type: string; value: string; operators: string[]; depth: number; location?: unknown }[];
  edges: { from: string; to: string; type: string; firstSeen: string; lastSeen: string; count: number }[];
  truncated: boolean;
}

const ids = (g: GraphBody, type: string) =>
  g.nodes
    .filter((n) => n.type === type)
    .map((n) => n.value)
    .sort();

describe('cases, link analysis and evidence export', () => {
  let t: TestApp;
  let kcellAnalyst: string;
  let beelineAnalyst: string;
  let analyst: string;

  /** A request as a console user (session cookie). */
  const as = (cookie: string, method: string, url: string, body?: unknown): Promise<LightMyRequestResponse> =>
    t.app.http.inject({
      method: method as 'GET',
      url,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
  const admin = (method: string, url: string, body?: unknown) =>
    t.request(method, url, { token: testAdminToken, body });

  async function user(username: string, role: string, operatorId?: string): Promise<string> {
    const created = await admin('POST', '/v1/console/users', { username, role, ...(operatorId ? { operatorId } : {}) });
    assert.equal(created.statusCode, 201, created.body);
    const { oneTimePassword } = created.json() as { oneTimePassword: string };
    const cookie = cookieOf(
      await t.request('POST', '/v1/console/login', { body: { username, password: oneTimePassword } }),
    );
    const changed = await as(cookie, 'POST', '/v1/console/password', {
      currentPassword: oneTimePassword,
      newPassword: testPasswordOf(username),
    });
    assert.equal(changed.statusCode, 200, changed.body);
    return cookie;
  }

  before(async () => {
    t = await startTestApp({ detectionIntervalSeconds: 86_400, detectionAfterCdrs: 1_000_000_000 });
    await uploadCaseCdrs(t);
    const cells = await t.request('PUT', '/v1/cells', {
      token: testAdminToken,
      raw: cellsCsv,
      contentType: 'text/csv',
    });
    assert.equal(cells.statusCode, 200, cells.body);
    await insertAlertsAndReports(t.app.sql);
    await t.app.stream.drain();
    await (t.app.modules.investigations as Cases).relations.idle();
    analyst = await user('aigerim', 'analyst');
    kcellAnalyst = await user('kuat', 'operator_analyst', 'KCELL');
    beelineAnalyst = await user('bota', 'operator_analyst', 'BEELINE');
  });
  after(() => t.close());

  it('folds every accepted CDR into the relation table once, by operator and day', async () => {
    const { rows } = await t.app.sql.query<{ operator_id: string; day: string; events: number }>(
      `select operator_id, to_char(day, 'YYYY-MM-DD') as day, sum(events)::int as events from cdr_relations
       group by operator_id, day order by operator_id, day`,
    );
    assert.deepEqual(rows, [
      { operator_id: 'BEELINE', day: '2026-03-02', events: 3 },
      { operator_id: 'KCELL', day: '2026-03-01', events: 13 },
      { operator_id: 'KCELL', day: '2026-03-02', events: 5 },
      { operator_id: 'KCELL', day: '2026-03-05', events: 3 },
      { operator_id: 'KCELL', day: '2026-03-06', events: 4 },
    ]);
    // A re-sent file is de-duplicated by ingest and changes nothing here.
    await t.request('POST', '/v1/cdr', { token: await t.keyFor('BEELINE'), raw: beelineCdrs, contentType: 'text/csv' });
    await t.app.stream.drain();
    await (t.app.modules.investigations as Cases).relations.idle();
    const again = await t.app.sql.query<{ events: number }>(
      `select sum(events)::int as events from cdr_relations where operator_id = 'BEELINE'`,
    );
    assert.equal(again.rows[0].events, 3);
  });

  it('link analysis: two hops from a box SIM reach the box’s other SIMs and co-located SIMs, not box B', async () => {
    const r = await as(analyst, 'GET', '/v1/links?type=number&value=%2B77011110001&depth=2');
    assert.equal(r.statusCode, 200, r.body);
    const g = r.json() as GraphBody;
    // Hop 1: its SIM, box A and cell ALA-001. Hop 2: everything else in box A (Kcell and Beeline
    // SIMs alike), everything else seen at ALA-001 (the legitimate phone) and Beeline's cell.
    assert.deepEqual(ids(g, 'number'), [
      '+77011110001',
      '+77011110002',
      '+77011110003',
      '+77015550000',
      '+77051110005',
    ]);
    assert.deepEqual(ids(g, 'imei'), [boxA, '355555555555555']);
    assert.deepEqual(ids(g, 'cell'), ['ALA-001', 'BEE-01']);
    assert.deepEqual(ids(g, 'alert'), ['alr_boxA1']);
    assert.ok(!ids(g, 'number').includes('+77019990000'), 'the unrelated phone stays out');
    const sim3InBoxA = g.edges.find((e) => e.from === 'imsi:401020000000003' && e.to === `imei:${boxA}`);
    assert.deepEqual(
      { type: sim3InBoxA?.type, count: sim3InBoxA?.count, first: sim3InBoxA?.firstSeen.slice(0, 10) },
      { type: 'in_device', count: 2, first: '2026-03-02' },
    );
    const alaCell = g.nodes.find((n) => n.id === 'cell:ALA-001');
    assert.deepEqual(alaCell?.location, { lat: 43.2389, lon: 76.8897, region: 'Almaty' });
    assert.equal(g.nodes.find((n) => n.value === '+77051110005')?.operators.join(), 'BEELINE');
  });

  it('link analysis: four hops follow the rotated SIM into box B; the time filter cuts by day', async () => {
    const deep = (await as(analyst, 'GET', '/v1/links?type=number&value=%2B77011110001&depth=4')).json() as GraphBody;
    assert.ok(ids(deep, 'imei').includes(boxB), 'box B through SIM 3');
    assert.ok(ids(deep, 'number').includes('+77011110004'), 'box B’s other SIM');
    const sim3 = deep.nodes.find((n) => n.value === '+77011110003');
    assert.equal(sim3?.depth, 2);

    const early = (
      await as(analyst, 'GET', `/v1/links?type=imei&value=${boxB}&to=2026-03-03T00:00:00Z`)
    ).json() as GraphBody;
    assert.deepEqual(
      early.nodes.map((n) => n.id),
      [`imei:${boxB}`],
      'box B was not seen before 3 March',
    );
    const late = (
      await as(analyst, 'GET', `/v1/links?type=imsi&value=401020000000003&from=2026-03-04T00:00:00Z&depth=1`)
    ).json() as GraphBody;
    assert.deepEqual(ids(late, 'imei'), [boxB], 'after 4 March SIM 3 sat only in box B');
  });

  it('an operator analyst’s link analysis holds only their operator’s records', async () => {
    const kcell = (await as(kcellAnalyst, 'GET', '/v1/links?type=imei&value=' + boxA)).json() as GraphBody;
    assert.ok(!ids(kcell, 'number').includes('+77051110005'));
    assert.ok(!ids(kcell, 'cell').includes('BEE-01'));
    assert.ok(ids(kcell, 'number').includes('+77011110002'));
    const beeline = (await as(beelineAnalyst, 'GET', '/v1/links?type=imei&value=' + boxA)).json() as GraphBody;
    assert.deepEqual(ids(beeline, 'number'), ['+77051110005']);
    assert.deepEqual(ids(beeline, 'alert'), [], 'Kcell’s alerts stay hidden');
  });

  it('the workflow allows only its transitions', () => {
    assert.ok(canTransition('new', 'investigating'));
    assert.ok(canTransition('investigating', 'action_requested'));
    assert.ok(canTransition('action_requested', 'closed'));
    assert.ok(canTransition('closed', 'investigating'), 'reopened on new evidence');
    assert.ok(!canTransition('new', 'action_requested'));
    assert.ok(!canTransition('closed', 'action_requested'));
    assert.ok(!canTransition('investigating', 'new'));
  });

  it('moves a case through its workflow, refuses skipped steps with 409, and records every step', async () => {
    const created = await as(analyst, 'POST', '/v1/cases', { title: 'Workflow case', assignee: 'aigerim' });
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json() as { id: string };
    const move = (to: string, reason?: string) => as(analyst, 'POST', `/v1/cases/${id}/transition`, { to, reason });

    const skipped = await move('action_requested');
    assert.equal(skipped.statusCode, 409);
    assert.equal(skipped.json().error.code, 'INVALID_TRANSITION');
    assert.equal((await move('investigating')).statusCode, 204);
    assert.equal((await move('investigating')).statusCode, 409, 'no move to the same status');
    assert.equal((await move('action_requested', 'seizure requested from police')).statusCode, 204);
    assert.equal((await move('closed', 'box seized')).statusCode, 204);
    const fromClosed = await move('action_requested');
    assert.equal(fromClosed.json().error.code, 'INVALID_TRANSITION');
    assert.equal((await move('bogus')).statusCode, 400);

    assert.equal(
      (await as(analyst, 'PATCH', `/v1/cases/${id}`, { externalRef: 'УД 2026-0117', assignee: 'timur' })).statusCode,
      204,
    );
    assert.equal((await as(analyst, 'POST', `/v1/cases/${id}/notes`, { text: 'Вызов свидетеля' })).statusCode, 204);
    const detail = (await as(analyst, 'GET', `/v1/cases/${id}`)).json();
    assert.equal(detail.status, 'closed');
    assert.equal(detail.externalRef, 'УД 2026-0117');
    assert.deepEqual(detail.nextStatuses, ['investigating']);
    assert.deepEqual(
      detail.timeline.map(
        (e: { kind: string; details: { to?: string } }) => `${e.kind}${e.details.to ? `:${e.details.to}` : ''}`,
      ),
      [
        'created',
        'status:investigating',
        'status:action_requested',
        'status:closed',
        'external_ref:УД 2026-0117',
        'assignee:timur',
        'note',
      ],
    );
    assert.ok(detail.timeline.every((e: { actor: string }) => e.actor === 'user:aigerim'));

    // Every action is in the audit log, and so is the look at the case.
    const audit = (await admin('GET', `/v1/audit?target=${id}&limit=50`)).json() as { items: { action: string }[] };
    const actions = audit.items.map((e) => e.action);
    assert.ok(actions.includes('cases.transition.post'), actions.join());
    assert.ok(actions.includes('cases.patch'), actions.join());
    assert.ok(actions.includes('case.view'), actions.join());
    // A viewer and an operator analyst cannot move cases.
    assert.equal(
      (await as(kcellAnalyst, 'POST', `/v1/cases/${id}/transition`, { to: 'investigating' })).statusCode,
      403,
    );
  });

  it('two analysts editing one case: a change made meanwhile answers 409, not silently overwritten', async () => {
    const { id } = (await as(analyst, 'POST', '/v1/cases', { title: 'Shared case', assignee: 'aigerim' })).json() as {
      id: string;
    };
    // Both open the case with assignee "aigerim"; the first saves "timur".
    const first = await as(analyst, 'PATCH', `/v1/cases/${id}`, { assignee: 'timur', base: { assignee: 'aigerim' } });
    assert.equal(first.statusCode, 204, first.body);
    // The second, still seeing "aigerim", saves "dana": refused, "timur" stays.
    const second = await as(analyst, 'PATCH', `/v1/cases/${id}`, { assignee: 'dana', base: { assignee: 'aigerim' } });
    assert.equal(second.statusCode, 409, second.body);
    assert.equal(second.json().error.code, 'CONFLICT');
    assert.match(second.json().error.message, /assignee/);
    assert.equal((await as(analyst, 'GET', `/v1/cases/${id}`)).json().assignee, 'timur');
    // A field the other did not touch saves; the same value saved twice is no conflict.
    assert.equal(
      (await as(analyst, 'PATCH', `/v1/cases/${id}`, { externalRef: 'УД 1', base: { externalRef: null } })).statusCode,
      204,
    );
    assert.equal(
      (await as(analyst, 'PATCH', `/v1/cases/${id}`, { assignee: 'timur', base: { assignee: 'aigerim' } })).statusCode,
      204,
    );
    assert.equal((await as(analyst, 'PATCH', `/v1/cases/${id}`, { base: { assignee: 'timur' } })).statusCode, 400);
  });

  it('a case opened from an alert pulls in its SIM, device, the device’s other SIMs, cells, alerts and reports', async () => {
    const r = await as(analyst, 'POST', '/v1/cases', { title: 'SIM-box Almaty', from: { alertId: 'alr_boxA1' } });
    assert.equal(r.statusCode, 201, r.body);
    const { id } = r.json() as { id: string };
    const detail = (await as(analyst, 'GET', `/v1/cases/${id}`)).json() as {
      caseItems: { type: string; value: string; operators: string[] }[];
    };
    const of = (type: string) =>
      detail.caseItems
        .filter((i) => i.type === type)
        .map((i) => i.value)
        .sort();
    assert.deepEqual(of('alert'), ['alr_boxA1']);
    assert.deepEqual(of('number'), ['+77011110001', '+77011110002', '+77011110003', '+77051110005']);
    assert.deepEqual(of('imsi'), ['401020000000001', '401020000000002', '401020000000003', '401770000000005']);
    assert.deepEqual(of('imei'), [boxA]);
    assert.deepEqual(of('cell'), ['ALA-001', 'BEE-01']);
    assert.deepEqual(of('report'), ['rep_1']);
    const boxItem = detail.caseItems.find((i) => i.type === 'imei');
    assert.deepEqual(boxItem?.operators, ['BEELINE', 'KCELL'], 'box A is in both operators’ records');
    const holding = (await as(analyst, 'GET', '/v1/cases?alertId=alr_boxA1')).json() as { items: { id: string }[] };
    assert.deepEqual(
      holding.items.map((c) => c.id),
      [id],
      'the console finds the case already opened from this alert before it opens another',
    );
    const none = (await as(analyst, 'GET', '/v1/cases?alertId=alr_none')).json() as { items: unknown[] };
    assert.deepEqual(none.items, []);

    const farm = await as(analyst, 'POST', '/v1/cases', { title: 'Box B', from: { device: 'box-B' } });
    const farmItems = (await as(analyst, 'GET', `/v1/cases/${(farm.json() as { id: string }).id}`)).json() as {
      caseItems: { type: string; value: string }[];
    };
    assert.ok(
      farmItems.caseItems.some((i) => i.type === 'number' && i.value === '+77011110003'),
      'the rotated SIM',
    );
    assert.equal(
      (await as(analyst, 'POST', '/v1/cases', { title: 'x', from: { alertId: 'alr_none' } })).statusCode,
      404,
    );
  });

  it('an operator analyst sees only their operator’s part of a cross-operator case, checked on every id', async () => {
    const { id } = (
      await as(analyst, 'POST', '/v1/cases', { title: 'Cross-operator', from: { alertId: 'alr_boxA1' } })
    ).json() as {
      id: string;
    };
    await as(analyst, 'POST', `/v1/cases/${id}/seized`, {
      kind: 'simbox',
      identifier: boxA,
      description: 'GoIP-32, 32 SIM slots',
      seizedAt: '2026-03-10T11:30:00+05:00',
      place: 'Алматы, ул. Толе би 101, кв. 5',
    });
    await as(analyst, 'POST', `/v1/cases/${id}/seized`, {
      kind: 'sim_card',
      identifier: '8970177000000000051',
      seizedAt: '2026-03-10T11:40:00+05:00',
      place: 'Алматы, ул. Толе би 101, кв. 5',
      operator: 'BEELINE',
    });
    await as(analyst, 'POST', `/v1/cases/${id}/notes`, { text: 'national only' });
    await as(analyst, 'POST', `/v1/cases/${id}/notes`, { text: 'shared with operators', shared: true });

    const kcell = (await as(kcellAnalyst, 'GET', `/v1/cases/${id}`)).json() as {
      caseItems: { type: string; value: string; operators: string[] }[];
      seized: { identifier: string }[];
      timeline: { kind: string; details: { text?: string; items?: { value: string }[] } }[];
      hidden: number;
    };
    assert.ok(kcell.caseItems.length > 0);
    assert.ok(
      kcell.caseItems.every((i) => i.operators.includes('KCELL')),
      'only Kcell’s items',
    );
    assert.ok(!kcell.caseItems.some((i) => i.value === '+77051110005'));
    assert.deepEqual(
      kcell.seized.map((s) => s.identifier),
      [boxA],
      'the box (Kcell SIMs sat in it), not the Beeline SIM card',
    );
    const notes = kcell.timeline.filter((e) => e.kind === 'note').map((e) => e.details.text);
    assert.deepEqual(notes, ['shared with operators']);
    const named = JSON.stringify(kcell.timeline);
    assert.ok(!named.includes('+77051110005') && !named.includes('401770000000005'), 'no Beeline id on the timeline');
    assert.ok(kcell.hidden > 0);

    const beeline = (await as(beelineAnalyst, 'GET', `/v1/cases/${id}`)).json() as {
      caseItems: { value: string }[];
    };
    assert.ok(beeline.caseItems.some((i) => i.value === '+77051110005'));
    assert.ok(!beeline.caseItems.some((i) => i.value === '+77011110001'));

    // Their graph of the case: only their records.
    const graph = (await as(beelineAnalyst, 'GET', `/v1/cases/${id}/graph`)).json() as GraphBody;
    assert.ok(graph.nodes.every((n) => n.operators.length === 0 || n.operators.every((o) => o === 'BEELINE')));
    // A case without any of their records does not exist for them.
    const kcellOnly = (
      await as(analyst, 'POST', '/v1/cases', { title: 'Kcell only', from: { alertId: 'alr_boxB4' } })
    ).json() as {
      id: string;
    };
    assert.equal((await as(beelineAnalyst, 'GET', `/v1/cases/${kcellOnly.id}`)).statusCode, 404);
    assert.equal((await as(beelineAnalyst, 'GET', `/v1/cases/${kcellOnly.id}/graph`)).statusCode, 404);
    assert.equal((await as(beelineAnalyst, 'GET', `/v1/cases/${kcellOnly.id}/export`)).statusCode, 404);
    const listed = (await as(beelineAnalyst, 'GET', '/v1/cases')).json() as { items: { id: string }[] };
    assert.ok(listed.items.some((c) => c.id === id));
    assert.ok(!listed.items.some((c) => c.id === kcellOnly.id));
  });

  it('exports a ZIP of CSVs, a PDF and a manifest whose digests match, and audits the export', async () => {
    const { id } = (
      await as(analyst, 'POST', '/v1/cases', { title: 'Дело о SIM-боксе', from: { alertId: 'alr_boxA1' } })
    ).json() as {
      id: string;
    };
    await as(analyst, 'PATCH', `/v1/cases/${id}`, { externalRef: 'УД 2026-0117' });
    await as(analyst, 'POST', `/v1/cases/${id}/transition`, { to: 'investigating' });
    await as(analyst, 'POST', `/v1/cases/${id}/seized`, {
      kind: 'simbox',
      identifier: boxA,
      seizedAt: '2026-03-10T11:30:00+05:00',
      place: 'Алматы, ул. Толе би 101',
    });
    const r = await as(analyst, 'GET', `/v1/cases/${id}/export`);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/zip');
    const zip = r.rawPayload;
    const files = unzipSync(new Uint8Array(zip));
    const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
      case: string;
      files: { name: string; sha256: string; bytes: number }[];
    };
    assert.equal(manifest.case, id);
    const names = Object.keys(files).sort();
    assert.deepEqual(names, [
      'alerts.csv',
      'case.csv',
      'cdr_relations.csv',
      'cells.csv',
      'devices.csv',
      'graph.json',
      'incident_contacts.csv',
      'incidents.csv',
      'manifest.json',
      'numbers.csv',
      'reports.csv',
      'seized_items.csv',
      'sims.csv',
      'summary.pdf',
      'timeline.csv',
    ]);
    assert.deepEqual(
      manifest.files.map((f) => f.name).sort(),
      names.filter((n) => n !== 'manifest.json'),
    );
    for (const f of manifest.files) {
      assert.equal(createHash('sha256').update(files[f.name]).digest('hex'), f.sha256, f.name);
      assert.equal(files[f.name].byteLength, f.bytes);
    }
    const csv = (name: string) =>
      parse(new TextDecoder().decode(files[name]), { columns: true }) as Record<string, string>[];
    assert.deepEqual(
      csv('numbers.csv')
        .map((r) => r.number)
        .sort(),
      ['+77011110001', '+77011110002', '+77011110003', '+77051110005'],
    );
    assert.equal(csv('alerts.csv')[0].id, 'alr_boxA1');
    assert.equal(csv('seized_items.csv')[0].place, 'Алматы, ул. Толе би 101');
    assert.equal(csv('reports.csv')[0].id, 'rep_1');
    assert.equal(csv('cells.csv').find((c) => c.cell_id === 'ALA-001')?.region, 'Almaty');
    const relations = csv('cdr_relations.csv');
    assert.equal(
      relations.filter((x) => x.imei === boxA).reduce((s, x) => s + Number(x.events), 0),
      17,
      'box A: 8 + 4 + 2 Kcell calls and 3 Beeline calls',
    );
    assert.ok(csv('timeline.csv').some((e) => e.kind === 'status'));

    const pdf = Buffer.from(files['summary.pdf']);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type \/Page\b/g) ?? [];
    assert.ok(pages.length >= 2, `the PDF has ${pages.length} pages`);
    assert.match(pdf.toString('latin1'), /FontFile2/, 'an embedded TrueType font for Cyrillic');

    const audit = (await admin('GET', `/v1/audit?action=case.export&target=${id}`)).json() as {
      items: { details: { sha256: string } }[];
    };
    assert.equal(audit.items.length, 1);
    assert.equal(audit.items[0].details.sha256, createHash('sha256').update(zip).digest('hex'));
    const timeline = (await as(analyst, 'GET', `/v1/cases/${id}`)).json().timeline as { kind: string }[];
    assert.equal(timeline.at(-1)?.kind, 'exported');

    // An operator analyst's export holds their part only.
    const kcellZip = unzipSync(new Uint8Array((await as(kcellAnalyst, 'GET', `/v1/cases/${id}/export`)).rawPayload));
    const kcellNumbers = new TextDecoder().decode(kcellZip['numbers.csv']);
    assert.ok(!kcellNumbers.includes('+77051110005'));
    assert.ok(!new TextDecoder().decode(kcellZip['cdr_relations.csv']).includes('BEELINE'));
  });

  it('records the digest of a cited alert in the audit log and shows in the export when the alert changed since', async () => {
    await t.app.sql.query(
      `insert into alerts (id, kind, msisdn, imsi, imei, score, evidence, first_seen, last_seen, owner_operator, operators)
       values ('alr_cited1', 'fraud_caller', '+77019990011', '401020000009911', '359999999999911', 0.88,
               '{"rules":["short unanswered calls"],"outgoing":412,"distinctCallees":380}',
               '2026-03-03T04:00:00Z', '2026-03-03T09:00:00Z', 'KCELL', '{KCELL}'),
              ('alr_cited2', 'fraud_caller', '+77019990012', null, null, 0.75, '{"rules":[]}',
               null, null, 'KCELL', '{KCELL}')`,
    );
    const opened = await as(analyst, 'POST', '/v1/cases', { title: 'Колл-центр на Абая' });
    assert.equal(opened.statusCode, 201, opened.body);
    const { id } = opened.json() as { id: string };
    const added = await as(analyst, 'POST', `/v1/cases/${id}/items`, {
      items: [{ type: 'alert', value: 'alr_cited1' }],
    });
    assert.equal(added.statusCode, 201, added.body);
    // A citation from before digests were kept: the item row with no entry in the audit log.
    await t.app.sql.query(
      `insert into case_items (case_id, type, value, operators, added_by) values ($1, 'alert', 'alr_cited2', '{KCELL}', 'user:aigerim')`,
      [id],
    );

    const cited = (await admin('GET', `/v1/audit?action=case.items.cite&target=${id}`)).json() as {
      items: { seq: number; details: { citations: { type: string; value: string; sha256: string }[] } }[];
    };
    assert.equal(cited.items.length, 1);
    const [citation] = cited.items[0].details.citations;
    assert.equal(citation.type, 'alert');
    assert.equal(citation.value, 'alr_cited1');
    assert.match(citation.sha256, /^[0-9a-f]{64}$/);

    const exported = async () => {
      const r = await as(analyst, 'GET', `/v1/cases/${id}/export?lang=en`);
      assert.equal(r.statusCode, 200, r.body);
      const files = unzipSync(new Uint8Array(r.rawPayload));
      const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
        files: { name: string; sha256: string; bytes: number }[];
        citedRecords: {
          checked: number;
          unchanged: number;
          notRecorded: number;
          changedSinceCitation: unknown[];
          updatedByPlatform: unknown[];
        };
      };
      for (const f of manifest.files) {
        assert.equal(createHash('sha256').update(files[f.name]).digest('hex'), f.sha256, f.name);
        assert.equal(files[f.name].byteLength, f.bytes, f.name);
      }
      const rows = parse(new TextDecoder().decode(files['alerts.csv']), { columns: true }) as Record<string, string>[];
      const row = (alertId: string) => {
        const found = rows.find((a) => a.id === alertId);
        assert.ok(found, `${alertId} is in alerts.csv`);
        return found;
      };
      return { one: row('alr_cited1'), two: row('alr_cited2'), manifest, sha256: r.headers['x-content-sha256'] };
    };

    const before = await exported();
    assert.equal(before.one.evidence_digest_at_citation, citation.sha256);
    assert.equal(before.one.evidence_digest_now, citation.sha256);
    assert.equal(before.one.evidence_changed_since_citation, 'false');
    assert.equal(before.one.evidence_citation_audit_seq, String(cited.items[0].seq));
    assert.equal(before.two.evidence_digest_at_citation, 'not recorded');
    assert.equal(before.two.evidence_changed_since_citation, 'not recorded');
    assert.match(before.two.evidence_digest_now, /^[0-9a-f]{64}$/);
    assert.deepEqual(before.manifest.citedRecords, {
      checked: 2,
      unchanged: 1,
      notRecorded: 1,
      changedSinceCitation: [],
      updatedByPlatform: [],
    });

    // An insider rewrites the evidence in the database; the export alone would stay self-consistent.
    await t.app.sql.query(
      `update alerts set evidence = '{"rules":["short unanswered calls"],"outgoing":41,"distinctCallees":38}'
       where id = 'alr_cited1'`,
    );
    // Citing it again changes nothing: an item already in the case is not cited anew.
    assert.equal(
      (await as(analyst, 'POST', `/v1/cases/${id}/items`, { items: [{ type: 'alert', value: 'alr_cited1' }] }))
        .statusCode,
      201,
    );
    const afterwards = await exported();
    assert.equal(afterwards.one.evidence, '{"distinctCallees":38,"outgoing":41,"rules":["short unanswered calls"]}');
    assert.equal(afterwards.one.evidence_digest_at_citation, citation.sha256, 'the digest from the audit entry');
    assert.notEqual(afterwards.one.evidence_digest_now, citation.sha256);
    assert.match(afterwards.one.evidence_digest_now, /^[0-9a-f]{64}$/);
    assert.equal(afterwards.one.evidence_changed_since_citation, 'true');
    assert.equal(afterwards.one.evidence_citation_audit_seq, String(cited.items[0].seq));
    assert.equal(afterwards.two.evidence_changed_since_citation, 'not recorded');
    assert.deepEqual(afterwards.manifest.citedRecords.changedSinceCitation, [
      {
        type: 'alert',
        id: 'alr_cited1',
        digestAtCitation: citation.sha256,
        digestNow: afterwards.one.evidence_digest_now,
        auditSeq: cited.items[0].seq,
        expectedDigest: citation.sha256,
        expectedFrom: 'citation',
        expectedAuditSeq: cited.items[0].seq,
      },
    ]);
    assert.equal(afterwards.one.evidence_digest_expected_from, 'citation');
    assert.equal(afterwards.one.evidence_digest_expected_audit_seq, String(cited.items[0].seq));
    const exports = (await admin('GET', `/v1/audit?action=case.export&target=${id}`)).json() as {
      items: { details: { sha256: string; changedSinceCitation: string[] } }[];
    };
    assert.equal(exports.items[0].details.sha256, afterwards.sha256);
    assert.deepEqual(exports.items[0].details.changedSinceCitation, ['alert:alr_cited1']);
    assert.deepEqual(exports.items[1].details.changedSinceCitation, []);
  });

  it('records the digests of the alerts a case pulls in when opened from an alert', async () => {
    const opened = await as(analyst, 'POST', '/v1/cases', { title: 'Box B', from: { alertId: 'alr_boxB4' } });
    assert.equal(opened.statusCode, 201, opened.body);
    const { id } = opened.json() as { id: string };
    const cited = (await admin('GET', `/v1/audit?action=case.items.cite&target=${id}`)).json() as {
      items: { details: { source: string; citations: { type: string; value: string }[] } }[];
    };
    assert.equal(cited.items.length, 1);
    assert.equal(cited.items[0].details.source, 'alertId alr_boxB4');
    assert.ok(cited.items[0].details.citations.some((c) => c.type === 'alert' && c.value === 'alr_boxB4'));
    const r = await as(analyst, 'GET', `/v1/cases/${id}/export`);
    const rows = parse(new TextDecoder().decode(unzipSync(new Uint8Array(r.rawPayload))['alerts.csv']), {
      columns: true,
    }) as Record<string, string>[];
    assert.ok(rows.length > 0);
    for (const row of rows) assert.equal(row.evidence_changed_since_citation, 'false', row.id);
  });

  it("a suspect's operator exports its part of a bank incident's trail, not the victim's other callers", async () => {
    assert.equal((await admin('POST', '/v1/admin/banks', { id: 'HALYK', name: 'Halyk' })).statusCode, 201);
    const bankKey = (await admin('POST', '/v1/admin/banks/HALYK/keys', {})).json().apiKey as string;
    const beeline = await t.keyFor('BEELINE');
    const victim = '+77051119999';
    const now = Date.now();
    // Beeline asks about three calls to its subscriber: from a Kcell SIM, a Tele2 and a Russian number.
    for (const [i, a] of ['+77011110002', '+77471234567', '+79161234567'].entries()) {
      const r = await t.request('POST', '/v1/calls/verify', {
        token: beeline,
        body: { callId: `trail-${i}`, a, b: victim, at: new Date(now - 3_600_000).toISOString(), ingress: 'domestic' },
      });
      assert.equal(r.statusCode, 200, r.body);
    }
    await t.app.stream.drain();
    const filed = await t.request('POST', '/v1/bank/incidents', {
      token: bankKey,
      body: {
        incidentId: 'INC-TRAIL',
        victim,
        at: new Date(now).toISOString(),
        kind: 'transfer',
        suspectNumbers: ['+77011110002'],
      },
    });
    assert.equal(filed.statusCode, 202, filed.body);
    const { id } = (await as(analyst, 'POST', '/v1/cases', { title: 'Incident trail' })).json() as { id: string };
    const added = await as(analyst, 'POST', `/v1/cases/${id}/items`, {
      items: [{ type: 'incident', value: 'HALYK/INC-TRAIL' }],
    });
    assert.equal(added.statusCode, 201, added.body);
    const contactsOf = async (cookie: string) => {
      const r = await as(cookie, 'GET', `/v1/cases/${id}/export`);
      assert.equal(r.statusCode, 200, r.body);
      const files = unzipSync(new Uint8Array(r.rawPayload));
      return (
        parse(new TextDecoder().decode(files['incident_contacts.csv']), { columns: true }) as Record<string, string>[]
      )
        .map((c) => c.number)
        .sort();
    };
    const whole = ['+77011110002', '+77471234567', '+79161234567'];
    assert.deepEqual(await contactsOf(analyst), whole);
    assert.deepEqual(await contactsOf(beelineAnalyst), whole, "the victim's operator sees the whole trail");
    assert.deepEqual(await contactsOf(kcellAnalyst), ['+77011110002'], "the suspect's operator sees its own SIM only");
    // The incident's content was digested when cited, and is unchanged at export.
    const manifest = JSON.parse(
      new TextDecoder().decode(
        unzipSync(new Uint8Array((await as(analyst, 'GET', `/v1/cases/${id}/export`)).rawPayload))['manifest.json'],
      ),
    ) as { citedRecords: unknown };
    assert.deepEqual(manifest.citedRecords, {
      checked: 1,
      unchanged: 1,
      notRecorded: 0,
      changedSinceCitation: [],
      updatedByPlatform: [],
    });
  });

  it("exports who decided an alert and the operator's answer to its SIM suspension request, scoped per operator", async () => {
    // A fraud-caller SIM of Kcell's, raised from Kcell's and Beeline's CDRs: both operators see the alert.
    await t.app.sql.query(
      `insert into alerts (id, kind, msisdn, imsi, imei, score, evidence, first_seen, last_seen, owner_operator, operators)
       values ('alr_caller9', 'fraud_caller', '+77019990000', '401020000009999', '359999999999999', 0.72, '{"rules":[]}',
               '2026-03-01T04:00:00Z', '2026-03-01T05:00:00Z', 'KCELL', '{BEELINE,KCELL}')`,
    );
    const reason = 'протокол осмотра: SIM в колл-центре на ул. Абая 10';
    const confirmed = await as(analyst, 'POST', '/v1/alerts/alr_caller9/confirm', { reason });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const decided = confirmed.json() as { decidedBy: string; decidedAt: string };
    const kcellKey = await t.keyFor('KCELL');
    const pulled = (await t.request('GET', '/v1/sim-suspensions?since=0', { token: kcellKey })).json() as {
      items: { id: string; alertId: string; createdAt: string; deadline: string }[];
    };
    const request = pulled.items.find((i) => i.alertId === 'alr_caller9');
    assert.ok(request, 'the confirmation asked Kcell to suspend the SIM');
    const note = 'SIM заблокирована 03.03, абонент — ТОО «Ромашка»';
    const acked = await t.request('POST', `/v1/sim-suspensions/${request.id}/ack`, {
      token: kcellKey,
      body: { outcome: 'suspended', note },
    });
    assert.equal(acked.statusCode, 200, acked.body);
    const ack = acked.json() as { ackedAt: string; ackedBy: string };

    const opened = await as(analyst, 'POST', '/v1/cases', { title: 'Колл-центр', from: { alertId: 'alr_caller9' } });
    assert.equal(opened.statusCode, 201, opened.body);
    const { id } = opened.json() as { id: string };
    const exported = async (cookie: string) => {
      const r = await as(cookie, 'GET', `/v1/cases/${id}/export`);
      assert.equal(r.statusCode, 200, r.body);
      const files = unzipSync(new Uint8Array(r.rawPayload));
      const manifest = JSON.parse(new TextDecoder().decode(files['manifest.json'])) as {
        files: { name: string; sha256: string; bytes: number }[];
      };
      for (const f of manifest.files) {
        assert.equal(createHash('sha256').update(files[f.name]).digest('hex'), f.sha256, f.name);
        assert.equal(files[f.name].byteLength, f.bytes, f.name);
      }
      const rows = parse(new TextDecoder().decode(files['alerts.csv']), { columns: true }) as Record<string, string>[];
      const row = rows.find((a) => a.id === 'alr_caller9');
      assert.ok(row, 'the alert is in alerts.csv');
      return { row, rows, pdf: Buffer.from(files['summary.pdf']) };
    };

    const { row, pdf } = await exported(analyst);
    assert.equal(row.status, 'confirmed');
    assert.equal(row.decided_by, decided.decidedBy);
    assert.match(row.decided_by, /^user:/);
    assert.equal(row.decided_at, decided.decidedAt);
    assert.equal(row.decision_reason, reason);
    assert.equal(row.suspension_id, request.id);
    assert.equal(row.suspension_operator, 'KCELL');
    assert.equal(row.suspension_status, 'suspended');
    assert.equal(row.suspension_requested_at, request.createdAt);
    assert.equal(row.suspension_requested_by, decided.decidedBy);
    assert.equal(row.suspension_deadline, request.deadline);
    assert.equal(row.suspension_overdue, 'false');
    assert.equal(row.suspension_acked_at, ack.ackedAt);
    assert.equal(row.suspension_acked_by, ack.ackedBy);
    assert.match(row.suspension_acked_by, /^operator:KCELL:/);
    assert.equal(row.suspension_ack_late, 'false');
    assert.equal(row.suspension_note, note);
    for (const column of ['decided_at', 'suspension_requested_at', 'suspension_deadline', 'suspension_acked_at'])
      assert.match(row[column], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, `${column} in ISO UTC`);
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');

    // Kcell, asked to suspend, sees its own answer; Beeline sees the alert, the decision and that the
    // SIM was suspended (as its console shows it), not Kcell's note or who at Kcell answered.
    assert.equal((await exported(kcellAnalyst)).row.suspension_note, note);
    const beeline = (await exported(beelineAnalyst)).row;
    assert.equal(beeline.decision_reason, reason);
    assert.equal(beeline.suspension_id, request.id);
    assert.equal(beeline.suspension_status, 'suspended');
    assert.equal(beeline.suspension_acked_at, ack.ackedAt);
    assert.equal(beeline.suspension_note, '');
    assert.equal(beeline.suspension_acked_by, '');
    const beelineAlert = (await as(beelineAnalyst, 'GET', '/v1/alerts/alr_caller9')).json() as {
      suspension: { status: string; note: string | null };
    };
    assert.deepEqual(
      { status: beelineAlert.suspension.status, note: beelineAlert.suspension.note },
      { status: beeline.suspension_status, note: null },
    );

    // Past its deadline, an unanswered request is overdue in the export.
    await t.app.sql.query(
      `insert into alerts (id, kind, msisdn, score, evidence, owner_operator, operators)
       values ('alr_caller8', 'fraud_caller', '+77019990008', 0.7, '{"rules":[]}', 'KCELL', '{KCELL}')`,
    );
    assert.equal((await as(analyst, 'POST', '/v1/alerts/alr_caller8/confirm', { reason: 'seen' })).statusCode, 200);
    await as(analyst, 'POST', `/v1/cases/${id}/items`, { items: [{ type: 'alert', value: 'alr_caller8' }] });
    // One confirmed by the first analyst and later dismissed by another: the request stays Aigerim's.
    await t.app.sql.query(
      `insert into alerts (id, kind, msisdn, score, evidence, owner_operator, operators)
       values ('alr_caller7', 'fraud_caller', '+77019990007', 0.7, '{"rules":[]}', 'KCELL', '{KCELL}')`,
    );
    assert.equal((await as(analyst, 'POST', '/v1/alerts/alr_caller7/confirm', { reason: 'seen' })).statusCode, 200);
    await as(analyst, 'POST', `/v1/cases/${id}/items`, { items: [{ type: 'alert', value: 'alr_caller7' }] });
    t.advance(30 * 86_400_000);
    // A month on, the morning's sessions have lapsed: a colleague signs in.
    const dana = await user('dana', 'analyst');
    const dismissed = await as(dana, 'POST', '/v1/alerts/alr_caller7/dismiss', { reason: 'corporate line' });
    assert.equal(dismissed.statusCode, 200, dismissed.body);
    const later = await exported(dana);
    const unanswered = later.rows.find((a) => a.id === 'alr_caller8');
    assert.equal(later.row.suspension_overdue, 'false', 'an answered request is never overdue');
    assert.equal(unanswered?.suspension_status, 'requested');
    assert.equal(unanswered?.suspension_overdue, 'true');
    const withdrawn = later.rows.find((a) => a.id === 'alr_caller7');
    assert.equal(withdrawn?.status, 'dismissed');
    assert.equal(withdrawn?.decided_by, (dismissed.json() as { decidedBy: string }).decidedBy);
    assert.equal(withdrawn?.decision_reason, 'corporate line');
    assert.equal(withdrawn?.suspension_status, 'cancelled');
    assert.equal(withdrawn?.suspension_requested_by, decided.decidedBy, 'who confirmed it, from the audit log');
    assert.equal(withdrawn?.suspension_overdue, 'false');
  });
});
