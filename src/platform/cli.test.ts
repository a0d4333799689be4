/**
 * The CLI's errors as a person sees them: bin/callshield spawned, its exit status and the one
 * line it prints, naming the flag, file or URL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CDR_COLUMNS } from '../cdr/parse.ts';
import { type DataPathTestApp, startDataPathApp } from '../datapath/test-support.ts';

const bin = new URL('../../bin/callshield', import.meta.url).pathname;

/** The environment without any callshield or server setting of the machine running the tests. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(CALLSHIELD_|DATABASE_URL|REDIS_URL|NATS_URL|PORT$)/.test(k)) env[k] = v;
  return env;
}

function callshield(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { ...cleanEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => {
      stdout += b;
    });
    child.stderr.on('data', (b) => {
      stderr += b;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const firstLine = (text: string) => text.split('\n')[0];

describe('callshield CLI errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callshield-cli-errors-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an unknown flag names the flag and prints the command usage, exit 2, for every command', async () => {
    const commands = ['serve', 'admin', 'audit', 'simulate', 'drive', 'ingest', 'report', 'demo'];
    for (const command of commands.concat(['analyze', 'train', 'eval', 'generate'])) {
      const r = await callshield([command, '--frob']);
      assert.equal(r.code, 2, command);
      assert.equal(firstLine(r.stderr), `callshield ${command}: unknown option --frob`);
      assert.match(r.stderr, new RegExp(`usage: callshield ${command}`), command);
      assert.doesNotMatch(r.stderr, /To specify a positional argument/);
    }
  });

  it('a flag without its value says so', async () => {
    const r = await callshield(['ingest', 'x.csv', '--server']);
    assert.equal(r.code, 2);
    assert.equal(firstLine(r.stderr), 'callshield ingest: --server needs a value');
  });

  it('detection commands name a flag without its value, or a bad number, and do not run', async () => {
    const model = join(dir, 'model.json');
    const cases: [string[], string][] = [
      [['analyze', dir, '--out'], 'callshield analyze: --out needs a value'],
      [
        ['analyze', dir, '--out', join(dir, 'a.jsonl'), '--threads', 'two'],
        'callshield analyze: --threads must be a whole number from 1 to 256, got "two"',
      ],
      [['analyze', '--out', join(dir, 'a.jsonl')], 'callshield analyze: name at least one CDR file or directory'],
      [
        ['train', '--runs', 'x', '--out', model],
        'callshield train: --runs must be a whole number from 0 to 10000, got "x"',
      ],
      [
        ['train', '--days', '0', '--out', model],
        'callshield train: --days must be a whole number from 1 to 366, got "0"',
      ],
      [
        ['eval', '--subscribers', '3k'],
        'callshield eval: --subscribers must be a whole number from 10 to 50000000, got "3k"',
      ],
      [['generate', '--seed'], 'callshield generate: --seed needs a value'],
      [
        ['generate', '--subscribers', 'many', '--days', '1', '--seed', '1', '--out', dir],
        'callshield generate: --subscribers must be a non-negative integer, got "many"',
      ],
    ];
    for (const [args, line] of cases) {
      const r = await callshield(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(firstLine(r.stderr), line);
      assert.match(r.stderr, new RegExp(`usage: callshield ${args[0]}`));
    }
    // A refused training run writes no model file.
    assert.equal(existsSync(model), false);
  });

  it('analyze with nothing to read, or a missing model, and eval with an unknown family: one line, exit 2', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    const out = join(dir, 'alerts.jsonl');
    const nothing = await callshield(['analyze', empty, '--out', out]);
    assert.equal(nothing.code, 2);
    assert.equal(nothing.stderr.trim(), `callshield analyze: no CDR files to analyze in ${empty}`);
    writeFileSync(join(empty, 'cdr.csv'), `${CDR_COLUMNS.join(',')}\n`);
    const model = join(dir, 'no-model.json');
    const noModel = await callshield(['analyze', empty, '--out', out, '--model', model]);
    assert.equal(noModel.code, 2);
    assert.equal(noModel.stderr.trim(), `callshield analyze: --model ${model}: no such file`);
    const family = await callshield(['eval', '--leave-out', 'simbox-teleport']);
    assert.equal(family.code, 2);
    assert.match(
      firstLine(family.stderr),
      /^callshield eval: --leave-out: unknown families simbox-teleport \(known: simbox-plain, /,
    );
    assert.equal(existsSync(out), false, 'nothing was written');
  });

  it('an unknown command lists the commands, exit 2', async () => {
    const r = await callshield(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command "frobnicate"/);
    assert.match(r.stderr, /demo\s+start the platform/);
  });

  it('a missing file is named, without ENOENT, exit 2', async () => {
    const missing = join(dir, 'missing.csv');
    const ingest = await callshield(['ingest', missing, '--key', 'k']);
    assert.equal(ingest.code, 2);
    assert.equal(ingest.stderr.trim(), `callshield ingest: cannot read ${missing}: no such file or directory`);
    const admin = await callshield(['admin', '--token', 'some-token-0123456789', 'import-mnp', missing]);
    assert.equal(admin.code, 2);
    assert.equal(admin.stderr.trim(), `callshield admin: cannot read ${missing}: no such file or directory`);
    const serve = await callshield(['serve', '--policy', missing]);
    assert.equal(serve.code, 2);
    assert.equal(serve.stderr.trim(), `callshield serve: cannot read ${missing}: no such file or directory`);
    for (const r of [ingest, admin, serve]) assert.doesNotMatch(r.stderr, /ENOENT/);
  });

  it('a directory given as a file is named, exit 2', async () => {
    const r = await callshield(['ingest', dir, '--key', 'k']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim(), `callshield ingest: cannot read ${dir}: it is a directory, not a file`);
  });

  it('serve --port abc says what a port is and what was given', async () => {
    const r = await callshield(['serve', '--port', 'abc']);
    assert.equal(r.code, 2);
    assert.equal(firstLine(r.stderr), 'callshield serve: --port must be a whole number from 1 to 65535, got "abc"');
    assert.doesNotMatch(r.stderr, /NaN/);
  });

  it('serve on a port already in use says so and exits, leaving nothing running', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as { port: number };
    const dataDir = mkdtempSync(join(tmpdir(), 'callshield-serve-port-'));
    try {
      const r = await callshield(['serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr.trim().split('\n').at(-1),
        `callshield serve: cannot listen on 127.0.0.1:${port}: the port is in use (by another callshield, or another program)`,
      );
      // The SMPP firewall's port, taken: the same line, naming that port.
      const free = await closedPort();
      const smpp = await callshield(
        ['serve', '--port', String(free), '--host', '127.0.0.1', '--data-dir', dataDir, '--roles', 'screening,smpp'],
        {
          CALLSHIELD_SMPP_PORT: String(port),
          CALLSHIELD_SMPP_UPSTREAM: `127.0.0.1:${await closedPort()}`,
          CALLSHIELD_SMPP_SYSTEM_ID: 'callshield',
          CALLSHIELD_SMPP_PASSWORD: 'pw',
          CALLSHIELD_SMPP_ACCOUNTS: 'esme:secret',
          CALLSHIELD_SMPP_OPERATOR: 'BEELINE',
        },
      );
      assert.equal(smpp.code, 1);
      assert.match(
        smpp.stderr.trim().split('\n').at(-1) ?? '',
        new RegExp(
          `^callshield serve: cannot listen on [^ ]*:${port}: the port is in use \\(by another callshield, or another program\\)$`,
        ),
      );
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('an unreachable server is named with the reason, not "fetch failed"', async () => {
    const port = await closedPort();
    const server = `http://127.0.0.1:${port}`;
    const admin = await callshield(['admin', '--server', server, '--token', 'some-token-0123456789', 'operators']);
    assert.equal(admin.code, 1);
    assert.equal(
      admin.stderr.trim(),
      `callshield admin: cannot reach ${server}: connection refused (is the server running?)`,
    );
    const report = await callshield(
      ['report', 'compliance', '--month', '2026-11', '--out', join(dir, 'r.pdf')].concat([
        '--server',
        server,
        '--token',
        'some-token-0123456789',
      ]),
    );
    assert.equal(report.code, 1);
    assert.match(report.stderr, new RegExp(`cannot reach ${server}: connection refused`));
    const file = join(dir, 'some.csv');
    writeFileSync(file, 'record_id,operator\n1,KCELL\n');
    const ingest = await callshield(['ingest', file, '--server', server, '--key', 'some-key', '--quiet']);
    assert.equal(ingest.code, 1);
    assert.match(ingest.stderr, new RegExp(`callshield ingest: cannot reach ${server}: connection refused`));
    for (const r of [admin, report, ingest]) assert.doesNotMatch(r.stderr, /fetch failed/);
  });

  describe('against a running server', () => {
    let t: DataPathTestApp;
    let server: string;
    before(async () => {
      t = await startDataPathApp();
      server = (await t.app.http.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
    });
    after(() => t.close());

    it('a wrong token gives one line from the error code, not a JSON dump', async () => {
      const r = await callshield(['admin', '--server', server, '--token', 'wrong-token-0123456789', 'operators']);
      assert.equal(r.code, 1);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1);
      assert.match(lines[0], new RegExp(`^callshield admin: GET ${server}/v1/operators: 401 UNAUTHORIZED: `));
      assert.match(lines[0], /check --token/);
      assert.doesNotMatch(r.stderr, /[{}]/);
    });

    it('ingest with a wrong key stops at the first refusal with one line', async () => {
      const file = join(dir, 'cdr.csv');
      writeFileSync(file, 'record_id,operator\n1,KCELL\n');
      const r = await callshield(['ingest', file, '--server', server, '--key', 'wrong-key-0123456789', '--quiet']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`callshield ingest: ${server}/v1/cdr answered 401 UNAUTHORIZED: `));
      assert.doesNotMatch(r.stderr, /[{}]/);
    });
  });
});
