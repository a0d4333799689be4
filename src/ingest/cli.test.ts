import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CdrLines, type DataPathTestApp, startDataPathApp, testAdminToken, victim } from '../datapath/test-support.ts';
import { run } from './cli.ts';

/** Runs the CLI with its stderr (progress and summary) kept out of the test output. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write;
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { code: await run(args), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('callshield ingest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callshield-cli-'));
  let t: DataPathTestApp;
  let server: string;
  let key: string;
  const csv = join(dir, 'cdr-kcell.csv');
  const jsonl = join(dir, 'cdr-kcell.jsonl.gz');

  before(async () => {
    // 3000 rows, a bad one on line 2500: parts of 50 kB put it well past the first part.
    const file = new CdrLines('KCELL');
    for (let k = 0; k < 3000; k++) {
      if (k === 2498) file.raw(`KCELL-bad,KCELL,voice,out,+77011000000,${victim(k)},,,A-1,yesterday,10,1,,`);
      else file.voice(`+7701${String(1000000 + (k % 500)).padStart(7, '0')}`, 'out', victim(k), k, 30, 'ALA-1');
    }
    writeFileSync(csv, file.text());
    const rows = [0, 1, 2].map((k) =>
      JSON.stringify({
        record_id: `J${k}`,
        operator: 'KCELL',
        event: 'sms',
        direction: 'in',
        msisdn: '+77011000001',
        other_party: victim(k),
        started_at: CdrLines.at(k),
      }),
    );
    writeFileSync(jsonl, gzipSync(`${rows.join('\n')}\n`));
    t = await startDataPathApp();
    server = await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    key = await t.keyFor('KCELL');
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads files in parts, with line numbers of the whole file in the quarantine', async () => {
    const first = await cli([csv, jsonl, '--server', server, '--key', key, '--part-mb', '0.05', '--quiet']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /2\/2 file\(s\): 3,002 accepted, 0 duplicates, 1 quarantined/);
    const uploads = (await t.call(key, 'GET', '/v1/cdr/uploads')).json().items as { file: string }[];
    assert.ok(uploads.filter((u) => u.file === 'cdr-kcell.csv').length > 3, 'the big file went in several parts');
    const [bad] = (await t.call(key, 'GET', '/v1/cdr/quarantine')).json().items;
    assert.equal(bad.file, 'cdr-kcell.csv');
    assert.equal(bad.line, 2500);
    assert.match(bad.reason, /started_at/);

    // Sent again (as after a crash mid-file): nothing counts twice.
    const again = await cli([csv, jsonl, '--server', server, '--key', key, '--part-mb', '0.05', '--quiet']);
    assert.match(again.stderr, /0 accepted, 3,002 duplicates, 1 quarantined/);
  });

  it('refuses a missing key or file with a message', async () => {
    assert.equal((await cli([csv, '--server', server, '--key', 'wrong', '--quiet'])).code, 1);
    assert.equal((await cli([join(dir, 'nope.csv'), '--server', server, '--key', key])).code, 2);
  });

  it('ingests straight into a data dir when no server runs, and serve then detects on it', async () => {
    const dataDir = join(dir, 'data');
    const direct = await cli([csv, '--data-dir', dataDir, '--operator', 'KCELL', '--quiet']);
    assert.equal(direct.code, 0, direct.stderr);
    assert.match(direct.stderr, /2,999 accepted, 0 duplicates, 1 quarantined/);
    const served = await startDataPathApp({}, dataDir);
    try {
      const runResult = await served.call(testAdminToken, 'POST', '/v1/detection/run');
      assert.equal(runResult.json().cdrs, 2999);
    } finally {
      await served.close();
    }
  });
});
