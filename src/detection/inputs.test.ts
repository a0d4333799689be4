import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CdrLines } from '../cdr/test-support.ts';
import { run } from './cli.ts';
import { resolveInputs } from './inputs.ts';

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'callshield-inputs-'));
  const cdrs = new CdrLines('KCELL').voice('+77011230001', 'out', '+77051234567', 0, 60, 'ALA-1');
  writeFileSync(join(dir, 'cdr-KCELL.csv'), cdrs.text());
  mkdirSync(join(dir, 'beeline', 'day2'), { recursive: true });
  const record = {
    record_id: 'b-1',
    operator: 'BEELINE',
    event: 'voice',
    direction: 'out',
    msisdn: '+77051234567',
    other_party: '+77011230001',
    started_at: '2025-03-03T10:00:00+05:00',
    duration_s: 30,
    answered: 1,
  };
  writeFileSync(join(dir, 'beeline', 'day2', 'records.jsonl.gz'), gzipSync(`${JSON.stringify(record)}\n`));
  writeFileSync(join(dir, 'cells.csv'), 'cell_id,lat,lon,region\nALA-1,43.2,76.9,Almaty\n');
  writeFileSync(join(dir, 'notes.txt'), 'not data\n');
  return dir;
}

test('analyze inputs: directories are searched recursively for CDR files; other files are skipped with a reason', async () => {
  const dir = folder();
  const { files, skipped } = await resolveInputs([dir, join(dir, 'missing.csv')]);
  assert.deepEqual(files, [join(dir, 'beeline', 'day2', 'records.jsonl.gz'), join(dir, 'cdr-KCELL.csv')]);
  const reasons = Object.fromEntries(skipped.map((s) => [s.path.slice(dir.length + 1), s.reason]));
  assert.match(reasons['cells.csv'], /not a CDR file \(missing columns/);
  assert.match(reasons['notes.txt'], /not a \.csv, \.jsonl or \.gz file/);
  assert.equal(reasons['missing.csv'], 'no such file or directory');
});

test('analyze of a directory writes alerts; of nothing readable exits 2 with a reason', async () => {
  const dir = folder();
  const out = join(dir, 'alerts.jsonl');
  assert.equal(await run([dir, '--out', out, '--quiet', '--threads', '1']), 0);
  assert.equal(await run([join(dir, 'nowhere'), '--out', out, '--quiet']), 2);
  assert.equal(await run(['--out', out]), 2);
  assert.equal(await run([dir, '--no-such-option']), 2);
});
