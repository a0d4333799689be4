import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlan } from '../numbering/plan.ts';
import { inputError, intFlag, parseFlags, runCommand, usageError } from '../platform/cli.ts';
import { resolveInputs } from './inputs.ts';
import { analyzeFilesThreaded } from './parallel.ts';
import { loadModels } from './pipeline.ts';

const PLAN_PATH = join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json');

const USAGE = `usage: callshield analyze <paths…> [--cells FILE] [--model FILE] [--threads N] [--anomalies] --out alerts.jsonl
  paths: CDR files (CSV or JSON Lines, gzip allowed) or directories (searched recursively for
         .csv, .jsonl and .gz files; files whose first line is not a CDR header are skipped)
  --anomalies: also write low-priority population outliers (kind "anomaly", unusual features named)
  --threads: 1 parses and folds on one thread; 2 or more parse on a second one (default: the cores available)
  writes one alert a line; progress and a summary on stderr
`;

/**
 * `callshield analyze`: CDR files → feature windows → detectors → alerts.jsonl.
 * Bad rows are counted and the first ones shown; they never stop the run.
 */
export async function run(argv: string[]): Promise<number> {
  return runCommand('analyze', USAGE, () => analyze(argv));
}

async function analyze(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(argv);
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) throw usageError('name at least one CDR file or directory');
  if (!values.out) throw usageError('--out FILE is needed (where the alerts are written)');
  const threads = values.threads === undefined ? undefined : intFlag('threads', values.threads, 1, 1, 256);
  const inputs = await resolveInputs(positionals);
  for (const item of inputs.skipped) process.stderr.write(`skipped ${item.path}: ${item.reason}\n`);
  if (inputs.files.length === 0) throw inputError(`no CDR files to analyze in ${positionals.join(', ')}`);
  if (values.cells && !existsSync(values.cells))
    process.stderr.write(`skipped --cells ${values.cells}: no such file\n`);
  if (values.model && !existsSync(values.model)) throw inputError(`--model ${values.model}: no such file`);
  const plan = loadPlan(PLAN_PATH);
  const models = loadModels(values.model);
  const started = performance.now();
  let lastReport = started;
  const progress = (rows: number, bad: number, final: boolean) => {
    const now = performance.now();
    if (values.quiet || (!final && now - lastReport < 1000)) return;
    lastReport = now;
    const rate = rows / Math.max(0.001, (now - started) / 1000);
    process.stderr.write(
      `\r${rows.toLocaleString('en')} rows  ${Math.round(rate).toLocaleString('en')} rows/s  ${bad} bad${final ? '\n' : ''}`,
    );
  };
  const result = await analyzeFilesThreaded(inputs.files, PLAN_PATH, plan, models, {
    threads,
    anomalies: values.anomalies,
    onProgress: (p) => progress(p.rows, p.bad, false),
  });
  progress(result.rows, result.bad, true);
  const out = createWriteStream(values.out);
  for (const alert of result.alerts) out.write(`${JSON.stringify(alert)}\n`);
  for (const alert of result.anomalies) out.write(`${JSON.stringify(alert)}\n`);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  const seconds = (performance.now() - started) / 1000;
  const byKind: Record<string, number> = {};
  const devices = new Set<string>();
  for (const a of [...result.alerts, ...result.anomalies]) {
    byKind[a.kind] = (byKind[a.kind] ?? 0) + 1;
    if (a.device) devices.add(a.device);
  }
  for (const item of result.quarantine.slice(0, 5))
    process.stderr.write(`quarantined ${item.file}:${item.line}: ${item.reason}\n`);
  process.stderr.write(
    `${result.rows.toLocaleString('en')} CDRs (${result.bad} quarantined) from ${inputs.files.length} file(s)${inputs.skipped.length ? ` (${inputs.skipped.length} skipped)` : ''} in ${seconds.toFixed(1)} s` +
      ` (${Math.round(result.rows / seconds).toLocaleString('en')} CDRs/s); ${result.store.sims.size} SIMs, ${result.store.imeis.size} IMEIs, ${result.store.cells.size} cells\n` +
      `alerts: ${JSON.stringify(byKind)}; devices/farms: ${devices.size}; written to ${values.out}\n`,
  );
  return 0;
}

function parseOptions(argv: string[]) {
  return parseFlags(
    argv,
    {
      out: { type: 'string' },
      cells: { type: 'string' },
      model: { type: 'string' },
      threads: { type: 'string' },
      anomalies: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    true,
  );
}
