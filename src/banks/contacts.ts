/**
 * The contact index behind incident trails: every screening decision (from the decisions stream,
 * never the call path) becomes a row "callee received a call or message from caller", the callee
 * kept as a keyed hash. Rows are buffered and written in batches, kept for the look-back window,
 * and read back per victim. CDR `in` rows of the victim are read from the ingest journal when a
 * trail is asked for, so a trail grows as later CDRs land.
 */

import { DIRECTION_NAMES, EVENT_NAMES, OTHER_E164, OTHER_SHORT_CODE } from '../cdr/types.ts';
import { decodeBatch } from '../ingest/codec.ts';
import type { JournalBatch } from '../ingest/store.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { Decision } from '../screening/types.ts';
import type { BankStore, ContactRow } from './store.ts';

const FLUSH_MS = 1_000;
const CHUNK = 500;
/** Buffered rows beyond this are dropped (oldest first) rather than letting memory grow. */
const MAX_BUFFER = 200_000;
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

export function createContactIndex(deps: {
  store: BankStore;
  hashCallee: (number: string) => string;
  clock: () => number;
  retentionMs: number;
  journal?: (afterId: number, since: Date, limit: number) => Promise<JournalBatch[]>;
  parse: (input: string) => number;
  onError: (error: unknown, what: string) => void;
}) {
  let buffer: ContactRow[] = [];
  let dropped = 0;
  let flushing: Promise<void> | null = null;

  async function flush(): Promise<void> {
    if (flushing) return flushing;
    flushing = (async () => {
      while (buffer.length > 0) {
        const chunk = buffer.slice(0, CHUNK);
        await deps.store.insertContacts(chunk);
        buffer = buffer.slice(chunk.length);
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
        const at = Date.parse(d.at);
        buffer.push({
          decisionId: d.decisionId,
          calleeHash: deps.hashCallee(d.b),
          caller: callerOf(d),
          at: Number.isNaN(at) ? deps.clock() : at,
          channel: channelOf(d),
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
     * The calls and messages `victim` received in [from, to]: decisions merged with the CDRs of the
     * victim's operator (a CDR of a screened call adds whether it was answered and how long).
     */
    async trail(
      victim: string,
      from: number,
      to: number,
    ): Promise<{ contacts: TrailContact[]; cdrScanComplete: boolean }> {
      const hash = deps.hashCallee(victim);
      const stored = await deps.store.contactsOf(hash, from, to);
      const seen = new Set(stored.map((c) => c.decisionId));
      const pending = buffer.filter(
        (c) => c.calleeHash === hash && c.at >= from && c.at <= to && !seen.has(c.decisionId),
      );
      const contacts: TrailContact[] = [...stored, ...pending].map((c) => ({
        number: c.caller,
        at: new Date(c.at).toISOString(),
        channel: c.channel,
        verdict: c.verdict,
        reasons: c.reasons,
        source: ['decision'],
      }));

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
