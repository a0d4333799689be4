/**
 * `callshield simulate`: writes a simulated country's CDRs and ground truth to a directory.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadPlan } from '../numbering/plan.ts';
import { describeError, eta } from '../platform/cli.ts';
import { FAMILIES, type Family, randomScenario, SCENARIOS, withEvasion } from './scenarios.ts';
import { DEFAULT_START_DATE, type SimulationProgress, simulate } from './simulate.ts';

const USAGE = `usage: callshield simulate --out DIR [options]

  --subscribers N   subscribers in the country (default 10000)
  --days D          simulated days (default 1)
  --seed S          seed; the same seed gives byte-identical output (default 1)
  --scenario NAME   ${Object.keys(SCENARIOS).join(', ')} (default baseline)
  --evasion E       override every fraud evasion level, 0 (naive) to 1 (evasive)
  --scenario random fraud behaviour drawn from wide ranges by the seed (--families F,… limits the
                    behaviour families drawn from)
  --start DATE      first day, YYYY-MM-DD (default ${DEFAULT_START_DATE}, a Monday)
  --plan FILE       numbering plan (default data/numbering/kz.json)
  --out DIR         output directory (created if missing)

Writes cdr-<OPERATOR>.csv, cells.csv, mnp.csv, roaming.csv, dno.csv, reports.jsonl, incidents.jsonl, truth.csv and
manifest.json. Scenarios are described in src/sim/README.md.
`;

export async function run(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        subscribers: { type: 'string', default: '10000' },
        days: { type: 'string', default: '1' },
        seed: { type: 'string', default: '1' },
        scenario: { type: 'string', default: 'baseline' },
        evasion: { type: 'string' },
        families: { type: 'string' },
        start: { type: 'string', default: DEFAULT_START_DATE },
        plan: { type: 'string', default: 'data/numbering/kz.json' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`callshield simulate: ${describeError(error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const problems: string[] = [];
  const subscribers = integer(values.subscribers as string, 'subscribers', 10, 50_000_000, problems);
  const days = integer(values.days as string, 'days', 1, 366, problems);
  const seed = integer(values.seed as string, 'seed', 0, 2 ** 32 - 1, problems);
  let scenario = SCENARIOS[values.scenario as string];
  if (values.scenario === 'random') {
    const families = values.families ? String(values.families).split(',') : [...FAMILIES];
    const unknown = families.filter((f) => !(FAMILIES as readonly string[]).includes(f));
    if (unknown.length > 0) problems.push(`unknown families ${unknown.join(', ')} (known: ${FAMILIES.join(', ')})`);
    else scenario = randomScenario(seed, families as Family[]);
  } else if (!scenario)
    problems.push(`unknown scenario "${values.scenario}" (known: ${Object.keys(SCENARIOS).join(', ')}, random)`);
  if (values.evasion !== undefined) {
    const evasion = Number(values.evasion);
    if (!(evasion >= 0 && evasion <= 1)) problems.push('--evasion must be a number from 0 to 1');
    else if (scenario) scenario = withEvasion(scenario, evasion);
  }
  const start = values.start as string;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start)))
    problems.push('--start must be YYYY-MM-DD');
  if (!values.out) problems.push('--out DIR is required');
  if (problems.length > 0) {
    process.stderr.write(`callshield simulate: ${problems.join('; ')}\n\n${USAGE}`);
    return 2;
  }
  const plan = loadPlan(resolve(values.plan as string));
  const progress = createProgress();
  const started = performance.now();
  const summary = await simulate({
    plan,
    scenario,
    subscribers,
    days,
    seed,
    startDate: start,
    out: resolve(values.out as string),
    onProgress: progress,
  });
  const seconds = (performance.now() - started) / 1000;
  progress.done();
  const kinds = Object.entries(summary.truthByKind)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  process.stderr.write(
    `simulated ${summary.scenario}: ${summary.population} SIMs and lines, ${summary.rows} CDRs in ${seconds.toFixed(1)} s ` +
      `(${Math.round(summary.rows / seconds)} CDRs/s) → ${values.out}\ntruth: ${kinds}\n`,
  );
  return 0;
}

function integer(text: string, name: string, min: number, max: number, problems: string[]): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`--${name} must be an integer from ${min} to ${max}`);
    return min;
  }
  return value;
}

/** A bar redrawn in place on a terminal; elsewhere a plain line every few seconds. */
function createProgress(): ((p: SimulationProgress) => void) & { done(): void } {
  const tty = process.stderr.isTTY === true;
  const started = performance.now();
  let lastLine = started;
  let drawn = false;
  const report = (p: SimulationProgress) => {
    const now = performance.now();
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? Math.round(p.rows / seconds) : 0;
    const text = `hour ${p.hoursDone}/${p.hours} · ${p.rows} CDRs · ${rate} CDRs/s · ${eta(p.hoursDone, p.hours, seconds)}`;
    if (tty) {
      const width = 30;
      const filled = Math.round((width * p.hoursDone) / p.hours);
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${text}   `);
      drawn = true;
    } else if (now - lastLine >= 5000) {
      lastLine = now;
      process.stderr.write(`simulate: ${text}\n`);
    }
  };
  return Object.assign(report, {
    done() {
      if (drawn) process.stderr.write('\n');
    },
  });
}
