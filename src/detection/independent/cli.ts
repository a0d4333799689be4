import { eta, parseFlags, runCommand, usageError } from '../../platform/cli.ts';
import { MIN_SUBSCRIBERS, writeIndependentDataset } from './generate.ts';

const USAGE = `usage: callshield generate --subscribers N --days D --seed S --out DIR [--habits plain|mixed] [--quiet]
  writes an independent CDR data set for evaluating detection (never for training):
    DIR/cdr/<OPERATOR>/…  CDR files of KCELL, BEELINE, TELE2 and ALTEL in each operator's habits
    DIR/cells.csv         cell_id,lat,lon,region
    DIR/truth.csv         msisdn,kind,family
    DIR/groups.csv        msisdn,group (the SIMs of one farm, centre, company or fleet)
    DIR/manifest.json     seed, counts per family, each operator's habits
  --subscribers  simulated SIMs of every kind (at least ${MIN_SUBSCRIBERS})
  --days         days of traffic from Monday 2026-03-02 (Almaty time)
  --seed         integer; the same seed writes the same files
  --habits       mixed (default): each operator's format, gzip, column order, time offset,
                 record ids, cell ids, empty IMEIs, re-sent and malformed rows drawn from the seed;
                 plain: canonical CSV everywhere
  progress on stderr; evaluate with
    callshield analyze DIR/cdr/*/* --cells DIR/cells.csv --out alerts.jsonl
`;

function positiveInteger(name: string, text: string | undefined): number | string {
  if (text === undefined) return `--${name} is required`;
  if (!/^\d+$/.test(text)) return `--${name} must be a non-negative integer, got "${text}"`;
  return Number(text);
}

/** `callshield generate`: the independent CDR generator (src/detection/independent). */
export async function run(argv: string[]): Promise<number> {
  return runCommand('generate', USAGE, () => generate(argv));
}

async function generate(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    subscribers: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    habits: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const subscribers = positiveInteger('subscribers', values.subscribers as string | undefined);
  const days = positiveInteger('days', values.days as string | undefined);
  const seed = positiveInteger('seed', values.seed as string | undefined);
  const habits = (values.habits as string | undefined) ?? 'mixed';
  const problems: string[] = [];
  for (const v of [subscribers, days, seed]) if (typeof v === 'string') problems.push(v);
  if (typeof subscribers === 'number' && subscribers < MIN_SUBSCRIBERS)
    problems.push(`--subscribers must be at least ${MIN_SUBSCRIBERS}`);
  if (typeof days === 'number' && days < 1) problems.push('--days must be at least 1');
  if (typeof seed === 'number' && seed > 0xffffffff) problems.push('--seed must fit in 32 bits');
  if (!values.out) problems.push('--out is required');
  if (habits !== 'plain' && habits !== 'mixed') problems.push(`--habits must be plain or mixed, got "${habits}"`);
  if (problems.length > 0) throw usageError(problems.join('; '));
  const started = performance.now();
  const result = await writeIndependentDataset({
    seed: seed as number,
    subscribers: subscribers as number,
    days: days as number,
    outDir: values.out as string,
    habits: habits as 'plain' | 'mixed',
    onProgress: ({ day, days: total, rows }) => {
      if (!values.quiet)
        process.stderr.write(
          `\rday ${day}/${total}  ${rows.toLocaleString('en')} rows  ${eta(day, total, (performance.now() - started) / 1000)}\u001b[K`,
        );
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const kinds = new Map<string, number>();
  for (const kind of Object.values(result.kinds)) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  if (!values.quiet)
    process.stderr.write(
      `\n${result.rows.toLocaleString('en')} rows in ${result.cdrFiles.length} files in ${seconds.toFixed(1)} s` +
        ` (${Math.round(result.rows / seconds).toLocaleString('en')} rows/s); ${result.duplicates} re-sent, ${result.malformed} malformed\n` +
        `truth: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}\n` +
        `${result.truthFile}\n${result.cellsFile}\n`,
    );
  return 0;
}
