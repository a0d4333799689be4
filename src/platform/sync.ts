/**
 * The incremental sync of a versioned list, the form operators pull with `?since={version}`: the
 * number lists, the device blocklist and the SMS sender-ID registry. Each has a change log whose
 * versions only grow; a pull gets the net changes after the version it holds (0: the whole list,
 * paged by `limit`, the version of the page's last entry to continue from).
 *
 * A pull from a version the log never reached — the records restored from a backup behind what
 * the operator already took, or a version made up — cannot be answered with changes: it gets the
 * whole list again, paged the same way, marked `reset` (the operator drops its copy and applies
 * the pages). Answered with the changes after it instead, it would stay silent until the log
 * caught up, and miss every change made meanwhile.
 */

/** One answer of a sync pull. */
export interface SyncPage<T> {
  version: number;
  added: T[];
  removed: string[];
  /** The whole list from its start, in place of the operator's copy (a `since` the log never reached). */
  reset?: true;
}

/** What a versioned list gives the sync. */
export interface SyncSource<T extends { version: number }> {
  /** The newest version of the change log (0 when empty). */
  head(): Promise<number>;
  /** The first `limit` entries of the whole list, by version. */
  entries(limit: number): Promise<T[]>;
  /** The net changes after `since`: entries added (or changed) and keys removed. */
  changesAfter(since: number): Promise<{ added: T[]; removed: string[] }>;
}

/** The answer to a pull `?since={since}&limit={limit}`. */
export async function changesSince<T extends { version: number }>(
  source: SyncSource<T>,
  since: number,
  limit: number,
): Promise<SyncPage<T>> {
  // Read first: versions only grow, so no change the answer leaves out is older than it.
  const head = await source.head();
  if (since <= 0 || since > head) {
    const added = await source.entries(limit);
    const version = added.length === limit ? added[added.length - 1].version : head;
    return since > 0 ? { version, added, removed: [], reset: true } : { version, added, removed: [] };
  }
  // An entry added then removed again before the operator asks comes as removed.
  const { added, removed } = await source.changesAfter(since);
  return { version: head, added, removed };
}
