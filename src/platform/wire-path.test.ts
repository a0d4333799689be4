/**
 * The wire path (wire-path.ts) answers switches' ordinary requests in front of Fastify: each
 * request below is sent once over real HTTP (where the wire path takes those of the ordinary
 * shape) and once through Fastify alone (inject), and both answers must be the same.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from './test-app.ts';
import { parseJsonBody, parseUtf8JsonBody } from './wire-path.ts';

let t: TestApp;
let base: string;
let beeline: string;
let kcell: string;
/** Requests the wire path took. */
let taken = 0;
let seq = 0;

before(async () => {
  t = await startTestApp();
  const wire = t.app.http.wirePath;
  const take = wire.take;
  wire.take = (request, response) => {
    const took = take(request, response);
    if (took) taken++;
    return took;
  };
  beeline = await t.keyFor('BEELINE');
  kcell = await t.keyFor('KCELL');
  base = await t.app.http.listen({ port: 0, host: '127.0.0.1' });
});
after(() => t.close());

interface Sent {
  path: string;
  body: string | Uint8Array;
  token?: string;
  contentType?: string;
}

interface Seen {
  status: number;
  type: string | undefined;
  body: unknown;
}

/** The answer's JSON with its decisionIds (new for every decision) replaced by their shape. */
function comparable(status: number, type: string | undefined, text: string): Seen {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  const shaped = (answer: unknown): unknown => {
    if (!answer || typeof answer !== 'object' || !('decisionId' in answer)) return answer;
    const id = (answer as { decisionId: unknown }).decisionId;
    return { ...answer, decisionId: typeof id === 'string' && id.length === 36 ? 'uuid' : id };
  };
  body = shaped(body);
  // A batch's answers, each with its own decisionId.
  if (body && typeof body === 'object' && Array.isArray((body as { results?: unknown }).results))
    body = { ...body, results: (body as { results: unknown[] }).results.map(shaped) };
  return { status, type, body };
}

const headersOf = (r: Sent): Record<string, string> => ({
  ...(r.token ? { authorization: `Bearer ${r.token}` } : {}),
  'content-type': r.contentType ?? 'application/json',
});

async function overHttp(r: Sent): Promise<Seen> {
  const response = await fetch(base + r.path, { method: 'POST', headers: headersOf(r), body: r.body });
  return comparable(response.status, response.headers.get('content-type') ?? undefined, await response.text());
}

async function throughInject(r: Sent): Promise<Seen> {
  const response = await t.app.http.inject({
    method: 'POST',
    url: r.path,
    headers: headersOf(r),
    payload: typeof r.body === 'string' ? r.body : Buffer.from(r.body),
  });
  const type = response.headers['content-type'];
  return comparable(response.statusCode, typeof type === 'string' ? type : undefined, response.body);
}

/** A call of its own (a fresh caller, so that bursts do not differ between the two sends). */
function call(fields: Record<string, unknown> = {}) {
  seq++;
  return {
    callId: `wire-${seq}`,
    a: `+7916${String(1_000_000 + seq).padStart(7, '0')}`,
    b: '+77771234567',
    at: new Date().toISOString(),
    ingress: 'international',
    ...fields,
  };
}

/** Sends the request both ways (each with its own fresh copy) and compares the answers. */
async function same(make: () => Sent, expectedStatus: number, expectedCode?: string) {
  const fastify = await throughInject(make());
  const http = await overHttp(make());
  assert.deepEqual(http, fastify);
  assert.equal(http.status, expectedStatus, JSON.stringify(http.body));
  if (expectedCode) assert.equal((http.body as { error: { code: string } }).error.code, expectedCode);
  return http;
}

describe('the wire path', () => {
  it('answers ordinary verify requests itself, as Fastify would', async () => {
    const before = taken;
    let n = 0;
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'allow'], // a Russian number from abroad
      [{ a: '+77011234567' }, 'block'], // a Kazakh number from abroad without roaming
      [{ a: 'not a number' }, 'block'], // malformed CLI
      [{ a: '+77011234567', ingress: 'domestic', fromOperator: 'KCELL' }, 'block'], // nobody originated it
      [{ a: '87771234567', ingress: 'on-net' }, 'allow'], // national format, own subscriber
    ];
    for (const [fields, verdict] of cases) {
      const seen = await same(
        () => ({ path: '/v1/calls/verify', token: beeline, body: JSON.stringify(call(fields)) }),
        200,
      );
      assert.equal((seen.body as { verdict: string }).verdict, verdict, JSON.stringify(fields));
      assert.equal(seen.type, 'application/json; charset=utf-8');
      n++;
    }
    // The HTTP half of each case was the wire path's.
    assert.equal(taken - before, n);
  });

  it('gives each of many concurrent requests its own answer (answers of a turn are written together)', async () => {
    const before = taken;
    // Allowed and blocked calls interleaved, all in flight at once over separate connections.
    const calls = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? call({ a: '+77011234567' }) : call()));
    const answers = await Promise.all(
      calls.map((c) =>
        fetch(`${base}/v1/calls/verify`, {
          method: 'POST',
          headers: { authorization: `Bearer ${beeline}`, 'content-type': 'application/json' },
          body: JSON.stringify(c),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { verdict: string; decisionId: string } })),
      ),
    );
    assert.deepEqual(
      answers.map((a) => `${a.status} ${a.body.verdict}`),
      calls.map((_, i) => (i % 3 === 0 ? '200 block' : '200 allow')),
    );
    assert.equal(new Set(answers.map((a) => a.body.decisionId)).size, calls.length);
    assert.equal(taken - before, calls.length);
  });

  it('waits for a racing originate on the wire path too', async () => {
    const c = call({ a: '+77011234567', b: '+77771230000', ingress: 'domestic', fromOperator: 'KCELL' });
    const answer = fetch(`${base}/v1/calls/verify`, {
      method: 'POST',
      headers: headersOf({ path: '', body: '', token: beeline }),
      body: JSON.stringify(c),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const originated = await fetch(`${base}/v1/calls/originate`, {
      method: 'POST',
      headers: headersOf({ path: '', body: '', token: kcell }),
      body: JSON.stringify({ callId: 'k-wire', a: c.a, b: c.b, at: c.at }),
    });
    assert.equal(originated.status, 202);
    const r = await answer;
    assert.equal(r.status, 200);
    assert.equal(((await r.json()) as { verdict: string }).verdict, 'allow');
  });

  it('refuses bad bodies with the same errors', async () => {
    const before = taken;
    const verify =
      (body: string | Uint8Array, token = beeline) =>
      () => ({ path: '/v1/calls/verify', token, body });
    await same(verify('{"callId":'), 400, 'INVALID_JSON');
    await same(verify('{"__proto__":{"admin":true},"callId":"x"}'), 400, 'INVALID_JSON');
    await same(verify('{"constructor":{"prototype":{"admin":true}}}'), 400, 'INVALID_JSON');
    await same(verify(JSON.stringify(call({ callId: undefined }))), 400, 'VALIDATION_FAILED');
    await same(verify(JSON.stringify(call({ b: 'nobody' }))), 400, 'INVALID_NUMBER');
    await same(verify(JSON.stringify(call({ at: 'yesterday' }))), 400, 'INVALID_TIME');
    await same(verify(JSON.stringify(call({ ingress: 'moon' }))), 400, 'VALIDATION_FAILED');
    await same(verify('[1,2]'), 400, 'VALIDATION_FAILED');
    assert.equal(taken - before, 8);
    // Requests of another shape go to Fastify on both sides.
    await same(verify(JSON.stringify(call()), 'cs_not_a_key'), 401, 'UNAUTHORIZED');
    await same(verify(JSON.stringify(call()), admin), 403, 'FORBIDDEN');
    await same(() => ({ path: '/v1/calls/verify', token: beeline, body: 'x', contentType: 'text/plain' }), 400);
    await same(() => ({ path: '/v1/calls/verify', body: JSON.stringify(call()) }), 401, 'UNAUTHORIZED');
    assert.equal(taken - before, 8);
  });

  it('answers batch requests itself, as Fastify would, a bad item in its place', async () => {
    const before = taken;
    const batch =
      (calls: unknown, token = beeline) =>
      () => ({ path: '/v1/calls/verify/batch', token, body: JSON.stringify({ calls }) });
    // Over 4 kB: the body is read without the poisoning regexes when it holds none of their words.
    const many = () => Array.from({ length: 60 }, (_, i) => call(i % 2 === 0 ? {} : { a: '+77011234567' }));
    const seen = await same(() => batch(many())(), 200);
    const results = (seen.body as { results: { verdict: string }[] }).results;
    assert.equal(results.length, 60);
    assert.deepEqual(
      results.slice(0, 4).map((r) => r.verdict),
      ['allow', 'block', 'allow', 'block'],
    );
    assert.equal(seen.type, 'application/json; charset=utf-8');
    const mixed = await same(() => batch([call(), call({ b: 'nobody' }), call({ a: '+77011234567' })])(), 200);
    const [first, bad, third] = (mixed.body as { results: { verdict?: string; error?: { code: string } }[] }).results;
    assert.equal(first.verdict, 'allow');
    assert.equal(bad.error?.code, 'INVALID_NUMBER');
    assert.equal(third.verdict, 'block');
    await same(batch({ not: 'a list' }), 400, 'VALIDATION_FAILED');
    await same(() => ({ path: '/v1/calls/verify/batch', token: beeline, body: '{"calls":[' }), 400, 'INVALID_JSON');
    const poisoned = JSON.stringify({ calls: [...many(), { constructor: { prototype: { x: 1 } } }] });
    await same(() => ({ path: '/v1/calls/verify/batch', token: beeline, body: poisoned }), 400, 'INVALID_JSON');
    assert.equal(taken - before, 5);
    // Another principal goes to Fastify on both sides.
    await same(batch([call()], admin), 403, 'FORBIDDEN');
    assert.equal(taken - before, 5);
  });

  it('screens SMS on the wire path, bad text and all', async () => {
    const message = (fields: Record<string, unknown> = {}) => ({
      messageId: `wire-sms-${++seq}`,
      sender: `+7916${String(2_000_000 + seq).padStart(7, '0')}`,
      b: '+77771234567',
      at: new Date().toISOString(),
      ingress: 'international',
      text: 'Ваш код 1234',
      ...fields,
    });
    const sms = (body: string | Uint8Array) => () => ({ path: '/v1/sms/verify', token: beeline, body });
    const seen = await same(() => sms(JSON.stringify(message()))(), 200);
    assert.equal((seen.body as { verdict: string }).verdict, 'allow');
    const phishing = await same(
      () =>
        sms(JSON.stringify(message({ sender: 'KASPI-BANK', text: 'Карта заблокирована: http://kaspi-bank.top/x' })))(),
      200,
    );
    assert.notEqual((phishing.body as { verdict: string }).verdict, 'allow');
    const invalidUtf8 = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    await same(sms(invalidUtf8), 400, 'INVALID_TEXT');
    await same(sms('{"sender":'), 400, 'INVALID_JSON');
    await same(sms(JSON.stringify(message({ sender: '' }))), 400);

    // The batch form: answers in order, a bad message answered in its place.
    const before = taken;
    const batch = (body: string | Uint8Array) => () => ({ path: '/v1/sms/verify/batch', token: beeline, body });
    const mixed = await same(
      () =>
        batch(
          JSON.stringify({
            messages: [
              message(),
              message({ sender: '' }),
              message({ sender: 'KASPI-BANK', text: 'Карта заблокирована: http://kaspi-bank.top/x' }),
            ],
          }),
        )(),
      200,
    );
    const results = (mixed.body as { results: { verdict?: string; error?: { code: string } }[] }).results;
    assert.deepEqual(
      results.map((r) => r.verdict ?? r.error?.code),
      ['allow', 'INVALID_SENDER', (phishing.body as { verdict: string }).verdict],
    );
    await same(batch(JSON.stringify({ messages: 'not a list' })), 400, 'VALIDATION_FAILED');
    await same(
      batch(Buffer.concat([Buffer.from('{"messages":[{"text":"'), Buffer.from([0xff]), Buffer.from('"}]}')])),
      400,
      'INVALID_TEXT',
    );
    await same(batch('{"messages":['), 400, 'INVALID_JSON');
    await same(
      () => ({ path: '/v1/sms/verify/batch', token: admin, body: JSON.stringify({ messages: [message()] }) }),
      403,
      'FORBIDDEN',
    );
    // The HTTP half of each batch case but the administrator's was the wire path's.
    assert.equal(taken - before, 4);
  });

  it('counts its requests in the request-duration metric under the route', async () => {
    const count = async () => {
      const text = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${admin}` } })).text();
      const line = text
        .split('\n')
        .find((l) => l.includes('_count{') && l.includes('route="/v1/calls/verify"') && l.includes('status="200"'));
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const before = await count();
    for (let i = 0; i < 3; i++)
      await overHttp({ path: '/v1/calls/verify', token: beeline, body: JSON.stringify(call()) });
    assert.equal((await count()) - before, 3);
  });
});

describe('large UTF-8 bodies', () => {
  // Messages in Russian and Kazakh, an emoji (four UTF-8 bytes), a key that is not ASCII: over the
  // size at which the body is read as Latin-1 and its strings decoded afterwards.
  // Every fifth message has its keys in another order, the key that is not ASCII first.
  const messages = Array.from({ length: 700 }, (_, i) => {
    const m = {
      messageId: `m-${i}`,
      sender: i % 3 ? 'KASPI' : 'Каспи',
      text: `Ваш код ${i}. Қазақстан — ғ, ә, ө, ү, ұ, і 🙂 «кавычки» "quotes" \\ back\nslash`,
      ключ: ['а', 'b', { вложенный: 'ё' }],
    };
    return i % 5 ? m : { ключ: m.ключ, text: m.text, sender: m.sender, messageId: m.messageId };
  });
  const text = JSON.stringify({ messages });

  it('reads them as the whole text decoded would read', () => {
    const bytes = Buffer.from(text);
    assert.ok(bytes.length > 100_000);
    assert.deepEqual(parseUtf8JsonBody(bytes), JSON.parse(text));
    const ascii = JSON.stringify({
      messages: messages.map((m) => ({ ...m, text: m.messageId, sender: 'X', ключ: 1 })),
    });
    assert.deepEqual(parseUtf8JsonBody(Buffer.from(ascii)), JSON.parse(ascii));
  });

  it('reads a batch in pieces as the whole text decoded would, whatever its items hide', () => {
    // Texts that end in `},{` put the bytes a piece may end at inside strings, again and again.
    const tricky = messages.map((m, i) => ({ ...m, text: i % 2 ? `${m.text} },{` : `${m.text}},{"x":1}],"y":[{` }));
    for (const body of [{ messages: tricky }, { calls: tricky.map((m, i) => (i % 7 ? m : [m.text, i, null, true])) }]) {
      const text = JSON.stringify(body);
      assert.ok(text.length > 100_000);
      assert.deepEqual(parseUtf8JsonBody(Buffer.from(text)), JSON.parse(text));
    }
    // Other shapes are read whole: a second key after the array, white space, a bare array.
    const items = JSON.stringify(tricky);
    for (const text of [
      `{"messages":${items},"more":${items}}`,
      `{"messages": ${items}}`,
      `{"messages":${items}}\n`,
      items,
    ])
      assert.deepEqual(parseUtf8JsonBody(Buffer.from(text)), JSON.parse(text));
    // A piece that is not JSON fails the body as a whole would.
    for (const broken of [`{"messages":${items.slice(0, -1)},]}`, `{"messages":${items.replace('},{"', '},,{"')}}`])
      assert.throws(() => parseUtf8JsonBody(Buffer.from(broken)), SyntaxError);
  });

  it('reads \\u escapes mixed with raw UTF-8, and refuses prototype poisoning', () => {
    const escaped = text.replace('Ваш код 5.', '\\u0416\\u00e9 Ваш код 5.');
    assert.equal(
      (parseUtf8JsonBody(Buffer.from(escaped)) as { messages: { text: string }[] }).messages[5].text.slice(0, 12),
      'Жé Ваш код 5',
    );
    for (const poison of ['"__proto__":{"admin":true}', '"constructor":{"prototype":{"admin":true}}']) {
      const poisoned = `{${poison},${text.slice(1)}`;
      assert.throws(() => parseUtf8JsonBody(Buffer.from(poisoned)), /prototype/);
      assert.throws(() => parseJsonBody(Buffer.from(poisoned)), /prototype/);
    }
  });
});
