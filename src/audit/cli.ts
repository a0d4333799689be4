/**
 * `callshield audit verify`: checks the audit log's hash chain straight in the records store.
 * With PostgreSQL (DATABASE_URL) it runs any time; an embedded PGlite data directory is held by
 * a running server, so stop the server first (or call GET /v1/audit/verify on it).
 */
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config.ts';
import { parseFlags, runCommand, usageError } from '../platform/cli.ts';
import { openPglite, openPostgres } from '../platform/sql.ts';
import { verifyAuditWithCheckpoints } from './index.ts';
import { createAuditLog } from './log.ts';

const help = `usage: callshield audit verify [--data-dir ./data]

Checks that no audit entry was altered or removed: the hash chain, and the chain against every
checkpoint signed with the audit key (CALLSHIELD_AUDIT_KEY, or <data-dir>/audit-key.pem) found in
the checkpoint file (CALLSHIELD_AUDIT_CHECKPOINTS, or <data-dir>/audit-checkpoints.jsonl) and, with
NATS_URL, in the NATS stream. The public key is enough. Uses DATABASE_URL when set (any time),
otherwise the embedded records in the data directory (stop the server first).
Exit status: 0 intact, 1 broken, 2 usage or configuration error.
`;

export async function run(argv: string[]): Promise<number> {
  return runCommand('audit', help, () => audit(argv));
}

async function audit(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    true,
  );
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals[0] !== 'verify')
    throw usageError(positionals[0] ? `unknown action "${positionals[0]}"` : 'an action is needed');
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ dataDir: values['data-dir'], logLevel: 'silent' });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`callshield audit: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let sql: Awaited<ReturnType<typeof openPglite>>;
  try {
    sql = config.databaseUrl
      ? await openPostgres(config.databaseUrl)
      : await openPglite(join(resolve(config.dataDir), 'pglite'));
  } catch (error) {
    process.stderr.write(
      `callshield audit: cannot open the records (${(error as Error).message}); ` +
        'with embedded storage, stop the server first or use GET /v1/audit/verify\n',
    );
    return 2;
  }
  try {
    const exists = await sql.query("select to_regclass('audit_log') as t");
    if (!(exists.rows[0] as { t: unknown }).t) {
      process.stdout.write('audit log: no entries yet (the records were never opened by a server)\n');
      return 0;
    }
    const { result, signed, sources } = await verifyAuditWithCheckpoints(createAuditLog({ sql }), config);
    if (result.ok) {
      process.stdout.write(`audit log intact: ${result.entries} entries, head ${result.headSeq} ${result.headHash}\n`);
      if (!signed) {
        process.stdout.write(
          'WARNING: no audit key (CALLSHIELD_AUDIT_KEY): only the hash chain was checked, which someone who can write the database can recompute\n',
        );
      } else {
        process.stdout.write(
          `signed checkpoints: ${result.checkpoints ?? 0} from ${sources.join(', ') || 'nowhere'}, newest at entry ${result.signedUpTo ?? 0}` +
            `${result.entries > (result.signedUpTo ?? 0) ? `; entries after it rest on the chain alone` : ''}\n`,
        );
      }
      return 0;
    }
    process.stdout.write(`audit log BROKEN after ${result.entries} good entries: ${result.problem}\n`);
    return 1;
  } finally {
    await sql.close();
  }
}
