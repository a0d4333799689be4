/**
 * Preloaded into a server of the HTTP benchmark (`node --import bench/phase-probe.ts`): turns on
 * callshield's phase timing (src/platform/phases.ts) and times every request from Node's own
 * diagnostics channels, from the start of its parsing to the end of its answer. On SIGUSR2 it
 * prints the figures since the last signal as one `PHASES {json}` line on stdout, and resets them.
 * Loaded into the bare Fastify server too, so both servers' request times are taken alike.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { phaseTiming, takePhaseTotals, wireTurns } from '../src/platform/phases.ts';

phaseTiming.on = true;
const startedAt = Symbol('startedAt');
type Timed = { [startedAt]?: number };
let requests = 0;
let serverMs = 0;
diagnosticsChannel.subscribe('http.server.request.start', (message) => {
  (message as { request: Timed }).request[startedAt] = performance.now();
});
diagnosticsChannel.subscribe('http.server.response.finish', (message) => {
  const started = (message as { request: Timed }).request[startedAt];
  if (started === undefined) return;
  requests++;
  serverMs += performance.now() - started;
});
let cpu = process.cpuUsage();
process.on('SIGUSR2', () => {
  const used = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const figures = {
    requests,
    serverMs,
    cpuMs: (used.user + used.system) / 1000,
    phases: takePhaseTotals(),
    turns: { ...wireTurns },
  };
  requests = 0;
  serverMs = 0;
  wireTurns.turns = 0;
  wireTurns.answers = 0;
  process.stdout.write(`PHASES ${JSON.stringify(figures)}\n`);
});
