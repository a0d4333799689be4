import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { tempDatabase } from '../distributed/harness.ts';
import { createOutboundGuard } from '../platform/outbound.ts';
import { openPostgres } from '../platform/sql.ts';
import { startTestApp } from '../platform/test-app.ts';
import { createDeliveryWorker, deliverySettings, retryDelayMs, signatureOf } from './delivery.ts';
import { MAX_WEBHOOKS_PER_OWNER } from './module.ts';
import { secretKeysFrom } from './secret-key.ts';
import type { ClaimedDelivery, WebhookStore } from './store.ts';

describe('webhook delivery', () => {
  it('retries first within 5 s, doubling up to 10 minutes', () => {
    const delays = [1, 2, 3, 4, 8, 9, 20].map((n) => retryDelayMs(n));
    assert.ok(delays[0] <= 5_000);
    assert.equal(delays[1], 2 * delays[0]);
    assert.equal(delays[2], 2 * delays[1]);
    assert.equal(delays.at(-1), 600_000);
    assert.ok(delays.every((d) => d <= 600_000));
  });

  it('signs the raw body with HMAC-SHA256 of the secret', () => {
    const body = '{"id":"evt_1"}';
    assert.equal(signatureOf('s3cret', body), `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
  });

  it('gives up on a receiver that drips its answer, though it never goes quiet', async () => {
    // A 127.0.0.1 receiver that sends a header line every 20 ms for 2 s, then a 200: the socket is
    // never idle, so only a cap on the whole exchange ends the attempt before the 200.
    const sockets = new Set<import('node:net').Socket>();
    const receiver = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write('HTTP/1.1 200 OK\r\n');
        let lines = 0;
        const drip = setInterval(() => {
          if (socket.destroyed) return clearInterval(drip);
          if (++lines < 100) return void socket.write(`x-drip-${lines}: 1\r\n`);
          clearInterval(drip);
          socket.end('content-length: 0\r\n\r\n');
        }, 20);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const settled: Parameters<WebhookStore['settle']>[0] = [];
    const store = {
      claim: async () => [],
      settle: async (outcomes: Parameters<WebhookStore['settle']>[0]) => {
        settled.push(...outcomes);
      },
    } as unknown as WebhookStore;
    const worker = createDeliveryWorker({
      store,
      guard: createOutboundGuard({ allowHosts: [`127.0.0.1:${port}`] }),
      target: async () => ({ url: `http://127.0.0.1:${port}/hook`, secret: 'a-secret-of-16-chars' }),
      clock: () => 0,
      onError: () => {},
      settings: { ...deliverySettings, timeoutMs: 200 },
    });
    try {
      const body = '{"id":"evt_1"}';
      worker.deliver([
        { id: 'd1', webhookId: 'w1', eventId: 'evt_1', event: 'potential_victim', body, attempts: 0, createdAt: 0 },
      ]);
      await worker.close();
      assert.equal(settled.length, 1);
      assert.equal(settled[0].status, 'pending', 'not delivered: retried later');
      assert.equal(settled[0].error, 'timed out');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe('webhook delivery past a slow receiver', () => {
  it("records the other receivers' deliveries, and sends new ones, while one receiver takes its whole timeout", async () => {
    const held = new Set<import('node:http').ServerResponse>();
    const receiver = createHttpServer((request, response) => {
      request.resume();
      if (request.url === '/slow') held.add(response);
      else response.end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    const queue: ClaimedDelivery[] = [];
    const settled: string[] = [];
    const store = {
      claim: async (_now: number, limit: number) => queue.splice(0, limit),
      settle: async (outcomes: Parameters<WebhookStore['settle']>[0]) => {
        for (const o of outcomes) settled.push(`${o.id} ${o.status}`);
      },
    } as unknown as WebhookStore;
    const worker = createDeliveryWorker({
      store,
      guard: createOutboundGuard({ allowHosts: [`127.0.0.1:${port}`] }),
      target: async (webhookId) => ({ url: `http://127.0.0.1:${port}/${webhookId}`, secret: 'a-secret-of-16-chars' }),
      clock: () => 0,
      onError: () => {},
      settings: { ...deliverySettings, timeoutMs: 3_000, idlePollMs: 100 },
    });
    const delivery = (id: string, webhookId: string): ClaimedDelivery => ({
      id,
      webhookId,
      eventId: `evt_${id}`,
      event: 'potential_victim',
      body: '{}',
      attempts: 0,
      createdAt: 0,
    });
    const until = async (what: () => boolean) => {
      while (!what()) await delay(10);
    };
    try {
      queue.push(delivery('s1', 'slow'), delivery('f1', 'fast'), delivery('f2', 'fast'));
      worker.start();
      await until(() => settled.length >= 2);
      assert.deepEqual(settled.sort(), ['f1 delivered', 'f2 delivered']);
      // Queued while the slow receiver still holds its delivery: sent and recorded at once.
      queue.push(delivery('f3', 'fast'));
      worker.kick();
      await until(() => settled.length >= 3);
      assert.equal(settled[2], 'f3 delivered');
      // Falling due with no kick (a retry): taken at the next poll, the slow one still held.
      queue.push(delivery('f4', 'fast'));
      await until(() => settled.length >= 4);
      assert.equal(settled[3], 'f4 delivered');
      assert.equal(held.size, 1, 'the slow receiver still has its delivery');
      await worker.close();
      assert.deepEqual(settled.slice(4), ['s1 pending'], 'the slow one retried later');
    } finally {
      for (const response of held) response.destroy();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe('refusals told to the owner', () => {
  it('a name resolving to an internal address is refused at delivery without telling the address', async () => {
    const settled: Parameters<WebhookStore['settle']>[0] = [];
    const store = {
      claim: async () => [],
      settle: async (outcomes: Parameters<WebhookStore['settle']>[0]) => {
        settled.push(...outcomes);
      },
    } as unknown as WebhookStore;
    const worker = createDeliveryWorker({
      store,
      guard: createOutboundGuard({ allowHosts: [], resolve: async () => [{ address: '10.20.30.40', family: 4 }] }),
      target: async () => ({ url: 'http://db.internal.example:5432/hook', secret: 'a-secret-of-16-chars' }),
      clock: () => 0,
      onError: () => {},
    });
    worker.deliver([
      { id: 'd1', webhookId: 'w1', eventId: 'evt_1', event: 'potential_victim', body: '{}', attempts: 0, createdAt: 0 },
    ]);
    await worker.close();
    assert.equal(settled.length, 1);
    assert.equal(settled[0].status, 'pending');
    assert.match(settled[0].error ?? '', /db\.internal\.example .*not allowed/);
    assert.ok(!settled[0].error?.includes('10.20.30.40'), settled[0].error ?? '');
  });

  it('a subscription to a name resolving to loopback is refused without telling the address', async () => {
    const t = await startTestApp();
    try {
      const r = await t.request('POST', '/v1/webhooks', {
        token: await t.keyFor('BEELINE'),
        body: { url: 'http://localhost:9/hook', events: ['potential_victim'], secret: 'x'.repeat(24) },
      });
      assert.equal(r.statusCode, 400, r.body);
      const { error } = r.json() as { error: { code: string; message: string } };
      assert.equal(error.code, 'URL_NOT_ALLOWED');
      assert.ok(!error.message.includes('127.0.0.1'), error.message);
      // An address the owner wrote itself is named as written.
      const literal = await t.request('POST', '/v1/webhooks', {
        token: await t.keyFor('BEELINE'),
        body: { url: 'http://10.1.2.3/hook', events: ['potential_victim'], secret: 'x'.repeat(24) },
      });
      assert.match((literal.json() as { error: { message: string } }).error.message, /10\.1\.2\.3 .*private/);
    } finally {
      await t.close();
    }
  });
});

describe('webhooks an owner may hold', () => {
  for (const store of ['pglite', 'postgres'] as const)
    it(`refuses an owner's webhook past ${MAX_WEBHOOKS_PER_OWNER} live ones, also when they are asked for at once (${store})`, async () => {
      // On PostgreSQL the requests' transactions run side by side, each on its own connection.
      const database = store === 'postgres' ? await tempDatabase() : null;
      const t = await startTestApp({}, database ? await openPostgres(database.url) : undefined);
      try {
        const beeline = await t.keyFor('BEELINE');
        const subscribe = (token: string, k: number) =>
          t.request('POST', '/v1/webhooks', {
            token,
            body: { url: `http://8.8.8.8/hook-${k}`, events: ['potential_victim'], secret: 'x'.repeat(24) },
          });
        // All the owner's webhooks asked for at once, a few more than it may hold.
        const answers = await Promise.all(
          Array.from({ length: MAX_WEBHOOKS_PER_OWNER + 5 }, (_, k) => subscribe(beeline, k)),
        );
        assert.equal(answers.filter((r) => r.statusCode === 201).length, MAX_WEBHOOKS_PER_OWNER);
        const refused = answers.filter((r) => r.statusCode !== 201);
        assert.deepEqual(
          refused.map((r) => [r.statusCode, (r.json() as { error: { code: string } }).error.code]),
          Array(5).fill([409, 'WEBHOOK_LIMIT']),
        );
        const listed = (await t.request('GET', '/v1/webhooks', { token: beeline })).json() as {
          items: { id: string }[];
        };
        assert.equal(listed.items.length, MAX_WEBHOOKS_PER_OWNER);
        // Another owner is not counted with it; a deleted webhook makes room again.
        assert.equal((await subscribe(await t.keyFor('KCELL'), 0)).statusCode, 201);
        assert.equal(
          (await t.request('DELETE', `/v1/webhooks/${listed.items[0].id}`, { token: beeline })).statusCode,
          204,
        );
        assert.equal((await subscribe(beeline, 99)).statusCode, 201);
        assert.equal((await subscribe(beeline, 100)).statusCode, 409);
      } finally {
        await t.close();
        if (database) {
          await t.app.sql.close();
          await database.drop();
        }
      }
    });
});

describe('secret keys', () => {
  it('seals secrets so that only the same key opens them, and tampering is found', () => {
    const keys = secretKeysFrom('master-key-0123456789', 'config');
    const sealed = keys.encrypt('webhook-secret');
    assert.ok(!sealed.includes('webhook-secret'));
    assert.notEqual(keys.encrypt('webhook-secret'), sealed, 'a fresh IV each time');
    assert.equal(keys.decrypt(sealed), 'webhook-secret');
    assert.throws(() => secretKeysFrom('another-key-0123456789', 'config').decrypt(sealed));
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    assert.throws(() => keys.decrypt(parts.join('.')));
  });

  it('seals data blocks so that they read back only with the key', () => {
    const keys = secretKeysFrom('master-key-0123456789', 'config');
    const sealed = keys.seal(Buffer.from('+77771234567 called by +905321234567'));
    assert.ok(!sealed.toString('latin1').includes('77771234567'));
    assert.equal(keys.open(sealed).toString(), '+77771234567 called by +905321234567');
    assert.throws(() => secretKeysFrom('another-key-0123456789', 'config').open(sealed));
  });

  it('keyed hashes differ by key and by purpose', () => {
    const a = secretKeysFrom('master-key-0123456789', 'config');
    const b = secretKeysFrom('master-key-9876543210', 'config');
    assert.equal(a.hash('subscriber', '+77771234567'), a.hash('subscriber', '+77771234567'));
    assert.notEqual(a.hash('subscriber', '+77771234567'), b.hash('subscriber', '+77771234567'));
    assert.notEqual(a.hash('subscriber', '+77771234567'), a.hash('other', '+77771234567'));
  });
});
