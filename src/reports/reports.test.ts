import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createContext, runInContext } from 'node:vm';
import { subnetOf } from '../platform/client-network.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { createReportFriction, solveProof } from './friction.ts';
import { isEvidenceAgainstCaller } from './reputation.ts';
import type { ReportService } from './service.ts';

let t: TestApp;
let service: ReportService;
let beeline: string;
let kcell: string;

const report = (number: string, ip: string, extra: object = {}) =>
  t.app.http.inject({
    method: 'POST',
    url: '/public/v1/reports',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({
      number,
      channel: 'call',
      category: 'bank',
      text: 'said he was from the bank security service',
      ...extra,
    }),
  });
/** A citizen's browser: reports, and solves the proof of work when the server asks for one. */
async function reportAs(number: string, ip: string, userAgent: string) {
  const post = (proof?: string) =>
    t.app.http.inject({
      method: 'POST',
      url: '/public/v1/reports',
      remoteAddress: ip,
      headers: {
        'content-type': 'application/json',
        'user-agent': userAgent,
        ...(proof ? { 'x-callshield-proof': proof } : {}),
      },
      payload: JSON.stringify({ number, channel: 'call', category: 'bank' }),
    });
  const first = await post();
  if (first.statusCode !== 428) return first;
  assert.equal(first.json().error.code, 'PROOF_OF_WORK_REQUIRED');
  const c = (await t.app.http.inject({ method: 'GET', url: '/public/v1/reports/challenge', remoteAddress: ip })).json();
  return post(`${c.challenge}:${solveProof(c.challenge, c.bits)}`);
}
const publicNumber = async (number: string) =>
  (await t.request('GET', `/public/v1/numbers/${encodeURIComponent(number)}?lang=en`)).json();
const verify = async (a: string) =>
  (
    await t.request('POST', '/v1/calls/verify', {
      token: beeline,
      body: {
        callId: `r-${Math.random()}`,
        a,
        b: '+77771230000',
        at: new Date().toISOString(),
        ingress: 'international',
      },
    })
  ).json();

async function channelKey(id: string, kind: string) {
  const r = await t.request('POST', '/v1/admin/report-channels', { token: admin, body: { id, name: id, kind } });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().apiKey as string;
}

before(async () => {
  // A light proof of work keeps the test quick; the protocol is the same at any difficulty.
  t = await startTestApp({ publicReportsPerMinute: 10, publicRequestsPerMinute: 1000, publicReportProofBits: 8 });
  service = (t.app.modules.prevention as { service: ReportService }).service;
  [beeline, kcell] = await Promise.all([t.keyFor('BEELINE'), t.keyFor('KCELL')]);
});
after(() => t.close());

describe('citizen reports', () => {
  it('accepts a report and answers nothing but its id', async () => {
    const r = await report('+79161110001', '10.0.0.1');
    assert.equal(r.statusCode, 202);
    assert.deepEqual(Object.keys(r.json()), ['reportId']);
  });

  it('stops a flood from one client and lets it count once', async () => {
    const statuses = [];
    for (let i = 0; i < 14; i++) statuses.push((await report('+79161110002', '10.0.0.2')).statusCode);
    // Three free reports an hour; then each needs a proof of work; past the rate limit, 429.
    assert.deepEqual(statuses.slice(0, 3), Array(3).fill(202));
    assert.deepEqual(statuses.slice(3, 10), Array(7).fill(428));
    assert.ok(statuses.slice(10).every((s) => s === 429));
    const limited = await report('+79161110002', '10.0.0.2');
    assert.equal(limited.json().error.code, 'RATE_LIMITED');
    assert.equal((await publicNumber('+79161110002')).risk, 'low');
  });

  it('never labels a number on anonymous reports alone, however many clients send them', async () => {
    // Forty different networks (one address of one subnet would count once).
    for (let i = 0; i < 40; i++) assert.equal((await report('+79161110003', `10.${100 + i}.0.1`)).statusCode, 202);
    assert.equal((await publicNumber('+79161110003')).risk, 'medium');
    const decision = await verify('+79161110003');
    assert.equal(decision.verdict, 'allow');
    assert.ok(!decision.reasons.includes('REPORTED_CLI'));
  });

  it('labels a number that several verified reporters report, and never blocks it for that', async () => {
    const key = await channelKey('kcell-short-number', 'operator');
    for (const reporter of ['+77011110101', '+77011110102', '+77011110103']) {
      const r = await t.request('POST', '/v1/reports', {
        token: key,
        body: { number: '+79161110004', channel: 'call', category: 'police', reporterNumber: reporter },
      });
      assert.equal(r.statusCode, 202, r.body);
    }
    // One reporter reporting again does not add up.
    await t.request('POST', '/v1/reports', {
      token: key,
      body: { number: '+79161110004', channel: 'call', category: 'police', reporterNumber: '+77011110101' },
    });
    assert.equal((await publicNumber('+79161110004')).risk, 'high');
    const decision = await verify('+79161110004');
    assert.equal(decision.verdict, 'label');
    assert.deepEqual(decision.reasons, ['REPORTED_CLI']);
  });

  it('refuses channel reports without a channel key or a reporter number', async () => {
    const noKey = await t.request('POST', '/v1/reports', {
      token: kcell,
      body: { number: '+79161110005', channel: 'call', category: 'bank', reporterNumber: '+77011110101' },
    });
    assert.equal(noKey.statusCode, 401);
    const key = await channelKey('halyk-bot', 'bot');
    const noReporter = await t.request('POST', '/v1/reports', {
      token: key,
      body: { number: '+79161110005', channel: 'call', category: 'bank' },
    });
    assert.equal(noReporter.statusCode, 400);
  });

  it('never counts a call blocked as spoofed against the real owner of the number', async () => {
    const key = await channelKey('beeline-bot', 'bot');
    // +77011110006 is spoofed from abroad: the block is evidence against the spoofer, not the owner.
    const spoofed = await verify('+77011110006');
    assert.equal(spoofed.verdict, 'block');
    assert.ok(spoofed.reasons.includes('SPOOFED_DOMESTIC_FROM_ABROAD'));
    await t.request('POST', '/v1/reports', {
      token: key,
      body: { number: '+77011110006', channel: 'call', category: 'bank', reporterNumber: '+77011110201' },
    });
    assert.equal((await publicNumber('+77011110006')).risk, 'medium');
    // The same single report without evidence stays medium.
    await t.request('POST', '/v1/reports', {
      token: key,
      body: { number: '+79161110007', channel: 'call', category: 'bank', reporterNumber: '+77011110201' },
    });
    assert.equal((await publicNumber('+79161110007')).risk, 'medium');
  });

  it('lets reports decay with time', async () => {
    const key = await channelKey('decay-bot', 'bot');
    for (const reporter of ['+77011110301', '+77011110302', '+77011110303']) {
      await t.request('POST', '/v1/reports', {
        token: key,
        body: { number: '+79161110008', channel: 'sms', category: 'prize', reporterNumber: reporter },
      });
    }
    assert.equal((await publicNumber('+79161110008')).risk, 'high');
    t.advance(45 * 86_400_000);
    try {
      await service.refreshAll();
      assert.equal((await publicNumber('+79161110008')).risk, 'low');
    } finally {
      t.advance(-45 * 86_400_000);
      await service.refreshAll();
    }
  });

  it('lets an analyst reject reports, clearing the number and discounting its reporters', async () => {
    const key = await channelKey('campaign-bot', 'bot');
    for (const reporter of ['+77011110401', '+77011110402', '+77011110403']) {
      await t.request('POST', '/v1/reports', {
        token: key,
        body: { number: '+77172555001', channel: 'call', category: 'bank', reporterNumber: reporter },
      });
    }
    assert.equal((await publicNumber('+77172555001')).risk, 'high');
    const queue = (await t.request('GET', '/v1/reports/queue', { token: admin })).json();
    assert.ok(
      queue.items.some((i: { number: string; reporters: number }) => i.number === '+77172555001' && i.reporters === 3),
    );
    const r = await t.request('POST', '/v1/reports/numbers/+77172555001/reject', {
      token: admin,
      body: { reason: 'bank hotline smeared by a campaign' },
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().risk, 'unknown');
    // Those reporters now weigh less: the same three on another number no longer make it high.
    for (const reporter of ['+77011110401', '+77011110402', '+77011110403']) {
      await t.request('POST', '/v1/reports', {
        token: key,
        body: { number: '+79161110009', channel: 'call', category: 'bank', reporterNumber: reporter },
      });
    }
    assert.equal((await publicNumber('+79161110009')).risk, 'medium');
  });

  it('lets an analyst confirm reports and block the number', async () => {
    await report('+79161110010', '10.2.0.1');
    const r = await t.request('POST', '/v1/reports/numbers/+79161110010/confirm', {
      token: admin,
      body: { reason: 'matches a known call-centre', block: true },
    });
    assert.equal(r.json().blocked, true);
    assert.equal((await verify('+79161110010')).verdict, 'block');
    assert.equal((await t.request('GET', '/v1/reports/queue', { token: kcell })).statusCode, 403);
  });

  it('gives a number one risk in the console lookup, the queue and on the public page', async () => {
    await report('+79161110011', '10.3.0.1');
    await t.request('POST', '/v1/lists/blocklist/entries', {
      token: admin,
      body: { number: '+79161110011', reason: 'detection' },
    });
    const lookup = (await t.request('GET', '/v1/numbers/+79161110011/lookup', { token: admin })).json();
    const queued = (await t.request('GET', '/v1/reports/queue?limit=500', { token: admin })).json();
    assert.equal((await publicNumber('+79161110011')).risk, 'high');
    assert.equal(lookup.reputation, 'high');
    assert.equal(queued.items.find((i: { number: string }) => i.number === '+79161110011').risk, 'high');
  });
});

describe('reputation floods and spoofing', () => {
  it('keeps an honest number low under a flood from one address and one subnet, plus a spoofed call', async () => {
    const honest = '+77011119001';
    // One machine, many browsers: four User-Agents from one address are one reporter.
    for (const [i, ua] of ['Firefox/120', 'Chrome/119', 'Safari/17', 'Edge/118', 'curl/8', 'Opera/99'].entries()) {
      const r = await reportAs(honest, '10.7.7.7', `Mozilla/5.0 ${ua} #${i}`);
      assert.equal(r.statusCode, 202, r.body);
    }
    // Its neighbours: sixteen more addresses in the same /24, each with its own browser.
    for (let i = 10; i < 26; i++) {
      const r = await reportAs(honest, `10.7.7.${i}`, `Mozilla/5.0 Bot/${i}`);
      assert.equal(r.statusCode, 202, r.body);
    }
    // The same from one IPv6 /64.
    for (let i = 1; i < 6; i++) {
      const r = await reportAs(honest, `2001:db8:7:7::${i}`, `Mozilla/5.0 V6/${i}`);
      assert.equal(r.statusCode, 202, r.body);
    }
    // A spoofed call presenting the number, blocked as such, and one more report.
    const spoofed = await verify(honest);
    assert.equal(spoofed.verdict, 'block');
    assert.ok(spoofed.reasons.includes('SPOOFED_DOMESTIC_FROM_ABROAD'));
    assert.equal((await reportAs(honest, '10.7.7.99', 'Mozilla/5.0 Last')).statusCode, 202);

    assert.equal((await publicNumber(honest)).risk, 'low');
    const prevention = t.app.modules.reputation as { risk(n: number): string; isReported(n: number): boolean };
    assert.equal(prevention.isReported(77011119001), false);
  });

  it('asks a burst for a proof of work that is bound to its network, single-use and checked', async () => {
    const ip = '10.8.8.8';
    for (let i = 0; i < 3; i++) assert.equal((await reportAs('+79161110090', ip, 'x')).statusCode, 202);
    const post = (proof: string, from = ip) =>
      t.app.http.inject({
        method: 'POST',
        url: '/public/v1/reports',
        remoteAddress: from,
        headers: { 'content-type': 'application/json', 'x-callshield-proof': proof },
        payload: JSON.stringify({ number: '+79161110090', channel: 'call', category: 'bank' }),
      });
    const challenge = (from = ip) =>
      t.app.http
        .inject({ method: 'GET', url: '/public/v1/reports/challenge', remoteAddress: from })
        .then((r) => r.json());
    const c = await challenge();
    assert.equal(c.required, true);
    assert.equal((await post(`${c.challenge}:not-a-solution`)).statusCode, 428);
    const solved = `${c.challenge}:${solveProof(c.challenge, c.bits)}`;
    // A challenge given to another network is no good here (solved elsewhere, replayed here).
    const other = await challenge('10.9.9.9');
    assert.equal((await post(`${other.challenge}:${solveProof(other.challenge, other.bits)}`)).statusCode, 428);
    assert.equal((await post(solved)).statusCode, 202);
    assert.equal((await post(solved)).statusCode, 428, 'a challenge is used once');
  });

  it("the citizens' page solves the proof of work the server asks for", async () => {
    const script = readFileSync(new URL('./public-page/app.js', import.meta.url), 'utf8');
    const page = createContext({
      document: { addEventListener() {}, documentElement: {}, querySelectorAll: () => [] },
      localStorage: { getItem: () => null, setItem() {} },
      navigator: { language: 'ru' },
      TextEncoder,
      setTimeout,
      Uint8Array,
      Uint32Array,
      DataView,
      Math,
    });
    runInContext(script, page);
    const ip = '10.8.9.1';
    for (let i = 0; i < 3; i++) assert.equal((await reportAs('+79161110091', ip, 'x')).statusCode, 202);
    const c = (
      await t.app.http.inject({ method: 'GET', url: '/public/v1/reports/challenge', remoteAddress: ip })
    ).json();
    const proof = await runInContext('solveProof', page)(c.challenge, c.bits);
    const r = await t.app.http.inject({
      method: 'POST',
      url: '/public/v1/reports',
      remoteAddress: ip,
      headers: { 'content-type': 'application/json', 'x-callshield-proof': proof },
      payload: JSON.stringify({ number: '+79161110091', channel: 'call', category: 'bank' }),
    });
    assert.equal(r.statusCode, 202, r.body);
  });

  it('knows a reporter by its /24 or /64, IPv4-mapped addresses included', () => {
    assert.equal(subnetOf('10.7.7.7'), '10.7.7.0/24');
    assert.equal(subnetOf('::ffff:10.7.7.8'), '10.7.7.0/24');
    assert.equal(subnetOf('2001:db8:7:7::1'), '2001:db8:7:7::/64');
    assert.equal(subnetOf('2001:db8:7:7:ffff::2'), '2001:db8:7:7::/64');
  });

  it('makes the proof harder as the burst grows', () => {
    let now = 0;
    const friction = createReportFriction({ secret: 's', clock: () => now, reportsBeforeProof: 3, bits: 10 });
    try {
      assert.equal(friction.bitsNeeded('10.1.1.1'), 0);
      for (let i = 0; i < 3; i++) friction.note('10.1.1.1');
      assert.equal(friction.bitsNeeded('10.1.1.1'), 10);
      for (let i = 0; i < 9; i++) friction.note('10.1.1.1');
      assert.equal(friction.bitsNeeded('10.1.1.1'), 12);
      // Its neighbours pay too: twelve from the /24 is a burst for the whole subnet.
      assert.equal(friction.bitsNeeded('10.1.1.200'), 10);
      now += 3_600_001;
      assert.equal(friction.bitsNeeded('10.1.1.1'), 0);
    } finally {
      friction.close();
    }
  });

  it('counts a screened call against its number only when the owner really made it', () => {
    assert.equal(isEvidenceAgainstCaller(['CALL_BURST']), true);
    assert.equal(isEvidenceAgainstCaller(['SPOOFED_DOMESTIC_FROM_ABROAD']), false);
    assert.equal(isEvidenceAgainstCaller(['UNCONFIRMED_ORIGIN', 'CALL_BURST']), false);
    assert.equal(isEvidenceAgainstCaller(['DNO_CLI']), false);
  });
});

describe('number and link checks', () => {
  it('tells a citizen about DNO, blocked and verified numbers, with no personal data', async () => {
    await t.request('POST', '/v1/lists/dno/entries', {
      token: admin,
      body: { number: '+77172000077', reason: 'bank hotline' },
    });
    await t.request('POST', '/v1/lists/allowlist/entries', {
      token: admin,
      body: { number: '+77172000078', reason: 'bank outbound', displayName: 'Halyk Bank' },
    });
    const dno = await publicNumber('87172000077');
    assert.deepEqual(dno, {
      number: '+77172000077',
      risk: 'high',
      label: 'This number never calls out: a call from it is fraud',
    });
    const verified = await publicNumber('+77172000078');
    assert.equal(verified.risk, 'low');
    assert.match(verified.label, /Halyk Bank/);
    assert.deepEqual(await publicNumber('+79161119999'), { number: '+79161119999', risk: 'unknown' });
    // Neither a number nor an SMS sender ID ("abc" would be a sender ID, answered as unregistered).
    const bad = await t.request('GET', `/public/v1/numbers/${encodeURIComponent('abc!')}`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'INVALID_NUMBER');
  });

  it('refuses a Kazakh number a digit short or long, and accepts the usual ways of writing one and foreign numbers', async () => {
    for (const [i, typo] of ['+7 701 123 45 6', '+7 701 123 45 678', '7701123456'].entries()) {
      const reported = await report(typo, `10.61.${i}.1`);
      assert.equal(reported.statusCode, 400, typo);
      assert.equal(reported.json().error.code, 'INVALID_NUMBER', typo);
      const checked = await t.request('GET', `/public/v1/numbers/${encodeURIComponent(typo)}?lang=en`);
      assert.equal(checked.statusCode, 400, typo);
      assert.equal(checked.json().error.code, 'INVALID_NUMBER', typo);
    }
    const accepted = {
      '8 701 123 45 67': '+77011234567',
      '+7 (701) 123-45-67': '+77011234567',
      '+90 532 123 45 67': '+905321234567',
      '+44 20 7946 0958': '+442079460958',
    };
    for (const [i, [written, e164]] of Object.entries(accepted).entries()) {
      assert.equal((await report(written, `10.62.${i}.1`)).statusCode, 202, written);
      assert.equal((await publicNumber(written)).number, e164, written);
    }
    // An SMS short code is still a sender, kept as written.
    assert.equal((await report('7494', '10.63.0.1', { channel: 'sms', category: 'bank' })).statusCode, 202);
    // A trusted channel's reporter number is checked the same way.
    const key = await channelKey('length-check-bot', 'bot');
    const short = await t.request('POST', '/v1/reports', {
      token: key,
      body: { number: '+79161110077', channel: 'call', category: 'bank', reporterNumber: '+7701111010' },
    });
    assert.equal(short.statusCode, 400);
    // Screening still answers such a caller, as malformed, never with a 400.
    const decision = await verify('+7701123456');
    assert.ok(decision.reasons.includes('MALFORMED_CLI'), JSON.stringify(decision));
  });

  it('checks links against the brands and the phishing list analysts keep', async () => {
    const check = async (url: string) =>
      (await t.request('GET', `/public/v1/links?url=${encodeURIComponent(url)}`)).json();
    assert.equal((await check('https://kaspi.kz/')).verdict, 'trusted');
    assert.equal((await check('https://kaspi-pay.example.com')).verdict, 'suspicious');
    assert.equal((await check('https://bonus-dlya-vas.example.net')).verdict, 'unknown');
    const added = await t.request('POST', '/v1/links/phishing', {
      token: admin,
      body: { domain: 'bonus-dlya-vas.example.net', reason: 'reported by citizens' },
    });
    assert.equal(added.statusCode, 201, added.body);
    assert.deepEqual(await check('https://www.bonus-dlya-vas.example.net/form'), {
      verdict: 'phishing',
      reasons: ['KNOWN_PHISHING_DOMAIN'],
      domain: 'bonus-dlya-vas.example.net',
    });
    const bad = await t.request('GET', '/public/v1/links?url=javascript:alert(1)');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'UNSUPPORTED_URL_SCHEME');
    const huge = await t.request('GET', `/public/v1/links?url=${'a'.repeat(3000)}`);
    assert.equal(huge.statusCode, 400);
  });

  it('checks a link as pasted from a message, without the quotes and punctuation around it', async () => {
    const check = async (url: string) =>
      (await t.request('GET', `/public/v1/links?url=${encodeURIComponent(url)}`)).json();
    for (const url of ['kaspi.kz»', '«kaspi.kz».', '"https://kaspi.kz/",', '(kaspi.kz)'])
      assert.equal((await check(url)).verdict, 'trusted', `${url}: the official site, not a look-alike`);
    const lookalike = await check('(kaspi-bank.top/pay),');
    assert.equal(lookalike.domain, 'kaspi-bank.top');
    assert.ok(lookalike.reasons.includes('RISKY_TOP_LEVEL_DOMAIN'), JSON.stringify(lookalike));
    const r = await report('+79161110015', '10.3.0.9', { url: '«kaspi-bank.top/pay».' });
    assert.equal(r.statusCode, 202, r.body);
    const items = (await t.request('GET', '/v1/reports/numbers/+79161110015', { token: admin })).json().items;
    assert.equal(items[0].url, 'kaspi-bank.top/pay', 'analysts see the link itself');
  });

  it('limits the size of public bodies', async () => {
    const r = await report('+79161110011', '10.3.0.1', { text: 'x'.repeat(20_000) });
    assert.equal(r.statusCode, 413);
    assert.equal(r.json().error.code, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses a text or a link holding NUL with a 400, not an internal error', async () => {
    for (const extra of [{ text: 'call me\u0000back' }, { url: 'https://kaspi-bonus.example/\u0000' }]) {
      const r = await report('+79161110013', '10.3.0.2', extra);
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.code, 'VALIDATION_FAILED');
    }
    // The next report from the same network still goes through.
    assert.equal((await report('+79161110013', '10.3.0.2')).statusCode, 202);
  });

  it('refuses a reported or checked link that is not http or https with a 400, and keeps bare hosts', async () => {
    const refused = {
      error: { code: 'UNSUPPORTED_URL_SCHEME', message: '"url" must be an http or https link' },
    };
    const links = [
      'javascript:alert(1)',
      'JavaScript://kaspi.kz/%0aalert(1)',
      ' java\nscript:alert(1)',
      'javascript:1/alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'mailto:help@kaspi.kz',
      'file:///etc/passwd',
    ];
    for (const [i, url] of links.entries()) {
      const r = await report('+79161110014', `10.60.${i}.1`, { url });
      assert.equal(r.statusCode, 400, url);
      assert.deepEqual(r.json(), refused, url);
      const checked = await t.request('GET', `/public/v1/links?url=${encodeURIComponent(url)}`);
      assert.equal(checked.statusCode, 400, url);
      assert.deepEqual(checked.json(), refused, url);
    }
    for (const [i, url] of [
      'kaspi-bonus.top/login',
      'https://kaspi-bonus.top/login',
      'kaspi-bonus.top:8080/x',
    ].entries()) {
      assert.equal((await report('+79161110014', `10.61.${i}.1`, { url })).statusCode, 202, url);
      assert.equal((await t.request('GET', `/public/v1/links?url=${encodeURIComponent(url)}`)).statusCode, 200, url);
    }
  });

  it('refuses a page offset past any page with a 400', async () => {
    const r = await t.request('GET', '/v1/reports/queue?offset=99999999999999999999', { token: admin });
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.json().error.code, 'VALIDATION_FAILED');
  });

  it("serves the citizens' page", async () => {
    const page = await t.request('GET', '/public/');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Сообщить о мошенничестве/);
    assert.equal((await t.request('GET', '/public/app.js')).statusCode, 200);
  });
});

describe('banks and their DNO numbers', () => {
  it('lets a bank register and remove only its own hotlines', async () => {
    const halyk = await channelKey('halyk', 'bank');
    const kaspi = await channelKey('kaspi', 'bank');
    const bot = await channelKey('some-bot', 'bot');
    const r = await t.request('POST', '/v1/channel/dno', {
      token: halyk,
      body: { number: '+77272590000', reason: 'Halyk contact centre' },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal((await verify('+77272590000')).verdict, 'block');
    assert.equal(
      (await t.request('POST', '/v1/channel/dno', { token: bot, body: { number: '+77272590001', reason: 'x' } }))
        .statusCode,
      403,
    );
    assert.equal((await t.request('DELETE', '/v1/channel/dno/+77272590000', { token: kaspi })).statusCode, 404);
    assert.equal((await t.request('DELETE', '/v1/channel/dno/+77272590000', { token: halyk })).statusCode, 204);
  });

  it("does not let a bank take over another bank's or the national DNO entry by registering it again", async () => {
    const halyk = await channelKey('halyk-2', 'bank');
    const kaspi = await channelKey('kaspi-2', 'bank');
    const registered = await t.request('POST', '/v1/channel/dno', {
      token: halyk,
      body: { number: '+77272590010', reason: 'Halyk contact centre' },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const national = await t.request('POST', '/v1/lists/dno/entries', {
      token: admin,
      body: { number: '+77172590011', reason: 'government line' },
    });
    assert.equal(national.statusCode, 201, national.body);
    for (const number of ['+77272590010', '+77172590011']) {
      const again = await t.request('POST', '/v1/channel/dno', { token: kaspi, body: { number, reason: 'mine' } });
      assert.equal(again.statusCode, 409, again.body);
      assert.equal((await t.request('DELETE', `/v1/channel/dno/${number}`, { token: kaspi })).statusCode, 404);
      assert.equal((await verify(number)).verdict, 'block', number);
    }
    // The registering bank renews its own entry.
    const renewed = await t.request('POST', '/v1/channel/dno', {
      token: halyk,
      body: { number: '+77272590010', reason: 'Halyk contact centre, renewed' },
    });
    assert.equal(renewed.statusCode, 201, renewed.body);
  });
});

describe('rate limits on every public endpoint', () => {
  it('answers 429 with a code past the limit', async () => {
    const small = await startTestApp({ publicRequestsPerMinute: 3 });
    try {
      for (const url of ['/public/v1/numbers/+79161110012', '/public/v1/links?url=kaspi.kz']) {
        const statuses = [];
        for (let i = 0; i < 4; i++)
          statuses.push(
            (await small.app.http.inject({ method: 'GET', url, remoteAddress: `10.9.${url.length}.1` })).statusCode,
          );
        assert.deepEqual(statuses, [200, 200, 200, 429], url);
      }
      // An IPv6 client is its /64 (one subscriber line): a new address of it is not a new client.
      const url = '/public/v1/numbers/+79161110013';
      const statuses = [];
      for (let i = 1; i <= 4; i++)
        statuses.push(
          (await small.app.http.inject({ method: 'GET', url, remoteAddress: `2001:db8:9:9::${i}` })).statusCode,
        );
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      const neighbour = await small.app.http.inject({ method: 'GET', url, remoteAddress: '2001:db8:9:a::1' });
      assert.equal(neighbour.statusCode, 200);
    } finally {
      await small.close();
    }
  });
});
