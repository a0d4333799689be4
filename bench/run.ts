/**
 * `npm run bench`: prints the figures behind DESIGN.md §6 budgets; with `--cpu-prof` the servers write
 * CPU profiles. Each part can be run alone: `npm run bench -- engine http sim detection ingest bomb
 * sms stir distributed distributed-verify compliance warnings soak` (soak, a long run, only by name).
 */
import { benchBomb } from './bomb.ts';
import { benchCompliance } from './compliance.ts';
import { benchDetection } from './detection.ts';
import { benchDistributed, benchDistributedVerify } from './distributed.ts';
import { benchEngine } from './engine.ts';
import { benchHttp, profileDir } from './http.ts';
import { benchIngest } from './ingest.ts';
import { benchSimulator } from './sim.ts';
import { benchSms } from './sms.ts';
import { benchSoak } from './soak.ts';
import { benchStir } from './stir.ts';
import { benchWarnings } from './warnings.ts';

const parts: Record<
  string,
  { budget: string; run: () => Promise<Record<string, number | string>>; byNameOnly?: boolean }
> = {
  engine: { budget: '≥ 1 M decisions/s on one core', run: async () => benchEngine() },
  http: {
    budget:
      'verify ≥ 85 % of a bare Fastify handler at 10 and 50 connections, p99 ≤ 2 ms at 10; batch ≥ 300 k decisions/s; per-phase breakdown',
    run: () => benchHttp(),
  },
  sim: { budget: '1 M subscribers × 1 day in minutes, bounded memory', run: () => benchSimulator() },
  detection: { budget: '≥ 300 k CDRs/s end to end, memory bounded by subscribers', run: () => benchDetection() },
  ingest: {
    budget: 'POST /v1/cdr rows/s into the embedded records store, and verify latency meanwhile (no budget)',
    run: () => benchIngest(),
  },
  bomb: {
    budget: 'a gzip upload inflating to 1 GiB grows the server by under 256 MB; refused early by default',
    run: () => benchBomb(),
  },
  stir: {
    budget: 'PASSporT signings/s and verifications/s (cached x5u) next to raw ES256 of node:crypto',
    run: () => benchStir(),
  },
  sms: {
    budget:
      'SMS verify ≥ 0.85× a bare Fastify handler; batch ≥ 300 k messages/s; SMPP submit_sm/s through the firewall vs straight',
    run: () => benchSms(),
  },
  distributed: {
    budget: 'verify req/s on 2 screening processes + Redis vs 1 embedded; CDRs/s through NATS vs in process',
    run: () => benchDistributed(),
  },
  'distributed-verify': {
    budget:
      'one screening process on Redis ≥ 0.70× the embedded one, alternating rounds; ≤ 1 Redis round trip per verify',
    run: () => benchDistributedVerify(),
  },
  compliance: {
    budget: 'screening coverage: CDRs/s joined against verifies (no budget)',
    run: () => benchCompliance(),
  },
  soak: {
    budget: 'memory of a node under verify load flat over 30 minutes (--minutes N); run by name only',
    run: () => benchSoak(),
    byNameOnly: true,
  },
  warnings: {
    budget: 'verify req/s with potential-victim warnings flowing within 10 % of without; warnings delivered/s',
    run: () => benchWarnings(),
  },
};

const asked = process.argv.slice(2).filter((a, i, all) => !a.startsWith('-') && all[i - 1] !== '--minutes');
for (const name of asked) {
  if (!parts[name]) {
    process.stderr.write(`unknown bench part "${name}" (parts: ${Object.keys(parts).join(', ')})\n`);
    process.exit(2);
  }
}
if (process.argv.includes('--cpu-prof')) process.stdout.write(`CPU profiles of the servers go to ${profileDir}\n`);
for (const name of asked.length ? asked : Object.keys(parts).filter((p) => !parts[p].byNameOnly)) {
  const part = parts[name];
  process.stdout.write(`\n== ${name} (budget: ${part.budget})\n`);
  const figures = await part.run();
  for (const [k, v] of Object.entries(figures))
    process.stdout.write(`  ${k.padEnd(48)} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}\n`);
}
