/**
 * The SMPP firewall between a real SMPP client (an ESME) and a real SMPP server (the upstream
 * SMSC), both from the `smpp` package, over TCP on 127.0.0.1, screening in the same process.
 */
import assert from 'node:assert/strict';
import { createConnection, createServer as createTcpServer, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import smpp, { type PDU, type Session } from 'smpp';
import { loadConfig } from '../config.ts';
import { testAdminToken as admin, startTestApp, type TestApp } from '../platform/test-app.ts';
import { type SmppFirewall, startSmppFirewall } from './firewall.ts';
import { checkSmppSettings, screenOverHttp } from './module.ts';

interface Upstream {
  port: number;
  /** Every byte the SMSC read, in order. */
  bytes(): Buffer;
  submits: PDU[];
  binds: PDU[];
  sessions: Session[];
  close(): Promise<void>;
}

/**
 * A real SMPP server as the SMSC: accepts the firewall's bind, answers every submit with its own id
 * (or, `answerSubmits: false`, none: the test answers them, or not).
 */
async function startUpstream({ answerSubmits = true } = {}): Promise<Upstream> {
  const chunks: Buffer[] = [];
  const submits: PDU[] = [];
  const binds: PDU[] = [];
  const sessions: Session[] = [];
  let ids = 0;
  const server = smpp.createServer({}, (session) => {
    sessions.push(session);
    const read = session.socket.read.bind(session.socket);
    session.socket.read = ((n?: number) => {
      const chunk = read(n);
      if (chunk) chunks.push(Buffer.from(chunk));
      return chunk;
    }) as typeof session.socket.read;
    session.on('error', () => {});
    session.on('bind_transceiver', (pdu: PDU) => {
      binds.push(pdu);
      const ok = pdu.system_id === 'fw' && pdu.password === 'fwpass';
      session.send(pdu.response(ok ? {} : { command_status: smpp.errors.ESME_RBINDFAIL }));
    });
    session.on('submit_sm', (pdu: PDU) => {
      submits.push(pdu);
      if (answerSubmits) session.send(pdu.response({ message_id: `smsc-${++ids}` }));
    });
    session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: PDU) => {
      session.send(pdu.response());
      session.close();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    bytes: () => Buffer.concat(chunks),
    submits,
    binds,
    sessions,
    close: () =>
      new Promise((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Esme {
  session: Session;
  /** Every byte the ESME wrote, PDU by PDU. */
  written: Buffer[];
  request(command: string, options?: Record<string, unknown>): Promise<PDU>;
  close(): void;
}

/** A real SMPP client as the ESME, bound as a transceiver. */
async function connectEsme(port: number, systemId = 'esme1', password = 'secret'): Promise<Esme & { bind: PDU }> {
  const session = smpp.connect({ host: '127.0.0.1', port });
  session.on('error', () => {});
  const written: Buffer[] = [];
  const write = session.socket.write.bind(session.socket);
  session.socket.write = ((chunk: Buffer, ...rest: unknown[]) => {
    written.push(Buffer.from(chunk));
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof session.socket.write;
  await new Promise<void>((resolve) => session.once('connect', () => resolve()));
  const request = (command: string, options: Record<string, unknown> = {}) =>
    new Promise<PDU>((resolve) => {
      (session as unknown as Record<string, (o: object, cb: (pdu: PDU) => void) => void>)[command](options, resolve);
    });
  const bind = await request('bind_transceiver', { system_id: systemId, password });
  return { session, written, request, bind, close: () => session.destroy() };
}

const appSettings = (upstreamPort: number) => ({
  roles: 'screening,console,smpp',
  host: '127.0.0.1',
  smppPort: 0,
  smppUpstream: `127.0.0.1:${upstreamPort}`,
  smppSystemId: 'fw',
  smppPassword: 'fwpass',
  smppAccounts: 'esme1:secret,abroad:secret:international',
  smppOperator: 'BEELINE',
  smppReassemblyMs: 3000,
  smppScreenDeliver: 'true',
});

let upstream: Upstream;
let t: TestApp;
let firewallPort: number;
let esme: Esme;

const screened = async () =>
  (await t.request('GET', '/v1/stats', { token: admin })).json().messages.totals.screened as number;

/** A long text cut into UCS-2 parts of at most 67 characters, each with a concatenation UDH. */
function ucs2Parts(text: string, reference: number, partLength = 67) {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += partLength) chunks.push(text.slice(i, i + partLength));
  return chunks.map((chunk, i) => ({
    source_addr: 'KASPI',
    source_addr_ton: 5,
    destination_addr: '77771234567',
    dest_addr_ton: 1,
    data_coding: 8,
    esm_class: 0x40,
    short_message: { udh: Buffer.from([5, 0, 3, reference, chunks.length, i + 1]), message: chunk },
  }));
}

before(async () => {
  upstream = await startUpstream();
  t = await startTestApp(appSettings(upstream.port));
  const r = await t.request('PUT', '/v1/admin/sms-senders/KASPI', {
    token: admin,
    body: { owner: 'Kaspi Bank', routes: ['domestic'] },
  });
  assert.equal(r.statusCode, 201);
  const listed = await t.request('POST', '/v1/links/phishing', {
    token: admin,
    body: { domain: 'kaspi-kz-bonus.top', reason: 'phishing campaign' },
  });
  assert.ok(listed.statusCode < 300, listed.body);
  firewallPort = (t.app.modules.smpp as SmppFirewall).port;
  const connected = await connectEsme(firewallPort);
  assert.equal(connected.bind.command_status, 0, 'the ESME binds');
  esme = connected;
});
after(async () => {
  esme?.close();
  await t?.close();
  await upstream?.close();
});

describe('SMPP firewall', () => {
  it('binds to the SMSC with its own account', () => {
    assert.ok(upstream.binds.length >= 1);
    assert.equal(upstream.binds[0].system_id, 'fw');
  });

  it('forwards an allowed message byte for byte, and gives the ESME the SMSC answer', async () => {
    const before = upstream.submits.length;
    const resp = await esme.request('submit_sm', {
      source_addr: 'KASPI',
      source_addr_ton: 5,
      destination_addr: '77771234567',
      dest_addr_ton: 1,
      registered_delivery: 1,
      short_message: 'Vash kod 4821. Ne soobshchaite ego nikomu.',
    });
    assert.equal(resp.command_status, 0);
    assert.match(String(resp.message_id), /^smsc-\d+$/);
    assert.equal(upstream.submits.length, before + 1);
    const sent = esme.written.at(-1)!;
    assert.equal(sent.readUInt32BE(4), smpp.commands.submit_sm.id);
    assert.ok(upstream.bytes().includes(sent), 'the SMSC read the very bytes the ESME sent');
  });

  it('refuses a blocked message with ESME_RX_R_APPN and never lets it reach the SMSC', async () => {
    const before = upstream.submits.length;
    for (const [sender, text] of [
      ['KASPI-BANK', 'Vash schet zablokirovan'],
      ['KASPI', 'Podtverdite vhod: https://kaspi-kz-bonus.top/login'],
    ]) {
      const resp = await esme.request('submit_sm', {
        source_addr: sender,
        source_addr_ton: 5,
        destination_addr: '77771234567',
        short_message: text,
      });
      assert.equal(resp.command_status, smpp.errors.ESME_RX_R_APPN, sender);
      assert.ok(!upstream.bytes().includes(esme.written.at(-1)!));
    }
    assert.equal(upstream.submits.length, before);
  });

  it('screens what the SMSC delivers to the ESME too, and lets receipts through', async () => {
    const delivered: PDU[] = [];
    const onDeliver = (pdu: PDU) => {
      delivered.push(pdu);
      esme.session.send(pdu.response());
    };
    esme.session.on('deliver_sm', onDeliver);
    try {
      const smsc = upstream.sessions[0];
      const deliver = (options: Record<string, unknown>) =>
        new Promise<PDU>((resolve) => {
          (smsc as unknown as Record<string, (o: object, cb: (pdu: PDU) => void) => void>).deliver_sm(
            { destination_addr: '77771234567', dest_addr_ton: 1, ...options },
            resolve,
          );
        });
      const blocked = await deliver({
        source_addr: 'KASPI-BANK',
        source_addr_ton: 5,
        short_message: 'Karta zablokirovana',
      });
      assert.equal(blocked.command_status, smpp.errors.ESME_RX_R_APPN);
      const allowed = await deliver({ source_addr: 'KASPI', source_addr_ton: 5, short_message: 'Kod 1234' });
      assert.equal(allowed.command_status, 0, 'answered by the ESME through the firewall');
      const receipt = await deliver({
        source_addr: 'KASPI-BANK',
        source_addr_ton: 5,
        esm_class: 0x04,
        short_message: 'id:1 sub:001 dlvrd:001 stat:DELIVRD err:000',
      });
      assert.equal(receipt.command_status, 0, 'a delivery receipt is not screened');
      assert.deepEqual(
        delivered.map((p) => p.source_addr),
        ['KASPI', 'KASPI-BANK'],
      );
    } finally {
      esme.session.off('deliver_sm', onDeliver);
    }
  });

  it('screens a Kazakh number sent from abroad as calls are screened', async () => {
    const abroad = await connectEsme(firewallPort, 'abroad', 'secret');
    try {
      const resp = await abroad.request('submit_sm', {
        source_addr: '77011234567',
        source_addr_ton: 1,
        destination_addr: '77771234567',
        short_message: 'Privet',
      });
      assert.equal(resp.command_status, smpp.errors.ESME_RX_R_APPN);
    } finally {
      abroad.close();
    }
  });

  it('screens a 3-part Cyrillic message once and delivers it whole', async () => {
    const text =
      'Уважаемый клиент! Ваш платёж по кредиту принят, спасибо. ' +
      'Остаток по договору и график платежей смотрите в приложении Kaspi.kz в разделе «Мой банк». ' +
      'Поддержка работает круглосуточно: 9999.';
    const parts = ucs2Parts(text, 42);
    assert.equal(parts.length, 3);
    const screenedBefore = await screened();
    const before = upstream.submits.length;
    const answers = await Promise.all(parts.map((p) => esme.request('submit_sm', p)));
    assert.deepEqual(
      answers.map((a) => a.command_status),
      [0, 0, 0],
    );
    assert.equal((await screened()) - screenedBefore, 1, 'one decision for the whole message');
    const delivered = upstream.submits.slice(before);
    assert.equal(delivered.length, 3);
    const joined = delivered.map((p) => (p.short_message as { message: string }).message).join('');
    assert.equal(joined, text);
    for (const sent of esme.written.slice(-3)) assert.ok(upstream.bytes().includes(sent));
  });

  it('refuses every part of a long message whose link is split across parts', async () => {
    const text =
      'Ваш счёт заблокирован из-за подозрительной операции. Чтобы разблокировать, войдите: https://kaspi-kz-bo' +
      'nus.top/login и подтвердите данные карты в течение часа, иначе средства будут списаны.';
    const parts = ucs2Parts(text, 43, 60);
    assert.ok(parts.length >= 3);
    const before = upstream.submits.length;
    const answers = await Promise.all(parts.map((p) => esme.request('submit_sm', p)));
    assert.ok(answers.every((a) => a.command_status === smpp.errors.ESME_RX_R_APPN));
    assert.equal(upstream.submits.length, before);
  });

  it('answers a malformed PDU with an error status and keeps the bind', async () => {
    const answers: PDU[] = [];
    const listen = (pdu: PDU) => answers.push(pdu);
    esme.session.on('pdu', listen);
    try {
      // A submit_sm cut off after its service_type and source TON/NPI.
      const cut = Buffer.alloc(19);
      cut.writeUInt32BE(19, 0);
      cut.writeUInt32BE(smpp.commands.submit_sm.id, 4);
      cut.writeUInt32BE(0x100001, 12);
      // An operation no SMPP 3.4 peer knows.
      const unknown = Buffer.alloc(16);
      unknown.writeUInt32BE(16, 0);
      unknown.writeUInt32BE(0x00000077, 4);
      unknown.writeUInt32BE(0x100002, 12);
      esme.session.socket.write(Buffer.concat([cut, unknown]));
      const link = await esme.request('enquire_link');
      assert.equal(link.command_status, 0);
      const cutAnswer = answers.find((a) => a.sequence_number === 0x100001);
      assert.equal(cutAnswer?.command, 'submit_sm_resp');
      assert.notEqual(cutAnswer?.command_status, 0);
      const unknownAnswer = answers.find((a) => a.sequence_number === 0x100002);
      assert.equal(unknownAnswer?.command, 'generic_nack');
      assert.equal(unknownAnswer?.command_status, smpp.errors.ESME_RINVCMDID);
    } finally {
      esme.session.off('pdu', listen);
    }
    const resp = await esme.request('submit_sm', {
      source_addr: 'KASPI',
      source_addr_ton: 5,
      destination_addr: '77771234567',
      short_message: 'Still bound',
    });
    assert.equal(resp.command_status, 0);
  });

  it('refuses a bind with a wrong password', async () => {
    const stranger = await connectEsme(firewallPort, 'esme1', 'wrong');
    try {
      assert.equal(stranger.bind.command_status, smpp.errors.ESME_RBINDFAIL);
    } finally {
      stranger.close();
    }
  });

  it('reconnects to the SMSC after the link drops', async () => {
    const before = upstream.binds.length;
    for (const s of upstream.sessions) s.destroy();
    for (let i = 0; i < 100 && upstream.binds.length === before; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(upstream.binds.length > before, 'bound again');
    await new Promise((r) => setTimeout(r, 50));
    const resp = await esme.request('submit_sm', {
      source_addr: 'KASPI',
      source_addr_ton: 5,
      destination_addr: '77771234567',
      short_message: 'After the reconnection',
    });
    assert.equal(resp.command_status, 0);
  });

  it('answers unbind and closes', async () => {
    const other = await connectEsme(firewallPort);
    const resp = await other.request('unbind');
    assert.equal(resp.command, 'unbind_resp');
    await new Promise<void>((resolve) => other.session.once('close', () => resolve()));
  });
});

describe('SMPP role settings', () => {
  it('refuses to start without an upstream SMSC, its bind and the ESME accounts', () => {
    assert.throws(
      () => checkSmppSettings(loadConfig({ roles: 'screening,smpp' }, {})),
      /CALLSHIELD_SMPP_UPSTREAM.*CALLSHIELD_SMPP_SYSTEM_ID.*CALLSHIELD_SMPP_ACCOUNTS.*CALLSHIELD_SMPP_OPERATOR/,
    );
    assert.throws(
      () => checkSmppSettings(loadConfig({ roles: 'smpp', smppUpstream: '127.0.0.1:2775' }, {})),
      /CALLSHIELD_SMPP_SCREENING_URL/,
    );
    assert.throws(() => loadConfig({ smppAccounts: 'no-password-here' }, {}), /smppAccounts/);
    assert.throws(() => loadConfig({ smppUpstream: 'nowhere' }, {}), /smppUpstream/);
    const ok = loadConfig({ smppAccounts: 'bank:pw,aggr:pw2:international', smppUpstream: 'smsc.example:2775' }, {});
    assert.deepEqual(ok.smppAccounts?.[1], { systemId: 'aggr', password: 'pw2', ingress: 'international' });
    assert.deepEqual(ok.smppUpstream, { host: 'smsc.example', port: 2775 });
    assert.ok(!loadConfig({}, {}).roles.includes('smpp'), 'a plain serve runs no SMPP firewall');
  });
});

describe('SMPP firewall without a reachable screening node', () => {
  const quiet = { info() {}, warn() {} };
  for (const [policy, expected] of [
    ['closed', smpp.errors.ESME_RX_T_APPN],
    ['open', 0],
  ] as const) {
    it(`fails ${policy}`, async () => {
      // A port nothing listens on: the screening node is down.
      const dead = createTcpServer();
      await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', () => resolve()));
      const deadPort = (dead.address() as { port: number }).port;
      await new Promise((resolve) => dead.close(resolve));
      const firewall = await startSmppFirewall({
        host: '127.0.0.1',
        port: 0,
        upstream: { host: '127.0.0.1', port: upstream.port, systemId: 'fw', password: 'fwpass' },
        accounts: [{ systemId: 'esme1', password: 'secret', ingress: 'domestic' }],
        screen: screenOverHttp(`http://127.0.0.1:${deadPort}`, 'key', 200),
        failurePolicy: policy,
        reassemblyMs: 1000,
        log: quiet,
      });
      const client = await connectEsme(firewall.port);
      try {
        const before = upstream.submits.length;
        const resp = await client.request('submit_sm', {
          source_addr: 'KASPI',
          source_addr_ton: 5,
          destination_addr: '77771234567',
          short_message: 'Kod 1234',
        });
        assert.equal(resp.command_status, expected);
        assert.equal(upstream.submits.length - before, policy === 'open' ? 1 : 0);
      } finally {
        client.close();
        await firewall.close();
      }
    });
  }
});

describe('SMPP firewall against careless and hostile peers', () => {
  const quiet = { info() {}, warn() {} };
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const pdu = (command: string, options: Record<string, unknown>) => new smpp.PDU(command, options).toBuffer();
  const submit = (sequence: number, text: string, extra: Record<string, unknown> = {}) =>
    pdu('submit_sm', {
      sequence_number: sequence,
      source_addr: 'SHOP',
      source_addr_ton: 5,
      destination_addr: '77771234567',
      dest_addr_ton: 1,
      short_message: text,
      ...extra,
    });
  /** A part of a long message, its UDH (16-bit reference) opening message_payload or short_message. */
  const part = (sequence: number, reference: number, total: number, n: number, text: string, inPayload = false) => {
    const field = { udh: Buffer.from([6, 8, 4, reference >> 8, reference & 0xff, total, n]), message: text };
    return submit(
      sequence,
      '',
      inPayload ? { esm_class: 0x40, message_payload: field } : { esm_class: 0x40, short_message: field },
    );
  };
  const answersTo = (client: Esme) => {
    const answers: PDU[] = [];
    client.session.on('pdu', (p: PDU) => answers.push(p));
    return answers;
  };
  /** The PDUs read from a raw socket. */
  const readPdus = (socket: Socket) => {
    const read: PDU[] = [];
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 16 && pending.length >= pending.readUInt32BE(0)) {
        read.push(new smpp.PDU(pending.subarray(0, pending.readUInt32BE(0))));
        pending = pending.subarray(pending.readUInt32BE(0));
      }
    });
    return read;
  };
  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await wait(20);
  };

  let firewall: SmppFirewall;
  before(async () => {
    firewall = await startSmppFirewall({
      host: '127.0.0.1',
      port: 0,
      upstream: { host: '127.0.0.1', port: upstream.port, systemId: 'fw', password: 'fwpass' },
      accounts: [
        { systemId: 'esme1', password: 'secret', ingress: 'domestic' },
        { systemId: 'esme2', password: 'secret', ingress: 'domestic' },
      ],
      screen: (m) => (m.text.includes('phish.example') ? 'block' : 'allow'),
      failurePolicy: 'open',
      reassemblyMs: 300,
      screenDeliver: true,
      log: quiet,
    });
  });
  after(() => firewall?.close());

  it('answers every submit when the ESME reuses a sequence number still in flight', async () => {
    const client = await connectEsme(firewall.port);
    try {
      const answers = answersTo(client);
      const before = upstream.submits.length;
      client.session.socket.write(Buffer.concat([submit(0x200001, 'first'), submit(0x200001, 'second')]));
      await until(() => answers.length >= 2);
      assert.equal(upstream.submits.length - before, 2, 'both forwarded');
      assert.deepEqual(
        answers.map((a) => [a.command, a.sequence_number, a.command_status]),
        [
          ['submit_sm_resp', 0x200001, 0],
          ['submit_sm_resp', 0x200001, 0],
        ],
        'each gets the SMSC answer',
      );
    } finally {
      client.close();
    }
  });

  it("keeps one account's long message out of reach of another account's parts", async () => {
    const victim = await connectEsme(firewall.port, 'esme1');
    const other = await connectEsme(firewall.port, 'esme2');
    try {
      const victimAnswers = answersTo(victim);
      const otherAnswers = answersTo(other);
      victim.session.socket.write(part(0x200101, 77, 2, 1, 'Your order 5512 has shipped, '));
      await wait(20);
      // Same sender, recipient and reference from another account: not part of the victim's message.
      other.session.socket.write(part(0x200201, 77, 2, 2, 'track it at phish.example'));
      await wait(20);
      victim.session.socket.write(part(0x200102, 77, 2, 2, 'it arrives on Friday.'));
      await until(() => victimAnswers.length >= 2 && otherAnswers.length >= 1);
      assert.deepEqual(
        victimAnswers.map((a) => [a.sequence_number, a.command_status]),
        [
          [0x200101, 0],
          [0x200102, 0],
        ],
      );
      assert.deepEqual(
        otherAnswers.map((a) => [a.sequence_number, a.command_status]),
        [[0x200201, smpp.errors.ESME_RX_R_APPN]],
      );
    } finally {
      victim.close();
      other.close();
    }
  });

  it('screens a long message whose parts carry their UDH in message_payload as one text', async () => {
    const client = await connectEsme(firewall.port);
    try {
      const answers = answersTo(client);
      const before = upstream.submits.length;
      client.session.socket.write(
        Buffer.concat([
          part(0x200301, 0x1234, 2, 1, 'Your card is locked, unlock it at https://phi', true),
          part(0x200302, 0x1234, 2, 2, 'sh.example/login today', true),
        ]),
      );
      await until(() => answers.length >= 2);
      assert.deepEqual(
        answers.map((a) => a.command_status),
        [smpp.errors.ESME_RX_R_APPN, smpp.errors.ESME_RX_R_APPN],
      );
      assert.equal(upstream.submits.length, before);
    } finally {
      client.close();
    }
  });

  it('holds a bounded amount of unfinished long messages per bind and throttles the rest', async () => {
    const client = await connectEsme(firewall.port);
    try {
      const answers = answersTo(client);
      const parts: Buffer[] = [];
      // 70 first parts of 16 kB that never complete: more than a bind may have held.
      for (let i = 0; i < 70; i++) parts.push(part(0x200400 + i, 0x4000 + i, 2, 1, 'x'.repeat(16_000), true));
      client.session.socket.write(Buffer.concat(parts));
      await until(() => answers.length >= 70);
      const throttled = answers.filter((a) => a.command_status === smpp.errors.ESME_RTHROTTLED);
      assert.ok(throttled.length >= 1, 'parts past the bound are refused, to be sent again');
      assert.ok(throttled.length < 70, 'parts within the bound are held, then screened after the wait');
      assert.equal(answers.length, 70, 'every part is answered');
    } finally {
      client.close();
    }
  });

  it('screens the data_sm of the SMSC like its deliver_sm', async () => {
    const client = await connectEsme(firewall.port);
    const delivered: PDU[] = [];
    client.session.on('data_sm', (p: PDU) => {
      delivered.push(p);
      client.session.send(p.response());
    });
    try {
      const smsc = upstream.sessions.at(-1)!;
      const answer = await new Promise<PDU>((resolve) => {
        (smsc as unknown as Record<string, (o: object, cb: (pdu: PDU) => void) => void>).data_sm(
          {
            source_addr: 'SHOP',
            source_addr_ton: 5,
            destination_addr: '77771234567',
            dest_addr_ton: 1,
            data_coding: 0,
            message_payload: 'Parcel held, pay the fee at phish.example',
          },
          resolve,
        );
      });
      assert.equal(answer.command_status, smpp.errors.ESME_RX_R_APPN);
      await wait(50);
      assert.equal(delivered.length, 0, 'the ESME never sees it');
    } finally {
      client.close();
    }
  });

  it('reads nothing more from a connection after a length no PDU can have', async () => {
    const socket = createConnection({ host: '127.0.0.1', port: firewall.port, allowHalfOpen: true });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    try {
      const bound = readPdus(socket);
      socket.write(pdu('bind_transceiver', { sequence_number: 1, system_id: 'esme1', password: 'secret' }));
      await until(() => bound.length > 0);
      assert.equal(bound[0].command_status, 0);
      const before = upstream.submits.length;
      const impossible = Buffer.alloc(8);
      impossible.writeUInt32BE(8, 0);
      socket.write(impossible);
      await wait(50);
      // The peer keeps its half open and goes on writing: these bytes are no PDUs of the bind.
      socket.write(submit(0x200501, 'after the framing was lost'));
      await wait(200);
      assert.equal(upstream.submits.length, before);
    } finally {
      socket.destroy();
    }
  });

  it('stops answering bind attempts from an address that keeps guessing passwords', async () => {
    const guesser = await startSmppFirewall({
      host: '127.0.0.1',
      port: 0,
      upstream: { host: '127.0.0.1', port: upstream.port, systemId: 'fw', password: 'fwpass' },
      accounts: [{ systemId: 'esme1', password: 'secret', ingress: 'domestic' }],
      screen: () => 'allow',
      failurePolicy: 'open',
      reassemblyMs: 300,
      log: quiet,
    });
    const socket = createConnection({ host: '127.0.0.1', port: guesser.port });
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      const answers = readPdus(socket);
      const guesses: Buffer[] = [];
      for (let i = 0; i < 50; i++)
        guesses.push(pdu('bind_transceiver', { sequence_number: i + 1, system_id: 'esme1', password: `guess${i}` }));
      guesses.push(pdu('bind_transceiver', { sequence_number: 999, system_id: 'esme1', password: 'secret' }));
      socket.write(Buffer.concat(guesses));
      const gone = await Promise.race([closed.then(() => true), wait(3000).then(() => false)]);
      assert.ok(gone, 'the connection is closed');
      assert.ok(answers.length < 51, 'before all the guesses are tried');
      assert.ok(answers.every((a) => a.command_status === smpp.errors.ESME_RBINDFAIL));
    } finally {
      socket.destroy();
    }
    const late = await connectEsme(guesser.port, 'esme1', 'secret').catch(() => null);
    try {
      assert.notEqual(late?.bind.command_status, 0, 'even the right password is refused for a while');
    } finally {
      late?.close();
      await guesser.close();
    }
  });
});

describe('SMPP firewall in front of a real SMSC', () => {
  const quiet = { info() {}, warn() {} };
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const until = async (done: () => boolean, tries = 150) => {
    for (let i = 0; i < tries && !done(); i++) await wait(20);
  };
  const start = (overrides: Partial<Parameters<typeof startSmppFirewall>[0]> = {}) =>
    startSmppFirewall({
      host: '127.0.0.1',
      port: 0,
      upstream: { host: '127.0.0.1', port: upstream.port, systemId: 'fw', password: 'fwpass' },
      accounts: [
        { systemId: 'esme1', password: 'secret', ingress: 'domestic' },
        { systemId: 'esme2', password: 'secret', ingress: 'domestic' },
      ],
      screen: () => 'allow',
      failurePolicy: 'open',
      reassemblyMs: 300,
      log: quiet,
      ...overrides,
    });
  const call = (session: Session, command: string, options: Record<string, unknown>) =>
    new Promise<PDU>((resolve) => {
      (session as unknown as Record<string, (o: object, cb: (pdu: PDU) => void) => void>)[command](options, resolve);
    });
  const message = (text: string) => ({
    source_addr: 'SHOP',
    source_addr_ton: 5,
    destination_addr: '77771234567',
    dest_addr_ton: 1,
    registered_delivery: 1,
    short_message: text,
  });
  /** The deliver_sm each ESME receives, each answered as a real ESME does (unless held: then in `held`). */
  const deliveries = (client: Esme) => {
    const got: PDU[] & { held?: PDU[] } = [];
    client.session.on('deliver_sm', (p: PDU) => {
      got.push(p);
      if (got.held) got.held.push(p);
      else client.session.send(p.response());
    });
    return got;
  };

  it('gives a delivery receipt to the account that sent the message, whichever upstream bind it comes on', async () => {
    // Every ESME bind shares the firewall's system_id at the SMSC, which may hand a receipt to any of them.
    const firewall = await start();
    const a = await connectEsme(firewall.port, 'esme1');
    const linkOfA = upstream.sessions.at(-1)!;
    const b = await connectEsme(firewall.port, 'esme2');
    const linkOfB = upstream.sessions.at(-1)!;
    assert.notEqual(linkOfA, linkOfB);
    try {
      const toA = deliveries(a);
      const toB = deliveries(b);
      const sent = await a.request('submit_sm', message('Your parcel is on its way'));
      assert.equal(sent.command_status, 0);
      const messageId = String(sent.message_id);
      const receipt = (extra: Record<string, unknown>) =>
        call(linkOfB, 'deliver_sm', {
          source_addr: '77771234567',
          destination_addr: 'SHOP',
          esm_class: 0x04,
          ...extra,
        });
      const byText = await receipt({
        short_message: `id:${messageId} sub:001 dlvrd:001 submit date:2612061200 done date:2612061201 stat:DELIVRD err:000 text:Your parcel`,
      });
      assert.equal(byText.command_status, 0, 'answered by A through the firewall');
      const byTlv = await receipt({ receipted_message_id: messageId, message_state: 2, short_message: '' });
      assert.equal(byTlv.command_status, 0);
      assert.equal(toA.length, 2, 'both receipts reach A');
      assert.equal(toB.length, 0, 'B never sees them');
      // A message on A's own link and a receipt on B's, in flight to A under the same sequence
      // number: A sees two numbers, and each SMSC link gets its answer.
      toA.held = [];
      const mo = call(linkOfA, 'deliver_sm', { ...message('STOP'), esm_class: 0, sequence_number: 0x500001 });
      const third = receipt({ receipted_message_id: messageId, message_state: 2, sequence_number: 0x500001 });
      await until(() => toA.held!.length === 2);
      assert.equal(new Set(toA.held.map((p) => p.sequence_number)).size, 2);
      for (const p of toA.held) a.session.send(p.response());
      toA.held = undefined;
      assert.deepEqual([(await mo).command_status, (await third).command_status, toB.length], [0, 0, 0]);

      a.close();
      await until(() => firewall.connections() === 1);
      const noBind = await receipt({ receipted_message_id: messageId, message_state: 2, short_message: '' });
      assert.equal(noBind.command_status, smpp.errors.ESME_RX_T_APPN, 'kept by the SMSC until A binds again');
      assert.equal(toB.length, 0, 'never given to another account');
    } finally {
      a.close();
      b.close();
      await firewall.close();
    }
  });

  it('answers ESME_RSYSERR to a submit the SMSC never answers, and drops its late answer', async () => {
    const silent = await startUpstream({ answerSubmits: false });
    const firewall = await start({
      upstream: { host: '127.0.0.1', port: silent.port, systemId: 'fw', password: 'fwpass' },
      submitTimeoutMs: 200,
    });
    const client = await connectEsme(firewall.port);
    try {
      const answers: PDU[] = [];
      client.session.on('pdu', (p: PDU) => answers.push(p));
      const answer = await Promise.race([client.request('submit_sm', message('Hello')), wait(5000).then(() => null)]);
      assert.equal(answer?.command_status, smpp.errors.ESME_RSYSERR, 'answered after the wait, not never');
      // The SMSC answers at last: the ESME has had its answer already.
      silent.sessions[0].send(silent.submits[0].response({ message_id: 'late' }));
      await wait(50);
      assert.equal((await client.request('enquire_link')).command_status, 0);
      assert.deepEqual(
        answers.filter((p) => p.command === 'submit_sm_resp').map((p) => p.command_status),
        [smpp.errors.ESME_RSYSERR],
      );
    } finally {
      client.close();
      await firewall.close();
      await silent.close();
    }
  });

  it('answers a PDU of the SMSC it cannot read, as it does an ESME', async () => {
    const firewall = await start();
    const client = await connectEsme(firewall.port);
    const smsc = upstream.sessions.at(-1)!;
    try {
      const forwarded: PDU[] = [];
      client.session.on('pdu', (p: PDU) => forwarded.push(p));
      const answers: PDU[] = [];
      smsc.on('pdu', (p: PDU) => answers.push(p));
      // A deliver_sm cut off after its source address, and an operation no SMPP 3.4 peer knows.
      const full = new smpp.PDU('deliver_sm', { sequence_number: 0x300001, ...message('cut') }).toBuffer();
      const cut = Buffer.from(full.subarray(0, 25));
      cut.writeUInt32BE(25, 0);
      const unknown = Buffer.alloc(16);
      unknown.writeUInt32BE(16, 0);
      unknown.writeUInt32BE(0x00000077, 4);
      unknown.writeUInt32BE(0x300002, 12);
      smsc.socket.write(Buffer.concat([cut, unknown]));
      await until(() => answers.length >= 2);
      assert.deepEqual(
        answers.map((p) => [p.command, p.sequence_number, p.command_status]),
        [
          ['deliver_sm_resp', 0x300001, smpp.errors.ESME_RINVMSGLEN],
          ['generic_nack', 0x300002, smpp.errors.ESME_RINVCMDID],
        ],
      );
      assert.equal(forwarded.length, 0, 'neither reaches the ESME');
      assert.equal((await client.request('submit_sm', message('Still bound'))).command_status, 0);
    } finally {
      client.close();
      await firewall.close();
    }
  });

  it('stops reading an ESME while the SMSC does not take what was written to it', async () => {
    const slow = await startUpstream();
    const firewall = await start({
      upstream: { host: '127.0.0.1', port: slow.port, systemId: 'fw', password: 'fwpass' },
    });
    const client = await connectEsme(firewall.port);
    try {
      const smsc = slow.sessions[0];
      smsc.pause();
      const answers: PDU[] = [];
      client.session.on('submit_sm_resp', (p: PDU) => answers.push(p));
      // 24 MB of submits: more than the kernel buffers between the three of them can hold (each
      // within the 16 kB the `smpp` package reads by default).
      const submit = new smpp.PDU('submit_sm', {
        sequence_number: 1,
        ...message(''),
        message_payload: 'x'.repeat(16_000),
      }).toBuffer();
      const count = 1500;
      for (let i = 0; i < count; i++) {
        const copy = Buffer.from(submit);
        copy.writeUInt32BE(0x400000 + i, 12);
        // Past the recorder of connectEsme: these bytes need not be kept twice.
        Socket.prototype.write.call(client.session.socket, copy);
      }
      // Until the firewall has read all it will read.
      let last = -1;
      for (let still = 0; still < 10 && client.session.socket.writableLength > 0; ) {
        await wait(50);
        const now = client.session.socket.writableLength;
        still = now === last ? still + 1 : 0;
        last = now;
      }
      assert.ok(
        client.session.socket.writableLength > 8 * 1024 * 1024,
        'the firewall leaves what the SMSC cannot take yet unread, instead of holding it in memory',
      );
      smsc.resume();
      await until(() => answers.length === count, 1500);
      assert.equal(answers.length, count, 'every submit is delivered once the SMSC reads again');
      assert.ok(answers.every((p) => p.command_status === 0));
    } finally {
      client.close();
      await firewall.close();
      await slow.close();
    }
  });

  it('closes a connection that does not bind in time', async () => {
    const firewall = await start({ bindTimeoutMs: 200 });
    const socket = createConnection({ host: '127.0.0.1', port: firewall.port });
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    try {
      const gone = await Promise.race([closed.then(() => true), wait(5000).then(() => false)]);
      assert.ok(gone, 'the firewall closed it');
      await until(() => firewall.connections() === 0);
      assert.equal(firewall.connections(), 0);
    } finally {
      socket.destroy();
      await firewall.close();
    }
  });

  it('tells an ESME whose bind the SMSC refuses that the system failed, not that its password is wrong', async () => {
    const firewall = await start({
      upstream: { host: '127.0.0.1', port: upstream.port, systemId: 'fw', password: 'stale' },
    });
    const client = await connectEsme(firewall.port);
    try {
      assert.equal(client.bind.command_status, smpp.errors.ESME_RSYSERR);
    } finally {
      client.close();
      await firewall.close();
    }
  });
});
