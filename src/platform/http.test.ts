/**
 * The HTTP edge (http.ts) as a client meets it: every refusal is `{"error":{"code","message"}}`,
 * whether our handlers, Ajv, Fastify's router or Node's parser refuse, and a client that stops
 * sending in the middle of its request loses the connection.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from './test-app.ts';

let t: TestApp;
let port: number;
let kcell: string;
/** The connection's idle timeout of the app under test (small, so that a stalled client is closed soon). */
const idleTimeoutMs = 300;

before(async () => {
  t = await startTestApp({ httpIdleTimeoutMs: idleTimeoutMs });
  kcell = await t.keyFor('KCELL');
  const address = await t.app.http.listen({ port: 0, host: '127.0.0.1' });
  port = Number(new URL(address).port);
});
after(() => t.close());

/**
 * Writes raw bytes on a new connection (the parts one after the other, `gapMs` apart) and gives
 * what came back once the server closed it (or the client did, after the last part when `end`).
 */
function exchange(parts: Buffer[], options: { gapMs?: number; end?: boolean } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (chunk) => {
      received.push(chunk);
      // An answer to a request sent whole: the connection may stay open (keep-alive).
      if (options.end && Buffer.concat(received).includes('\r\n\r\n{')) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
    let next = 0;
    const send = () => {
      if (socket.destroyed) return;
      socket.write(parts[next++]);
      if (next < parts.length) setTimeout(send, options.gapMs ?? 0);
    };
    socket.on('connect', send);
  });
}

/** The status and JSON body of a raw HTTP answer. */
function parsed(answer: string): { status: number; body: unknown } {
  const status = Number(answer.slice(9, 12));
  return { status, body: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) };
}

describe('numbers in query strings', () => {
  it('refuses non-finite numbers with 400 VALIDATION_FAILED on every route', async () => {
    for (const path of ['/v1/lists/blocklist', '/v1/sms-senders', '/v1/devices/blocklist', '/v1/sim-suspensions']) {
      for (const since of ['1e400', 'Infinity', '-Infinity']) {
        const r = await t.request('GET', `${path}?since=${since}`, { token: kcell });
        assert.equal(r.statusCode, 400, `${path}?since=${since}: ${r.body}`);
        assert.deepEqual(r.json(), {
          error: { code: 'VALIDATION_FAILED', message: 'querystring/since must be a finite number' },
        });
      }
      // A finite number still answers.
      assert.equal((await t.request('GET', `${path}?since=0`, { token: kcell })).statusCode, 200, path);
    }
    const limit = await t.request('GET', '/v1/lists/blocklist?limit=Infinity', { token: kcell });
    assert.equal(limit.statusCode, 400);
    assert.equal(limit.json().error.code, 'VALIDATION_FAILED');
  });
});

describe("Fastify's and Node's own refusals", () => {
  it('answers a path that is not valid percent-encoding in our error shape, without echoing it', async () => {
    for (const path of ['/public/v1/numbers/%ff', '/v1/lists/%ff']) {
      const r = await t.request('GET', path, { token: kcell });
      assert.equal(r.statusCode, 400, path);
      assert.deepEqual(r.json(), {
        error: { code: 'INVALID_PATH', message: 'the path is not valid percent-encoded UTF-8' },
      });
      assert.ok(!r.body.includes('%ff'));
    }
  });

  it('names an unknown path in its 404, but not a long one whole', async () => {
    const short = await t.request('GET', '/v1/nothing-here', { token: kcell });
    assert.equal(short.statusCode, 404);
    assert.deepEqual(short.json(), { error: { code: 'NOT_FOUND', message: 'no route GET /v1/nothing-here' } });
    const long = await t.request('GET', `/v1/${'x'.repeat(10_000)}`, { token: kcell });
    assert.equal(long.statusCode, 404);
    const { error } = long.json() as { error: { code: string; message: string } };
    assert.equal(error.code, 'NOT_FOUND');
    assert.ok(error.message.length < 200, `${error.message.length} characters`);
    assert.match(error.message, /^no route GET \/v1\/x+…$/);
  });

  it('answers requests Node cannot parse in our error shape, then closes the connection', async () => {
    const malformed = [
      // Raw (not percent-encoded) non-ASCII bytes in the path.
      Buffer.concat([
        Buffer.from('GET /public/v1/numbers/'),
        Buffer.from([0xd0, 0xb0]),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
      ]),
      Buffer.from('POST /public/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n'),
    ];
    for (const request of malformed) {
      const answer = parsed(await exchange([request]));
      assert.equal(answer.status, 400);
      assert.deepEqual(answer.body, {
        error: { code: 'MALFORMED_REQUEST', message: 'the request is not valid HTTP/1.1' },
      });
    }
  });
});

describe('slow clients', () => {
  const head = (length: number) =>
    Buffer.from(
      `POST /public/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`,
    );

  it('closes a connection whose body stops arriving', { timeout: 20_000 }, async () => {
    // 100 bytes announced, 10 sent, then nothing: the server closes the connection, no answer.
    const answer = await exchange([head(100), Buffer.from('{"number":')]);
    assert.equal(answer, '');
  });

  it('keeps a connection whose body arrives slowly but steadily', { timeout: 20_000 }, async () => {
    const body = Buffer.from(JSON.stringify({ number: '+77011234567', channel: 'call', category: 'bank' }));
    // Sent a few bytes at a time, in all for longer than the idle timeout.
    const parts = [head(body.length)];
    for (let i = 0; i < body.length; i += 6) parts.push(body.subarray(i, i + 6));
    const answer = parsed(await exchange(parts, { gapMs: idleTimeoutMs / 6, end: true }));
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
  });
});
