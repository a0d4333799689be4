/**
 * Keeps a node's in-memory copies current in distributed mode. Screening reads lists, MNP,
 * roaming, operators and API keys from memory; a change made through any node is written to the
 * records store and announced on a stream, and every node applies it within moments:
 * - list changes on `lists.changes` (the list service publishes them),
 * - MNP and roaming changes, and "keys/operators/SMS sender IDs changed", on `registry.changes`.
 * Behind the streams, a safety net: every `intervalMs` lists are caught up from the records store
 * (changes since the last catch-up) and keys and operators re-read; when the stream comes back
 * after an outage, everything is re-read, since announcements made meanwhile may be lost.
 */
import type { Keyring } from '../auth/keys.ts';
import type { ListCache } from '../lists/cache.ts';
import type { ListStore } from '../lists/store.ts';
import { type ListChange, listNames } from '../lists/types.ts';
import type { NumberChange, NumberRegistry } from '../number-registry/registry.ts';
import type { OperatorRegistry } from '../operators/store.ts';
import type { EventStream } from '../platform/stream.ts';

/** What travels on `registry.changes`. */
export type RegistryChange = NumberChange | { kind: 'keys' } | { kind: 'operators' } | { kind: 'senders' };

interface Log {
  warn(details: object, message: string): void;
}

/** The keyring, announcing issued and revoked keys so every node accepts (or refuses) them at once. */
export function announcingKeyring(keyring: Keyring, stream: EventStream): Keyring {
  const announce = () => stream.publish<RegistryChange>('registry.changes', { kind: 'keys' });
  return {
    ...keyring,
    async issue(...args) {
      const issued = await keyring.issue(...args);
      announce();
      return issued;
    },
    async revoke(...args) {
      const revoked = await keyring.revoke(...args);
      if (revoked) announce();
      return revoked;
    },
  };
}

/** The operator registry, announcing new and changed operators (participation is read per call). */
export function announcingOperators(operators: OperatorRegistry, stream: EventStream): OperatorRegistry {
  const announce = () => stream.publish<RegistryChange>('registry.changes', { kind: 'operators' });
  return {
    ...operators,
    async create(...args) {
      const created = await operators.create(...args);
      if (created) announce();
      return created;
    },
    async update(...args) {
      const updated = await operators.update(...args);
      if (updated) announce();
      return updated;
    },
  };
}

const HEALTH_POLL_MS = 500;
/** Rows per list per catch-up query; a node further behind catches up over several rounds. */
const CATCH_UP_LIMIT = 100_000;

export function startNodeSync(deps: {
  stream: EventStream;
  /** The node's list cache, caught up from the records store behind the stream. */
  lists: { store: ListStore; cache: ListCache } | null;
  numbers: NumberRegistry;
  keyring: Pick<Keyring, 'reload'>;
  operators: Pick<OperatorRegistry, 'reload'>;
  /** The SMS sender-ID registry (re-read on its own timer, and at once when told of a change). */
  senders: { refresh(): Promise<void> };
  intervalMs: number;
  log: () => Log;
}) {
  const { stream, lists, numbers } = deps;
  const unsubscribe = stream.subscribe<RegistryChange>('registry.changes', async (changes) => {
    const numberChanges = changes.filter(
      (c): c is NumberChange => c.kind !== 'keys' && c.kind !== 'operators' && c.kind !== 'senders',
    );
    if (numberChanges.length > 0) await numbers.applyRemote(numberChanges);
    if (changes.some((c) => c.kind === 'keys')) await deps.keyring.reload();
    if (changes.some((c) => c.kind === 'operators')) await deps.operators.reload();
    if (changes.some((c) => c.kind === 'senders')) await deps.senders.refresh();
  });

  // A change committed with a lower version than one already seen (two writers racing) shows up
  // only later: each catch-up starts from the head seen one round earlier, not the last one.
  let olderHead = lists?.cache.version ?? 0;
  let newerHead = olderHead;

  async function catchUpLists(): Promise<void> {
    if (!lists) return;
    let head = newerHead;
    for (const list of listNames) {
      const sync = await lists.store.changesSince(list, olderHead, CATCH_UP_LIMIT);
      const changes: ListChange[] = sync.added.map((entry) => ({
        list,
        version: entry.version,
        op: 'add',
        number: entry.number,
        entry,
      }));
      for (const number of sync.removed) changes.push({ list, version: sync.version, op: 'remove', number });
      for (const change of changes) lists.cache.apply(change);
      head = Math.max(head, sync.version);
    }
    olderHead = newerHead;
    newerHead = head;
  }

  async function resync(everything: boolean): Promise<void> {
    await catchUpLists();
    await Promise.all([
      deps.keyring.reload(),
      deps.operators.reload(),
      ...(everything ? [numbers.reload(), deps.senders.refresh()] : []),
    ]);
  }

  let running: Promise<void> | null = null;
  function run(everything: boolean): void {
    if (running) return;
    running = resync(everything)
      .catch((error) => deps.log().warn({ err: error }, 'node resync from the records store failed; retried later'))
      .finally(() => {
        running = null;
      });
  }

  const periodic = setInterval(() => run(false), deps.intervalMs);
  periodic.unref();
  let wasHealthy = stream.healthy;
  const watcher = setInterval(() => {
    const healthy = stream.healthy;
    if (healthy && !wasHealthy) run(true);
    wasHealthy = healthy;
  }, HEALTH_POLL_MS);
  watcher.unref();

  return {
    /** Runs one catch-up now (tests, and a node that knows it missed something). */
    resync: (everything = true) => resync(everything),
    async close() {
      clearInterval(periodic);
      clearInterval(watcher);
      unsubscribe();
      await running;
    },
  };
}
