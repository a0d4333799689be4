/**
 * `callshield report compliance --month 2026-11 [--operator X] --out FILE`: the monthly report of
 * operators' duties from a running server (like the admin commands), PDF or CSV by the file's
 * extension unless --format says. The server audits the export.
 */
import { writeFileSync } from 'node:fs';
import { clientSettings } from '../config.ts';
import { callServer, describeFsError, inputError, parseFlags, runCommand, usageError } from '../platform/cli.ts';

const help = `usage: callshield report compliance --month YYYY-MM [--operator ID] --out FILE
                          [--format pdf|csv] [--lang ru|kk|en] [--server URL] [--token TOKEN]

The month's figures of each operator (or one): SIM suspension requests, their deadlines and
acknowledgements, screening coverage from CDRs, CDR timeliness. --format defaults to the
extension of --out (csv, else pdf). --server defaults to CALLSHIELD_URL or
http://127.0.0.1:8080, --token to CALLSHIELD_ADMIN_TOKEN (an operator key gets its own report).
`;

export async function run(argv: string[]): Promise<number> {
  return runCommand('report', help, () => report(argv));
}

async function report(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      month: { type: 'string' },
      operator: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      lang: { type: 'string', default: 'ru' },
      server: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals[0] !== 'compliance')
    throw usageError(positionals[0] ? `unknown report "${positionals[0]}"` : 'name the report: compliance');
  if (!values.month) throw usageError('--month YYYY-MM is required');
  if (!values.out) throw usageError('--out FILE is required');
  const format = values.format ?? (values.out.toLowerCase().endsWith('.csv') ? 'csv' : 'pdf');
  if (format !== 'pdf' && format !== 'csv') throw usageError(`--format is pdf or csv, not "${format}"`);
  const settings = clientSettings({ server: values.server, token: values.token });
  if (!settings.token) throw usageError('no token (use --token or CALLSHIELD_ADMIN_TOKEN)');
  const query = new URLSearchParams({ month: values.month, format, lang: values.lang ?? 'ru' });
  if (values.operator) query.set('operator', values.operator);
  const { body } = await callServer(settings.server, settings.token, 'GET', `/v1/compliance/report?${query}`);
  try {
    writeFileSync(values.out, body);
  } catch (error) {
    throw inputError(describeFsError(error, 'write') ?? `cannot write ${values.out}: ${(error as Error).message}`);
  }
  process.stderr.write(`wrote ${values.out} (${format}, ${body.length} bytes)\n`);
  return 0;
}
