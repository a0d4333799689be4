/**
 * The one shape a feature module shows the composition root. Each feature folder's factory
 * (`createLists`, `createBanks`, …) builds its stores and services from what it is given and
 * returns them together with a Module; `createApp` builds the modules in dependency order, lists
 * them, registers their routes in that order and closes them in reverse, so a module closes before
 * the ones it was built from.
 */
import type { FastifyInstance } from 'fastify';
import { principalOf } from './http.ts';

export interface Module {
  /** Its key in `App.modules`. */
  readonly name: string;
  /** Hooks that must see every route (onRoute, onRequest): installed before any route is. */
  installHooks?(http: FastifyInstance): void;
  /** Routes outside the authenticated scope: open to anyone, or checking credentials of their own. */
  registerPublic?(http: FastifyInstance): void | Promise<void>;
  /** Routes of the authenticated scope, where every request has a caller. */
  register?(scope: FastifyInstance): void;
  /** Stops timers and subscriptions and flushes; called once the server is closed and the stream drained. */
  close?(): void | Promise<void>;
}

/** Every module's public routes, then one authenticated scope holding every module's other routes. */
export async function registerModules(http: FastifyInstance, modules: readonly Module[]): Promise<void> {
  for (const module of modules) await module.registerPublic?.(http);
  http.register(async (scope) => {
    // Every route of this scope needs a caller: answer 401 before reading the body.
    scope.addHook('onRequest', (request, _reply, done) => {
      principalOf(request);
      done();
    });
    for (const module of modules) module.register?.(scope);
  });
}

/** Closes the modules in reverse order: each before those it was built from. */
export async function closeModules(modules: readonly Module[]): Promise<void> {
  for (const module of modules.toReversed()) await module.close?.();
}
