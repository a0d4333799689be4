/**
 * The event-streams port: decisions, CDRs, list changes, registry changes, alerts. Embedded mode
 * delivers in process; distributed mode uses NATS JetStream (src/platform/nats.ts). Publishing
 * never blocks the caller: events are queued and delivered in batches after the current request,
 * so the call path pays only for a push.
 */
import { Phase, phaseAdd, phaseTiming } from './phases.ts';

export type Subject = 'decisions' | 'lists.changes' | 'registry.changes' | 'cdr' | 'alerts';

/** Handles a batch of events; resolving acknowledges them (see SubscribeOptions.group). */
export type Handler<T> = (events: T[]) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Members of one group share the events of the subject: each event goes to one member, which
   * acknowledges it by resolving its handler. An event whose handler fails, or whose member leaves
   * (or dies) before acknowledging, is delivered again, to it or to another member. Without a group,
   * every subscriber gets every event published while it is subscribed.
   */
  group?: string;
}

export interface EventStream {
  publish<T>(subject: Subject, event: T): void;
  /** Handlers get events in batches, in publish order (per partition on a partitioned subject). */
  subscribe<T>(subject: Subject, handler: Handler<T>, options?: SubscribeOptions): () => void;
  /** Waits until every queued event has been handed on (to the handlers, or to the stream server). */
  drain(): Promise<void>;
  close(): Promise<void>;
  readonly healthy: boolean;
  readonly kind: 'memory' | 'nats';
}

const REDELIVERY_DELAY_MS = 100;
/** A group event still failing after this many deliveries is reported and dropped (a poison event). */
export const MAX_DELIVERIES = 5;

interface Member {
  handler: Handler<unknown>;
  /**
   * The deliveries it holds unacknowledged, told 'left' when it leaves (their events go back to
   * the group). One entry per delivery in flight, removed when it ends: racing each delivery
   * against one long-lived "left" promise would leave a reaction on it per batch, for as long as
   * the member stays (about 300 bytes a batch, hundreds of batches a second under load).
   */
  inFlight: Set<(outcome: 'left') => void>;
}

interface Group {
  members: Member[];
  next: number;
  /** Batches given back (failed, or their member left), delivered again before new ones. */
  redeliver: { events: unknown[]; deliveries: number }[];
}

/** In-process stream: one queue per subject, flushed on the next turn of the event loop. */
export function createMemoryStream(onHandlerError: (subject: Subject, error: unknown) => void): EventStream {
  const queues = new Map<Subject, unknown[]>();
  const handlers = new Map<Subject, Set<Handler<unknown>>>();
  const groups = new Map<Subject, Map<string, Group>>();
  let scheduled = false;
  let inFlight: Promise<void> = Promise.resolve();
  const retryTimers = new Set<NodeJS.Timeout>();

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => {
      inFlight = inFlight.then(flush);
    });
  }

  /**
   * Hands a batch to one member of the group; a failure or a departure gives it back. A handler
   * that finishes synchronously (the in-process folds do) costs no promise: only one that returns a
   * promise is tracked until it settles.
   */
  function deliverToGroup(subject: Subject, group: Group, events: unknown[], deliveries: number): void | Promise<void> {
    if (group.members.length === 0) {
      group.redeliver.push({ events, deliveries: deliveries - 1 });
      return;
    }
    const member = group.members[group.next++ % group.members.length];
    let result: void | Promise<void>;
    try {
      result = member.handler(events);
    } catch (error) {
      onHandlerError(subject, error);
      return giveBack(subject, group, events, deliveries, 'failed');
    }
    if (result instanceof Promise) return settle(subject, group, member, result, events, deliveries);
  }

  async function settle(
    subject: Subject,
    group: Group,
    member: Member,
    result: Promise<void>,
    events: unknown[],
    deliveries: number,
  ): Promise<void> {
    let outcome: 'done' | 'left' | 'failed';
    let release: (outcome: 'left') => void = () => {};
    try {
      outcome = await new Promise<'done' | 'left'>((resolve, reject) => {
        release = resolve;
        member.inFlight.add(release);
        result.then(() => resolve('done'), reject);
      });
    } catch (error) {
      onHandlerError(subject, error);
      outcome = 'failed';
    } finally {
      member.inFlight.delete(release);
    }
    if (outcome !== 'done') giveBack(subject, group, events, deliveries, outcome);
  }

  /** A batch its member failed or left: delivered again later, or dropped after MAX_DELIVERIES. */
  function giveBack(
    subject: Subject,
    group: Group,
    events: unknown[],
    deliveries: number,
    outcome: 'left' | 'failed',
  ): void {
    if (deliveries >= MAX_DELIVERIES) {
      onHandlerError(subject, new Error(`dropped ${events.length} events after ${deliveries} deliveries`));
      return;
    }
    group.redeliver.push({ events, deliveries });
    const timer = setTimeout(
      () => {
        retryTimers.delete(timer);
        schedule();
      },
      outcome === 'left' ? 0 : REDELIVERY_DELAY_MS,
    );
    retryTimers.add(timer);
  }

  async function flush(): Promise<void> {
    scheduled = false;
    for (const [subject, byName] of groups) {
      for (const group of byName.values()) {
        if (group.members.length === 0 || group.redeliver.length === 0) continue;
        for (const again of group.redeliver.splice(0)) {
          const delivered = deliverToGroup(subject, group, again.events, again.deliveries + 1);
          if (delivered) await delivered;
        }
      }
    }
    for (const [subject, queue] of queues) {
      if (queue.length === 0) continue;
      const batch = queue.splice(0, queue.length);
      for (const handler of handlers.get(subject) ?? []) {
        try {
          const started = phaseTiming.on ? performance.now() : 0;
          const done = handler(batch);
          // Bench only: the synchronous part of each subscriber's work on the decisions.
          if (phaseTiming.on && subject === 'decisions') phaseAdd(Phase.delivery, performance.now() - started);
          // A synchronous fold is not awaited: awaiting a value costs a turn of the microtask queue.
          if (done instanceof Promise) await done;
        } catch (error) {
          onHandlerError(subject, error);
        }
      }
      for (const group of groups.get(subject)?.values() ?? []) {
        if (group.members.length === 0) continue;
        const delivered = deliverToGroup(subject, group, batch, 1);
        if (delivered) await delivered;
      }
    }
  }

  const pendingRedeliveries = () =>
    [...groups.values()].some((byName) =>
      [...byName.values()].some((g) => g.members.length > 0 && g.redeliver.length > 0),
    );

  return {
    healthy: true,
    kind: 'memory',
    publish(subject, event) {
      let queue = queues.get(subject);
      if (!queue) {
        queue = [];
        queues.set(subject, queue);
      }
      queue.push(event);
      schedule();
    },
    subscribe(subject, handler, options = {}) {
      if (options.group !== undefined) {
        let byName = groups.get(subject);
        if (!byName) {
          byName = new Map();
          groups.set(subject, byName);
        }
        let group = byName.get(options.group);
        if (!group) {
          group = { members: [], next: 0, redeliver: [] };
          byName.set(options.group, group);
        }
        const member: Member = { handler: handler as Handler<unknown>, inFlight: new Set() };
        group.members.push(member);
        if (group.redeliver.length > 0) schedule();
        const own = group;
        return () => {
          const i = own.members.indexOf(member);
          if (i >= 0) own.members.splice(i, 1);
          for (const release of member.inFlight) release('left');
          member.inFlight.clear();
        };
      }
      let set = handlers.get(subject);
      if (!set) {
        set = new Set();
        handlers.set(subject, set);
      }
      set.add(handler as Handler<unknown>);
      return () => set.delete(handler as Handler<unknown>);
    },
    async drain() {
      while (scheduled || [...queues.values()].some((q) => q.length > 0) || pendingRedeliveries()) {
        await new Promise((r) => (scheduled ? setImmediate(r) : setTimeout(r, 5)));
        await inFlight;
      }
      await inFlight;
    },
    async close() {
      await this.drain();
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      handlers.clear();
      groups.clear();
    },
  };
}
