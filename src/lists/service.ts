import { AppError } from '../errors.ts';
import { formatNumber } from '../numbering/numbers.ts';
import type { NumberingPlan } from '../numbering/plan.ts';
import type { EventStream } from '../platform/stream.ts';
import type { ListCache } from './cache.ts';
import type { ListStore, NewEntry } from './store.ts';
import type { ListChange, ListName } from './types.ts';

/** The first instant that cannot be an expiry: the year 10000. */
const LATEST_EXPIRY = Date.UTC(10000, 0, 1);

export interface AddEntryInput {
  number: string;
  reason: string;
  expiresAt?: string;
  displayName?: string;
}

/**
 * Writes lists to the records store, applies each change to this node's cache at once (so the
 * next call already sees it) and publishes it for every other screening node.
 */
export function createListService(deps: {
  plan: NumberingPlan;
  store: ListStore;
  cache: ListCache;
  stream: EventStream;
  clock: () => number;
}) {
  const { plan, store, cache, stream } = deps;

  function publish(changes: ListChange[]) {
    for (const c of changes) {
      cache.apply(c);
      stream.publish('lists.changes', c);
    }
  }

  function normalise(input: AddEntryInput, actor: string, source: string): NewEntry {
    const n = plan.parse(input.number);
    if (n < 0) throw new AppError('INVALID_NUMBER', `"${String(input.number).slice(0, 40)}" is not a phone number`);
    if (typeof input.reason !== 'string' || input.reason.trim() === '' || input.reason.length > 500) {
      throw new AppError('VALIDATION_FAILED', '"reason" must be a non-empty string of at most 500 characters');
    }
    let expiresAt: string | undefined;
    if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt !== '') {
      const t = Date.parse(input.expiresAt);
      // Date.parse reads years up to 275760, but past 9999 toISOString writes the extended form
      // (+010000-…), which the records store cannot read: it would fail as an internal error.
      if (Number.isNaN(t) || t >= LATEST_EXPIRY) {
        throw new AppError('INVALID_TIME', '"expiresAt" must be an ISO 8601 date-time before the year 10000');
      }
      if (t <= deps.clock()) throw new AppError('VALIDATION_FAILED', '"expiresAt" is in the past');
      expiresAt = new Date(t).toISOString();
    }
    if (input.displayName !== undefined && (typeof input.displayName !== 'string' || input.displayName.length > 80)) {
      throw new AppError('VALIDATION_FAILED', '"displayName" must be a string of at most 80 characters');
    }
    // Refused here rather than by the records store, so that one such row of an import is
    // rejected alone instead of failing the whole transaction.
    if (input.reason.includes('\u0000') || input.displayName?.includes('\u0000')) {
      throw new AppError('VALIDATION_FAILED', 'a text holds a NUL character (U+0000), which cannot be stored');
    }
    return {
      number: formatNumber(n),
      reason: input.reason.trim(),
      source,
      createdBy: actor,
      expiresAt,
      displayName: input.displayName || undefined,
    };
  }

  return {
    normalise,
    async add(list: ListName, inputs: AddEntryInput[], actor: string, source: string) {
      const entries = inputs.map((i) => normalise(i, actor, source));
      const changes = await store.add(list, entries);
      publish(changes);
      return changes;
    },
    async remove(list: ListName, number: string, actor: string, reason = 'removed') {
      const n = plan.parse(number);
      if (n < 0) throw new AppError('INVALID_NUMBER', 'not a phone number');
      const change = await store.remove(list, formatNumber(n), actor, reason);
      if (change) publish([change]);
      return change;
    },
    /** The current entry of a number on a list, or null. */
    entry: (list: ListName, number: string) => store.get(list, number),
    /** Removes entries whose expiry has passed; runs periodically. */
    async sweepExpired(): Promise<number> {
      const changes = await store.removeExpired(new Date(deps.clock()));
      publish(changes);
      return changes.length;
    },
    /** Applies changes written by other nodes. */
    applyRemote(changes: ListChange[]) {
      for (const c of changes) cache.apply(c);
    },
  };
}

export type ListService = ReturnType<typeof createListService>;
