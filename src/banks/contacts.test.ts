import assert from 'node:assert/strict';
import { it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { e164Value } from '../numbering/numbers.ts';
import type { Decision } from '../screening/types.ts';
import { secretKeysFrom } from '../webhooks/secret-key.ts';
import { createContactIndex } from './contacts.ts';
import type { BankStore, ContactBlock } from './store.ts';

const keys = secretKeysFrom('contacts-test-key-0123456789', 'config');

/** A contact index on `store`, sealing with the tests' key, at a fixed `now`, keeping a day. */
const indexOn = (
  store: BankStore,
  now: number,
  onError: (error: unknown, what: string) => void = (error) => assert.fail(String(error)),
  packer?: Parameters<typeof createContactIndex>[0]['packer'],
) =>
  createContactIndex({
    store,
    bucketSeed: 1234567,
    seal: keys.seal,
    open: keys.open,
    clock: () => now,
    retentionMs: 86_400_000,
    onError,
    packer,
  });

/** A records store keeping contact blocks in `stored`; its first `failures` writes fail. */
const storeKeeping = (stored: ContactBlock[], failures = 0) =>
  ({
    insertContactBlocks: async (blocks: ContactBlock[]) => {
      if (failures-- > 0) throw new Error('records store down');
      stored.push(...blocks);
    },
    contactBlocks: async (bucket: number, from: number, to: number) =>
      stored
        .filter((b) => b.bucket === bucket && b.to >= from && b.from <= to)
        .map((b) => Buffer.from(b.payload, 'base64')),
    sweepContacts: async () => 0,
  }) as unknown as BankStore;

it('contacts folded from decisions come back, sealed in stored blocks, for their callee only', async () => {
  const stored: ContactBlock[] = [];
  const store = storeKeeping(stored);
  const now = Date.parse('2026-12-04T10:00:00Z');
  const index = indexOn(store, now);
  const decision = (i: number, a: string, b: string, extra: Partial<Decision> & { messageId?: string } = {}) =>
    ({
      decisionId: `d${i}`,
      callId: `c${i}`,
      operator: 'BEELINE',
      a,
      b,
      ingress: 'international',
      at: new Date(now - i * 60_000).toISOString(),
      decidedAt: new Date(now).toISOString(),
      verdict: 'allow',
      reasons: [],
      shadow: false,
      latencyUs: 1,
      ...extra,
    }) as Decision;
  const victim = '+77771234501';
  index.add([
    decision(1, '+905321234567', victim, { verdict: 'label', reasons: ['UNCONFIRMED_ORIGIN', 'REPORTED_CLI'] }),
    decision(2, 'KASPI-BANK', victim, { messageId: 'm1' }),
    decision(3, '+905321234567', '+77771234502'),
    ...Array.from({ length: 2000 }, (_, i) => decision(10 + i, '+79161234567', `+7777${2000000 + i}`)),
  ]);
  await index.flush();
  assert.ok(stored.length > 1, 'blocks per bucket');
  assert.ok(!stored.some((b) => Buffer.from(b.payload, 'base64').toString('latin1').includes('KASPI')), 'sealed');
  const { contacts } = await index.trail(victim, now - 3_600_000, now);
  assert.deepEqual(
    contacts.map((c) => [c.number, c.channel, c.verdict, c.reasons]),
    [
      // The reasons in the order of the reason codes, as screening writes them.
      ['+905321234567', 'call', 'label', ['UNCONFIRMED_ORIGIN', 'REPORTED_CLI']],
      ['KASPI-BANK', 'sms', 'allow', []],
    ],
  );
  assert.deepEqual((await index.trail(victim, now - 30_000, now)).contacts, [], 'outside the window');
  await index.close();
});

it('reads +E.164 without making strings, and nothing else', () => {
  assert.equal(e164Value('+77771234501'), 77771234501);
  assert.ok(Number.isNaN(e164Value('77771234501')));
  assert.ok(Number.isNaN(e164Value('KASPI')));
  assert.ok(Number.isNaN(e164Value('+')));
});

it('keeps the blocks a failed write left behind for the next flush', async () => {
  const stored: ContactBlock[] = [];
  const store = storeKeeping(stored, 1);
  const errors: unknown[] = [];
  const now = Date.now();
  const index = indexOn(store, now, (error) => errors.push(error));
  const at = new Date(now - 1000).toISOString();
  index.add([{ decisionId: 'x', a: '+905321234567', b: '+77771234501', at, verdict: 'allow', reasons: [] } as never]);
  await index.flush();
  assert.equal(errors.length, 1);
  await index.flush();
  assert.equal(stored.length, 1);
  const { contacts } = await index.trail('+77771234501', now - 60_000, now);
  assert.deepEqual(
    contacts.map((c) => c.number),
    ['+905321234567'],
  );
  await index.close();
});

it('packs a flush on the main thread when its packing thread fails, and loses no contact', async () => {
  const stored: ContactBlock[] = [];
  const errors: string[] = [];
  const now = Date.now();
  const index = indexOn(storeKeeping(stored), now, (_error, what) => errors.push(what), {
    pack: async () => Promise.reject(new Error('the thread stopped')),
    close: () => {},
  });
  const at = new Date(now - 1000).toISOString();
  index.add([{ decisionId: 'x', a: '+905321234567', b: '+77771234501', at, verdict: 'block', reasons: [] } as never]);
  await index.flush();
  assert.equal(errors.length, 1);
  assert.match(errors[0], /packed on the main thread/);
  assert.equal(stored.length, 1);
  const { contacts } = await index.trail('+77771234501', now - 60_000, now);
  assert.deepEqual(
    contacts.map((c) => [c.number, c.verdict]),
    [['+905321234567', 'block']],
  );
  await index.close();
});

it('reads blocks written in the earlier layout (caller texts in the header, no text column)', async () => {
  const now = Date.parse('2026-12-04T10:00:00Z');
  const victim = 77771234501;
  // Two rows to the victim: an SMS from a sender ID (row 0) and a call from a number (row 1).
  const n = 2;
  const body = Buffer.alloc(n * 29);
  new Float64Array(body.buffer, body.byteOffset, n).set([victim, victim]);
  new Float64Array(body.buffer, body.byteOffset + n * 8, n).set([Number.NaN, 905321234567]);
  new Float64Array(body.buffer, body.byteOffset + n * 16, n).set([now - 60_000, now - 30_000]);
  new Uint32Array(body.buffer, body.byteOffset + n * 24, n).set([0, 1]);
  new Uint8Array(body.buffer, body.byteOffset + n * 28, n).set([1, 2 << 1]);
  const header = Buffer.from(JSON.stringify({ n, reasons: ['REPORTED_CLI'], callers: { 0: 'HALYK' } }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  const payload = keys.seal(gzipSync(Buffer.concat([length, header, body])));
  const store = {
    insertContactBlocks: async () => {},
    contactBlocks: async () => [payload],
    sweepContacts: async () => 0,
  } as unknown as BankStore;
  const index = indexOn(store, now);
  const { contacts } = await index.trail('+77771234501', now - 3_600_000, now);
  assert.deepEqual(
    contacts.map((c) => [c.number, c.channel, c.verdict, c.reasons]),
    [
      ['HALYK', 'sms', 'allow', []],
      ['+905321234567', 'call', 'block', ['REPORTED_CLI']],
    ],
  );
  await index.close();
});
