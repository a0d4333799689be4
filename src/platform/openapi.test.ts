/**
 * The OpenAPI document (GET /openapi.json) is what an operator generates its client from: every
 * served route is in it with its security and its error answers, and the real answers of the
 * operators' main routes (through the real server, wire path included) match the documented schemas.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Ajv2020Module from 'ajv/dist/2020.js';
import { startTestApp, type TestApp, testAdminToken } from './test-app.ts';

type Operation = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string }>;
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
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

/** Sends a real request and checks its answer against the documented response of its status. */
async function exchange(
  method: string,
  path: string,
  template: string,
  options: { token?: string; body?: unknown; raw?: string; contentType?: string } = {},
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
  const documented =
    operation.responses[String(status)] ?? operation.responses[`${String(status)[0]}XX`] ?? operation.responses.default;
  assert.ok(documented, `${method} ${template}: status ${status} is documented (${text.slice(0, 200)})`);
  const body = text === '' ? undefined : JSON.parse(text);
  if (status === 204) assert.equal(text, '', `${method} ${template}: 204 without a body`);
  else {
    const schema = documented.content?.['application/json']?.schema;
    assert.ok(schema, `${method} ${template} ${status}: a documented JSON schema`);
    const validate = ajv.compile(schema);
    assert.ok(
      validate(body),
      `${method} ${template} ${status}: ${text.slice(0, 300)} does not match: ${ajv.errorsText(validate.errors)}`,
    );
  }
  return { status, body };
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
    const roaming = { visitedCountry: 'TR', since: at };
    assert.equal(
      (await exchange('PUT', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', { token: kcell, body: roaming }))
        .status,
      200,
    );
    assert.equal(
      (await exchange('GET', '/v1/roaming/77011234567', '/v1/roaming/{msisdn}', { token: kcell })).status,
      200,
    );
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
    const deliveries = `/v1/webhooks/${created.body.id}/deliveries`;
    assert.equal((await exchange('GET', deliveries, '/v1/webhooks/{id}/deliveries', { token: kcell })).status, 200);
    assert.equal((await exchange('GET', deliveries, '/v1/webhooks/{id}/deliveries', { token: beeline })).status, 404);
    assert.equal(
      (await exchange('DELETE', `/v1/webhooks/${created.body.id}`, '/v1/webhooks/{id}', { token: kcell })).status,
      204,
    );
    assert.equal(
      (await exchange('DELETE', `/v1/webhooks/${created.body.id}`, '/v1/webhooks/{id}', { token: kcell })).status,
      404,
    );
  });
});
