import type { ListView } from '../screening/engine.ts';
import { type ListChange, type ListName, listNames } from './types.ts';

interface CachedEntry {
  expiresAt: number;
  displayName?: string;
  version: number;
}

/**
 * The in-memory copy of every list that the hot path reads. Kept current by applying list
 * changes (from this node's writes and from the list-changes stream); applying a change twice,
 * or an older one after a newer, changes nothing.
 */
export class ListCache {
  private readonly lists = new Map<ListName, Map<number, CachedEntry>>(listNames.map((n) => [n, new Map()]));
  private readonly parse: (s: string) => number;
  /** Highest version applied: a node that lags behind asks for changes since it. */
  version = 0;

  constructor(parse: (s: string) => number) {
    this.parse = parse;
  }

  apply(change: ListChange): void {
    const map = this.lists.get(change.list)!;
    const n = this.parse(change.number);
    if (n < 0) return;
    const current = map.get(n);
    if (current && current.version >= change.version) return;
    if (change.op === 'add' && change.entry) {
      map.set(n, {
        expiresAt: change.entry.expiresAt ? Date.parse(change.entry.expiresAt) : Number.POSITIVE_INFINITY,
        displayName: change.entry.displayName,
        version: change.version,
      });
    } else {
      map.delete(n);
    }
    if (change.version > this.version) this.version = change.version;
  }

  view(list: ListName): ListView {
    const map = this.lists.get(list)!;
    return {
      find(e164, now) {
        const e = map.get(e164);
        return e && e.expiresAt > now ? e : undefined;
      },
    };
  }

  size(list: ListName): number {
    return this.lists.get(list)!.size;
  }
}
