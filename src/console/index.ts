/**
 * The console role: users and sessions, the audit log, the console's API helpers and the built
 * web console. The composition root creates it before the HTTP server (the server needs its
 * session authenticator); its routes read modules built later, asked for when they are registered.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { openAuditProtection } from '../audit/index.ts';
import { createAuditLog } from '../audit/log.ts';
import { installPersonalDataAudit } from '../audit/personal-data.ts';
import { registerAuditRoutes } from '../audit/routes.ts';
import type { Config } from '../config.ts';
import type { Sql } from '../platform/sql.ts';
import { createStatsStore } from '../stats/store.ts';
import { registerUserRoutes } from '../users/routes.ts';
import { createUserService } from '../users/service.ts';
import { installActionAudit } from './action-audit.ts';
import { type ConsoleRouteDeps, registerConsoleRoutes } from './routes.ts';
import { registerConsoleStatic } from './static.ts';

const defaultDistDir = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export interface ConsoleOptions {
  sql: Sql;
  config: Config;
  clock?: () => number;
  /** Tests lower the password hashing cost. */
  scryptCost?: { N: number; r: number; p: number };
  /** What the console's routes read from other modules (built after the console: asked for when registering). */
  routes: () => Omit<ConsoleRouteDeps, 'sql' | 'audit' | 'stats' | 'clock'>;
}

export async function createConsole(options: ConsoleOptions) {
  const { sql, config } = options;
  const clock = options.clock ?? Date.now;
  const idleMs = config.sessionIdleMinutes * 60_000;
  const absoluteMs = config.sessionAbsoluteHours * 3_600_000;
  const protection = await openAuditProtection(config, {
    clock,
    onError: (error) => process.stderr.write(`audit checkpoint not written: ${(error as Error).message}\n`),
  });
  const audit = createAuditLog({ sql, clock, checkpointer: protection.checkpointer });
  // The head as found at start is signed too: entries from before signing was set up are anchored.
  await audit.checkpointHead();
  const users = createUserService({ sql, clock, idleMs, absoluteMs, scryptCost: options.scryptCost });
  // Only a console process makes (or renews) the first admin's one-time password: with several
  // processes, a screening node starting later must not replace the password a console printed.
  const firstAdmin = config.roles.includes('console') ? await users.bootstrapAdmin() : null;
  const sweeper = setInterval(() => void users.sweep().catch(() => {}), 60_000);
  sweeper.unref();

  return {
    name: 'console',
    audit,
    /** Said once at start (serve prints it): the audit key was created, or checkpoints are unsigned. */
    auditNotice: protection.notice,
    users,
    /** The first admin's one-time password, to be shown once at start (null when users exist). */
    firstAdmin,
    authenticateSession: users.authenticateSession,

    /** Hooks that must see every route: call right after the server is created. */
    installHooks(http: FastifyInstance) {
      installActionAudit(http, audit);
      installPersonalDataAudit(http, audit);
    },

    /** Routes and the static console. */
    async registerPublic(http: FastifyInstance): Promise<void> {
      const modules = options.routes();
      // A scope of its own: the OpenAPI document sees these routes, and login needs no caller.
      await http.register(async (scope) => {
        registerUserRoutes(scope, {
          users,
          audit,
          operators: modules.operators,
          cookieSecure: config.cookieSecure,
          absoluteMs,
          idleMs,
          loginAttemptsPerIp: config.loginAttemptsPerIp,
        });
        registerAuditRoutes(scope, {
          audit,
          async verify() {
            const anchors = await protection.anchors();
            if (anchors && !anchors.ok) return { ok: false, entries: 0, problem: anchors.problem };
            return audit.verify(5000, anchors?.anchors);
          },
        });
        registerConsoleRoutes(scope, { ...modules, sql, audit, clock, stats: createStatsStore(sql) });
        if (config.roles.includes('console')) await registerConsoleStatic(scope, config.consoleDir ?? defaultDistDir);
      });
    },

    close() {
      clearInterval(sweeper);
      void protection.close();
    },
  };
}

export type Console = Awaited<ReturnType<typeof createConsole>>;
