/**
 * The contact index behind incident trails: every screening decision (from the decisions stream,
 * never the call path) is a contact "callee received a call or message from caller". Contacts are
 * buffered and written every second as one block per callee bucket, gzipped off the event loop and
 * sealed (AES-256-GCM), because a row per decision would cost the embedded store more than
 * screening the call; folding a decision costs a push. The bucket is a keyed hash of the callee, so
 * a trail opens only the victim's blocks over the look-back window. CDR `in` rows of the victim are read from the ingest journal when a trail is
 * asked for, so a trail grows as later CDRs land.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { DIRECTION_NAMES, EVENT_NAMES, OTHER_E164, OTHER_SHORT_CODE } from '../cdr/types.ts';
import { decodeBatch } from '../ingest/codec.ts';
import type { JournalBatch } from '../ingest/store.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { Decision } from '../screening/types.ts';
import type { BankStore, ContactBlock } from './store.ts';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const FLUSH_MS = 1_000;
/** Callee buckets: a trail decodes 1/BUCKETS of the window's contacts. */
export const BUCKETS = 256;
/** Buffered contacts beyond this are dropped (oldest first) rather than letting memory grow. */
const MAX_BUFFER = 500_000;
const IN = DIRECTION_NAMES.indexOf('in');
const VOICE = EVENT_NAMES.indexOf('voice');
const SMS = EVENT_NAMES.indexOf('sms');
/** A CDR and a decision of the same contact lie this close in time. */
const SAME_CONTACT_MS = 120_000;
/** Journal batches read for one trail, at most. */
const MAX_JOURNAL_BATCHES = 2_000;

/** What a decision of an SMS carries (SMS screening adds it to its decisions). */
type MaybeSmsDecision = Decision & { channel?: string; messageId?: string; sender?: string };

export function channelOf(d: Decision): 'call' | 'sms' {
  const m = d as MaybeSmsDecision;
  return m.channel === 'sms' || m.messageId !== undefined ? 'sms' : 'call';
}

/** A caller of a decision: its number as +E.164, or an SMS sender ID as given. */
export const callerOf = (d: Decision): string => (d as MaybeSmsDecision).sender ?? d.a;

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

/** A buffered contact, as cheap to fold as a push: the callee as the decision gives it (+E.164). */
interface Contact {
  callee: string;
  at: string;
  caller: string;
  sms: boolean;
  verdict: string;
  reasons: readonly string[];
}

/** A block's payload: columns of its contacts (times as epoch ms, reasons comma-joined). */
interface BlockColumns {
  b: string[];
  t: number[];
  c: string[];
  s: number[];
  v: string[];
  r: string[];
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
  parse: (input: string) => number;
  onError: (error: unknown, what: string) => void;
}) {
  let buffer: Contact[] = [];
  let dropped = 0;
  let flushing: Promise<void> | null = null;

  /** FNV-1a of the number from a secret seed: cheap, and without the seed it says nothing. */
  const bucketOf = (callee: string) => {
    let h = deps.bucketSeed >>> 0;
    for (let i = 0; i < callee.length; i++) h = Math.imul(h ^ callee.charCodeAt(i), 16777619) >>> 0;
    return h % BUCKETS;
  };

  async function encode(bucket: number, contacts: Contact[]): Promise<ContactBlock> {
    const columns: BlockColumns = { b: [], t: [], c: [], s: [], v: [], r: [] };
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const x of contacts) {
      const parsed = Date.parse(x.at);
      const at = Number.isNaN(parsed) ? deps.clock() : parsed;
      columns.b.push(x.callee);
      columns.t.push(at);
      columns.c.push(x.caller);
      columns.s.push(x.sms ? 1 : 0);
      columns.v.push(x.verdict);
      columns.r.push(x.reasons.join(','));
      if (at < from) from = at;
      if (at > to) to = at;
    }
    const payload = deps.seal(await gzipAsync(JSON.stringify(columns), { level: 1 })).toString('base64');
    return { bucket, from, to, rows: contacts.length, payload };
  }

  async function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      if (buffer.length === 0) return;
      const taken = buffer;
      buffer = [];
      const byBucket = new Map<number, Contact[]>();
      for (const c of taken) {
        const b = bucketOf(c.callee);
        const list = byBucket.get(b);
        if (list) list.push(c);
        else byBucket.set(b, [c]);
      }
      const blocks = await Promise.all([...byBucket].map(([bucket, contacts]) => encode(bucket, contacts)));
      try {
        await deps.store.insertContactBlocks(blocks);
      } catch (error) {
        // Kept for the next flush (newer contacts after them), within the buffer's bound.
        buffer = [...taken, ...buffer].slice(-MAX_BUFFER);
        throw error;
      }
    })()
      .catch((error) => deps.onError(error, 'storing recent contacts'))
      .finally(() => {
        flushing = null;
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
    /** Folds decisions from the stream (a handler of 'decisions'). */
    add(decisions: Decision[]): void {
      for (const d of decisions) {
        buffer.push({
          callee: d.b,
          at: d.at,
          caller: callerOf(d),
          sms: channelOf(d) === 'sms',
          verdict: d.verdict,
          reasons: d.reasons,
        });
      }
      if (buffer.length > MAX_BUFFER) {
        dropped += buffer.length - MAX_BUFFER;
        buffer = buffer.slice(buffer.length - MAX_BUFFER);
      }
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
      const found: { at: number; caller: string; sms: boolean; verdict: string; reasons: string[] }[] = [];
      for (const c of buffer) {
        const at = Date.parse(c.at);
        if (c.callee === victim && at >= from && at <= to)
          found.push({ at, caller: c.caller, sms: c.sms, verdict: c.verdict, reasons: [...c.reasons] });
      }
      for (const block of await deps.store.contactBlocks(bucketOf(victim), from, to)) {
        const columns = JSON.parse((await gunzipAsync(deps.open(block))).toString('utf8')) as BlockColumns;
        for (let i = 0; i < columns.b.length; i++) {
          if (columns.b[i] !== victim || columns.t[i] < from || columns.t[i] > to) continue;
          found.push({
            at: columns.t[i],
            caller: columns.c[i],
            sms: columns.s[i] === 1,
            verdict: columns.v[i],
            reasons: columns.r[i] ? columns.r[i].split(',') : [],
          });
        }
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
      const victimNumber = deps.parse(victim);
      if (deps.journal && victimNumber >= 0) {
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
    },
  };
}

export type ContactIndex = ReturnType<typeof createContactIndex>;
