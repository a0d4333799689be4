/**
 * Every look at personal data is audited: this walks the server's whole route table (Fastify's
 * printRoutes), calls every GET route as an admin and as a console analyst with data in place,
 * and fails for any route whose answer carries subscriber data (msisdn, IMSI, IMEI, reporter
 * numbers, raw CDR rows) when the audit log did not grow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CdrLines } from '../cdr/test-support.ts';
import { type ConsoleTestApp, startConsoleTestApp } from '../console/test-support.ts';
import { simBoxCdrs } from '../datapath/test-support.ts';

/** Routes that answer no subscriber data whatever is stored (each with why). */
const noPersonalData: Record<string, string> = {
  '/healthz': 'dependency health',
  '/metrics': 'counters',
  '/openapi.json': 'the API description',
  '*': 'the console page and unknown paths',
  '/v1/audit/verify': 'hash-chain status',
  '/v1/console/me': "the caller's own account",
  '/v1/console/operators': 'operator names',
  '/v1/operators': 'operator names',
  '/v1/stats': 'aggregate counts',
  '/v1/stats/detection': 'aggregate counts',
  '/v1/detection/status': 'detector runs',
  '/v1/admin/report-channels': 'channel names',
  '/v1/admin/operators/:id/keys': 'API key prefixes',
  '/v1/admin/stir/certificates': 'operator certificates',
  '/v1/links/phishing': 'domains',
};

/** The paths of every GET route, from Fastify's route tree. */
function getRoutes(tree: string): string[] {
  const paths: string[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.replace(/\u00a0/g, ' '));
    if (!match) continue;
    const depth = match[1].length / 4;
    while (stack.length > 0 && stack[stack.length - 1].depth >= depth) stack.pop();
    const parent = stack[stack.length - 1]?.path ?? '';
    const path = parent + match[2];
    stack.push({ depth, path });
    if (match[3]?.split(',').some((m) => m.trim() === 'GET')) paths.push(path);
  }
  return paths;
}

/** Keys and values that are subscriber data. */
const personalKey = /^(msisdn|imsi|imei|reporterNumber|reporter_number|reporter|reporterKey|raw|msisdns|imsis|imeis)$/i;
const seededSubscriberData = [
  '+77011000001',
  '77011000001',
  '401770000000001',
  '35693803564380',
  '+77015550199',
  // The SIM-box: its numbers, SIMs and devices.
  '+77019000000',
  '77019000000',
  '401010000000000',
  '861111111111110',
];

function carriesPersonalData(body: string): string | undefined {
  for (const value of seededSubscriberData) if (body.includes(value)) return `contains ${value}`;
  try {
    let found: string | undefined;
    JSON.parse(body, (key, value) => {
      if (personalKey.test(key) && value !== null && value !== '' && typeof value !== 'object') found ??= key;
      return value;
    });
    return found ? `has "${found}"` : undefined;
  } catch {
    return undefined;
  }
}

describe('personal-data looks are audited', () => {
  let t: ConsoleTestApp;
  let analyst: string;
  let kcell: string;
  const ids: Record<string, string> = {};

  before(async () => {
    t = await startConsoleTestApp();
    analyst = await t.user('walker', 'analyst');
    kcell = (await t.admin('POST', '/v1/admin/operators/KCELL/keys', {})).json().apiKey as string;
    const withKey = (key: string, url: string, body: unknown) =>
      t.app.http.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
    // Subscriber data everywhere it can be: CDRs (and a quarantined row), a citizen report with the
    // reporter's verified number, a decision about the number.
    const file = new CdrLines('KCELL', 1)
      .voice('+77011000001', 'out', '+77051000001', 0, 60, 'ALA-1', {
        imsi: '401770000000001',
        imei: '35693803564380',
      })
      .raw('k-bad-1,KCELL,voice,out,+77011000001,+77051000000,401770000000001,35693803564380,ALA-1,not-a-time,60,1,,');
    const upload = await t.app.http.inject({
      method: 'POST',
      url: '/v1/cdr',
      headers: { authorization: `Bearer ${kcell}`, 'content-type': 'text/csv' },
      payload: file.text(),
    });
    assert.equal(upload.statusCode, 200, upload.body);
    ids.uploadId = upload.json().uploadId;
    const channel = await t.admin('POST', '/v1/admin/report-channels', { id: 'walk-bot', name: 'walk', kind: 'bot' });
    const report = await withKey(channel.json().apiKey, '/v1/reports', {
      number: '+77011000001',
      channel: 'call',
      category: 'bank',
      reporterNumber: '+77015550199',
    });
    assert.equal(report.statusCode, 202, report.body);
    const decision = await withKey(kcell, '/v1/calls/verify', {
      callId: 'walk-1',
      a: '+77011000001',
      b: '+77051000001',
      at: new Date().toISOString(),
      ingress: 'domestic',
    });
    ids.decisionId = decision.json().decisionId;
    // The subscriber is abroad: the home operator registers where.
    const roaming = await t.app.http.inject({
      method: 'PUT',
      url: '/v1/roaming/%2B77011000001',
      headers: { authorization: `Bearer ${kcell}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ visitedCountry: 'TR', since: new Date(Date.now() - 3_600_000).toISOString() }),
    });
    assert.equal(roaming.statusCode, 200, roaming.body);
    // A SIM-box the detectors find: alerts, suspension requests, blocked devices, a case.
    const simBox = await t.app.http.inject({
      method: 'POST',
      url: '/v1/cdr',
      headers: { authorization: `Bearer ${kcell}`, 'content-type': 'text/csv' },
      payload: simBoxCdrs('KCELL', 1000).text(),
    });
    assert.equal(simBox.statusCode, 200, simBox.body);
    assert.equal((await t.admin('POST', '/v1/detection/run', {})).statusCode < 300, true);
    const alerts = (await t.admin('GET', '/v1/alerts')).json().items as { id: string }[];
    assert.ok(alerts.length > 0, 'the detectors raised an alert');
    ids.alertId = alerts[0].id;
    const opened = await t.admin('POST', '/v1/cases', { title: 'SIM-box', from: { alertId: ids.alertId } });
    assert.equal(opened.statusCode, 201, opened.body);
    ids.caseId = opened.json().id;
  });
  after(() => t?.close());

  const auditCount = async () =>
    Number((await t.app.sql.query<{ n: number }>('select count(*)::int as n from audit_log')).rows[0].n);

  function concrete(path: string): string {
    // The link graph needs where to start from.
    if (path === '/v1/links') return '/v1/links?type=number&value=%2B77011000001';
    return path
      .replace(':number', '%2B77011000001')
      .replace(':msisdn', '%2B77011000001')
      .replace(':decisionId', ids.decisionId ?? 'x')
      .replace(':list', 'blocklist')
      .replace(/^\/v1\/alerts\/:id/, `/v1/alerts/${ids.alertId}`)
      .replace(/^\/v1\/cases\/:id/, `/v1/cases/${ids.caseId}`)
      .replace(':id', ids.uploadId ?? 'x');
  }

  it('walks every GET route and finds an audit entry wherever subscriber data is answered', async () => {
    // Feeds record the same look by the same person once per 10 minutes: the seeding's looks are older.
    t.advance(11 * 60_000);
    const routes = getRoutes(t.app.http.printRoutes({ commonPrefix: false }));
    assert.ok(routes.includes('/v1/reports/numbers/:number'), routes.join(' '));
    assert.ok(routes.includes('/v1/cdr/quarantine'));
    const unaudited: string[] = [];
    const seen: string[] = [];
    for (const path of routes) {
      if (path in noPersonalData || path.startsWith('/public/') || path.startsWith('/stir/')) continue;
      for (const who of ['admin', 'analyst'] as const) {
        const before = await auditCount();
        const url = concrete(path);
        const r = who === 'admin' ? await t.admin('GET', url) : await t.as(analyst, 'GET', url);
        const personal = r.statusCode < 300 ? carriesPersonalData(r.body) : undefined;
        if (!personal) continue;
        seen.push(path);
        if ((await auditCount()) === before) unaudited.push(`${path} as ${who}: ${personal}`);
      }
    }
    assert.deepEqual(unaudited, [], `subscriber data answered without an audit entry:\n${unaudited.join('\n')}`);
    // The walk did see the data it is about.
    for (const path of [
      '/v1/reports/numbers/:number',
      '/v1/cdr/quarantine',
      '/v1/alerts',
      '/v1/alerts/:id',
      '/v1/cases/:id/graph',
      '/v1/roaming/:msisdn',
      '/v1/links',
    ]) {
      assert.ok(seen.includes(path), `${path} answered no subscriber data in the walk (seen: ${seen.join(' ')})`);
    }
  });

  it("records who read a number's reports and who read raw quarantined rows", async () => {
    assert.equal((await t.as(analyst, 'GET', '/v1/reports/numbers/%2B77011000001')).statusCode, 200);
    assert.equal((await t.as(analyst, 'GET', `/v1/cdr/quarantine?uploadId=${ids.uploadId}`)).statusCode, 200);
    const { rows } = await t.app.sql.query<{ actor: string; action: string; target: string }>(
      'select actor, action, target from audit_log order by seq desc limit 2',
    );
    assert.deepEqual(
      rows.map((r) => [r.actor, r.action, r.target]),
      [
        ['user:walker', 'cdr.quarantine.read', ids.uploadId],
        ['user:walker', 'reports.read', '+77011000001'],
      ],
    );
  });

  it("records who read a subscriber's roaming registration", async () => {
    const read = await t.admin('GET', '/v1/roaming/%2B77011000001');
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().visitedCountry, 'TR');
    const { rows } = await t.app.sql.query<{ actor: string; action: string; target: string }>(
      'select actor, action, target from audit_log order by seq desc limit 1',
    );
    assert.deepEqual(
      rows.map((r) => [r.actor, r.action, r.target]),
      [['admin', 'roaming.read', '+77011000001']],
    );
  });

  it("records an operator's API key reading alerts, as that key", async () => {
    const withKey = (url: string) =>
      t.app.http.inject({ method: 'GET', url, headers: { authorization: `Bearer ${kcell}` } });
    const list = await withKey('/v1/alerts');
    assert.equal(list.statusCode, 200, list.body);
    assert.ok(carriesPersonalData(list.body), 'the operator sees its subscribers in the alerts');
    const one = await withKey(`/v1/alerts/${ids.alertId}`);
    assert.equal(one.statusCode, 200, one.body);
    const { rows } = await t.app.sql.query<{ actor: string; action: string; target: string }>(
      "select actor, action, target from audit_log where actor like 'operator:KCELL:%' order by seq desc limit 2",
    );
    assert.deepEqual(
      rows.map((r) => [r.action, r.target]),
      [
        ['alert.view', ids.alertId],
        ['alerts.list', '*'],
      ],
    );
  });

  it('names the operator a key is held to when it reads quarantined rows, not the operator its query asked for', async () => {
    const read = await t.app.http.inject({
      method: 'GET',
      url: '/v1/cdr/quarantine?operator=TELE2',
      headers: { authorization: `Bearer ${kcell}` },
    });
    assert.equal(read.statusCode, 200, read.body);
    assert.ok(read.json().items.length > 0, "the key was answered its own operator's rows");
    const { rows } = await t.app.sql.query<{ actor: string; action: string; target: string }>(
      'select actor, action, target from audit_log order by seq desc limit 1',
    );
    assert.match(rows[0].actor, /^operator:KCELL:/);
    assert.deepEqual([rows[0].action, rows[0].target], ['cdr.quarantine.read', 'KCELL']);
  });

  it('names the time filter of a link-graph look', async () => {
    const from = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const to = new Date(Date.now() + 86_400_000).toISOString();
    const read = await t.as(
      analyst,
      'GET',
      `/v1/links?type=imei&value=35693803564380&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    );
    assert.equal(read.statusCode, 200, read.body);
    const { rows } = await t.app.sql.query<{ actor: string; action: string; target: string; details: unknown }>(
      'select actor, action, target, details from audit_log order by seq desc limit 1',
    );
    const { actor, action, target, details } = rows[0];
    assert.deepEqual([actor, action, target], ['user:walker', 'links.graph', 'imei:35693803564380']);
    assert.equal((details as { from?: string }).from, from);
    assert.equal((details as { to?: string }).to, to);
  });
});
