import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createOutboundGuard, type OutboundGuard } from './outbound.ts';

/** A 127.0.0.1 server that counts the connections it receives: refusals must leave it at zero. */
let server: Server;
let port: number;
let connections = 0;

before(async () => {
  server = createServer((req, res) => res.end(`hello ${req.headers.host}`));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What a caller of the guard does: check, then request with the guard's lookup. */
async function guardedGet(
  guard: OutboundGuard,
  url: string,
): Promise<{ ok: true; body: string } | { ok: false; code: string }> {
  const parsed = new URL(url);
  const checked = await guard.check(parsed);
  if (!checked.ok) return { ok: false, code: checked.code };
  return new Promise((resolve) => {
    const req = request(parsed, { lookup: guard.lookupFor(parsed), agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ ok: true, body }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ ok: false, code: error.code ?? error.message }));
    req.end();
  });
}

describe('outbound guard', () => {
  const refused = [
    'http://127.0.0.1:PORT/',
    'http://10.0.0.1:PORT/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]:PORT/',
    'http://[::ffff:127.0.0.1]:PORT/',
    'http://localhost:PORT/',
    'http://2130706433:PORT/',
    'http://100.64.0.1/',
    'http://0.0.0.0:PORT/',
    'http://224.0.0.1/',
    'http://[fd00::1]/',
    'http://[fe80::1]/',
    'http://[fd00:ec2::254]/',
    'http://[64:ff9b::a00:1]/',
    'http://[::127.0.0.1]:PORT/',
    'http://0177.0.0.1:PORT/',
    'http://0x7f.1:PORT/',
    'http://good.example@127.0.0.1:PORT/',
  ];
  for (const template of refused) {
    test(`refuses ${template} before any connection`, async () => {
      const guard = createOutboundGuard({ allowHosts: [] });
      const before = connections;
      const result = await guardedGet(guard, template.replace('PORT', String(port)));
      assert.deepEqual(result, { ok: false, code: 'URL_NOT_ALLOWED' });
      assert.equal(connections, before, 'no connection was made');
    });
  }

  test('the lookup alone refuses a name resolving to loopback (nothing connects)', async () => {
    const guard = createOutboundGuard({ allowHosts: [] });
    const before = connections;
    const code = await new Promise<string | undefined>((resolve) => {
      const req = request(`http://localhost:${port}/`, { lookup: guard.lookup, agent: false }, () =>
        resolve('answered'),
      );
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
      req.end();
    });
    assert.equal(code, 'URL_NOT_ALLOWED');
    assert.equal(connections, before);
  });

  test('a refusal names the address and why', async () => {
    const guard = createOutboundGuard({ allowHosts: [] });
    const result = await guard.check(new URL('http://169.254.169.254/'));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /169\.254\.169\.254 .*metadata/);
  });

  test('refuses schemes other than http and https', async () => {
    const guard = createOutboundGuard({ allowHosts: [] });
    const result = await guard.check(new URL('file:///etc/passwd'));
    assert.equal(result.ok, false);
  });

  test('allows a listed host:port, host, or CIDR', async () => {
    for (const allowHosts of [[`127.0.0.1:${port}`], ['127.0.0.1'], ['127.0.0.0/8'], ['localhost']]) {
      const guard = createOutboundGuard({ allowHosts });
      const host = allowHosts[0] === 'localhost' ? 'localhost' : '127.0.0.1';
      const result = await guardedGet(guard, `http://${host}:${port}/`);
      assert.equal(result.ok, true, `allowed by ${allowHosts[0]}`);
    }
  });

  test('a listed host:port does not open other ports of that host', async () => {
    const guard = createOutboundGuard({ allowHosts: [`127.0.0.1:${port}`] });
    const result = await guard.check(new URL(`http://127.0.0.1:${port + 1}/`));
    assert.equal(result.ok, false);
  });

  test('a listed name:port does not open other ports of the name (checked after DNS)', async () => {
    const guard = createOutboundGuard({
      allowHosts: ['repo.internal:8443'],
      resolve: async () => [{ address: '10.0.0.5', family: 4 }],
    });
    assert.equal((await guard.check(new URL('https://repo.internal:8443/'))).ok, true);
    assert.equal((await guard.check(new URL('http://repo.internal:6379/'))).ok, false);
    const byAddress = createOutboundGuard({
      allowHosts: ['10.0.0.5:8443'],
      resolve: async () => [{ address: '10.0.0.5', family: 4 }],
    });
    assert.equal((await byAddress.check(new URL('https://any.example:8443/'))).ok, true);
    assert.equal((await byAddress.check(new URL('https://any.example:6379/'))).ok, false);
  });

  test('a name that resolves only at connect time does not reach other ports of a listed host:port', async () => {
    // Unresolvable when subscribed (check lets it pass: the request fails at its own lookup), then
    // loopback at delivery: the entry 127.0.0.1:<another port> must not open the counting server.
    let lookups = 0;
    const guard = createOutboundGuard({
      allowHosts: [`127.0.0.1:${port + 1}`],
      resolve: async () => {
        if (lookups++ === 0) throw Object.assign(new Error('no such name'), { code: 'ENOTFOUND' });
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    const before = connections;
    const result = await guardedGet(guard, `http://rebind.example:${port}/`);
    assert.deepEqual(result, { ok: false, code: 'URL_NOT_ALLOWED' });
    assert.equal(connections, before, 'no connection was made');
    // The port the entry names still works through the same name.
    const listed = createOutboundGuard({
      allowHosts: [`127.0.0.1:${port}`],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    assert.deepEqual(await guardedGet(listed, `http://rebind.example:${port}/`), {
      ok: true,
      body: `hello rebind.example:${port}`,
    });
  });

  test('[::1] listed by its bracketed host:port', async () => {
    const guard = createOutboundGuard({ allowHosts: ['[::1]:8443'] });
    assert.equal((await guard.check(new URL('https://[::1]:8443/'))).ok, true);
    assert.equal((await guard.check(new URL('https://[::1]:9443/'))).ok, false);
  });

  test('public addresses need no entry', async () => {
    const guard = createOutboundGuard({ allowHosts: [] });
    assert.deepEqual(await guard.check(new URL('https://93.184.216.34/')), { ok: true });
    assert.deepEqual(await guard.check(new URL('https://[2606:4700::1111]/')), { ok: true });
  });

  test('DNS rebinding: a name public at check time and loopback at connect time is refused', async () => {
    const answers: LookupAddress[][] = [
      [{ address: '93.184.216.34', family: 4 }],
      [{ address: '127.0.0.1', family: 4 }],
    ];
    const guard = createOutboundGuard({ allowHosts: [], resolve: async () => answers.shift() ?? [] });
    const before = connections;
    const result = await guardedGet(guard, `http://rebind.example:${port}/`);
    assert.deepEqual(result, { ok: false, code: 'URL_NOT_ALLOWED' });
    assert.equal(connections, before);
  });

  test('a name with one public and one private address is refused', async () => {
    const guard = createOutboundGuard({
      allowHosts: [],
      resolve: async () => [
        { address: '93.184.216.34', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    });
    assert.equal((await guard.check(new URL('https://mixed.example/'))).ok, false);
  });

  test('the connection goes to the address the lookup checked', async () => {
    const guard = createOutboundGuard({
      allowHosts: ['127.0.0.1/32'],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const result = await guardedGet(guard, `http://x5u.example:${port}/`);
    assert.deepEqual(result, { ok: true, body: `hello x5u.example:${port}` });
  });
});
