/**
 * A gzip bomb against a real server (`bin/callshield serve`, its own process): peak resident memory
 * (/proc/<pid>/status) for an upload inflating to 1 GiB of bad rows, with the default limits (it
 * is refused early) and with every limit lifted (the whole GiB is parsed and counted: the memory
 * bound then comes from streaming alone). Screening calls are made during both.
 */
import { BAD_ROW, gzipBomb } from '../src/ingest/gzip-bomb.ts';
import { startServerProcess } from '../src/ingest/server-process.ts';

const MiB = 1024 * 1024;
const INFLATED = 1024 * MiB;

async function run(label: string, env: Record<string, string>): Promise<Record<string, number | string>> {
  const server = await startServerProcess(env);
  try {
    const uploader = await server.keyFor('BEELINE');
    const verify = (n: number) =>
      server.json('POST', '/v1/calls/verify', uploader, {
        callId: `bomb-bench-${label}-${n}`,
        a: '+79161234567',
        b: '+77051234567',
        at: new Date().toISOString(),
        ingress: 'international',
      });
    await verify(0);
    server.resetPeak();
    const before = server.memory().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, server.memory().rss);
    }, 20);
    const bomb = gzipBomb(INFLATED, BAD_ROW);
    let verified = 0;
    let failedVerify = 0;
    let done = false;
    // Calls screened while the upload runs, one after the other.
    const screening = (async () => {
      let n = 1;
      while (!done) {
        const r = await verify(n++);
        if (r.status === 200) verified++;
        else failedVerify++;
      }
    })();
    const started = performance.now();
    const answer = await server.stream(uploader, 'application/gzip', async (write) => {
      for (const chunk of bomb.chunks) if (!(await write(chunk))) break;
    });
    const seconds = (performance.now() - started) / 1000;
    done = true;
    await screening;
    clearInterval(sampler);
    const after = server.memory();
    peak = Math.max(peak, after.rss);
    const body = JSON.parse(answer.body) as {
      error?: { code: string };
      quarantined?: number;
      kept?: { quarantined: number };
    };
    return {
      [`${label}: body on the wire, MB`]: Number((bomb.compressedBytes / 1e6).toFixed(1)),
      [`${label}: inflates to, MiB`]: Math.round(bomb.inflatedBytes / MiB),
      [`${label}: answer`]: `${answer.status} ${body.error?.code ?? 'OK'}`,
      [`${label}: bad rows counted`]: body.quarantined ?? body.kept?.quarantined ?? 0,
      [`${label}: seconds`]: Number(seconds.toFixed(1)),
      [`${label}: server RSS before, MiB`]: Math.round(before / MiB),
      [`${label}: server peak RSS (sampled), MiB`]: Math.round(peak / MiB),
      [`${label}: server VmHWM after, MiB`]: Math.round(after.hwm / MiB),
      [`${label}: peak growth, MiB (bound 256)`]: Math.round((Math.max(peak, after.hwm) - before) / MiB),
      [`${label}: verify answered meanwhile (200)`]: verified,
      [`${label}: verify failed meanwhile`]: failedVerify,
    };
  } finally {
    await server.stop();
  }
}

export async function benchBomb(): Promise<Record<string, number | string>> {
  const capped = await run('default limits', {});
  const uncapped = await run('limits lifted', {
    CALLSHIELD_CDR_MAX_COMPRESSION_RATIO: '0',
    CALLSHIELD_CDR_MAX_BAD_ROWS: '0',
    CALLSHIELD_CDR_INFLATED_LIMIT_BYTES: String(8 * 1024 * MiB),
  });
  return { ...capped, ...uncapped };
}
