import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';

let t: TestApp;
let beeline: string;
let seq = 0;
const now = () => new Date().toISOString();

const message = (sender: string, extra: Record<string, unknown> = {}) => ({
  messageId: `sms-${++seq}`,
  sender,
  b: '+77771234567',
  at: now(),
  ingress: 'domestic',
  ...extra,
});
const verify = (sender: string, extra: Record<string, unknown> = {}, app = t, token = beeline) =>
  app.request('POST', '/v1/sms/verify', { token, body: message(sender, extra) });
const register = (senderId: string, body: unknown, token = admin, app = t) =>
  app.request('PUT', `/v1/admin/sms-senders/${encodeURIComponent(senderId)}`, { token, body });

before(async () => {
  t = await startTestApp({ smsBurstThreshold: 5 });
  beeline = await t.keyFor('BEELINE');
  for (const [id, owner, routes] of [
    ['KASPI', 'Kaspi Bank', ['domestic', 'on-net']],
    ['EGOV', 'eGov', ['domestic']],
    ['Yandex.Go', 'Yandex', ['international']],
  ] as const) {
    const r = await register(id, { owner, routes });
    assert.equal(r.statusCode, 201, r.body);
  }
});
after(() => t.close());

describe('sender-ID registry', () => {
  it('answers a version past any integer of the store with a 400, not an internal error', async () => {
    for (const since of ['99999999999999999999', '9007199254740992']) {
      const r = await t.request('GET', `/v1/sms-senders?since=${since}`, { token: beeline });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.code, 'VALIDATION_FAILED');
    }
  });

  it('registers, changes and removes sender IDs, and operators sync the changes by version', async () => {
    const first = await t.request('GET', '/v1/sms-senders?since=0', { token: beeline });
    assert.equal(first.statusCode, 200);
    const base = first.json();
    assert.ok(base.added.some((s: { senderId: string }) => s.senderId === 'KASPI'));

    assert.equal((await register('Temp Shop', { owner: 'Temp', routes: ['domestic'] })).statusCode, 201);
    const changed = await register('TEMP SHOP', { owner: 'Temp LLP', routes: ['domestic', 'on-net'] });
    assert.equal(changed.statusCode, 200, 'the same ID in other case is the same sender');
    assert.equal(changed.json().owner, 'Temp LLP');
    const added = (await t.request('GET', `/v1/sms-senders?since=${base.version}`, { token: beeline })).json();
    assert.deepEqual(
      added.added.map((s: { senderId: string }) => s.senderId),
      ['TEMP SHOP'],
    );
    assert.deepEqual(added.removed, []);

    assert.equal(
      (await t.request('DELETE', `/v1/admin/sms-senders/${encodeURIComponent('temp shop')}`, { token: admin }))
        .statusCode,
      204,
    );
    const removed = (await t.request('GET', `/v1/sms-senders?since=${added.version}`, { token: beeline })).json();
    assert.deepEqual(removed.added, []);
    assert.equal(removed.removed.length, 1);
    assert.equal(removed.removed[0].toLowerCase(), 'temp shop');
    assert.ok(removed.version > added.version);
    assert.equal(
      (await t.request('DELETE', '/v1/admin/sms-senders/NOSUCH', { token: admin })).json().error.code,
      'NOT_FOUND',
    );
  });

  it('lets only the admin register, and refuses bad IDs and routes with a code', async () => {
    assert.equal((await register('SHOP', { owner: 'x', routes: ['domestic'] }, beeline)).statusCode, 403);
    const long = await register('ABCDEFGHIJKL', { owner: 'x', routes: ['domestic'] });
    assert.equal(long.statusCode, 400);
    assert.equal(long.json().error.code, 'INVALID_SENDER');
    const route = await register('SHOP', { owner: 'x', routes: ['satellite'] });
    assert.equal(route.statusCode, 400);
    assert.equal((await register('SHOP', { owner: '', routes: ['domestic'] })).statusCode, 400);
  });

  it('imports sender IDs from CSV, rejecting bad lines by number', async () => {
    const r = await t.request('POST', '/v1/admin/sms-senders/import', {
      token: admin,
      contentType: 'text/csv',
      raw: 'senderId,owner,routes\nHALYK,Halyk Bank,domestic;on-net\nBAD\u0001ID,Nobody,domestic\nKcell,Kcell,on-net\n',
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().imported, 2);
    assert.deepEqual(
      r.json().rejected.map((x: { line: number }) => x.line),
      [3],
    );
    assert.equal((await verify('halyk')).json().verdict, 'allow');
  });
});

describe('alphanumeric senders', () => {
  it('allows a registered sender on its route, whatever its case, with its owner as the label', async () => {
    for (const sender of ['KASPI', 'kaspi', 'Kaspi']) {
      const r = await verify(sender);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().verdict, 'allow', sender);
      assert.deepEqual(r.json().reasons, []);
      assert.equal(r.json().labelCode, 'VERIFIED_BUSINESS');
      assert.match(r.json().label, /Kaspi Bank/);
    }
    assert.equal((await verify('Yandex.Go', { ingress: 'international' })).json().verdict, 'allow');
  });

  it('blocks a registered sender arriving by a route not registered for it', async () => {
    const r = (await verify('KASPI', { ingress: 'international' })).json();
    assert.equal(r.verdict, 'block');
    assert.deepEqual(r.reasons, ['SENDER_ID_WRONG_ROUTE']);
  });

  it('blocks look-alikes of registered IDs and protected brands', async () => {
    for (const sender of [
      'KASPI-BANK', // brand plus a word
      'Kaspl', // l for i
      'K4SPI', // a digit for a letter
      'KASPI.KZ', // a domain as the ID
      'K.A.S.P.I', // separators
      'КАСПИ', // Cyrillic transliteration
      'KАSPI', // a Cyrillic А among Latin letters
      'Kaspi Bonus', // brand plus a word
      'E-GOV', // registered EGOV with a separator
      'HalykBank', // a protected brand never registered here
      'BEELINE KZ',
      'Tele-2',
    ]) {
      const r = await verify(sender);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().verdict, 'block', `${sender}: ${r.body}`);
      assert.deepEqual(r.json().reasons, ['SENDER_ID_UNREGISTERED'], sender);
    }
  });

  it('labels an unregistered sender that imitates nobody', async () => {
    for (const sender of ['ACMESHOP', 'TAXI777', 'Pizza & Co', 'Дастархан']) {
      const r = (await verify(sender)).json();
      assert.equal(r.verdict, 'label', sender);
      assert.deepEqual(r.reasons, ['SENDER_ID_UNREGISTERED']);
      assert.equal(r.labelCode, 'UNREGISTERED_SENDER');
      assert.equal(r.label, 'Отправитель не зарегистрирован');
    }
  });

  it('flags a burst of one unregistered sender across the platform', async () => {
    const verdicts: string[][] = [];
    for (let i = 0; i < 6; i++) verdicts.push((await verify('BULKSEND', { b: `+7777100000${i}` })).json().reasons);
    assert.deepEqual(verdicts[0], ['SENDER_ID_UNREGISTERED']);
    assert.deepEqual(verdicts[5], ['SENDER_ID_UNREGISTERED', 'SMS_BURST']);
  });
});

describe('numeric senders go through the call checks', () => {
  it('blocks a Kazakh number sent from abroad without roaming', async () => {
    const r = (await verify('+77011234567', { ingress: 'international' })).json();
    assert.equal(r.verdict, 'block');
    assert.deepEqual(r.reasons, ['SPOOFED_DOMESTIC_FROM_ABROAD']);
  });

  it('allows a domestic number without waiting for an originate (messages have none)', async () => {
    const r = (await verify('87011234567', { fromOperator: 'KCELL' })).json();
    assert.equal(r.verdict, 'allow');
    assert.deepEqual(r.reasons, []);
  });

  it('blocks malformed, unallocated and blocklisted senders', async () => {
    assert.deepEqual((await verify('+7701')).json().reasons, ['MALFORMED_CLI']);
    assert.deepEqual((await verify('+77991234567')).json().reasons, ['UNALLOCATED_CLI']);
    const listed = await t.request('POST', '/v1/lists/blocklist/entries', {
      token: admin,
      body: { number: '+77015550001', reason: 'fraud SMS' },
    });
    assert.equal(listed.statusCode, 201, listed.body);
    const r = (await verify('+77015550001')).json();
    assert.equal(r.verdict, 'block');
    assert.deepEqual(r.reasons, ['BLOCKLISTED_CLI']);
  });
});

describe('links in the text', () => {
  it('stops a message with a link imitating a brand, and allows the brand own link', async () => {
    const bad = (await verify('KASPI', { text: 'Vash schet zablokirovan: https://kaspi-kz-bonus.top/login' })).json();
    assert.ok(['label', 'block'].includes(bad.verdict), JSON.stringify(bad));
    assert.deepEqual(bad.reasons, ['PHISHING_LINK']);
    const own = (await verify('KASPI', { text: 'Kod 4821. https://kaspi.kz/' })).json();
    assert.equal(own.verdict, 'allow');
    // A host written bare at the end of a sentence, between words whose dots end sentences.
    const inSentence = (
      await verify('KASPI', { text: 'Schet zablokirovan. Vojdite na kaspi-kz-bonus.top. Srochno.' })
    ).json();
    assert.deepEqual(inSentence.reasons, ['PHISHING_LINK'], JSON.stringify(inSentence));
    const sentencesOnly = (await verify('KASPI', { text: 'Vash kod 4821. Ne soobshchaite ego nikomu.' })).json();
    assert.deepEqual(sentencesOnly.reasons, []);
  });

  it('blocks a link to a known phishing domain, also without a scheme and among other words', async () => {
    const added = await t.request('POST', '/v1/links/phishing', {
      token: admin,
      body: { domain: 'bonus-halyk-pay.xyz', reason: 'reported campaign' },
    });
    assert.ok([200, 201].includes(added.statusCode), added.body);
    const r = (await verify('KASPI', { text: 'Получите бонус: bonus-halyk-pay.xyz/win, спешите!' })).json();
    assert.equal(r.verdict, 'block');
    assert.deepEqual(r.reasons, ['PHISHING_LINK']);
  });

  it('labels a message whose link is only suspicious', async () => {
    // A brand with an extra word on an ordinary domain: suspicious, not proven phishing.
    const r = (await verify('KASPI', { text: 'Podrobnee: https://kaspibonus.com/' })).json();
    assert.equal(r.verdict, 'label', JSON.stringify(r));
    assert.deepEqual(r.reasons, ['PHISHING_LINK']);
    assert.equal(r.labelCode, 'SUSPECTED_FRAUD');
  });

  it('keeps only the domain of the link in the decision', async () => {
    const r = (await verify('ACMESHOP', { text: 'Skidka! https://kaspi-kz-bonus.top/x?id=42' })).json();
    const items = (await t.request('GET', '/v1/decisions?channel=sms&limit=5', { token: admin })).json().items;
    const decision = items.find((d: { decisionId: string }) => d.decisionId === r.decisionId);
    assert.equal(decision.channel, 'sms');
    assert.deepEqual(decision.linkDomains, ['kaspi-kz-bonus.top']);
    assert.ok(!JSON.stringify(decision).includes('Skidka'));
    assert.ok(!JSON.stringify(decision).includes('id=42'));
  });
});

describe('bad input', () => {
  it('answers 400 with a code, and keeps answering', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [message(''), 'INVALID_SENDER'],
      [message('ABCDEFGHIJKL'), 'INVALID_SENDER'],
      [message('KAS\u0001PI'), 'INVALID_SENDER'],
      [message('KASPI\n'), 'INVALID_SENDER'],
      [message('KA$PI'), 'INVALID_SENDER'],
      [message('KASPI', { text: 'x'.repeat(11_000) }), 'INVALID_TEXT'],
      // 4,000 Cyrillic letters are 8,000 bytes: fine; 6,000 are 12,000 bytes: too long.
      [message('KASPI', { text: 'ж'.repeat(6000) }), 'INVALID_TEXT'],
      [message('KASPI', { text: 42 }), 'INVALID_TEXT'],
      [message('KASPI', { b: 'nobody' }), 'INVALID_NUMBER'],
      [message('KASPI', { at: 'yesterday' }), 'INVALID_TIME'],
      [message('KASPI', { ingress: 'pigeon' }), 'VALIDATION_FAILED'],
    ];
    for (const [body, code] of cases) {
      const r = await t.request('POST', '/v1/sms/verify', { token: beeline, body });
      assert.equal(r.statusCode, 400, `${JSON.stringify(body).slice(0, 80)}: ${r.body}`);
      assert.equal(r.json().error.code, code, JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await verify('KASPI', { text: 'ж'.repeat(4000) })).json().verdict, 'allow');
    assert.equal((await verify('KASPI')).json().verdict, 'allow');
  });

  it('refuses a body that is not valid UTF-8, and a lone surrogate', async () => {
    const raw = Buffer.concat([
      Buffer.from(
        `{"messageId":"u1","sender":"KASPI","b":"+77771234567","at":"${now()}","ingress":"domestic","text":"`,
      ),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('"}'),
    ]);
    const r = await t.app.http.inject({
      method: 'POST',
      url: '/v1/sms/verify',
      headers: { authorization: `Bearer ${beeline}`, 'content-type': 'application/json' },
      payload: raw,
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'INVALID_TEXT');
    const surrogate = await t.request('POST', '/v1/sms/verify', {
      token: beeline,
      raw: JSON.stringify(message('KASPI')).replace(/}$/, ',"text":"\\ud800 x"}'),
    });
    assert.equal(surrogate.statusCode, 400);
    assert.equal(surrogate.json().error.code, 'INVALID_TEXT');
  });

  it('needs an operator key', async () => {
    assert.equal((await t.request('POST', '/v1/sms/verify', { body: message('KASPI') })).statusCode, 401);
    assert.equal((await t.request('POST', '/v1/sms/verify', { token: admin, body: message('KASPI') })).statusCode, 403);
  });
});

describe('batch', () => {
  it('answers in order, a bad item in its place', async () => {
    const r = await t.request('POST', '/v1/sms/verify/batch', {
      token: beeline,
      body: { messages: [message('KASPI'), message('KASPI-BANK'), message(''), message('ACMESHOP')] },
    });
    assert.equal(r.statusCode, 200, r.body);
    const results = r.json().results;
    assert.deepEqual(
      results.map((x: { verdict?: string; error?: { code: string } }) => x.verdict ?? x.error?.code),
      ['allow', 'block', 'INVALID_SENDER', 'label'],
    );
    const tooMany = await t.request('POST', '/v1/sms/verify/batch', { token: beeline, body: { messages: 'x' } });
    assert.equal(tooMany.statusCode, 400);
  });
});

describe('stats and decisions', () => {
  it('counts messages apart from calls, in the same shape', async () => {
    const before = (await t.request('GET', '/v1/stats', { token: admin })).json();
    await verify('KASPI', { ingress: 'international' });
    await t.request('POST', '/v1/calls/verify', {
      token: beeline,
      body: { callId: 'c-1', a: '+77011234567', b: '+77771234567', at: now(), ingress: 'international' },
    });
    const after = (await t.request('GET', '/v1/stats', { token: admin })).json();
    assert.equal(after.totals.screened - before.totals.screened, 1, 'one call');
    assert.equal(after.messages.totals.screened - before.messages.totals.screened, 1, 'one message');
    assert.equal(after.messages.totals.blocked - before.messages.totals.blocked, 1);
    assert.ok(after.messages.byReason.SENDER_ID_WRONG_ROUTE >= 1);
    assert.equal(after.byReason.SENDER_ID_WRONG_ROUTE, undefined, 'message reasons are not counted as calls');
    assert.ok(after.sinceLaunch.messages.screened >= after.messages.totals.screened);
  });

  it('shows decisions by channel', async () => {
    const sms = (await t.request('GET', '/v1/decisions?channel=sms&limit=500', { token: admin })).json().items;
    const calls = (await t.request('GET', '/v1/decisions?channel=call&limit=500', { token: admin })).json().items;
    assert.ok(sms.length > 0 && sms.every((d: { channel: string }) => d.channel === 'sms'));
    assert.ok(calls.length > 0 && calls.every((d: { channel?: string }) => d.channel !== 'sms'));
  });
});

describe('public pages', () => {
  it('answers the number check for sender IDs: verified, imitation, unregistered', async () => {
    const check = async (id: string) =>
      (await t.request('GET', `/public/v1/numbers/${encodeURIComponent(id)}?lang=en`)).json();
    const kaspi = await check('KASPI');
    assert.equal(kaspi.risk, 'low');
    assert.equal(kaspi.label, 'Kaspi Bank (verified)');
    assert.equal((await check('KASPI-BANK')).risk, 'high');
    const unknown = await check('ACMESHOP');
    assert.equal(unknown.risk, 'unknown');
    assert.equal(unknown.label, 'Unregistered sender');
    const garbage = await t.request('GET', `/public/v1/numbers/${encodeURIComponent('not a sender!')}`);
    assert.equal(garbage.statusCode, 400);
  });

  it('takes citizens reports of an SMS sender ID, and only for SMS', async () => {
    const sms = await t.request('POST', '/public/v1/reports', {
      body: { number: 'LOAN-FAST', channel: 'sms', category: 'bank' },
    });
    assert.equal(sms.statusCode, 202, sms.body);
    const call = await t.request('POST', '/public/v1/reports', {
      body: { number: 'LOAN-FAST', channel: 'call', category: 'bank' },
    });
    assert.equal(call.statusCode, 400);
    assert.equal(call.json().error.code, 'INVALID_NUMBER');
  });
});

describe('OpenAPI', () => {
  it('documents the SMS contract', async () => {
    const doc = (await t.request('GET', '/openapi.json')).json();
    for (const path of [
      '/v1/sms/verify',
      '/v1/sms/verify/batch',
      '/v1/admin/sms-senders/{senderId}',
      '/v1/sms-senders',
    ])
      assert.ok(doc.paths[path], path);
    const body = doc.paths['/v1/sms/verify'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(body.required, ['messageId', 'sender', 'b', 'at', 'ingress']);
  });
});

describe('policy', () => {
  it('runs reasons in shadow mode, takes actions per reason and labels in the chosen language', async () => {
    const p = await startTestApp({
      labelLanguage: 'kk',
      policy: { actions: { SENDER_ID_UNREGISTERED: 'monitor' }, shadow: ['SENDER_ID_WRONG_ROUTE'] },
    });
    try {
      const key = await p.keyFor('BEELINE');
      assert.equal((await register('KASPI', { owner: 'Kaspi Bank', routes: ['domestic'] }, admin, p)).statusCode, 201);
      const shadowed = (await verify('KASPI', { ingress: 'international' }, p, key)).json();
      assert.equal(shadowed.verdict, 'allow');
      assert.equal(shadowed.shadow, true);
      assert.equal(shadowed.shadowVerdict, 'block');
      const monitored = (await verify('KASPI-BANK', {}, p, key)).json();
      assert.equal(monitored.verdict, 'allow', 'the policy lets even an imitation through when it says so');
      assert.deepEqual(monitored.reasons, ['SENDER_ID_UNREGISTERED']);
      const labelled = (await verify('KASPI', { text: 'https://kaspibonus.com/' }, p, key)).json();
      assert.equal(labelled.label, 'Алаяқтық күдігі');
    } finally {
      await p.close();
    }
  });
});
