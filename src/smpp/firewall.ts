/**
 * The reference SMPP firewall (role `smpp`): ESMEs and aggregators bind to it as to an SMSC
 * (SMPP 3.4); each bind gets its own bind to the upstream SMSC. Every submit_sm is screened;
 * an allowed one is written upstream exactly as it came (same bytes, same sequence number), so
 * the SMSC's submit_sm_resp (its message id) goes back to the ESME unchanged, and its delivery
 * receipts (deliver_sm) go to the account whose message they are about (by that id: every bind
 * shares one system_id at the SMSC, which may give them to any). A blocked one is answered ESME_RX_R_APPN and
 * never reaches the SMSC. The parts of a long message are held until all are in, screened once
 * as one text, then delivered whole (or refused whole).
 *
 * PDUs are framed here (so that each keeps its raw bytes, and a bad one is answered alone without
 * losing the bind) and decoded and encoded by the `smpp` package.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import smpp, { type PDU } from 'smpp';
import type { Ingress } from '../screening/types.ts';
import { isCutShort, readReceiptMessageId, readSubmit, type SubmitProblem } from './message.ts';
import { ReceiptRoutes } from './receipts.ts';

const HEADER = 16;
/** A long message may come in one PDU (message_payload, up to 64 kB). */
const MAX_PDU = 70_000;
/** Sequence numbers of the firewall's own requests upstream, apart from those ESMEs use. */
const OWN_SEQUENCE_BASE = 0x7f000000;
const ENQUIRE_LINK_MS = 30_000;
const SUBMIT_SM_RESP = 0x80000004;
const RECONNECT_MAX_MS = 5_000;
const MAX_SCREENED_TEXT = 10 * 1024;
/**
 * Bytes of long-message parts one bind may have held, waiting for the rest: past it, a part that
 * does not complete its message is answered ESME_RTHROTTLED (the ESME sends it again later).
 */
const MAX_HELD_BYTES = 1024 * 1024;
/**
 * Refused binds from one address within the window past which its binds are refused unread and
 * the connection closed: a password cannot be guessed at the speed of the link.
 */
const MAX_BIND_FAILURES = 10;
const BIND_FAILURE_WINDOW_MS = 15 * 60_000;
/** Addresses whose refused binds are remembered; the oldest are forgotten first. */
const MAX_BIND_FAILURE_ADDRESSES = 10_000;
/**
 * Wait for the SMSC's answer to a relayed submit: past it the ESME is answered ESME_RSYSERR (the
 * system failed, send again) rather than left waiting, and the SMSC's late answer is dropped.
 */
const SUBMIT_ANSWER_TIMEOUT_MS = 30_000;
/** A connection that has not bound (upstream bind included) within this is closed. */
const BIND_TIMEOUT_MS = 30_000;
/**
 * deliver_sm/data_sm sent to one ESME and not yet answered that are remembered (an SMSC's window is
 * far smaller); past it the oldest is forgotten and its answer, if it ever comes, dropped.
 */
const MAX_UNANSWERED_DELIVERIES = 10_000;

const digest = (value: unknown) =>
  createHash('sha256')
    .update(String(value ?? ''))
    .digest();
/** Compared in constant time: how long a refusal takes says nothing of how much of the password was right. */
const samePassword = (given: unknown, expected: string) => timingSafeEqual(digest(given), digest(expected));

export interface SmppAccount {
  systemId: string;
  password: string;
  ingress: Ingress;
}

export interface MessageToScreen {
  messageId: string;
  sender: string;
  recipient: string;
  ingress: Ingress;
  text: string;
}

/** What screening said: a verdict, a refusal of the sender, or nothing (the engine cannot be reached). */
export type ScreenOutcome = 'allow' | 'label' | 'block' | 'invalid-sender' | 'invalid-recipient' | 'unavailable';

export interface FirewallOptions {
  host: string;
  port: number;
  upstream: { host: string; port: number; systemId: string; password: string };
  accounts: readonly SmppAccount[];
  screen: (message: MessageToScreen) => ScreenOutcome | Promise<ScreenOutcome>;
  /** When the engine cannot be reached: forward (open) or refuse with ESME_RX_T_APPN (closed). */
  failurePolicy: 'open' | 'closed';
  reassemblyMs: number;
  /** Screen the deliver_sm of the SMSC too (delivery receipts pass unscreened). */
  screenDeliver?: boolean;
  /** Wait for the SMSC's answer to a submit (default SUBMIT_ANSWER_TIMEOUT_MS). */
  submitTimeoutMs?: number;
  /** Time a connection has to bind (default BIND_TIMEOUT_MS). */
  bindTimeoutMs?: number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

const status = (name: string): number => smpp.errors[name];

/** Splits a TCP stream into PDUs; a length no PDU can have ends the stream (it cannot be resynchronised). */
function framePdus(socket: Socket, onPdu: (raw: Buffer) => void, onBadLength: (length: number) => void) {
  let buffered: Buffer = Buffer.alloc(0);
  let lost = false;
  socket.on('data', (chunk: Buffer) => {
    // Once a length is impossible, what follows is no PDU: a peer that keeps its half of the
    // connection open must not get later bytes read as requests.
    if (lost) return;
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    while (buffered.length >= 4) {
      const length = buffered.readUInt32BE(0);
      if (length < HEADER || length > MAX_PDU) {
        lost = true;
        buffered = Buffer.alloc(0);
        onBadLength(length);
        return;
      }
      if (buffered.length < length) break;
      const raw = buffered.subarray(0, length);
      buffered = buffered.subarray(length);
      onPdu(raw);
    }
  });
}

function decode(raw: Buffer): PDU | Error {
  const saved = smpp.PDU.maxLength;
  try {
    smpp.PDU.maxLength = MAX_PDU;
    return new smpp.PDU(raw);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  } finally {
    smpp.PDU.maxLength = saved;
  }
}

const encode = (command: string, options: Record<string, unknown>): Buffer => new smpp.PDU(command, options).toBuffer();

/**
 * The answer to a request whose body cannot be read (its own response with ESME_RINVMSGLEN) or
 * whose operation is unknown (generic_nack with ESME_RINVCMDID); null for a response, which is
 * never answered.
 */
function answerToUnreadable(raw: Buffer, pdu: PDU | Error): Buffer | null {
  const commandId = raw.readUInt32BE(4);
  const sequence_number = raw.readUInt32BE(12);
  if (commandId & 0x80000000) return null;
  const known = pdu instanceof Error || pdu.command !== 'unknown' ? smpp.commandsById[commandId]?.command : undefined;
  if (!known) return encode('generic_nack', { sequence_number, command_status: status('ESME_RINVCMDID') });
  const command = smpp.commands[`${known}_resp`] ? `${known}_resp` : 'generic_nack';
  return encode(command, { sequence_number, command_status: status('ESME_RINVMSGLEN') });
}

/** A delivery receipt or other SMSC notice (esm_class message type bits), not a message. */
const isReceipt = (pdu: PDU) => ((pdu.esm_class as number | undefined) ?? 0) & 0x3c;

type BindKind = 'bind_transmitter' | 'bind_receiver' | 'bind_transceiver';
const bindKinds = new Set<string>(['bind_transmitter', 'bind_receiver', 'bind_transceiver']);

/** The firewall's bind to the upstream SMSC for one ESME bind; reconnects by itself until closed. */
class UpstreamLink {
  private socket: Socket | null = null;
  private sequence = OWN_SEQUENCE_BASE;
  private bound = false;
  private closed = false;
  private retryMs = 250;
  private keepAlive: NodeJS.Timeout | null = null;
  private bindWaiter: ((ok: boolean) => void) | null = null;
  /** The socket's buffer is full: the ESME is not read until it drains. */
  private congested = false;

  private readonly options: FirewallOptions['upstream'];
  private readonly kind: BindKind;
  /** PDUs from the SMSC that are not answers to the firewall's own requests. */
  private readonly onPdu: (raw: Buffer, pdu: PDU) => void;
  private readonly onResponse: (raw: Buffer, sequence: number) => void;
  private readonly onDown: () => void;
  private readonly onCongestion: (congested: boolean) => void;
  private readonly log: FirewallOptions['log'];

  constructor(
    options: FirewallOptions['upstream'],
    kind: BindKind,
    handlers: {
      onPdu: (raw: Buffer, pdu: PDU) => void;
      onResponse: (raw: Buffer, sequence: number) => void;
      onDown: () => void;
      onCongestion: (congested: boolean) => void;
    },
    log: FirewallOptions['log'],
  ) {
    this.options = options;
    this.kind = kind;
    this.onPdu = handlers.onPdu;
    this.onResponse = handlers.onResponse;
    this.onDown = handlers.onDown;
    this.onCongestion = handlers.onCongestion;
    this.log = log;
  }

  get up() {
    return this.bound && this.socket?.writable === true;
  }

  /** Connects and binds; resolves false when the SMSC refuses or cannot be reached. */
  open(): Promise<boolean> {
    return new Promise((resolve) => {
      this.bindWaiter = resolve;
      this.connect();
    });
  }

  private connect() {
    const socket = tcpConnect({ host: this.options.host, port: this.options.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(
        encode(this.kind, {
          sequence_number: ++this.sequence,
          system_id: this.options.systemId,
          password: this.options.password,
        }),
      );
    });
    framePdus(
      socket,
      (raw) => this.received(raw),
      () => {
        this.log.warn({ upstream: `${this.options.host}:${this.options.port}` }, 'SMSC sent an impossible PDU length');
        socket.end(encode('generic_nack', { sequence_number: 0, command_status: status('ESME_RINVCMDLEN') }));
        setTimeout(() => socket.destroy(), 1000).unref();
      },
    );
    socket.on('error', () => {});
    socket.on('close', () => this.lost(socket));
    socket.on('drain', () => this.drained(socket));
  }

  private drained(socket: Socket) {
    if (socket !== this.socket || !this.congested) return;
    this.congested = false;
    this.onCongestion(false);
  }

  private received(raw: Buffer) {
    // The SMSC's answers to relayed submits are most of the traffic: routed by their header alone.
    if (raw.readUInt32BE(4) === SUBMIT_SM_RESP) return this.onResponse(raw, raw.readUInt32BE(12));
    const pdu = decode(raw);
    const cutShort =
      !(pdu instanceof Error) && (pdu.command === 'deliver_sm' || pdu.command === 'data_sm') && isCutShort(pdu);
    if (pdu instanceof Error || pdu.command === 'unknown' || cutShort) {
      // Answered as an ESME's would be: the SMSC learns of it instead of waiting for an answer.
      const answer = answerToUnreadable(raw, pdu);
      if (answer) this.write(answer);
      return;
    }
    switch (pdu.command) {
      case `${this.kind}_resp`: {
        const ok = pdu.command_status === 0;
        if (ok) {
          this.bound = true;
          this.retryMs = 250;
          this.keepAlive = setInterval(
            () => this.write(encode('enquire_link', { sequence_number: this.next() })),
            ENQUIRE_LINK_MS,
          );
          this.keepAlive.unref();
        } else this.socket?.destroy();
        this.bindWaiter?.(ok);
        this.bindWaiter = null;
        return;
      }
      case 'enquire_link':
        this.write(encode('enquire_link_resp', { sequence_number: pdu.sequence_number }));
        return;
      case 'enquire_link_resp':
      case 'unbind_resp':
        return;
      case 'unbind':
        this.write(encode('unbind_resp', { sequence_number: pdu.sequence_number }));
        this.socket?.end();
        return;
      default:
        this.onPdu(raw, pdu);
    }
  }

  private next() {
    if (this.sequence >= 0x7fffffff) this.sequence = OWN_SEQUENCE_BASE;
    return ++this.sequence;
  }

  private lost(socket: Socket) {
    if (socket !== this.socket) return;
    const wasBound = this.bound;
    this.bound = false;
    this.socket = null;
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
    if (this.congested) {
      // Nothing waits to be written any more; the ESME is read again (its submits are answered ESME_RSYSERR).
      this.congested = false;
      this.onCongestion(false);
    }
    if (this.bindWaiter) {
      // Never bound: the ESME's bind fails rather than waiting for a reconnection.
      this.bindWaiter(false);
      this.bindWaiter = null;
      return;
    }
    if (this.closed) return;
    if (wasBound) {
      this.log.warn({ upstream: `${this.options.host}:${this.options.port}` }, 'upstream SMSC link lost; reconnecting');
      this.onDown();
    }
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
    setTimeout(() => {
      if (!this.closed) this.connect();
    }, wait).unref();
  }

  /** Writes to the SMSC; false when the link is down. A full buffer pauses the ESME until it drains. */
  write(raw: Buffer): boolean {
    if (!this.socket?.writable) return false;
    if (!this.socket.write(raw) && !this.congested) {
      this.congested = true;
      this.onCongestion(true);
    }
    return true;
  }

  close() {
    this.closed = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    if (this.socket?.writable && this.bound) {
      this.socket.write(encode('unbind', { sequence_number: this.next() }));
      const socket = this.socket;
      setTimeout(() => socket.destroy(), 1000).unref();
      socket.end();
    } else this.socket?.destroy();
  }
}

interface Part {
  esme: EsmeLink;
  raw: Buffer;
  sequence: number;
  text: string;
}

interface LongMessage {
  parts: (Part | undefined)[];
  have: number;
  timer: NodeJS.Timeout;
}

/** One ESME connection and, once bound, its upstream link. */
class EsmeLink {
  account: SmppAccount | null = null;
  kind: BindKind | null = null;
  upstream: UpstreamLink | null = null;
  /**
   * Sequence numbers of the submits written upstream, awaiting the SMSC's answer, with the timer of
   * each submit that carries it, oldest first (an ESME may reuse a number while the first is in
   * flight; each gets its answer).
   */
  readonly awaiting = new Map<number, NodeJS.Timeout[]>();
  /**
   * deliver_sm/data_sm written to this ESME and not yet answered, by the sequence number the ESME
   * saw: the link the SMSC sent each on and its sequence number there (a receipt may come from
   * another bind's link, whose numbers may clash with this one's).
   */
  readonly delivering = new Map<number, { from: UpstreamLink; sequence: number }>();
  private ownSequence = OWN_SEQUENCE_BASE;
  closed = false;
  /** Bytes of this bind's parts of long messages held for reassembly. */
  heldBytes = 0;
  bindTimer: NodeJS.Timeout | null = null;

  readonly id: number;
  readonly socket: Socket;

  constructor(id: number, socket: Socket) {
    this.id = id;
    this.socket = socket;
  }

  write(raw: Buffer) {
    if (!this.closed && this.socket.writable) this.socket.write(raw);
  }

  /** A sequence number for a deliver_sm whose own is taken by another in flight to this ESME. */
  freeSequence(): number {
    do {
      if (this.ownSequence >= 0x7fffffff) this.ownSequence = OWN_SEQUENCE_BASE;
      this.ownSequence++;
    } while (this.delivering.has(this.ownSequence));
    return this.ownSequence;
  }

  answer(command: string, sequence: number, commandStatus: number, fields: Record<string, unknown> = {}) {
    this.write(encode(command, { sequence_number: sequence, command_status: commandStatus, ...fields }));
  }
}

export interface SmppFirewall {
  readonly port: number;
  /** Open ESME connections. */
  connections(): number;
  close(): Promise<void>;
}

export async function startSmppFirewall(options: FirewallOptions): Promise<SmppFirewall> {
  const { log } = options;
  const links = new Set<EsmeLink>();
  const longMessages = new Map<string, LongMessage>();
  /** Times of the refused binds of each client address, oldest address first. */
  const bindFailures = new Map<string, number[]>();
  /** Which account each message id the SMSC gave belongs to: where its receipts go. */
  const receiptRoutes = new ReceiptRoutes();
  /** The live receiver and transceiver binds of each account. */
  const receivers = new Map<string, Set<EsmeLink>>();
  const submitTimeoutMs = options.submitTimeoutMs ?? SUBMIT_ANSWER_TIMEOUT_MS;
  const bindTimeoutMs = options.bindTimeoutMs ?? BIND_TIMEOUT_MS;
  let nextId = 0;

  function recentBindFailures(address: string, now: number): number[] {
    const times = (bindFailures.get(address) ?? []).filter((at) => now - at < BIND_FAILURE_WINDOW_MS);
    if (times.length === 0) bindFailures.delete(address);
    return times;
  }

  function recordBindFailure(address: string, times: number[], now: number) {
    bindFailures.delete(address);
    bindFailures.set(address, [...times, now]);
    if (bindFailures.size > MAX_BIND_FAILURE_ADDRESSES) bindFailures.delete(bindFailures.keys().next().value!);
  }

  function onBind(esme: EsmeLink, pdu: PDU) {
    const kind = pdu.command as BindKind;
    const respond = (commandStatus: number) =>
      esme.answer(
        `${kind}_resp`,
        pdu.sequence_number,
        commandStatus,
        commandStatus === 0 ? { system_id: 'callshield' } : {},
      );
    if (esme.kind) return respond(status('ESME_RALYBND'));
    const address = esme.socket.remoteAddress ?? '';
    const now = Date.now();
    const failures = recentBindFailures(address, now);
    if (failures.length >= MAX_BIND_FAILURES) {
      respond(status('ESME_RBINDFAIL'));
      esme.socket.end();
      return;
    }
    const account = options.accounts.find((a) => a.systemId === pdu.system_id);
    if (!account || !samePassword(pdu.password, account.password)) {
      recordBindFailure(address, failures, now);
      log.warn(
        { systemId: String(pdu.system_id ?? '').slice(0, 16), address },
        failures.length + 1 >= MAX_BIND_FAILURES
          ? 'SMPP bind refused: unknown system_id or wrong password; binds from this address refused for a while'
          : 'SMPP bind refused: unknown system_id or wrong password',
      );
      return respond(status('ESME_RBINDFAIL'));
    }
    const upstream: UpstreamLink = new UpstreamLink(
      options.upstream,
      kind,
      {
        onPdu: (raw, fromSmsc) => fromUpstream(esme, upstream, raw, fromSmsc),
        onResponse: (raw, sequence) => relayResponse(esme, raw, sequence),
        onDown: () => failAwaiting(esme),
        // What the SMSC has not taken yet stays in memory: the ESME is not read meanwhile.
        onCongestion: (congested) => (congested ? esme.socket.pause() : esme.socket.resume()),
      },
      log,
    );
    esme.kind = kind;
    esme.upstream = upstream;
    upstream.open().then((ok) => {
      if (esme.closed) return upstream.close();
      if (!ok) {
        esme.kind = null;
        esme.upstream = null;
        upstream.close();
        // The ESME's credentials were right; the SMSC could not be bound: a system failure, to be
        // retried, not a refusal (ESME_RBINDFAIL would tell it to check its password).
        log.warn({ systemId: account.systemId }, 'SMPP bind failed: the upstream SMSC refused or cannot be reached');
        return respond(status('ESME_RSYSERR'));
      }
      esme.account = account;
      if (esme.bindTimer) clearTimeout(esme.bindTimer);
      if (kind !== 'bind_transmitter') {
        const binds = receivers.get(account.systemId) ?? new Set<EsmeLink>();
        receivers.set(account.systemId, binds);
        binds.add(esme);
      }
      respond(0);
    });
  }

  /** The SMSC accepted a submit: remember whose message id it is, for its receipts. */
  function rememberMessageId(esme: EsmeLink, raw: Buffer) {
    if (!esme.account || raw.readUInt32BE(4) !== SUBMIT_SM_RESP || raw.readUInt32BE(8) !== 0) return;
    const end = raw.indexOf(0, HEADER);
    if (end > HEADER) receiptRoutes.remember(raw.toString('latin1', HEADER, end), esme.account.systemId);
  }

  /** What the SMSC sends on an ESME's link: answers to its submits, delivery receipts and MO messages. */
  function relayResponse(esme: EsmeLink, raw: Buffer, sequence: number) {
    const timers = esme.awaiting.get(sequence);
    // None: an answer to nothing, or one that came after the wait (the ESME was answered already;
    // if it has reused the number since, the late answer is taken as the new submit's: the bytes
    // go upstream unchanged, so the two cannot be told apart).
    if (timers === undefined) return;
    clearTimeout(timers.shift());
    if (timers.length === 0) esme.awaiting.delete(sequence);
    rememberMessageId(esme, raw);
    esme.write(raw);
  }

  /** A submit written to the SMSC: answered ESME_RSYSERR if the SMSC has not answered it in time. */
  function awaitAnswer(esme: EsmeLink, sequence: number) {
    const timer = setTimeout(() => {
      const timers = esme.awaiting.get(sequence);
      const index = timers?.indexOf(timer) ?? -1;
      if (!timers || index < 0) return;
      timers.splice(index, 1);
      if (timers.length === 0) esme.awaiting.delete(sequence);
      esme.answer('submit_sm_resp', sequence, status('ESME_RSYSERR'));
    }, submitTimeoutMs);
    timer.unref();
    const timers = esme.awaiting.get(sequence);
    if (timers) timers.push(timer);
    else esme.awaiting.set(sequence, [timer]);
  }

  function fromUpstream(esme: EsmeLink, link: UpstreamLink, raw: Buffer, pdu: PDU) {
    if (pdu.isResponse()) return relayResponse(esme, raw, pdu.sequence_number);
    const carriesMessage = pdu.command === 'deliver_sm' || pdu.command === 'data_sm';
    if (carriesMessage && isReceipt(pdu)) return routeReceipt(esme, link, raw, pdu);
    // data_sm carries messages to the ESME as deliver_sm does: screened alike, or it would be a way around.
    if (carriesMessage && options.screenDeliver) return screenDeliver(esme, link, raw, pdu);
    toEsme(esme, link, raw, pdu);
  }

  const canReceive = (esme: EsmeLink) => !esme.closed && esme.account !== null && esme.kind !== 'bind_transmitter';

  /**
   * A receipt goes to the account whose submit it is about, whichever of the binds sharing the
   * firewall's upstream system_id the SMSC gave it to; one whose message id is unknown (forgotten,
   * or from before a restart) goes to the bind it came on.
   */
  function routeReceipt(arrival: EsmeLink, link: UpstreamLink, raw: Buffer, pdu: PDU) {
    const messageId = readReceiptMessageId(pdu);
    const account = messageId === undefined ? undefined : receiptRoutes.accountOf(messageId);
    if (account === undefined) return toEsme(arrival, link, raw, pdu);
    if (canReceive(arrival) && arrival.account?.systemId === account) return toEsme(arrival, link, raw, pdu);
    for (const esme of receivers.get(account) ?? []) if (canReceive(esme)) return toEsme(esme, link, raw, pdu);
    // No bind of that account can take it now: ESME_RX_T_APPN (temporary) makes the SMSC keep it
    // and retry, so it reaches the account when it binds again; it is never given to another one.
    link.write(
      encode(`${pdu.command}_resp`, { sequence_number: pdu.sequence_number, command_status: status('ESME_RX_T_APPN') }),
    );
  }

  /**
   * deliver_sm and the rest go to the ESME as they came (a deliver_sm under another sequence
   * number if one in flight to it has the same); its answers go back to the link they came on.
   */
  function toEsme(esme: EsmeLink, link: UpstreamLink, raw: Buffer, pdu: PDU) {
    if (esme.kind === 'bind_transmitter') {
      link.write(
        encode(`${pdu.command}_resp`, {
          sequence_number: pdu.sequence_number,
          command_status: status('ESME_RINVBNDSTS'),
        }),
      );
      return;
    }
    if (pdu.command !== 'deliver_sm' && pdu.command !== 'data_sm') return esme.write(raw);
    let sequence = pdu.sequence_number;
    let bytes = raw;
    if (esme.delivering.has(sequence)) {
      sequence = esme.freeSequence();
      bytes = Buffer.from(raw);
      bytes.writeUInt32BE(sequence, 12);
    }
    esme.delivering.set(sequence, { from: link, sequence: pdu.sequence_number });
    if (esme.delivering.size > MAX_UNANSWERED_DELIVERIES) esme.delivering.delete(esme.delivering.keys().next().value!);
    esme.write(bytes);
  }

  /** The ESME's answer to a deliver_sm or data_sm, to the SMSC link it came on, under its number there. */
  function answerToSmsc(esme: EsmeLink, raw: Buffer, sequence: number) {
    const delivered = esme.delivering.get(sequence);
    if (!delivered) return;
    esme.delivering.delete(sequence);
    let bytes = raw;
    if (delivered.sequence !== sequence) {
      bytes = Buffer.from(raw);
      bytes.writeUInt32BE(delivered.sequence, 12);
    }
    delivered.from.write(bytes);
  }

  /**
   * A message the SMSC delivers to the ESME, screened alone (parts of a long one each by itself):
   * blocked ones are answered to the SMSC with ESME_RX_R_APPN and never reach the ESME.
   */
  function screenDeliver(esme: EsmeLink, link: UpstreamLink, raw: Buffer, pdu: PDU) {
    const refuse = (name: string) =>
      link.write(encode(`${pdu.command}_resp`, { sequence_number: pdu.sequence_number, command_status: status(name) }));
    const message = readSubmit(pdu);
    if (typeof message === 'string') return refuse(message);
    const settle = (outcome: ScreenOutcome) => {
      if (outcome === 'block') return refuse('ESME_RX_R_APPN');
      if (outcome === 'invalid-sender') return refuse('ESME_RINVSRCADR');
      if (outcome === 'invalid-recipient') return refuse('ESME_RINVDSTADR');
      if (outcome === 'unavailable' && options.failurePolicy === 'closed') return refuse('ESME_RX_T_APPN');
      toEsme(esme, link, raw, pdu);
    };
    let outcome: ScreenOutcome | Promise<ScreenOutcome>;
    try {
      outcome = options.screen({
        messageId: `smpp-deliver-${esme.id}-${pdu.sequence_number}`,
        sender: message.sender,
        recipient: message.recipient,
        ingress: esme.account?.ingress ?? 'domestic',
        text: message.text.toWellFormed(),
      });
    } catch {
      outcome = 'unavailable';
    }
    if (outcome instanceof Promise) outcome.then(settle, () => settle('unavailable'));
    else settle(outcome);
  }

  /** The SMSC link dropped: submits it had not answered will never be; the ESME may send them again. */
  function failAwaiting(esme: EsmeLink) {
    for (const [sequence, timers] of esme.awaiting)
      for (const timer of timers) {
        clearTimeout(timer);
        esme.answer('submit_sm_resp', sequence, status('ESME_RSYSERR'));
      }
    esme.awaiting.clear();
  }

  function deliver(part: Part, outcome: ScreenOutcome) {
    const { esme, sequence } = part;
    if (esme.closed) return;
    if (outcome === 'block') return esme.answer('submit_sm_resp', sequence, status('ESME_RX_R_APPN'));
    if (outcome === 'invalid-sender') return esme.answer('submit_sm_resp', sequence, status('ESME_RINVSRCADR'));
    if (outcome === 'invalid-recipient') return esme.answer('submit_sm_resp', sequence, status('ESME_RINVDSTADR'));
    if (outcome === 'unavailable' && options.failurePolicy === 'closed')
      return esme.answer('submit_sm_resp', sequence, status('ESME_RX_T_APPN'));
    if (!esme.upstream?.up) return esme.answer('submit_sm_resp', sequence, status('ESME_RSYSERR'));
    awaitAnswer(esme, sequence);
    esme.upstream.write(part.raw);
  }

  function screenAndDeliver(parts: Part[], sender: string, recipient: string) {
    const first = parts[0];
    // A UCS-2 surrogate pair split by a part boundary is no reason to refuse a message.
    let text = parts
      .map((p) => p.text)
      .join('')
      .toWellFormed();
    if (Buffer.byteLength(text) > MAX_SCREENED_TEXT)
      text = Buffer.from(text).subarray(0, MAX_SCREENED_TEXT).toString('utf8');
    const message: MessageToScreen = {
      messageId: `smpp-${first.esme.id}-${first.sequence}`,
      sender,
      recipient,
      ingress: first.esme.account?.ingress ?? 'domestic',
      text,
    };
    const settle = (outcome: ScreenOutcome) => {
      for (const part of parts) deliver(part, outcome);
    };
    let outcome: ScreenOutcome | Promise<ScreenOutcome>;
    try {
      outcome = options.screen(message);
    } catch (error) {
      log.warn({ err: error }, 'SMPP screening failed; the failure policy decides');
      outcome = 'unavailable';
    }
    if (outcome instanceof Promise) outcome.then(settle, () => settle('unavailable'));
    else settle(outcome);
  }

  function onSubmit(esme: EsmeLink, raw: Buffer, pdu: PDU) {
    if (!esme.account || esme.kind === 'bind_receiver')
      return esme.answer('submit_sm_resp', pdu.sequence_number, status('ESME_RINVBNDSTS'));
    const message = readSubmit(pdu);
    if (typeof message === 'string')
      return esme.answer('submit_sm_resp', pdu.sequence_number, status(message satisfies SubmitProblem));
    const part: Part = { esme, raw, sequence: pdu.sequence_number, text: message.text };
    const c = message.concatenation;
    if (!c) return screenAndDeliver([part], message.sender, message.recipient);
    // Parts are gathered per account (an aggregator may spread them over its binds), never
    // across accounts: another ESME's parts must not complete, poison or displace these.
    const key = `${esme.account.systemId}\u0000${message.sender}\u0000${message.recipient}\u0000${c.reference}\u0000${c.total}`;
    let long = longMessages.get(key);
    const completes = long !== undefined && !long.parts[c.part - 1] && long.have + 1 === c.total;
    if (!completes && esme.heldBytes + raw.length > MAX_HELD_BYTES)
      return esme.answer('submit_sm_resp', pdu.sequence_number, status('ESME_RTHROTTLED'));
    const release = (parts: readonly (Part | undefined)[]) => {
      for (const p of parts) if (p) p.esme.heldBytes -= p.raw.length;
    };
    if (!long) {
      const created: LongMessage = {
        parts: new Array(c.total),
        have: 0,
        // Parts that never complete are screened as they are: an ESME that waits for each answer
        // before the next part gets its answer after the wait, not never.
        timer: setTimeout(() => {
          longMessages.delete(key);
          release(created.parts);
          screenAndDeliver(
            created.parts.filter((p) => p !== undefined),
            message.sender,
            message.recipient,
          );
        }, options.reassemblyMs),
      };
      created.timer.unref();
      long = created;
      longMessages.set(key, long);
    }
    const previous = long.parts[c.part - 1];
    if (previous) {
      release([previous]);
      previous.esme.answer('submit_sm_resp', previous.sequence, status('ESME_RSUBMITFAIL'));
    } else long.have++;
    long.parts[c.part - 1] = part;
    esme.heldBytes += raw.length;
    if (long.have === c.total) {
      clearTimeout(long.timer);
      longMessages.delete(key);
      release(long.parts);
      screenAndDeliver(long.parts as Part[], message.sender, message.recipient);
    }
  }

  function onPdu(esme: EsmeLink, raw: Buffer) {
    const sequence = raw.readUInt32BE(12);
    const pdu = decode(raw);
    if (pdu instanceof Error || pdu.command === 'unknown') {
      // A PDU whose body cannot be read is answered alone; the bind goes on.
      const answer = answerToUnreadable(raw, pdu);
      if (answer) esme.write(answer);
      return;
    }
    if (bindKinds.has(pdu.command)) return onBind(esme, pdu);
    switch (pdu.command) {
      case 'submit_sm':
        return onSubmit(esme, raw, pdu);
      case 'enquire_link':
        return esme.answer('enquire_link_resp', sequence, 0);
      case 'unbind':
        esme.answer('unbind_resp', sequence, 0);
        esme.socket.end();
        return;
      case 'deliver_sm_resp':
      case 'data_sm_resp':
        // The ESME's answers to what the SMSC sent it.
        return answerToSmsc(esme, raw, sequence);
      case 'generic_nack':
      case 'enquire_link_resp':
      case 'unbind_resp':
        return;
      default:
        // Other operations (data_sm, submit_multi, query_sm, replace_sm, cancel_sm) are not screened
        // here, so they are not let through.
        if (pdu.isResponse()) return;
        return esme.answer(
          smpp.commands[`${pdu.command}_resp`] ? `${pdu.command}_resp` : 'generic_nack',
          sequence,
          status('ESME_RINVCMDID'),
        );
    }
  }

  const server: Server = createServer((socket) => {
    const esme = new EsmeLink(++nextId, socket);
    links.add(esme);
    socket.setNoDelay(true);
    esme.bindTimer = setTimeout(() => {
      if (esme.account) return;
      log.info({ esme: esme.id, address: socket.remoteAddress }, 'SMPP connection not bound in time; closing it');
      socket.destroy();
    }, bindTimeoutMs);
    esme.bindTimer.unref();
    framePdus(
      socket,
      (raw) => onPdu(esme, raw),
      (length) => {
        log.warn({ esme: esme.id, length }, 'SMPP PDU with an impossible length; closing the connection');
        esme.answer('generic_nack', 0, status('ESME_RINVCMDLEN'));
        socket.end();
      },
    );
    socket.on('error', () => {});
    socket.on('close', () => {
      esme.closed = true;
      links.delete(esme);
      if (esme.bindTimer) clearTimeout(esme.bindTimer);
      for (const timers of esme.awaiting.values()) for (const timer of timers) clearTimeout(timer);
      if (esme.account) receivers.get(esme.account.systemId)?.delete(esme);
      esme.upstream?.close();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as { port: number }).port;
  log.info({ port, upstream: `${options.upstream.host}:${options.upstream.port}` }, 'SMPP firewall listening');

  return {
    port,
    connections: () => links.size,
    async close() {
      for (const long of longMessages.values()) clearTimeout(long.timer);
      longMessages.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const esme of links) {
        esme.upstream?.close();
        esme.socket.destroy();
      }
      await closed;
    },
  };
}
