/**
 * Runs the reference SBC (deploy/kamailio) and SIPp for SIP-level tests: every process private to
 * the test (config and sockets in a temp dir, free ports on 127.0.0.1), stopped by the test itself.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const kamailioDir = new URL('../../deploy/kamailio/', import.meta.url).pathname;
export const scenarioDir = join(kamailioDir, 'sipp');

const searchPath = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];

/** Absolute path of a program, or an Error telling how to install it (the test fails, never skips). */
export function findProgram(name: string, debianPackage: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...searchPath];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {}
  }
  throw new Error(
    `${name} is not installed: the SIP-level tests need it (apt-get install -y ${debianPackage}; .ci/run installs it)`,
  );
}

const moduleDirs = [
  '/usr/lib/x86_64-linux-gnu/kamailio/modules',
  '/usr/lib/aarch64-linux-gnu/kamailio/modules',
  '/usr/lib64/kamailio/modules',
  '/usr/local/lib64/kamailio/modules',
];

/** Throws naming the Debian package when a Kamailio module is not installed. */
export function requireKamailioModule(name: string, debianPackage: string): void {
  if (moduleDirs.some((dir) => existsSync(join(dir, `${name}.so`)))) return;
  throw new Error(
    `the Kamailio module ${name} is not installed: the SIP-level tests need it (apt-get install -y ${debianPackage}; .ci/run installs it)`,
  );
}

/** A UDP port free on 127.0.0.1 right now. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** Keeps the last bytes a process wrote, for the message of a failed test. */
function tail(child: ChildProcess): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-16_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface KamailioSettings {
  name: string;
  callshieldUrl: string;
  apiKey: string;
  /** Where verified calls go (the UAS), and where own subscribers' calls go. */
  nextHopCore: string;
  nextHopInterconnect: string;
  timeoutSeconds?: number;
  /** More `#!define` lines for callshield-local.cfg, e.g. { WITH_STIR_SIGNING: '' }. */
  defines?: Record<string, string>;
  /** Environment of the process (secsipid's HTTPS client reads SSL_CERT_FILE). */
  env?: Record<string, string>;
}

export interface Kamailio {
  ports: { subscribers: number; domestic: number; international: number };
  /** The callshield_* statistics of the config, e.g. { fail_open: 1 }. */
  statistics(): Promise<Record<string, number>>;
  log(): string;
  stop(): Promise<void>;
}

/** Renders the reference config with its local settings into a temp dir and starts Kamailio in the foreground. */
export async function startKamailio(
  settings: KamailioSettings,
  configFile = join(kamailioDir, 'kamailio.cfg'),
): Promise<Kamailio> {
  const kamailio = findProgram('kamailio', 'kamailio kamailio-utils-modules kamailio-json-modules');
  const kamcmd = findProgram('kamcmd', 'kamailio');
  requireKamailioModule('http_client', 'kamailio-utils-modules');
  requireKamailioModule('json', 'kamailio-json-modules');
  if (settings.defines?.WITH_STIR_SIGNING !== undefined || readFileSync(configFile, 'utf8').includes('"secsipid.so"')) {
    requireKamailioModule('secsipid', 'kamailio-secsipid-modules');
  }
  const dir = tempDir(`callshield-kamailio-${settings.name}-`);
  const ports = { subscribers: await freeUdpPort(), domestic: await freeUdpPort(), international: await freeUdpPort() };
  const ctl = `unix:${join(dir, 'ctl.sock')}`;
  copyFileSync(configFile, join(dir, 'kamailio.cfg'));
  writeFileSync(
    join(dir, 'callshield-local.cfg'),
    [
      `listen=udp:127.0.0.1:${ports.subscribers} name "subscribers"`,
      `listen=udp:127.0.0.1:${ports.domestic} name "domestic"`,
      `listen=udp:127.0.0.1:${ports.international} name "international"`,
      `#!define CALLSHIELD_URL "${settings.callshieldUrl}"`,
      `#!define CALLSHIELD_API_KEY "${settings.apiKey}"`,
      `#!define CALLSHIELD_TIMEOUT_S ${settings.timeoutSeconds ?? 1}`,
      `#!define NEXT_HOP_CORE "${settings.nextHopCore}"`,
      `#!define NEXT_HOP_INTERCONNECT "${settings.nextHopInterconnect}"`,
      `#!define CTL_SOCKET "${ctl}"`,
      // Small pools: the test machine has two cores shared with everything else.
      '#!define SIP_WORKERS 2',
      '#!define ASYNC_WORKERS 6',
      ...Object.entries(settings.defines ?? {}).map(([name, value]) => `#!define ${name} ${value}`.trimEnd()),
      '',
    ].join('\n'),
  );
  const child = spawn(
    kamailio,
    ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-Y', dir, '-P', join(dir, 'kamailio.pid'), '-w', dir, '-m', '64'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...settings.env } },
  );
  const log = tail(child);
  const rpc = (...args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(kamcmd, ['-s', ctl, ...args], { timeout: 5000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
  // Ready when the control socket answers (after every process has started).
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kamailio ${settings.name} exited at start:\n${log()}`);
    if (
      existsSync(join(dir, 'ctl.sock')) &&
      (await rpc('core.uptime').then(
        () => true,
        () => false,
      ))
    )
      break;
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`kamailio ${settings.name} did not start in 15 s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    ports,
    async statistics() {
      const out = await rpc('stats.get_statistics', 'script:');
      const stats: Record<string, number> = {};
      for (const match of out.matchAll(/callshield_(\w+)\s*=\s*(\d+)/g)) stats[match[1]] = Number(match[2]);
      return stats;
    },
    log,
    async stop() {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface SippResult {
  code: number | null;
  output: string;
  /** Lines the scenario logged with <log>. */
  logged: string[];
}

/**
 * Runs a SIPp UAC scenario for the given calls (calling and called number) against one
 * port and resolves when SIPp ends by itself (all calls done, or its global timeout).
 */
export async function runUac(options: {
  scenario: string;
  target: number;
  calls: { a: string; b: string }[];
  /** One header line added to every INVITE (e.g. a SIP Identity header). */
  extraHeader?: string;
  rate?: number;
  timeoutSeconds?: number;
  /** More SIPp arguments, e.g. ['-cid_str', '…'] for the Call-ID. */
  sippArgs?: string[];
}): Promise<SippResult> {
  const sipp = findProgram('sipp', 'sip-tester');
  const dir = tempDir('callshield-sipp-uac-');
  const injection = join(dir, 'calls.csv');
  writeFileSync(injection, ['SEQUENTIAL', ...options.calls.map((c) => `${c.a};${c.b};`)].join('\n') + '\n');
  const logFile = join(dir, 'uac.log');
  const port = await freeUdpPort();
  const args = [
    '-sf',
    join(scenarioDir, options.scenario),
    '-inf',
    injection,
    '-key',
    'extra',
    options.extraHeader ?? 'X-Callshield-Test: 1',
    '-i',
    '127.0.0.1',
    '-p',
    String(port),
    '-m',
    String(options.calls.length),
    '-r',
    String(options.rate ?? 10),
    '-l',
    '200',
    '-timeout',
    `${options.timeoutSeconds ?? 30}s`,
    '-timeout_error',
    '-nostdin',
    '-trace_logs',
    '-log_file',
    logFile,
    ...(options.sippArgs ?? []),
    `127.0.0.1:${options.target}`,
  ];
  const child = spawn(sipp, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = tail(child);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const logged = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
  rmSync(dir, { recursive: true, force: true });
  return { code, output: output(), logged };
}

export interface Uas {
  port: number;
  /** Lines logged so far, one per answered call: "answered <call-id> to=… verdict=… label=… pai=… from=…". */
  answered(): string[];
  /** Lines logged for re-INVITEs inside answered calls: "reinvite <call-id> verdict=… label=… pai=…". */
  reinvites(): string[];
  /** Waits until `count` calls were answered (or the time is up). */
  waitForAnswers(count: number, timeoutMs?: number): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Starts a SIPp UAS that answers every call with 200 and logs the callshield headers it saw (and those
 * of a re-INVITE inside the call, as "reinvite <call-id> …"). `uas-hangup.xml` ends each call itself.
 */
export async function startUas(scenario = 'uas.xml'): Promise<Uas> {
  const sipp = findProgram('sipp', 'sip-tester');
  const dir = tempDir('callshield-sipp-uas-');
  const port = await freeUdpPort();
  const logFile = join(dir, 'uas.log');
  const child = spawn(
    sipp,
    [
      '-sf',
      join(scenarioDir, scenario),
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-nostdin',
      '-trace_logs',
      '-log_file',
      logFile,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = tail(child);
  const logged = (prefix: string) =>
    existsSync(logFile)
      ? readFileSync(logFile, 'utf8')
          .split('\n')
          .filter((line) => line.startsWith(prefix))
      : [];
  const answered = () => logged('answered ');
  await new Promise((r) => setTimeout(r, 200));
  if (child.exitCode !== null) throw new Error(`sipp UAS exited at start:\n${output()}`);
  return {
    port,
    answered,
    reinvites: () => logged('reinvite '),
    async waitForAnswers(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (answered().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return answered();
    },
    async stop() {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Sends one INVITE over UDP from a fresh port and resolves with the status line of the first final
 * response (or rejects after timeoutMs). For checks that need no dialog.
 */
export async function sendInvite(
  target: number,
  call: { a: string; b: string; headers?: string[] },
  timeoutMs = 5000,
): Promise<string> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  const callId = `${Date.now()}-${Math.random().toString(36).slice(2)}@127.0.0.1`;
  const message = [
    `INVITE sip:${call.b}@127.0.0.1:${target} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
    `From: <sip:${call.a}@127.0.0.1:${port}>;tag=${Math.random().toString(36).slice(2)}`,
    `To: <sip:${call.b}@127.0.0.1:${target}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:${call.a}@127.0.0.1:${port}>`,
    'Max-Forwards: 70',
    ...(call.headers ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  try {
    return await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final response within ${timeoutMs} ms`)), timeoutMs);
      socket.on('message', (data) => {
        const statusLine = data.toString('utf8').split('\r\n')[0];
        const code = Number(statusLine.split(' ')[1]);
        if (code >= 200) {
          clearTimeout(timer);
          resolve(statusLine);
        }
      });
      socket.send(message, target, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}
