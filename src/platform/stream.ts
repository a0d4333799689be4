/**
 * The event-streams port: decisions, CDRs, list changes, alerts. Embedded mode delivers in process;
 * distributed mode uses NATS JetStream. Publishing never blocks the caller: events are queued and
 * delivered in batches after the current request, so the call path pays only for a push.
 */
export type Subject = 'decisions' | 'lists.changes' | 'cdr' | 'alerts';

export type Handler<T> = (events: T[]) => void | Promise<void>;

export interface EventStream {
  publish<T>(subject: Subject, event: T): void;
  /** Handlers get events in batches, in publish order. */
  subscribe<T>(subject: Subject, handler: Handler<T>): () => void;
  /** Waits until every queued event has been handed to its handlers. */
  drain(): Promise<void>;
  close(): Promise<void>;
  readonly healthy: boolean;
}

/** In-process stream: one queue per subject, flushed on the next turn of the event loop. */
export function createMemoryStream(onHandlerError: (subject: Subject, error: unknown) => void): EventStream {
  const queues = new Map<Subject, unknown[]>();
  const handlers = new Map<Subject, Set<Handler<unknown>>>();
  let scheduled = false;
  let inFlight: Promise<void> = Promise.resolve();

  async function flush(): Promise<void> {
    scheduled = false;
    for (const [subject, queue] of queues) {
      if (queue.length === 0) continue;
      const batch = queue.splice(0, queue.length);
      for (const handler of handlers.get(subject) ?? []) {
        try {
          await handler(batch);
        } catch (error) {
          onHandlerError(subject, error);
        }
      }
    }
  }

  return {
    healthy: true,
    publish(subject, event) {
      let queue = queues.get(subject);
      if (!queue) {
        queue = [];
        queues.set(subject, queue);
      }
      queue.push(event);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          inFlight = inFlight.then(flush);
        });
      }
    },
    subscribe(subject, handler) {
      let set = handlers.get(subject);
      if (!set) {
        set = new Set();
        handlers.set(subject, set);
      }
      set.add(handler as Handler<unknown>);
      return () => set.delete(handler as Handler<unknown>);
    },
    async drain() {
      while (scheduled || [...queues.values()].some((q) => q.length > 0)) {
        await new Promise((r) => setImmediate(r));
        await inFlight;
      }
      await inFlight;
    },
    async close() {
      await this.drain();
      handlers.clear();
    },
  };
}
