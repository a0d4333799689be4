/**
 * A gzip bomb against a real server process (`bin/callshield serve` on 127.0.0.1): the upload is
 * refused with a code, the server's memory stays flat, and screening answers throughout. Memory is
 * read from /proc/<pid>/status (a bound on bytes, not a timing).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CdrLines } from '../cdr/test-support.ts';
import { BAD_ROW, gzipBomb } from './gzip-bomb.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

const MiB = 1024 * 1024;

describe('a gzip bomb uploaded to a running server', () => {
  let server: ServerProcess;
  let beeline: string;
  let kcell: string;

  before(async () => {
    server = await startServerProcess();
    beeline = await server.keyFor('BEELINE');
    kcell = await server.keyFor('KCELL');
  });
  after(() => server.stop());

  const verify = async (n: number) => {
    const r = await server.json('POST', '/v1/calls/verify', beeline, {
      callId: `during-${n}`,
      a: '+77011234567',
      b: '+77051234567',
      at: new Date().toISOString(),
      ingress: 'domestic',
      fromOperator: 'KCELL',
    });
    return r.status;
  };

  it('refuses a few MB inflating to 2 GiB with 413, grows memory by under 256 MB, and verify answers meanwhile', async () => {
    // Warm the paths the bomb takes, then take the baseline.
    const warm = new CdrLines('BEELINE').voice('+77051230000', 'out', '+77011230000', 0, 30, 'AST-1');
    assert.equal((await server.upload(beeline, Buffer.from(warm.text()), 'text/csv')).status, 200);
    assert.equal(await verify(0), 200);
    server.resetPeak();
    const baseline = server.memory().rss;

    // One deflate segment (1 MiB inflated) a write, so that the upload is under way for several writes.
    const bomb = gzipBomb(2 * 1024 * MiB, BAD_ROW, 1);
    assert.ok(bomb.compressedBytes < 16 * MiB, `${bomb.compressedBytes} bytes on the wire`);
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, server.memory().rss);
    }, 25);
    const statuses: number[] = [];
    try {
      const answer = server.stream(beeline, 'application/gzip', async (write) => {
        let n = 0;
        for (const chunk of bomb.chunks) {
          if (!(await write(chunk))) break;
          // The upload is under way and not answered yet: screening answers meanwhile.
          statuses.push(await verify(++n));
        }
      });
      const r = await answer;
      assert.equal(r.status, 413, r.body);
      const body = JSON.parse(r.body) as { error: { code: string; message: string }; kept: { accepted: number } };
      assert.equal(body.error.code, 'COMPRESSION_RATIO_TOO_HIGH');
      assert.equal(body.kept.accepted, 0);
    } finally {
      clearInterval(sampler);
    }
    const memory = server.memory();
    peak = Math.max(peak, memory.rss);
    process.stderr.write(
      `gzip bomb: ${bomb.compressedBytes} bytes inflating to ${bomb.inflatedBytes}; server RSS ` +
        `${(baseline / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB, VmHWM ${(memory.hwm / MiB).toFixed(0)} MiB\n`,
    );
    assert.ok(statuses.length >= 1);
    assert.deepEqual(
      statuses.filter((s) => s !== 200),
      [],
    );
    assert.ok(peak - baseline < 256 * MiB, `RSS grew by ${((peak - baseline) / MiB).toFixed(0)} MiB`);
    assert.ok(memory.hwm - baseline < 256 * MiB, `VmHWM is ${((memory.hwm - baseline) / MiB).toFixed(0)} MiB over`);
    assert.equal(await verify(-1), 200);
  });

  it('stops a plain upload of bad rows at the limit, and `callshield ingest` shows the code and what was kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callshield-bomb-cli-'));
    try {
      const file = new CdrLines('KCELL', 1);
      for (let k = 0; k < 20; k++)
        file.voice(`+770112${String(k).padStart(5, '0')}`, 'out', '+77051234567', k, 30, 'A');
      // One more bad row than the server's default limit (CALLSHIELD_CDR_MAX_BAD_ROWS, 100 000).
      for (let k = 0; k < 100_001; k++) file.raw(BAD_ROW.trim());
      const path = join(dir, 'bad.csv');
      writeFileSync(path, file.text());
      const cli = spawnSync(
        join(import.meta.dirname, '../../bin/callshield'),
        ['ingest', path, '--server', server.url, '--key', kcell, '--quiet'],
        { encoding: 'utf8', env: { ...process.env, CALLSHIELD_URL: '', CALLSHIELD_ADMIN_TOKEN: '' } },
      );
      assert.equal(cli.status, 1, cli.stderr);
      assert.match(
        cli.stderr,
        /bad.csv: http:\/\/127.0.0.1:\d+\/v1\/cdr answered 400 TOO_MANY_BAD_ROWS: the upload stopped after more than 100000 bad rows/,
      );
      assert.match(cli.stderr, /kept 20 accepted, 0 duplicate and 100001 quarantined rows/);
      assert.match(cli.stderr, /0\/1 file\(s\): 20 accepted/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
