/**
 * The OpenAPI document (GET /openapi.json) is what an operator generates its client from: every
 * served route is in it with its security and its error answers, and the real answers of the
 * operators' main routes (through the real server, wire path included) match the documented schemas.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Ajv2020Module from 'ajv/dist/2020.js';
import { startTestApp, type TestApp, testAdminToken } from './test-app.ts';

type Operation = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { description?: string; content?: Record<string, { schema: object }> }>;
};
type Document = {
  openapi: string;
  security?: Array<Record<string, string[]>>;
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
};

/** [method, path] of every route, from Fastify's own tree (printRoutes without a common prefix). */
function servedRoutes(tree: string): Array<[string, string]> {
  const routes: Array<[string, string]> = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    stack.length = depth;
    stack[depth] = (stack[depth - 1] ?? '') + m[2];
    if (m[3]) for (const method of m[3].split(', ')) if (method !== 'HEAD') routes.push([method, stack[depth]]);
  }
  return routes;
}

/** Served but not API: the console's and the citizens' static pages, and the document itself. */
const staticRoutes = new Set(['/openapi.json', '/public/', '/public/app.js', '/public/style.css', '*']);

let t: TestApp;
let base: string;
let doc: Document;
// The CommonJS module's default export is the class.
const Ajv2020 = Ajv2020Module as unknown as typeof Ajv2020Module.default;
const ajv = new Ajv2020({ strict: false, allErrors: true });

before(async () => {
  t = await startTestApp({ webhookAllowHosts: '127.0.0.1' });
  base = await t.app.http.listen({ port: 0, host: '127.0.0.1' });
  doc = (await t.request('GET', '/openapi.json')).json();
});
after(() => t.close());

/**
 * Sends a real request and checks its answer against the documented response of its status: a 204
 * must be documented as itself (under a `2XX` a generated client expects a JSON body), any other
 * status may fall under its class (`2XX`, `4XX`) unless `exact`.
 */
async function exchange(
  method: string,
  path: string,
  template: string,
  options: { token?: string; body?: unknown; raw?: string; contentType?: string; exact?: boolean } = {},
) {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.contentType) headers['content-type'] = options.contentType;
  const response = await fetch(base + path, {
    method,
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  const status = response.status;
  const operation = doc.paths[template]?.[method.toLowerCase()];
  assert.ok(operation, `${method} ${template} is documented`);
  const exact = options.exact || status === 204;
  const documented =
    operation.responses[String(status)] ??
    (exact ? undefined : (operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default));
  assert.ok(documented, `${method} ${template}: status ${status} is documented (${text.slice(0, 200)})`);
  const body = text === '' ? undefined : JSON.parse(text);
  if (status === 204) {
    assert.equal(text, '', `${method} ${template}: 204 without a body`);
    assert.equal(documented.content, undefined, `${method} ${template}: 204 documented without a body`);
  } else {
    const schema = documented.content?.['application/json']?.schema;
    assert.ok(schema, `${method} ${template} ${status}: a documented JSON schema`);
    const validate = ajv.compile(schema);
    assert.ok(
      validate(body),
      `${method} ${template} ${status}: ${text.slice(0, 300)} does not match: ${ajv.errorsText(validate.errors)}`,
    );
  }
  return { status, body, headers: response.headers };
}

/** The error answer of an operation at a status, as documented (`{"error":{"code","message"}}`). */
function documentedError(path: string, method: string, status: string) {
  const response = doc.paths[path]?.[method]?.responses[status];
  const schema = response?.content?.['application/json']?.schema as {
    properties?: { error?: { required?: string[] } };
  };
  assert.deepEqual(schema?.properties?.error?.required, ['code', 'message'], `${method} ${path} ${status}`);
  return response;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3 with unique operation ids, declared path parameters and resolvable references', () => {
    assert.match(doc.openapi, /^3\.\d+\.\d+$/);
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (operation.operationId) {
          assert.ok(!ids.has(operation.operationId), `operationId ${operation.operationId} is unique`);
          ids.add(operation.operationId);
        }
        const declared = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        for (const [, name] of path.matchAll(/\{(\w+)\}/g))
          assert.ok(declared.includes(name), `${method} ${path}: path parameter ${name} declared`);
      }
    }
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]*)"/g)) {
      let node: unknown = doc;
      for (const part of ref.split('/')) node = (node as Record<string, unknown>)?.[part];
      assert.ok(node, `$ref #/${ref} resolves`);
    }
  });

  it('documents every served route with its security and its error answers', () => {
    const served = servedRoutes(t.app.http.printRoutes({ commonPrefix: false })).filter(
      ([, path]) => !staticRoutes.has(path),
    );
    assert.ok(served.length > 80, 'the route list was read');
    const schemes = Object.keys(doc.components.securitySchemes);
    assert.deepEqual(schemes.sort(), ['bearer', 'cookie']);
    for (const [method, path] of served) {
      const template = path.replace(/:(\w+)/g, '{$1}');
      const operation = doc.paths[template]?.[method.toLowerCase()];
      assert.ok(operation, `${method} ${template} is documented`);
      const security = operation.security ?? doc.security;
      assert.ok(Array.isArray(security), `${method} ${template}: security`);
      for (const requirement of security)
        for (const scheme of Object.keys(requirement)) assert.ok(schemes.includes(scheme), `${method} ${template}`);
      const statuses = Object.keys(operation.responses);
      assert.ok(
        statuses.some((s) => s.startsWith('2')),
        `${method} ${template}: a success answer`,
      );
      for (const status of ['400', '500']) {
        const schema = operation.responses[status]?.content?.['application/json']?.schema as {
          properties?: { error?: { required?: string[] } };
        };
        assert.deepEqual(schema?.properties?.error?.required, ['code', 'message'], `${method} ${template} ${status}`);
      }
      const open = security.length === 0 || security.some((r) => Object.keys(r).length === 0);
      if (!open)
        for (const status of ['401', '403']) assert.ok(operation.responses[status], `${method} ${template} ${status}`);
      if (template.includes('{')) assert.ok(operation.responses['404'], `${method} ${template} 404`);
      if (['POST', 'PUT', 'PATCH'].includes(method))
        for (const status of ['413', '415']) assert.ok(operation.responses[status], `${method} ${template} ${status}`);
    }
    // The operators' and banks' routes take an API key, not a console session.
    for (const [method, path] of [
      ['post', '/v1/calls/verify'],
      ['post', '/v1/calls/originate'],
      ['post', '/v1/sms/verify'],
      ['post', '/v1/cdr'],
      ['put', '/v1/roaming/{msisdn}'],
      ['post', '/v1/bank/incidents'],
    ])
      assert.deepEqual(doc.paths[path][method].security, [{ bearer: [] }], `${method} ${path}`);
    assert.deepEqual(doc.paths['/public/v1/reports'].post.security, []);
    assert.ok(doc.paths['/public/v1/reports'].post.responses['429']);
  });

  it('documents the changes of a case as 204 without a body, and the conflicts of an edit', () => {
    for (const [method, path] of [
      ['patch', '/v1/cases/{id}'],
      ['post', '/v1/cases/{id}/transition'],
      ['post', '/v1/cases/{id}/notes'],
      ['delete', '/v1/cases/{id}/items/{type}/{value}'],
    ]) {
      const responses = doc.paths[path][method].responses;
      const successes = Object.keys(responses).filter((s) => s.startsWith('2'));
      assert.deepEqual(successes, ['204'], `${method} ${path}: 204 is its only success`);
      assert.equal(responses['204'].content, undefined, `${method} ${path}: 204 without a body`);
      documentedError(path, method, '404');
    }
    assert.match(documentedError('/v1/cases/{id}', 'patch', '409')?.description ?? '', /CONFLICT/);
    assert.match(documentedError('/v1/cases/{id}/transition', 'post', '409')?.description ?? '', /INVALID_TRANSITION/);
  });

  it('documents the removals and the logout as 204 without a body, and answers so', async () => {
    const removals: Array<[string, string]> = [
      ['post', '/v1/console/logout'],
      ['delete', '/v1/admin/sms-senders/{senderId}'],
      ['delete', '/v1/admin/operators/{id}/keys/{keyId}'],
      ['delete', '/v1/admin/banks/{id}/keys/{keyId}'],
      ['delete', '/v1/channel/dno/{number}'],
      ['delete', '/v1/roaming/{msisdn}'],
    ];
    for (const [method, path] of removals) {
      const responses = doc.paths[path][method].responses;
      const successes = Object.keys(responses).filter((s) => s.startsWith('2'));
      assert.deepEqual(successes, ['204'], `${method} ${path}: 204 is its only success`);
      assert.equal(responses['204'].content, undefined, `${method} ${path}: 204 without a body`);
    }
    const admin = { token: testAdminToken, exact: true };
    assert.equal((await exchange('POST', '/v1/console/logout', '/v1/console/logout', { exact: true })).status, 204);
    const sender = '/v1/admin/sms-senders/OPENAPI';
    const senderTemplate = '/v1/admin/sms-senders/{senderId}';
    const registered = await exchange('PUT', sender, senderTemplate, {
      ...admin,
      body: { owner: 'OpenAPI test', routes: ['domestic'] },
    });
    assert.equal(registered.status, 201);
    assert.equal((await exchange('DELETE', sender, senderTemplate, admin)).status, 204);
    assert.equal((await exchange('DELETE', sender, senderTemplate, admin)).status, 404);
    const key = await t.request('POST', '/v1/admin/operators/KCELL/keys', { token: testAdminToken, body: {} });
    assert.equal(key.statusCode, 201);
    const keyPath = `/v1/admin/operators/KCELL/keys/${key.json().id}`;
    const keyTemplate = '/v1/admin/operators/{id}/keys/{keyId}';
    assert.equal((await exchange('DELETE', keyPath, keyTemplate, admin)).status, 204);
    assert.equal((await exchange('DELETE', keyPath, keyTemplate, admin)).status, 404);
    const bank = await t.request('POST', '/v1/admin/banks', {
      token: testAdminToken,
      body: { id: 'OPENAPI_BANK', name: 'OpenAPI bank' },
    });
    assert.equal(bank.statusCode, 201);
    const bankKey = await t.request('POST', '/v1/admin/banks/OPENAPI_BANK/keys', { token: testAdminToken, body: {} });
    assert.equal(bankKey.statusCode, 201);
    const bankKeyPath = `/v1/admin/banks/OPENAPI_BANK/keys/${bankKey.json().id}`;
    const bankKeyTemplate = '/v1/admin/banks/{id}/keys/{keyId}';
    assert.equal((await exchange('DELETE', bankKeyPath, bankKeyTemplate, admin)).status, 204);
    assert.equal((await exchange('DELETE', bankKeyPath, bankKeyTemplate, admin)).status, 404);
  });

  it("documents the webhooks as an operator's or a bank's, with their error codes", () => {
    const routes: Array<[string, string, string[]]> = [
      ['post', '/v1/webhooks', ['201', '400', '401', '403']],
      ['get', '/v1/webhooks', ['200', '401', '403']],
      ['delete', '/v1/webhooks/{id}', ['204', '401', '403', '404']],
      ['get', '/v1/webhooks/{id}/deliveries', ['200', '401', '403', '404']],
    ];
    for (const [method, path, statuses] of routes) {
      const operation = doc.paths[path][method];
      // An API key: a console session or the admin token gets 403.
      assert.deepEqual(operation.security, [{ bearer: [] }], `${method} ${path}`);
      for (const status of statuses)
        if (status.startsWith('2')) assert.ok(operation.responses[status], `${method} ${path} ${status}`);
        else documentedError(path, method, status);
    }
    assert.match(documentedError('/v1/webhooks', 'post', '400')?.description ?? '', /URL_NOT_ALLOWED/);
    assert.match(documentedError('/v1/webhooks', 'get', '403')?.description ?? '', /operator or bank/);
    assert.equal(doc.paths['/v1/webhooks/{id}'].delete.responses['204'].content, undefined);
  });

  it("documents the public report's proof of work and rate limit", () => {
    assert.match(documentedError('/public/v1/reports', 'post', '428')?.description ?? '', /PROOF_OF_WORK_REQUIRED/);
    assert.match(documentedError('/public/v1/reports', 'post', '429')?.description ?? '', /RATE_LIMITED/);
  });

  it("validates the real answers of the operators' main routes", async () => {
    const kcell = await t.keyFor('KCELL');
    const beeline = await t.keyFor('BEELINE');
    const at = new Date().toISOString();
    const call = { callId: 'c-1', a: '+77011234567', b: '+77051234567', at };
    // Calls.
    assert.equal(
      (await exchange('POST', '/v1/calls/originate', '/v1/calls/originate', { token: kcell, body: call })).status,
      202,
    );
    const notOwner = await exchange('POST', '/v1/calls/originate', '/v1/calls/originate', {
      token: beeline,
      body: call,
    });
    assert.equal(notOwner.status, 403);
    assert.equal(notOwner.body.error.code, 'NOT_NUMBER_OWNER');
    const verify = { ...call, ingress: 'domestic', fromOperator: 'KCELL' };
    assert.equal(
      (await exchange('POST', '/v1/calls/verify', '/v1/calls/verify', { token: beeline, body: verify })).status,
      200,
    );
    assert.equal((await exchange('POST', '/v1/calls/verify', '/v1/calls/verify', { body: verify })).status, 401);
    assert.equal(
      (await exchange('POST', '/v1/calls/verify', '/v1/calls/verify', { token: testAdminToken, body: verify })).status,
      403,
    );
    assert.equal(
      (await exchange('POST', '/v1/calls/verify', '/v1/calls/verify', { token: beeline, body: { a: 1 } })).status,
      400,
    );
    assert.equal(
      (
        await exchange('POST', '/v1/calls/verify', '/v1/calls/verify', {
          token: beeline,
          raw: '{',
          contentType: 'application/json',
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await exchange('POST', '/v1/calls/verify', '/v1/calls/verify', {
          token: beeline,
          raw: 'x',
          contentType: 'application/xml',
        })
      ).status,
      415,
    );
    const batch = await exchange('POST', '/v1/calls/verify/batch', '/v1/calls/verify/batch', {
      token: beeline,
      body: { calls: [verify, { ...verify, a: 'nonsense', callId: 'c-2' }, { callId: 'c-3' }] },
    });
    assert.equal(batch.status, 200);
    assert.equal(batch.body.results.length, 3);
    const originateBatch = await exchange('POST', '/v1/calls/originate/batch', '/v1/calls/originate/batch', {
      token: kcell,
      body: {
        calls: [
          { ...call, callId: 'c-4' },
          { ...call, a: '+77051234567', callId: 'c-5' },
        ],
      },
    });
    assert.equal(originateBatch.status, 200);
    // SMS.
    const sms = { messageId: 'm-1', sender: 'KASPI', b: '+77051234567', at, ingress: 'domestic', text: 'hello' };
    assert.equal(
      (await exchange('POST', '/v1/sms/verify', '/v1/sms/verify', { token: beeline, body: sms })).status,
      200,
    );
    assert.equal(
      (
        await exchange('POST', '/v1/sms/verify', '/v1/sms/verify', {
          token: beeline,
          body: { ...sms, sender: '!!!!!!!!!!!!!!!!' },
        })
      ).status,
      400,
    );
    const smsBatch = await exchange('POST', '/v1/sms/verify/batch', '/v1/sms/verify/batch', {
      token: beeline,
      body: { messages: [sms, { ...sms, sender: '' }] },
    });
    assert.equal(smsBatch.status, 200);
    // Lists.
    assert.equal(
      (await exchange('GET', '/v1/lists/blocklist?since=0', '/v1/lists/{list}', { token: beeline })).status,
      200,
    );
    assert.equal(
      (await exchange('GET', '/v1/lists/nolist?since=0', '/v1/lists/{list}', { token: beeline })).status,
      404,
    );
    assert.equal(
      (await exchange('GET', '/v1/lists/blocklist?since=x', '/v1/lists/{list}', { token: beeline })).status,
      400,
    );
    // CDRs.
    const csv =
      'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route\n' +
      `r1,KCELL,voice,out,+77011234567,+77051234567,,,c1,${at},30,1,,\nr2,KCELL,voice,sideways,+77011234567,,,,c1,${at},30,1,,\n`;
    const cdr = await exchange('POST', '/v1/cdr', '/v1/cdr', { token: kcell, raw: csv, contentType: 'text/csv' });
    assert.equal(cdr.status, 200);
    assert.equal(
      (await exchange('POST', '/v1/cdr', '/v1/cdr', { token: kcell, raw: '{}', contentType: 'application/json' }))
        .status,
      415,
    );
    // Roaming.
    // The registration as answered, under its own documented 200 (not a `2XX` fallback).
    const roaming = { visitedCountry: 'TR', since: at };
    const registered = await exchange('PUT', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', {
      token: kcell,
      body: roaming,
      exact: true,
    });
    assert.equal(registered.status, 200);
    assert.deepEqual(registered.body, { msisdn: '+77011234567', operator: 'KCELL', visitedCountry: 'TR', since: at });
    const read = await exchange('GET', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', {
      token: kcell,
      exact: true,
    });
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, registered.body);
    const until = new Date(Date.parse(at) + 86_400_000).toISOString();
    const bounded = await exchange('PUT', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', {
      token: kcell,
      body: { ...roaming, until },
      exact: true,
    });
    assert.equal(bounded.body.until, until);
    assert.equal(
      (await exchange('PUT', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', { token: beeline, body: roaming }))
        .status,
      403,
    );
    assert.equal(
      (await exchange('DELETE', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', { token: kcell })).status,
      204,
    );
    assert.equal(
      (await exchange('DELETE', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', { token: kcell })).status,
      404,
    );
    // SIM suspensions.
    assert.equal(
      (await exchange('GET', '/v1/sim-suspensions?since=0', '/v1/sim-suspensions', { token: kcell })).status,
      200,
    );
    const ack = { outcome: 'suspended' };
    assert.equal(
      (
        await exchange('POST', '/v1/sim-suspensions/nope/ack', '/v1/sim-suspensions/{id}/ack', {
          token: kcell,
          body: ack,
        })
      ).status,
      404,
    );
    // Webhooks.
    const hook = {
      url: 'http://127.0.0.1:9/hook',
      events: ['potential_victim'],
      secret: 'a-secret-of-some-length-0123456789',
    };
    const created = await exchange('POST', '/v1/webhooks', '/v1/webhooks', { token: kcell, body: hook });
    assert.equal(created.status, 201);
    assert.equal(
      (
        await exchange('POST', '/v1/webhooks', '/v1/webhooks', {
          token: kcell,
          body: { ...hook, url: 'http://10.0.0.1/x' },
        })
      ).status,
      400,
    );
    assert.equal((await exchange('GET', '/v1/webhooks', '/v1/webhooks', { token: kcell })).status, 200);
    const notAnOwner = await exchange('GET', '/v1/webhooks', '/v1/webhooks', { token: testAdminToken, exact: true });
    assert.equal(notAnOwner.status, 403);
    assert.equal(notAnOwner.body.error.code, 'FORBIDDEN');
    assert.equal(
      (await exchange('POST', '/v1/webhooks', '/v1/webhooks', { token: testAdminToken, body: hook, exact: true }))
        .status,
      403,
    );
    const deliveries = `/v1/webhooks/${created.body.id}/deliveries`;
    assert.equal((await exchange('GET', deliveries, '/v1/webhooks/{id}/deliveries', { token: kcell })).status, 200);
    assert.equal(
      (await exchange('GET', deliveries, '/v1/webhooks/{id}/deliveries', { token: beeline, exact: true })).status,
      404,
    );
    assert.equal(
      (await exchange('DELETE', `/v1/webhooks/${created.body.id}`, '/v1/webhooks/{id}', { token: kcell })).status,
      204,
    );
    assert.equal(
      (await exchange('DELETE', `/v1/webhooks/${created.body.id}`, '/v1/webhooks/{id}', { token: kcell, exact: true }))
        .status,
      404,
    );
  });

  it('validates the real answers of the changes of a case', async () => {
    const admin = { token: testAdminToken, exact: true };
    const created = await exchange('POST', '/v1/cases', '/v1/cases', {
      ...admin,
      body: { title: 'SIM-box in Almaty' },
    });
    assert.equal(created.status, 201);
    const path = `/v1/cases/${created.body.id}`;
    const patch = (body: unknown) => exchange('PATCH', path, '/v1/cases/{id}', { ...admin, body });
    assert.equal((await patch({ title: 'SIM-box farm in Almaty' })).status, 204);
    // Someone else changed the title since this editor read it.
    const conflict = await patch({ title: 'Another title', base: { title: 'SIM-box in Almaty' } });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'CONFLICT');
    assert.equal((await patch({ base: { title: 'x' } })).status, 400);
    assert.equal(
      (await exchange('PATCH', '/v1/cases/nope', '/v1/cases/{id}', { ...admin, body: { title: 'x' } })).status,
      404,
    );
    const transition = (to: string) =>
      exchange('POST', `${path}/transition`, '/v1/cases/{id}/transition', { ...admin, body: { to } });
    assert.equal((await transition('investigating')).status, 204);
    const invalid = await transition('new');
    assert.equal(invalid.status, 409);
    assert.equal(invalid.body.error.code, 'INVALID_TRANSITION');
    assert.equal(
      (await exchange('POST', `${path}/notes`, '/v1/cases/{id}/notes', { ...admin, body: { text: 'seen on site' } }))
        .status,
      204,
    );
    const items = await exchange('POST', `${path}/items`, '/v1/cases/{id}/items', {
      ...admin,
      body: { items: [{ type: 'number', value: '+77011234567' }] },
    });
    assert.equal(items.status, 201);
    const item = `${path}/items/number/${encodeURIComponent('+77011234567')}`;
    const template = '/v1/cases/{id}/items/{type}/{value}';
    assert.equal((await exchange('DELETE', item, template, admin)).status, 204);
    assert.equal((await exchange('DELETE', item, template, admin)).status, 404);
    assert.equal((await exchange('DELETE', `${path}/items/number/nonsense`, template, admin)).status, 400);
    assert.equal((await exchange('DELETE', item, template, {})).status, 401);
  });

  it('validates the real answers of a burst of public reports: proof of work, then the rate limit', async () => {
    const report = { number: '+79161110001', channel: 'call', category: 'bank' };
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof exchange>> | undefined;
    // Three free reports an hour from one address, then a proof of work each, then the rate limit.
    for (let i = 0; i < 20 && !limited; i++) {
      const r = await exchange('POST', '/public/v1/reports', '/public/v1/reports', { body: report, exact: true });
      statuses.push(r.status);
      if (r.status === 428) assert.equal(r.body.error.code, 'PROOF_OF_WORK_REQUIRED');
      if (r.status === 429) limited = r;
    }
    assert.deepEqual(statuses.slice(0, 4), [202, 202, 202, 428]);
    assert.ok(limited, `the rate limit is reached: ${statuses.join(' ')}`);
    assert.equal(limited.body.error.code, 'RATE_LIMITED');
    assert.ok(limited.headers.get('retry-after'), 'Retry-After says when to try again');
  });
});

describe('a server that is closing', () => {
  it('refuses a request arriving on an open connection with 503 SHUTTING_DOWN, as documented', async () => {
    const closing = await startTestApp();
    const address = new URL(await closing.app.http.listen({ port: 0, host: '127.0.0.1' }));
    // A request whose head is not complete yet keeps its connection open while the server closes.
    const socket = connect(Number(address.port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.write('GET /healthz HTTP/1.1\r\nHost: callshield\r\n', () => resolve());
    });
    const received: Buffer[] = [];
    socket.on('data', (chunk) => received.push(chunk));
    const answered = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const closed = closing.close();
    // The server stops listening once its close has begun; then the request's head is finished.
    while (closing.app.http.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
    socket.write('\r\n');
    await answered;
    await closed;
    const answer = Buffer.concat(received).toString('utf8');
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
    assert.equal(body.error.code, 'SHUTTING_DOWN');
    const documented = documentedError('/healthz', 'get', '503');
    assert.match(documented?.description ?? '', /SHUTTING_DOWN/);
    const validate = ajv.compile(documented?.content?.['application/json']?.schema as object);
    assert.ok(validate(body), `${JSON.stringify(body)}: ${ajv.errorsText(validate.errors)}`);
  });
});
