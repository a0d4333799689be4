/** SMS_BURST counts one sender's messages across screening nodes (Redis), apart from calls. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { redisTestPrefix, redisTestUrl } from '../distributed/test-support.ts';
import { startTestApp, type TestApp } from '../platform/test-app.ts';

const redis = redisTestPrefix();
let nodes: TestApp[] = [];
let keys: string[] = [];
let seq = 0;
const WINDOW_S = 3600;

const send = (node: number, sender: string) =>
  nodes[node].request('POST', '/v1/sms/verify', {
    token: keys[node],
    body: {
      messageId: `burst-${++seq}`,
      sender,
      b: `+7777123${String(seq).padStart(4, '0')}`,
      at: new Date().toISOString(),
      ingress: 'domestic',
    },
  });

before(async () => {
  // An hour's window: the counts of a window that has just ended weigh less in the next one, so a
  // test that crossed a window's end would see fewer than it sent.
  const settings = {
    redisUrl: redisTestUrl(),
    redisPrefix: redis.prefix,
    smsBurstThreshold: 6,
    burstThreshold: 2,
    burstWindowSeconds: WINDOW_S,
  };
  nodes = [await startTestApp(settings), await startTestApp(settings)];
  keys = [await nodes[0].keyFor('BEELINE'), await nodes[1].keyFor('KCELL')];
});
after(async () => {
  for (const node of nodes) await node.close();
  await redis.cleanup();
});

describe('SMS bursts across screening nodes', () => {
  it('sees one sender sending from two nodes as one burst, and counts no call', async () => {
    // The test takes about two seconds: start it clear of the end of a window.
    const left = WINDOW_S * 1000 - (Date.now() % (WINDOW_S * 1000));
    if (left < 10_000) await new Promise((r) => setTimeout(r, left + 100));
    for (let i = 0; i < 3; i++) assert.deepEqual((await send(0, 'BULK-A')).json().reasons, ['SENDER_ID_UNREGISTERED']);
    // Each node adds its counts in Redis every 100 ms; a second is plenty for node 0's three.
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 2; i++) assert.deepEqual((await send(1, 'BULK-A')).json().reasons, ['SENDER_ID_UNREGISTERED']);
    // A node takes the platform's count of a sender back when it adds its own (src/screening/burst-redis.ts).
    await new Promise((r) => setTimeout(r, 1000));
    // Node 1 has seen three messages of the sender itself; the platform six.
    assert.deepEqual((await send(1, 'BULK-A')).json().reasons, ['SENDER_ID_UNREGISTERED', 'SMS_BURST']);
    // Calls have their own counter (threshold 2 here): messages never make a call burst.
    const call = await nodes[0].request('POST', '/v1/calls/verify', {
      token: keys[0],
      body: {
        callId: 'c-burst',
        a: '+79161234567',
        b: '+77771234567',
        at: new Date().toISOString(),
        ingress: 'international',
      },
    });
    assert.ok(!call.json().reasons.includes('CALL_BURST'), call.body);
  });
});
