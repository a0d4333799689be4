/** `callshield serve`: runs the platform until SIGINT/SIGTERM, then shuts down cleanly. */
import { createApp } from './app.ts';
import { ConfigError, loadConfig, type RawSettings } from './config.ts';
import { describeError, parseFlags, readInputFile, usageError } from './platform/cli.ts';

const help = `usage: callshield serve [--port 8080] [--host 0.0.0.0] [--data-dir ./data] [--roles screening,ingest,detect,console[,smpp]]
                       [--policy file.json] [--numbering-plan data/numbering/kz.json]

Every setting also has an environment variable (see README, "Configuration").
`;

/** A failed `listen` (of the HTTP server, or of the SMPP firewall's port). */
function isListenError(error: unknown): boolean {
  return (error as { syscall?: unknown } | null)?.syscall === 'listen';
}

/** Why a server could not listen, in words, on the address the error names (else host:port). */
function listenFailure(error: unknown, host: string, port: number): string {
  const { code, address, port: errorPort } = (error ?? {}) as { code?: unknown; address?: unknown; port?: unknown };
  const where =
    typeof address === 'string' && typeof errorPort === 'number' ? `${address}:${errorPort}` : `${host}:${port}`;
  if (code === 'EADDRINUSE')
    return `cannot listen on ${where}: the port is in use (by another callshield, or another program)`;
  if (code === 'EACCES') return `cannot listen on ${where}: not allowed (a port under 1024 needs privileges)`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${where}: this machine has no such address`;
  return `cannot listen on ${where}: ${error instanceof Error ? error.message : String(error)}`;
}

export async function run(argv: string[]): Promise<number> {
  let flags: RawSettings;
  try {
    const { values } = parseFlags(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      roles: { type: 'string' },
      policy: { type: 'string' },
      'numbering-plan': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      process.stdout.write(help);
      return 0;
    }
    // Port 0 (any free port) is accepted for tests; people are told the usable range.
    if (values.port !== undefined && !(/^\d{1,5}$/.test(values.port) && Number(values.port) <= 65535))
      throw usageError(`--port must be a whole number from 1 to 65535, got "${values.port}"`);
    if (values.policy !== undefined && !values.policy.trim().startsWith('{')) readInputFile(values.policy);
    if (values['numbering-plan'] !== undefined) readInputFile(values['numbering-plan']);
    flags = {
      port: values.port,
      host: values.host,
      dataDir: values['data-dir'],
      roles: values.roles,
      policy: values.policy,
      numberingPlan: values['numbering-plan'],
    };
  } catch (error) {
    const { message, exitCode, showUsage } = describeError(error);
    process.stderr.write(`callshield serve: ${message}\n${showUsage ? `\n${help}` : ''}`);
    return exitCode;
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

  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let address: string;
  try {
    app = await createApp(config);
    address = await app.http.listen({ port: config.port, host: config.host });
  } catch (error) {
    // While the app is made, only the SMPP firewall (role smpp) listens, on its own port; any
    // other failure there is not a listen failure to word.
    if (!app && !isListenError(error)) throw error;
    // What was opened (the database, its workers and timers) would keep the process running
    // without a server: it is closed, and the command ends with the reason.
    await app?.close().catch(() => {});
    process.stderr.write(`callshield serve: ${listenFailure(error, config.host, config.port)}\n`);
    return 1;
  }
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
