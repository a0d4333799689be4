/**
 * The contact index behind incident trails: every screening decision (from the decisions stream,
 * never the call path) is a contact "callee received a call or message from caller". Contacts are
 * buffered and written every ten seconds (sooner once 256 k wait) as one block per callee bucket, gzipped off the event loop and
 * sealed (AES-256-GCM), because a row per decision would cost the embedded store more than
 * screening the call; folding a decision costs a push. The bucket is a keyed hash of the callee, so
 * a trail opens only the victim's blocks over the look-back window. CDR `in` rows of the victim are read from the ingest journal when a trail is
 * asked for, so a trail grows as later CDRs land.
 */
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gunzip } from 'node:zlib';
import { DIRECTION_NAMES, EVENT_NAMES, OTHER_E164, OTHER_SHORT_CODE } from '../cdr/types.ts';
import { decodeBatch } from '../ingest/codec.ts';
import type { JournalBatch } from '../ingest/store.ts';
import { e164Value, formatNumber } from '../numbering/numbers.ts';
import { callerOf, decisionColumns } from '../screening/decision-columns.ts';
import { reasonList } from '../screening/engine.ts';
import { type Decision, reasonCodes } from '../screening/types.ts';
import { bucketOf, type ContactRows, type PackedBlock, packBlocks } from './contact-blocks.ts';
import type { PackAnswer, PackRequest } from './contact-blocks-thread.ts';
import type { BankStore, ContactBlock } from './store.ts';

const gunzipAsync = promisify(gunzip);

/**
 * Each flush writes up to BUCKETS blocks, and a block costs a gzip, a seal and a row whatever its
 * size, so blocks are written rarely and big: every ten seconds, or once this many contacts wait.
 * A trail reads the waiting contacts too, so it misses nothing meanwhile.
 */
const FLUSH_MS = 10_000;
const FLUSH_ROWS = 262_144;
/** Buffered contacts beyond this are dropped rather than letting memory grow. */
const MAX_BUFFER = 500_000;
/** Blocks kept for the next flush when the records store refused them (about five minutes' worth). */
const MAX_UNWRITTEN_BLOCKS = 256 * 300;
const IN = DIRECTION_NAMES.indexOf('in');
const VOICE = EVENT_NAMES.indexOf('voice');
const SMS = EVENT_NAMES.indexOf('sms');
/** A CDR and a decision of the same contact lie this close in time. */
const SAME_CONTACT_MS = 120_000;
/** Journal batches read for one trail, at most. */
const MAX_JOURNAL_BATCHES = 2_000;

export interface TrailContact {
  number: string;
  at: string;
  channel: 'call' | 'sms';
  verdict?: string;
  reasons?: string[];
  source: ('decision' | 'cdr')[];
  answered?: boolean;
  durationS?: number;
}

const VERDICTS = ['allow', 'label', 'block'];
/** A contact's reasons are a bit set over the reason codes (bit k: `reasonCodes[k]`), as the decision columns hold them. */
const reasonNames: string[] = [...reasonCodes];

/**
 * Contacts held column-wise, so that folding a decision writes a few numbers and allocates
 * nothing: callee and caller as E.164 numbers (a caller that is not one, e.g. an SMS sender ID,
 * as the index of its text among the few distinct ones), time, verdict and SMS flag, and the
 * reasons as a bit set.
 */
class ContactColumns implements ContactRows {
  size = 0;
  callee: Float64Array;
  caller: Float64Array;
  at: Float64Array;
  flags: Uint8Array;
  reasons: Uint32Array;
  /** Index in `texts` of a caller that is not a number, or -1. */
  textOf: Int32Array;
  /** The distinct caller texts (SMS sender IDs repeat: a bank sends thousands of messages). */
  texts: string[] = [];
  private textIds = new Map<string, number>();

  /** Room for `capacity` contacts before the columns grow (a flush sizes the next buffer by its own). */
  constructor(capacity = 1024) {
    this.callee = new Float64Array(capacity);
    this.caller = new Float64Array(capacity);
    this.at = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.reasons = new Uint32Array(capacity);
    this.textOf = new Int32Array(capacity);
  }

  push(callee: number, caller: number, callerText: string | null, at: number, flags: number, reasons: number) {
    if (this.size === this.callee.length) this.grow();
    const i = this.size++;
    this.callee[i] = callee;
    this.caller[i] = caller;
    this.at[i] = at;
    this.flags[i] = flags;
    this.reasons[i] = reasons;
    let text = -1;
    if (callerText !== null) {
      text = this.textIds.get(callerText) ?? -1;
      if (text < 0) {
        text = this.texts.length;
        this.texts.push(callerText);
        this.textIds.set(callerText, text);
      }
    }
    this.textOf[i] = text;
  }

  /** The caller of row i: its text, or its number as +E.164. */
  callerAt(i: number): string {
    const text = this.textOf[i];
    return text >= 0 ? this.texts[text] : formatNumber(this.caller[i]);
  }

  private grow() {
    const grown = <T extends Float64Array | Uint8Array | Uint32Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.callee = grown(this.callee);
    this.caller = grown(this.caller);
    this.at = grown(this.at);
    this.flags = grown(this.flags);
    this.reasons = grown(this.reasons);
    this.textOf = grown(this.textOf);
  }
}

interface DecodedContact {
  at: number;
  caller: string;
  sms: boolean;
  verdict: string;
  reasons: string[];
}

/** The contacts of a block received by `victim` in [from, to]. */
function decodeBlock(block: Buffer, victim: number, from: number, to: number): DecodedContact[] {
  const headerLength = block.readUInt32LE(0);
  const header = JSON.parse(block.subarray(4, 4 + headerLength).toString('utf8')) as {
    n: number;
    reasons: string[];
    texts?: string[];
    callers?: Record<string, string>;
  };
  const n = header.n;
  const texts = header.texts;
  // Copied out: the columns must sit on 8-byte boundaries.
  const body = Buffer.from(block.subarray(4 + headerLength));
  const callee = new Float64Array(body.buffer, body.byteOffset, n);
  const caller = new Float64Array(body.buffer, body.byteOffset + n * 8, n);
  const at = new Float64Array(body.buffer, body.byteOffset + n * 16, n);
  const reasons = new Uint32Array(body.buffer, body.byteOffset + n * 24, n);
  const textOf = texts ? new Int32Array(body.buffer, body.byteOffset + n * 28, n) : null;
  const flags = new Uint8Array(body.buffer, body.byteOffset + n * (texts ? 32 : 28), n);
  const out: DecodedContact[] = [];
  for (let k = 0; k < n; k++) {
    if (callee[k] !== victim || at[k] < from || at[k] > to) continue;
    const names: string[] = [];
    for (let bit = 0; bit < header.reasons.length; bit++) if (reasons[k] & (1 << bit)) names.push(header.reasons[bit]);
    const text = textOf ? texts?.[textOf[k]] : header.callers?.[k];
    out.push({
      at: at[k],
      caller: text ?? formatNumber(caller[k]),
      sms: (flags[k] & 1) === 1,
      verdict: VERDICTS[flags[k] >> 1] ?? 'allow',
      reasons: names,
    });
  }
  return out;
}

/**
 * The packing thread of a contact index (contact-blocks-thread.ts), started at the first flush and
 * again after a failure. It holds the process open only while a flush waits for it.
 */
function createPacker() {
  type Waiting = Map<number, { resolve: (blocks: PackedBlock[]) => void; reject: (error: Error) => void }>;
  let thread: { worker: Worker; waiting: Waiting } | null = null;
  let nextId = 0;
  const start = () => {
    const worker = new Worker(new URL('./contact-blocks-thread.ts', import.meta.url));
    const waiting: Waiting = new Map();
    const current = { worker, waiting };
    // A thread that failed or stopped fails what it was asked, not what a later thread is asked.
    const failAll = (error: Error) => {
      if (thread === current) thread = null;
      for (const w of waiting.values()) w.reject(error);
      waiting.clear();
    };
    worker.on('message', (answer: PackAnswer) => {
      const w = waiting.get(answer.id);
      waiting.delete(answer.id);
      if (waiting.size === 0) worker.unref();
      if (!w) return;
      if ('error' in answer) w.reject(new Error(`packing contact blocks failed: ${answer.error}`));
      else w.resolve(answer.blocks);
    });
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`the contact packing thread stopped (exit ${code})`)));
    return current;
  };
  return {
    /** The blocks of `columns`' rows; the columns are copied, so trails may go on reading them. */
    pack(columns: ContactRows, reasonNames: string[], seed: number): Promise<PackedBlock[]> {
      thread ??= start();
      const { worker, waiting } = thread;
      const n = columns.size;
      const callee = columns.callee.slice(0, n);
      const caller = columns.caller.slice(0, n);
      const at = columns.at.slice(0, n);
      const flags = columns.flags.slice(0, n);
      const reasons = columns.reasons.slice(0, n);
      const textOf = columns.textOf.slice(0, n);
      const rows: ContactRows = { size: n, callee, caller, at, flags, reasons, textOf, texts: columns.texts };
      const moved = [callee.buffer, caller.buffer, at.buffer, flags.buffer, reasons.buffer, textOf.buffer];
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, rows, reasonNames, seed } satisfies PackRequest, moved);
      });
    },
    close(): void {
      const current = thread;
      thread = null;
      void current?.worker.terminate();
    },
  };
}

export function createContactIndex(deps: {
  store: BankStore;
  /** A secret seed for the callee buckets (they must not tell who was called). */
  bucketSeed: number;
  /** Seals and opens block payloads (AES-256-GCM with a key from CALLSHIELD_SECRET_KEY). */
  seal: (plain: Buffer) => Buffer;
  open: (sealed: Buffer) => Buffer;
  clock: () => number;
  retentionMs: number;
  journal?: (afterId: number, since: Date, limit: number) => Promise<JournalBatch[]>;
  onError: (error: unknown, what: string) => void;
  /** Packs a flush's blocks (default: on a thread of their own). */
  packer?: { pack: (rows: ContactRows, reasonNames: string[], seed: number) => Promise<PackedBlock[]>; close(): void };
}) {
  let buffer = new ContactColumns();
  const packer = deps.packer ?? createPacker();
  let unwritten: ContactBlock[] = [];
  let dropped = 0;
  let flushing: Promise<void> | null = null;
  /** The contacts a flush under way is writing (a trail still reads them from here). */
  let inFlight: ContactColumns | null = null;
  async function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      if (buffer.size === 0 && unwritten.length === 0) return;
      const taken = buffer;
      inFlight = taken;
      // The next ten seconds are likely as busy as the last: room for as many, without growing.
      buffer = new ContactColumns(Math.min(MAX_BUFFER, Math.max(1024, taken.size)));
      // Bucketed, encoded and gzipped on the packing thread; sealed here, where the key is.
      let packed: PackedBlock[];
      try {
        packed = await packer.pack(taken, reasonNames, deps.bucketSeed);
      } catch (error) {
        // The contacts are still here: packed on this thread rather than lost.
        deps.onError(error, 'packing recent contacts on their thread (packed on the main thread instead)');
        packed = packBlocks(taken, reasonNames, deps.bucketSeed);
      }
      const blocks = packed.map(
        (b): ContactBlock => ({
          bucket: b.bucket,
          from: b.from,
          to: b.to,
          rows: b.rows,
          payload: deps.seal(Buffer.from(b.packed.buffer, b.packed.byteOffset, b.packed.byteLength)).toString('base64'),
        }),
      );
      // Blocks a failed write left behind go first; beyond a few minutes' worth they are dropped.
      const writing = [...unwritten, ...blocks];
      unwritten = [];
      try {
        await deps.store.insertContactBlocks(writing);
      } catch (error) {
        unwritten = writing.slice(-MAX_UNWRITTEN_BLOCKS);
        dropped += writing.slice(0, -MAX_UNWRITTEN_BLOCKS).reduce((n, b) => n + b.rows, 0);
        throw error;
      }
    })()
      .catch((error) => deps.onError(error, 'storing recent contacts'))
      .finally(() => {
        flushing = null;
        inFlight = null;
      });
    return flushing;
  }
  const flusher = setInterval(() => void flush(), FLUSH_MS);
  flusher.unref();
  const sweeper = setInterval(() => {
    deps.store.sweepContacts(deps.clock() - deps.retentionMs).catch((error) => deps.onError(error, 'contact sweep'));
  }, 600_000);
  sweeper.unref();

  return {
    /** Folds decisions from the stream (a handler of 'decisions'): a few numbers per decision. */
    add(decisions: Decision[]): void {
      if (buffer.size >= MAX_BUFFER) {
        dropped += decisions.length;
        return;
      }
      const columns = decisionColumns(decisions);
      const { size, a, b, at, reasons, verdict, sms } = columns;
      for (let i = 0; i < size; i++) {
        const callee = b[i];
        if (Number.isNaN(callee)) continue;
        const caller = a[i];
        // A time that is not one (never from screening) is the time the contact was folded.
        buffer.push(
          callee,
          caller,
          Number.isNaN(caller) ? callerOf(columns.decisions[i]) : null,
          Number.isNaN(at[i]) ? deps.clock() : at[i],
          (verdict[i] << 1) | sms[i],
          reasons[i],
        );
      }
      if (buffer.size >= FLUSH_ROWS && !flushing) void flush();
    },

    dropped: () => dropped,
    flush,

    /**
     * The calls and messages `victim` (+E.164) received in [from, to]: decisions merged with the CDRs of the
     * victim's operator (a CDR of a screened call adds whether it was answered and how long).
     */
    async trail(
      victim: string,
      from: number,
      to: number,
    ): Promise<{ contacts: TrailContact[]; cdrScanComplete: boolean }> {
      const victimNumber = e164Value(victim);
      const found: DecodedContact[] = [];
      if (!Number.isNaN(victimNumber)) {
        // Contacts not yet written: those waiting, and those of a flush under way.
        for (const pending of inFlight ? [buffer, inFlight] : [buffer])
          for (let i = 0; i < pending.size; i++) {
            if (pending.callee[i] !== victimNumber || pending.at[i] < from || pending.at[i] > to) continue;
            found.push({
              at: pending.at[i],
              caller: pending.callerAt(i),
              sms: (pending.flags[i] & 1) === 1,
              verdict: VERDICTS[pending.flags[i] >> 1] ?? 'allow',
              reasons: reasonList(pending.reasons[i]),
            });
          }
        for (const block of await deps.store.contactBlocks(bucketOf(victimNumber, deps.bucketSeed), from, to))
          found.push(...decodeBlock(await gunzipAsync(deps.open(block)), victimNumber, from, to));
      }
      // A contact handed out twice by the stream (a retried batch) is shown once.
      const seen = new Set<string>();
      const contacts: TrailContact[] = [];
      for (const c of found) {
        const id = `${c.caller}|${c.at}|${c.sms}`;
        if (seen.has(id)) continue;
        seen.add(id);
        contacts.push({
          number: c.caller,
          at: new Date(c.at).toISOString(),
          channel: c.sms ? 'sms' : 'call',
          verdict: c.verdict,
          reasons: c.reasons,
          source: ['decision'],
        });
      }

      let cdrScanComplete = true;
      if (deps.journal && !Number.isNaN(victimNumber)) {
        // A CDR of a contact in the window is ingested after the contact, so after `from`.
        let after = 0;
        let read = 0;
        for (;;) {
          const batches = await deps.journal(after, new Date(from), 50);
          if (batches.length === 0) break;
          for (const b of batches) {
            after = b.id;
            read++;
            const batch = decodeBatch(b.payload);
            for (let i = 0; i < batch.size; i++) {
              if (batch.msisdn[i] !== victimNumber || batch.direction[i] !== IN) continue;
              const event = batch.event[i];
              if (event !== VOICE && event !== SMS) continue;
              const at = batch.startedAt[i];
              if (at < from || at > to) continue;
              const kind = batch.otherKind[i];
              const number =
                kind === OTHER_E164
                  ? formatNumber(batch.otherParty[i])
                  : kind === OTHER_SHORT_CODE
                    ? String(batch.otherParty[i])
                    : '';
              if (!number) continue;
              const channel = event === SMS ? 'sms' : 'call';
              const answered = event === VOICE ? batch.answered[i] === 1 : undefined;
              const durationS = event === VOICE ? batch.durationS[i] : undefined;
              const match = contacts.find(
                (c) =>
                  c.number === number &&
                  c.channel === channel &&
                  !c.source.includes('cdr') &&
                  Math.abs(Date.parse(c.at) - at) <= SAME_CONTACT_MS,
              );
              if (match) {
                match.source.push('cdr');
                if (answered !== undefined) match.answered = answered;
                if (durationS !== undefined) match.durationS = durationS;
              } else {
                contacts.push({
                  number,
                  at: new Date(at).toISOString(),
                  channel,
                  source: ['cdr'],
                  ...(answered !== undefined ? { answered, durationS } : {}),
                });
              }
            }
          }
          if (read >= MAX_JOURNAL_BATCHES) {
            cdrScanComplete = false;
            break;
          }
        }
      }
      return { contacts, cdrScanComplete };
    },

    async close(): Promise<void> {
      clearInterval(flusher);
      clearInterval(sweeper);
      await flush();
      packer.close();
    },
  };
}

export type ContactIndex = ReturnType<typeof createContactIndex>;
