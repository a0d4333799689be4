/**
 * Keeps the shape (V8 map) of Node's `process.nextTick` objects alive for the life of the process.
 *
 * Node's HTTP server calls `nextTick` about six times a request. Each call builds a small object
 * literal whose first properties have symbol keys, and V8 defines those one by one along a chain
 * of maps, each found from the one before through a weak link. The chain lives only as long as
 * some tick object does. In a server that also keeps much in its old generation (decisions, lists,
 * counters), full garbage collections come often, and when one finds no tick object alive it frees
 * the chain; the next tick builds a new one. After four such rebuilds the property definitions of
 * the literal have seen four different maps and V8 gives up on them for good (megamorphic): every
 * later `nextTick` defines its properties in the runtime. Measured on this code: 6–9 % of a verify's
 * CPU at 10 connections, against under 1 % in a bare Fastify process, whose collections are rare.
 *
 * One tick object held from the start keeps the whole chain alive (each map holds the one before),
 * so the definitions stay monomorphic. It is taken by an async hook enabled for one `nextTick` call
 * and disabled at once: hooks left enabled, or `executionAsyncResource` called once, would cost
 * every later callback from Node into JavaScript. `bench/http.ts` measures the effect (verify
 * against a bare handler); `tick-shape.test.ts` checks the definitions stay monomorphic.
 */
import { createHook } from 'node:async_hooks';

let held: object | null = null;

/** Takes and holds one tick object; call it once, early, before the first full collection. */
export function holdTickShape(): void {
  if (held !== null) return;
  const hook = createHook({
    init(_id, type, _trigger, resource) {
      if (type === 'TickObject') held ??= resource;
    },
  });
  hook.enable();
  try {
    process.nextTick(() => {});
  } finally {
    hook.disable();
  }
}
