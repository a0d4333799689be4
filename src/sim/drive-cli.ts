/**
 * `callshield drive`: replays a simulation's call signalling against a running server and prints
 * what was allowed, labelled and blocked, per truth label.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPlan } from '../numbering/plan.ts';
import { describeError, ServerUnreachable } from '../platform/cli.ts';
import { drive, formatReport, loadScenery } from './driver.ts';
import { simulateSms } from './sms.ts';

const USAGE = `usage: callshield drive --server URL --admin-token TOKEN --from DIR [options]

  --server URL         running callshield server, e.g. http://127.0.0.1:8080
  --admin-token T      the server's admin token (creates one API key per operator)
  --from DIR           output directory of "callshield simulate"
  --rate N             calls per second to offer (default 200)
  --duration S         seconds to drive (default 10); calls are replayed in a loop if needed
  --batch N            calls (and messages) per batch request (default 200)
  --sms-rate N         simulated SMS per second to screen beside the calls (default 0: none);
                       bank and state senders, shops, look-alike senders, phishing links,
                       spoofed numbers and SIM-box bulk sends, tallied per truth label
  --no-setup           skip registering MNP, roaming and DNO entries (and SMS sender IDs and
                       phishing domains) first
  --json               print the report as JSON
  --plan FILE          numbering plan (default data/numbering/kz.json)
`;

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        server: { type: 'string' },
        'admin-token': { type: 'string' },
        from: { type: 'string' },
        rate: { type: 'string', default: '200' },
        duration: { type: 'string', default: '10' },
        batch: { type: 'string', default: '200' },
        'sms-rate': { type: 'string', default: '0' },
        'no-setup': { type: 'boolean' },
        json: { type: 'boolean' },
        plan: { type: 'string', default: new URL('../../data/numbering/kz.json', import.meta.url).pathname },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`callshield drive: ${describeError(error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const problems: string[] = [];
  if (!values.server || !/^https?:\/\//.test(values.server as string))
    problems.push('--server http(s)://… is required');
  if (!values['admin-token']) problems.push('--admin-token is required');
  if (!values.from) problems.push('--from DIR is required');
  const rate = Number(values.rate);
  const duration = Number(values.duration);
  const batch = Number(values.batch);
  const smsRate = Number(values['sms-rate']);
  if (!(rate > 0 && rate <= 1_000_000)) problems.push('--rate must be a positive number of calls per second');
  if (!(duration > 0 && duration <= 86_400)) problems.push('--duration must be a positive number of seconds');
  if (!(smsRate >= 0 && smsRate <= 1_000_000))
    problems.push('--sms-rate must be a number of messages per second, 0 or more');
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000)
    problems.push('--batch must be an integer from 1 to 10000');
  if (problems.length > 0) {
    process.stderr.write(`callshield drive: ${problems.join('; ')}\n\n${USAGE}`);
    return 2;
  }
  const plan = loadPlan(resolve(values.plan as string));
  const scenery = await loadScenery(
    resolve(values.from as string),
    plan,
    Math.min(2_000_000, Math.ceil(rate * duration)),
  );
  const log = (line: string) => process.stderr.write(`drive: ${line}\n`);
  log(`${scenery.calls.length} calls loaded from ${values.from}`);
  // Distinct messages for the whole drive (at most 200 000, replayed in a loop beyond that).
  const sms =
    smsRate > 0
      ? { rate: smsRate, messages: simulateSms(2026, Math.min(200_000, Math.ceil(smsRate * duration))) }
      : undefined;
  if (sms) log(`${sms.messages.length} simulated SMS to screen at ${smsRate}/s`);
  const report = await drive({
    server: values.server as string,
    adminToken: values['admin-token'] as string,
    scenery,
    rate,
    duration,
    batchSize: batch,
    setup: !values['no-setup'],
    log,
    sms,
  }).catch((error: unknown) => {
    // "fetch failed" says neither where nor why.
    throw error instanceof TypeError && error.message === 'fetch failed'
      ? new ServerUnreachable(values.server as string, error)
      : error;
  });
  process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.verified > 0 ? 0 : 1;
}
