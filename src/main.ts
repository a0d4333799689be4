/**
 * CLI entry of bin/callshield. Each subcommand lives in its module's cli.ts and is loaded only
 * when asked for, so `serve` does not pay for the simulator and `analyze` does not start a server.
 */
import { holdTickShape } from './platform/tick-shape.ts';

// Before anything else allocates much: the servers' nextTick calls stay fast (see tick-shape.ts).
holdTickShape();

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const commands: Record<string, Command> = {
  serve: { summary: 'run the platform (all roles by default)', load: () => import('./serve.ts') },
  admin: { summary: 'operator keys, MNP and list imports', load: () => import('./admin/cli.ts') },
  audit: { summary: 'verify the audit log hash chain', load: () => import('./audit/cli.ts') },
  simulate: { summary: 'simulate national call traffic with ground truth', load: () => import('./sim/cli.ts') },
  demo: {
    summary: 'start the platform with simulated live traffic (npm run demo)',
    load: () => import('./sim/demo-cli.ts'),
  },
  drive: { summary: 'replay simulated calls against a running server', load: () => import('./sim/drive-cli.ts') },
  ingest: { summary: 'upload CDR files to a server, or into a data dir', load: () => import('./ingest/cli.ts') },
  analyze: {
    summary: 'detect SIM-boxes, fraud callers and wangiri in CDR files',
    load: () => import('./detection/cli.ts'),
  },
  train: { summary: 'train the detection model on labelled CDRs', load: () => import('./detection/train-cli.ts') },
  eval: {
    summary: 'leave-one-family-out evaluation of detection, and on independent data',
    load: () => import('./detection/eval-cli.ts'),
  },
  generate: {
    summary: 'write an independent CDR data set with truth, for evaluation only',
    load: () => import('./detection/independent/cli.ts'),
  },
  report: {
    summary: "monthly report of operators' duties (PDF or CSV) from a running server",
    load: () => import('./compliance/cli.ts'),
  },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: callshield <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun "callshield <command> --help" for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`callshield: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const module = await command.load();
  return module.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  async (error: unknown) => {
    // A command that let an error escape still gets one line naming the file or URL.
    const { describeError } = await import('./platform/cli.ts');
    const { message, exitCode } = describeError(error);
    process.stderr.write(`callshield${process.argv[2] ? ` ${process.argv[2]}` : ''}: ${message}\n`);
    process.exitCode = exitCode;
  },
);
