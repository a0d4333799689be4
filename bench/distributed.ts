/**
 * Distributed mode against embedded mode, on this machine:
 * - verify requests/s: one embedded process (all roles, PGlite, hot state in memory) against two
 *   screening processes on Redis (autocannon against both at once, requests/s added up);
 * - CDRs: the NATS JetStream transport alone (a committed batch split by subscriber into 16
 *   partitions, published, consumed by a consumer group), and end to end — an upload until the
 *   detect worker holds every row — in one embedded process against an ingest and a detect
 *   process on PostgreSQL and NATS.
 * Redis and NATS are private servers on free ports; PostgreSQL is a fresh schema on the shared one.
 * Every process competes for the same 2 cores, load generator included: the figures compare
 * modes on one machine, they are not the capacity of a deployment (deploy/SIZING.md is).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { CdrTextParser } from '../src/cdr/reader.ts';
import { cdrCodec, cdrPartitioning } from '../src/distributed/cdr-stream.ts';
import {
  call,
  callshieldNode,
  eventually,
  type Node,
  startNats,
  startRedis,
  tempDatabase,
} from '../src/distributed/harness.ts';
import { encodeBatch } from '../src/ingest/codec.ts';
import type { CdrBatchEvent } from '../src/ingest/types.ts';
import { loadPlan } from '../src/numbering/plan.ts';
import { createNatsStream } from '../src/platform/nats.ts';
import { cpuMsOf, load, profileEnv } from './http.ts';

const root = new URL('..', import.meta.url).pathname;
const ADMIN = 'bench-admin-token-0123456789abcdef';
const PAIRS = 4000;
const CDR_ROWS = 200_000;

/** Settings every node of the benchmark shares: long-lived, reusable registrations, quiet logs. */
const common = {
  CALLSHIELD_ADMIN_TOKEN: ADMIN,
  CALLSHIELD_LOG_LEVEL: 'warn',
  CALLSHIELD_ORIGIN_TTL_SECONDS: '900',
  CALLSHIELD_ORIGIN_MAX_CONFIRMATIONS: '100',
  CALLSHIELD_DETECTION_INTERVAL_SECONDS: '86400',
  CALLSHIELD_DETECTION_AFTER_CDRS: '1000000000',
};

const kcell = (i: number) => `+7701${String(2_000_000 + i).padStart(7, '0')}`;
const tele2 = (i: number) => `+7707${String(3_000_000 + i).padStart(7, '0')}`;

/**
 * Half the calls need the hot state twice (burst count and an origin confirmation registered
 * beforehand), half once (burst count only: Russian numbers and spoofed Kazakh ones from abroad).
 */
function verifyBodies(): string[] {
  const at = new Date().toISOString();
  return Array.from({ length: 2 * PAIRS }, (_, i) => {
    const pair = i >> 1;
    const body =
      i % 2 === 0
        ? { callId: `b${i}`, a: kcell(pair), b: tele2(pair), at, ingress: 'domestic' }
        : {
            callId: `b${i}`,
            a: `+7916${String(1_000_000 + i).padStart(7, '0')}`,
            b: tele2(pair),
            at,
            ingress: 'international',
          };
    return JSON.stringify(body);
  });
}

async function keyFor(node: Node, operator: string): Promise<string> {
  const r = await call(node.url, 'POST', `/v1/admin/operators/${operator}/keys`, { token: ADMIN, body: {} });
  if (r.status !== 201) throw new Error(`key for ${operator}: ${r.status} ${r.text}`);
  return r.body.apiKey as string;
}

/** Registers every pair's origination (100 confirmations each), through the given node. */
async function registerOrigins(node: Node, token: string): Promise<void> {
  const at = new Date().toISOString();
  for (let start = 0; start < PAIRS; start += 500) {
    const calls = Array.from({ length: Math.min(500, PAIRS - start) }, (_, k) => ({
      callId: `o${start + k}`,
      a: kcell(start + k),
      b: tele2(start + k),
      at,
    }));
    const r = await call(node.url, 'POST', '/v1/calls/originate/batch', { token, body: { calls }, timeoutMs: 30_000 });
    if (r.status !== 200) throw new Error(`originate batch: ${r.status} ${r.text}`);
  }
}

/** A CSV of `rows` Kcell CDRs over 20 000 subscribers, in time order. */
function cdrFile(rows: number): string {
  const lines = [
    'record_id,operator,event,direction,msisdn,other_party,imsi,imei,cell_id,started_at,duration_s,answered,bytes,route',
  ];
  const start = Date.now() - 86_400_000;
  for (let i = 0; i < rows; i++) {
    const t = new Date(start + i * 400).toISOString();
    lines.push(`K-${i},KCELL,voice,out,${kcell(i % 20_000)},${tele2(i % 7919)},,,C${i % 300},${t},${i % 90},1,,`);
  }
  return `${lines.join('\n')}\n`;
}

async function uploadAndWait(ingest: Node, detect: Node, token: string, csv: string): Promise<number> {
  const started = performance.now();
  const r = await call(ingest.url, 'POST', '/v1/cdr?file=bench.csv', {
    token,
    raw: csv,
    contentType: 'text/csv',
    timeoutMs: 300_000,
  });
  if (r.status !== 200) throw new Error(`upload: ${r.status} ${r.text}`);
  const received = await eventually(
    async () => {
      const status = await call(detect.url, 'GET', '/v1/detection/status', { token: ADMIN });
      return (status.body.cdrsReceived as number) >= CDR_ROWS;
    },
    120_000,
    100,
  );
  if (!received) throw new Error('the detect worker did not receive every CDR');
  return CDR_ROWS / ((performance.now() - started) / 1000);
}

/** The NATS transport alone: split, publish, consume with a group, in one process. */
async function natsTransport(url: string, csv: string): Promise<{ rowsPerSecond: number; messages: number }> {
  const plan = loadPlan(join(root, 'data/numbering/kz.json'));
  const parser = new CdrTextParser('bench.csv', plan, { batchSize: 65_536 });
  const batches = [...parser.push(csv), ...parser.end()];
  const events: CdrBatchEvent[] = batches.map((batch, i) => ({
    batchId: i + 1,
    operator: 'KCELL',
    uploadId: 'bench',
    rows: batch.size,
    payload: encodeBatch(batch),
  }));
  const rows = events.reduce((sum, e) => sum + e.rows, 0);
  const options = {
    url,
    prefix: 'benchcdr',
    replicas: 1,
    codecs: { cdr: cdrCodec },
    partitions: { cdr: cdrPartitioning(16) },
    onHandlerError: (_subject: string, error: unknown) => {
      throw error;
    },
  };
  const publisher = await createNatsStream(options);
  const consumer = await createNatsStream(options);
  let got = 0;
  let messages = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    done = resolve;
  });
  consumer.subscribe<CdrBatchEvent>(
    'cdr',
    (parts) => {
      messages += parts.length;
      for (const part of parts) got += part.rows;
      if (got >= rows) done();
    },
    { group: 'bench' },
  );
  const started = performance.now();
  for (const event of events) publisher.publish('cdr', event);
  await all;
  const seconds = (performance.now() - started) / 1000;
  await publisher.close();
  await consumer.close();
  return { rowsPerSecond: rows / seconds, messages };
}

export async function benchDistributed(seconds = 6): Promise<Record<string, number | string>> {
  const bodies = verifyBodies();
  const csv = cdrFile(CDR_ROWS);
  const figures: Record<string, number | string> = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-bench-embedded-'));
  const [redis, nats, database] = await Promise.all([startRedis(), startNats(), tempDatabase()]);
  const nodes: Node[] = [];
  try {
    // One embedded process: every role, PGlite, memory.
    const embedded = await callshieldNode('screening,ingest,detect,console', {
      ...common,
      CALLSHIELD_DATA_DIR: dataDir,
    });
    nodes.push(embedded);
    await embedded.start();
    const embeddedTele2 = await keyFor(embedded, 'TELE2');
    await registerOrigins(embedded, await keyFor(embedded, 'KCELL'));
    await load(embedded.url, '/v1/calls/verify', embeddedTele2, bodies, 10, 1);
    const single = await load(embedded.url, '/v1/calls/verify', embeddedTele2, bodies, 50, seconds);
    figures['verify req/s, 1 embedded process (50 conn)'] = Math.round(single.rps);
    figures['  p99 ms / errors'] = `${single.p99} / ${single.errors}`;
    const embeddedKcell = await keyFor(embedded, 'KCELL');
    figures['CDRs/s upload → detect worker, 1 embedded process'] = Math.round(
      await uploadAndWait(embedded, embedded, embeddedKcell, csv),
    );
    await embedded.kill('SIGTERM');

    // Two screening processes on Redis, PostgreSQL and NATS.
    const distributed = {
      ...common,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
    };
    const nodeA = await callshieldNode('screening', distributed);
    const nodeB = await callshieldNode('screening', distributed);
    nodes.push(nodeA, nodeB);
    await nodeA.start();
    await nodeB.start();
    const tele2Key = await keyFor(nodeA, 'TELE2');
    const kcellKey = await keyFor(nodeA, 'KCELL');
    // Keys issued through A reach B on the registry-changes stream.
    await eventually(
      async () =>
        (await call(nodeB.url, 'POST', '/v1/calls/verify', { token: tele2Key, raw: bodies[1] })).status === 200,
      5000,
    );
    await registerOrigins(nodeA, kcellKey);
    await Promise.all([
      load(nodeA.url, '/v1/calls/verify', tele2Key, bodies, 5, 1),
      load(nodeB.url, '/v1/calls/verify', tele2Key, bodies, 5, 1),
    ]);
    // One of them alone: what a screening process costs on Redis, without a second one on the cores.
    const alone = await load(nodeA.url, '/v1/calls/verify', tele2Key, bodies, 50, seconds);
    figures['verify req/s, 1 screening process on Redis (50 conn)'] = Math.round(alone.rps);
    figures['  p99 ms / errors '] = `${alone.p99} / ${alone.errors}`;
    const light = await load(nodeA.url, '/v1/calls/verify', tele2Key, bodies, 10, seconds / 2);
    figures['  p99 ms at 10 connections'] = light.p99;
    const [onA, onB] = await Promise.all([
      load(nodeA.url, '/v1/calls/verify', tele2Key, bodies, 25, seconds),
      load(nodeB.url, '/v1/calls/verify', tele2Key, bodies, 25, seconds, { offset: PAIRS }),
    ]);
    figures['verify req/s, 2 screening processes on Redis (25+25 conn)'] = Math.round(onA.rps + onB.rps);
    figures['  p99 ms (A/B) / errors'] = `${onA.p99}/${onB.p99} / ${onA.errors + onB.errors}`;
    figures['  distributed / embedded'] = ((onA.rps + onB.rps) / single.rps).toFixed(2);
    await Promise.all([nodeA.kill('SIGTERM'), nodeB.kill('SIGTERM')]);

    // CDRs: the NATS transport alone, then an ingest and a detect process.
    const transport = await natsTransport(nats.url, csv);
    figures['CDRs/s through NATS alone (16 partitions, 1 group member)'] = Math.round(transport.rowsPerSecond);
    figures['  messages'] = transport.messages;
    const ingest = await callshieldNode('ingest', distributed);
    const detect = await callshieldNode('detect', distributed);
    nodes.push(ingest, detect);
    await ingest.start();
    await detect.start();
    figures['CDRs/s upload → detect worker, ingest + detect processes'] = Math.round(
      await uploadAndWait(ingest, detect, await keyFor(ingest, 'KCELL'), csv),
    );
    return figures;
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
    await Promise.all([redis.remove(), nats.remove()]);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Commands that callshield's Lua scripts run (origins-redis.ts, burst-redis.ts); it sends none of them itself. */
const scriptInnerCommands = new Set([
  'hgetall',
  'hincrby',
  'hdel',
  'sadd',
  'smembers',
  'pexpire',
  'publish',
  'incrby',
  'mget',
]);

/** Calls per Redis command so far, from INFO commandstats. */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(m[1], Number(m[2]));
  return calls;
}

/**
 * Verify on one screening process on Redis against the embedded process, in alternating rounds
 * at 50 connections (the machine's load hits both alike), with the Redis commands per verify
 * from INFO commandstats over the Redis rounds (every command of the process counted, its
 * background burst sync included).
 */
export async function benchDistributedVerify(rounds = 4, seconds = 3): Promise<Record<string, number | string>> {
  const bodies = verifyBodies();
  const figures: Record<string, number | string> = {};
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-bench-embedded-'));
  const [redis, nats, database] = await Promise.all([startRedis(), startNats(), tempDatabase()]);
  const stats = new Redis(redis.url);
  const nodes: Node[] = [];
  try {
    const embedded = await callshieldNode('screening,ingest,detect,console', {
      ...common,
      ...profileEnv,
      CALLSHIELD_DATA_DIR: dataDir,
    });
    const onRedis = await callshieldNode('screening', {
      ...common,
      ...profileEnv,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      NATS_URL: nats.url,
    });
    nodes.push(embedded, onRedis);
    await embedded.start();
    await onRedis.start();
    const embeddedKey = await keyFor(embedded, 'TELE2');
    const redisKey = await keyFor(onRedis, 'TELE2');
    await registerOrigins(embedded, await keyFor(embedded, 'KCELL'));
    await registerOrigins(onRedis, await keyFor(onRedis, 'KCELL'));
    await load(embedded.url, '/v1/calls/verify', embeddedKey, bodies, 50, 2);
    await load(onRedis.url, '/v1/calls/verify', redisKey, bodies, 50, 2);
    const ratios: number[] = [];
    let embeddedRps = 0;
    let redisRps = 0;
    let verifies = 0;
    const before = await commandCalls(stats);
    const p99s: string[] = [];
    // CPU time of each process in the rounds of its setup, per request: where a verify's cost lies.
    const cpuOf = (pid: number | undefined) => (pid === undefined ? 0 : cpuMsOf(pid));
    const cpu = { embedded: 0, onRedis: 0, redis: 0, nats: 0, embeddedRequests: 0 };
    for (let r = 0; r < rounds; r++) {
      const mark = cpuOf(embedded.pid);
      const e = await load(embedded.url, '/v1/calls/verify', embeddedKey, bodies, 50, seconds);
      cpu.embedded += cpuOf(embedded.pid) - mark;
      cpu.embeddedRequests += e.requests;
      const marks = [cpuOf(onRedis.pid), cpuOf(redis.pid), cpuOf(nats.pid)];
      const d = await load(onRedis.url, '/v1/calls/verify', redisKey, bodies, 50, seconds);
      cpu.onRedis += cpuOf(onRedis.pid) - marks[0];
      cpu.redis += cpuOf(redis.pid) - marks[1];
      cpu.nats += cpuOf(nats.pid) - marks[2];
      embeddedRps += e.rps / rounds;
      redisRps += d.rps / rounds;
      verifies += d.requests;
      ratios.push(d.rps / e.rps);
      p99s.push(`${e.p99}/${d.p99}`);
    }
    const after = await commandCalls(stats);
    // commandstats counts the commands a script runs as well as the script's own call; the node
    // sends only scripts and pings, so the rest ran inside scripts, in the script's round trip.
    const sent: string[] = [];
    const inside: string[] = [];
    let roundTrips = 0;
    for (const [command, calls] of after) {
      const delta = calls - (before.get(command) ?? 0);
      if (command === 'info' || delta === 0) continue;
      const share = `${command} ${(delta / verifies).toFixed(3)}`;
      if (scriptInnerCommands.has(command)) inside.push(share);
      else {
        roundTrips += delta;
        sent.push(share);
      }
    }
    ratios.sort((x, y) => x - y);
    figures['verify req/s, embedded process (50 conn)'] = Math.round(embeddedRps);
    figures['verify req/s, 1 screening process on Redis (50 conn)'] = Math.round(redisRps);
    figures['  on Redis / embedded, all rounds'] = (redisRps / embeddedRps).toFixed(2);
    figures[`  on Redis / embedded per round (${rounds} rounds)`] = `${ratios.map((x) => x.toFixed(2)).join(', ')}`;
    figures['  p99 ms embedded/Redis per round'] = p99s.join(', ');
    const perRequest = (ms: number, requests: number) => ((ms * 1000) / requests).toFixed(1);
    figures['CPU µs per verify: embedded | on Redis: node + redis-server + nats-server'] =
      `${perRequest(cpu.embedded, cpu.embeddedRequests)} | ${perRequest(cpu.onRedis, verifies)} + ` +
      `${perRequest(cpu.redis, verifies)} + ${perRequest(cpu.nats, verifies)}`;
    figures['Redis commands sent per verify (all of the process)'] = (roundTrips / verifies).toFixed(3);
    figures['  sent'] = sent.join(', ');
    figures['  run inside those scripts'] = inside.join(', ');
    figures['  verifies needing an origin confirmation'] = '1 in 2 (the other half: Russian numbers, no lookup)';
    const e10 = await load(embedded.url, '/v1/calls/verify', embeddedKey, bodies, 10, seconds);
    const d10 = await load(onRedis.url, '/v1/calls/verify', redisKey, bodies, 10, seconds);
    figures['10 conn: req/s embedded | Redis'] =
      `${Math.round(e10.rps)} | ${Math.round(d10.rps)} (${(d10.rps / e10.rps).toFixed(2)})`;
    figures['10 conn: p50/p99 ms embedded | Redis'] = `${e10.p50}/${e10.p99} | ${d10.p50}/${d10.p99}`;
    figures['errors'] = e10.errors + d10.errors;
    return figures;
  } finally {
    stats.disconnect();
    // SIGTERM: a clean stop, so that a CPU profile (--cpu-prof) is written.
    await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    await Promise.all([redis.remove(), nats.remove()]);
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [k, v] of Object.entries(await benchDistributed())) process.stdout.write(`  ${k.padEnd(60)} ${v}\n`);
}
