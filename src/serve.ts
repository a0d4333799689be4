/** `callshield serve`: runs the platform until SIGINT/SIGTERM, then shuts down cleanly. */
import { parseArgs } from 'node:util';
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type RawSettings } from './config.ts';

const help = `usage: callshield serve [--port 8080] [--host 0.0.0.0] [--data-dir ./data] [--roles screening,ingest,detect,console[,smpp]]
                       [--policy file.json] [--numbering-plan data/numbering/kz.json]

Every setting also has an environment variable (see README, "Configuration").
`;

export async function run(argv: string[]): Promise<number> {
  let flags: RawSettings;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        roles: { type: 'string' },
        policy: { type: 'string' },
        'numbering-plan': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(help);
      return 0;
    }
    flags = {
      port: values.port,
      host: values.host,
      dataDir: values['data-dir'],
      roles: values.roles,
      policy: values.policy,
      numberingPlan: values['numbering-plan'],
    };
  } catch (error) {
    process.stderr.write(`callshield serve: ${(error as Error).message}\n\n${help}`);
    return 2;
  }

  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(flags);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`callshield serve: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const app = await createApp(config);
  const address = await app.http.listen({ port: config.port, host: config.host });
  const log = app.http.log;
  process.stdout.write(
    `callshield listening on ${address} (storage ${app.sql.kind}, roles ${config.roles.join(',')})\n`,
  );
  if (!config.adminToken) {
    // No token configured: one is made for this run and shown once, so a fresh start is usable.
    process.stdout.write(
      `\nadmin token for this run (set CALLSHIELD_ADMIN_TOKEN to choose one): ${app.adminToken}\n\n`,
    );
  }

  if (app.auditNotice) process.stdout.write(`\n${app.auditNotice}\n`);

  if (app.firstAdmin) {
    // First start: the console's admin gets a one-time password, changed at first login.
    process.stdout.write(
      `\nconsole: log in at ${address} as "${app.firstAdmin.username}" with the one-time password ${app.firstAdmin.password}\n\n`,
    );
  }

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('shutting down');
  await app.close();
  return 0;
}
