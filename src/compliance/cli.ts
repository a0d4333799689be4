/**
 * `callshield report compliance --month 2026-11 [--operator X] --out FILE`: the monthly report of
 * operators' duties from a running server (like the admin commands), PDF or CSV by the file's
 * extension unless --format says. The server audits the export.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clientSettings } from '../config.ts';

const help = `usage: callshield report compliance --month YYYY-MM [--operator ID] --out FILE
                          [--format pdf|csv] [--lang ru|kk|en] [--server URL] [--token TOKEN]

The month's figures of each operator (or one): SIM suspension requests, their deadlines and
acknowledgements, screening coverage from CDRs, CDR timeliness. --format defaults to the
extension of --out (csv, else pdf). --server defaults to CALLSHIELD_URL or
http://127.0.0.1:8080, --token to CALLSHIELD_ADMIN_TOKEN (an operator key gets its own report).
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      month: { type: 'string' },
      operator: { type: 'string' },
      out: { type: 'string' },
      format: { type: 'string' },
      lang: { type: 'string', default: 'ru' },
      server: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (positionals[0] !== 'compliance' || !values.month || !values.out) {
    process.stderr.write(help);
    return 2;
  }
  const format = values.format ?? (values.out.toLowerCase().endsWith('.csv') ? 'csv' : 'pdf');
  if (format !== 'pdf' && format !== 'csv') {
    process.stderr.write(`callshield report: --format is pdf or csv, not "${format}"\n`);
    return 2;
  }
  const settings = clientSettings({ server: values.server, token: values.token });
  if (!settings.token) {
    process.stderr.write('callshield report: no token (use --token or CALLSHIELD_ADMIN_TOKEN)\n');
    return 2;
  }
  const query = new URLSearchParams({ month: values.month, format, lang: values.lang ?? 'ru' });
  if (values.operator) query.set('operator', values.operator);
  const response = await fetch(new URL(`/v1/compliance/report?${query}`, settings.server), {
    headers: { authorization: `Bearer ${settings.token}` },
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) {
    let message = body.toString('utf8').slice(0, 500);
    try {
      const parsed = JSON.parse(message) as { error?: { code: string; message: string } };
      if (parsed.error) message = `${parsed.error.code}: ${parsed.error.message}`;
    } catch {}
    process.stderr.write(`callshield report: ${response.status} ${message}\n`);
    return 1;
  }
  writeFileSync(values.out, body);
  process.stderr.write(`wrote ${values.out} (${format}, ${body.length} bytes)\n`);
  return 0;
}
