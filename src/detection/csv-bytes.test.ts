import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { CdrBatch } from '../cdr/batch.ts';
import { readCdrFile } from '../cdr/reader.ts';
import { CDR_HEADER } from '../cdr/test-support.ts';
import { encodeBatch } from '../ingest/codec.ts';
import { loadPlan } from '../numbering/plan.ts';
import { readCdrFileBytes } from './csv-bytes.ts';
import { writeIndependentDataset } from './independent/generate.ts';

const plan = loadPlan(join(import.meta.dirname, '..', '..', 'data', 'numbering', 'kz.json'));
const root = mkdtempSync(join(tmpdir(), 'callshield-csv-bytes-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Read {
  batches: { encoded: Buffer; strings: string[]; quarantine: CdrBatch['quarantine'] }[];
  summary: unknown;
}

/** Reads a file; with `refill`, each batch is given back to the reader to be filled again once read. */
async function readWith(
  reader: typeof readCdrFile,
  path: string,
  options: { batchSize?: number; chunkSize?: number; refill?: boolean },
): Promise<Read> {
  const batches: Read['batches'] = [];
  let spare: CdrBatch | undefined;
  const summary = await reader(
    path,
    plan,
    (batch) => {
      batches.push({
        encoded: Buffer.from(encodeBatch(batch)),
        strings: [...batch.strings],
        quarantine: batch.quarantine,
      });
      if (options.refill) spare = batch;
    },
    {
      ...options,
      spareBatch: () => {
        const batch = spare;
        spare = undefined;
        return batch;
      },
    },
  );
  return { batches, summary };
}

/** The byte reader gives what the text reader gives: batches, dictionaries, quarantine, summary. */
async function assertSame(path: string, batchSize = 7): Promise<void> {
  const expected = await readWith(readCdrFile, path, { batchSize });
  for (const chunkSize of [1, 5, 64, 1 << 20]) {
    const actual = await readWith(readCdrFileBytes, path, { batchSize, chunkSize });
    assert.deepEqual(actual, expected, `${path} in chunks of ${chunkSize}`);
  }
  // Batches filled again once read (as analyze's reading thread does) hold what new ones hold:
  // read in small chunks, so that a batch is read before the next is filled.
  const refill = { batchSize, chunkSize: 64, refill: true };
  assert.deepEqual(await readWith(readCdrFileBytes, path, refill), expected, `${path} refilled`);
}

const GOOD = 'KCELL,voice,out,+77011230001,+77051234567,401020000000001,352906116834153,ALA-1';
const TIME = '2025-03-03T10:00:00+05:00';

const rows = [
  `r1,${GOOD},${TIME},60,1,,`,
  `r2,${GOOD},${TIME},0,0,,`,
  `r3,KCELL,data,,+77011230001,,,,ALA-2,${TIME},,,123456,`,
  `r4,KCELL,data,out,+77011230001,,,,,${TIME},,,,`,
  `r5,KCELL,sms,in,+77011230001,+77051234567,,,ALA-1,${TIME},,,,`,
  `r6,KCELL,voice,in,+77011230001,+442071234567,,,ALA-1,${TIME},3,1,,international`,
  `r7,KCELL,voice,in,+77011230001,+77051234567,,,ALA-1,${TIME},3,,,on-net`,
  `r8,KCELL,voice,in,+77011230001,+77051234567,,,ALA-1,${TIME},3,true,,domestic`,
  `r9,KCELL,voice,in,+77011230001,+77051234567,,,ALA-1,${TIME},0,false,,`,
  // National format and other spellings go through the plan.
  `r10,KCELL,voice,out,87011230001,87051234567,,,ALA-1,${TIME},12.5,1,,`,
  `r11,KCELL,voice,out,8 701 123 00 01,8(705)1234567,,,ALA-1,${TIME},12,1,,`,
  `r12,KCELL,voice,out,77011230001,102,,,ALA-1,${TIME},12,1,,`,
  `r13,KCELL,voice,out,+77011230001,+102,,,ALA-1,${TIME},12,1,,`,
  `r14,KCELL,voice,out,+77011230001,1,,,ALA-1,${TIME},12,1,,`,
  `r15,KCELL,voice,out,+7701123,+77051234567,,,ALA-1,${TIME},12,1,,`,
  `r16,KCELL,voice,out,+7701123000112345,+77051234567,,,ALA-1,${TIME},12,1,,`,
  `r17,KCELL,voice,out,+77011230001,,,,ALA-1,${TIME},12,1,,`,
  `r18,KCELL,voice,out,+7701123000a,+77051234567,,,ALA-1,${TIME},12,1,,`,
  // Identifiers.
  `r19,KCELL,voice,out,+77011230001,+77051234567,4010,,ALA-1,${TIME},12,1,,`,
  `r20,KCELL,voice,out,+77011230001,+77051234567,40102,,ALA-1,${TIME},12,1,,`,
  `r21,KCELL,voice,out,+77011230001,+77051234567,4010200000000012,,ALA-1,${TIME},12,1,,`,
  `r22,KCELL,voice,out,+77011230001,+77051234567,,3529061168341537,ALA-1,${TIME},12,1,,`,
  `r23,KCELL,voice,out,+77011230001,+77051234567,,01325400198304,ALA-1,${TIME},12,1,,`,
  `r24,KCELL,voice,out,+77011230001,+77051234567,,0132540019830,ALA-1,${TIME},12,1,,`,
  `r25,KCELL,voice,out,+77011230001,+77051234567,,3529061168341X,ALA-1,${TIME},12,1,,`,
  `r26,KCELL,voice,out,+77011230001,+77051234567,,35290611683415371,ALA-1,${TIME},12,1,,`,
  // Times.
  `r27,${GOOD},2025-03-03T10:00:00Z,60,1,,`,
  `r28,${GOOD},2025-03-03 10:00:00.123+0500,60,1,,`,
  `r29,${GOOD},2025-03-03T23:59:59.5-03,60,1,,`,
  `r30,${GOOD},2025-03-03T10:00:00,60,1,,`,
  `r31,${GOOD},2025-02-30T10:00:00+05:00,60,1,,`,
  `r32,${GOOD},2025-03-03T10:00+05:00,60,1,,`,
  `r33,${GOOD},2025-03-03T10:00:00.+05:00,60,1,,`,
  `r34,${GOOD},2025-03-03T10:00:00+19:00,60,1,,`,
  `r35,${GOOD},2024-02-29T10:00:00.987654+05:30,60,1,,`,
  `r36,${GOOD},2025-03-03T10:00:00.123,60,1,,`,
  `r37,${GOOD},yesterday,60,1,,`,
  `r38,${GOOD},2025-03-03T10:00:00Zx,60,1,,`,
  // The date and hour of the row before, with a minute or second out of range, then a leap second.
  `r38a,${GOOD},2025-03-03T10:61:00+05:00,60,1,,`,
  `r38b,${GOOD},2025-03-03T10:00:61+05:00,60,1,,`,
  `r38c,${GOOD},2025-03-03T10:59:60+05:00,60,1,,`,
  `r38d,${GOOD},2025-03-03T24:00:00+05:00,60,1,,`,
  // Before the year 2000 (EARLIEST_STARTED_AT_MS): quarantined; the offset decides on either side of the line
  // (r38h is 1999-12-31T23:59:59Z, r38i 2000-01-01T00:00:00Z).
  `r38e,${GOOD},0001-01-01T00:00:00Z,60,1,,`,
  `r38f,${GOOD},1999-12-31T23:59:59.999Z,60,1,,`,
  `r38g,${GOOD},2000-01-01T00:00:00Z,60,1,,`,
  `r38h,${GOOD},2000-01-01T04:59:59+05:00,60,1,,`,
  `r38i,${GOOD},1999-12-31T23:00:00-01:00,60,1,,`,
  // Amounts and enums.
  `r39,${GOOD},${TIME},.5,1,,`,
  `r40,${GOOD},${TIME},5.,1,,`,
  `r41,${GOOD},${TIME},-1,1,,`,
  `r42,${GOOD},${TIME},,1,,`,
  `r43,${GOOD},${TIME},1.25,yes,,`,
  `r44,${GOOD},${TIME},1,1,12.75,`,
  `r45,${GOOD},${TIME},1,1,12x,`,
  `r46,${GOOD},${TIME},1,1,,abroad`,
  `r47,KCELL,VOICE,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  `r48,KCELL,voice,both,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  `r49,KCELL,voice,,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  `,KCELL,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  `r51,,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  // Field counts, quotes, names.
  `r52,${GOOD},${TIME},1,1,,,`,
  `r53,${GOOD},${TIME},1,1,`,
  `"r54","KCELL",voice,out,+77011230001,"+7 701 123 00 01",,,"ALA,1",${TIME},1,1,,`,
  `r55,${GOOD},"${TIME}",1,1,,`,
  `"r56,KCELL,voice`,
  `r57,KCELL,voice,out,+77011230001,+77051234567,,,"ALA-1,${TIME},1,1,,`,
  `r58,KCELL,voice,out,+77011230001,+77051234567,,,Алматы-1,${TIME},1,1,,`,
  `r59,Кселл,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  `r60,KCELL,voice,out,+77011230001,+77051234567,,,ALA-ü,2025-03-03T10:00:00+05:00,1,1,,`,
  `r61,BEELINE,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  `r62,KCELL,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,${'x'.repeat(3000)}`,
  `r63,KCELL,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,on-net\r`,
  '',
  '\r',
  'garbage',
  `r64,KCELL,voice,out,+77011230001,+77051234567,,,ALA-3,${TIME},1,1,,ALA-\u00ff`,
  `r65,KCELL,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,"1",,`,
  // More commas than the byte reader keeps track of.
  `r66,${GOOD},${TIME},1,1,,${','.repeat(70)}`,
  `r67,KCELL,voice,out,+77011230001,+77051234567,,,ALA\u00001,${TIME},1,1,,`,
  `r68\u0000,KCELL,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
  `r69,KC\u0000ELL,voice,out,+77011230001,+77051234567,,,ALA-1,${TIME},1,1,,`,
];

test('the byte reader gives the batches, quarantine and summary of the text reader, row for row', async () => {
  const path = join(root, 'mixed.csv');
  writeFileSync(path, `\uFEFF${CDR_HEADER}\r\n${rows.join('\n')}`);
  await assertSame(path);
  await assertSame(path, 65536);
  // Both refuse a time before the year 2000 with its reason (and keep one just after).
  const refused = (await readWith(readCdrFileBytes, path, {})).batches
    .flatMap((batch) => batch.quarantine)
    .filter((q) => q.reason === 'started_at is before the year 2000')
    .map((q) => q.raw.slice(0, q.raw.indexOf(',')));
  assert.deepEqual(refused, ['r38e', 'r38f', 'r38h']);
  const crlf = join(root, 'crlf.csv');
  writeFileSync(crlf, `\n\r\n${CDR_HEADER}\r\n${rows.join('\r\n')}\r\n`);
  await assertSame(crlf);
  const gz = join(root, 'mixed.csv.gz');
  writeFileSync(gz, gzipSync(`${CDR_HEADER}\n${rows.join('\n')}\n`));
  await assertSame(gz);
  // Columns in another order, unknown columns, optional columns absent.
  const reordered = join(root, 'reordered.csv');
  writeFileSync(
    reordered,
    'started_at,extra,msisdn,event,direction,other_party,operator,record_id,cell_id\n' +
      `${TIME},x,+77011230001,voice,out,+77051234567,KCELL,a1,ALA-1\n` +
      `${TIME},x,+77011230001,sms,out,+77051234567,KCELL,a2,\n` +
      `${TIME},x,+77011230001,data,,,KCELL,a3,ALA-2\n`,
  );
  await assertSame(reordered);
});

test('files the byte reader does not parse itself are read by the text reader whole', async () => {
  const cases: Record<string, string | Buffer> = {
    'jsonl.jsonl': `${JSON.stringify({ record_id: 'j1', operator: 'KCELL', event: 'voice', direction: 'out', msisdn: '+77011230001', other_party: '+77051234567', started_at: TIME, duration_s: 3, answered: 1 })}\nnot json\n`,
    // Many rows for the text reader, the operator and cell changing from row to row.
    'jsonl-operators.jsonl': Array.from({ length: 40 }, (_, k) =>
      JSON.stringify({
        record_id: `o${k}`,
        operator: ['KCELL', 'TELE2', 'BEELINE'][k % 3],
        event: 'voice',
        direction: 'out',
        msisdn: '+77011230001',
        other_party: '+77051234567',
        cell_id: `ALA-${k % 4}`,
        started_at: TIME,
        duration_s: k,
        answered: 1,
      }),
    ).join('\n'),
    'bad-header.csv': `record_id,operator,event\nr1,KCELL,voice\n`,
    'twice.csv': `${CDR_HEADER},msisdn\n${rows[0]},x\n`,
    'header-only.csv': CDR_HEADER,
    'empty.csv': '',
    'blank.csv': '\n\r\n\n',
    'no-newline.csv': `${CDR_HEADER}\n${rows[0]}`,
    'quoted-header.csv': `"record_id","operator",event,direction,msisdn,other_party,started_at\nr1,KCELL,voice,out,+77011230001,+77051234567,${TIME}\n`,
    'utf8-split.csv': `${CDR_HEADER}\n${rows.filter((r) => [...r].some((c) => c.charCodeAt(0) > 127)).join('\n')}\n`,
  };
  for (const [name, body] of Object.entries(cases)) {
    const path = join(root, name);
    writeFileSync(path, body);
    await assertSame(path);
  }
});

test('the byte reader matches the text reader on every file of a mixed-habits independent data set', async () => {
  const set = await writeIndependentDataset({ seed: 5, subscribers: 600, days: 1, outDir: join(root, 'independent') });
  for (const file of set.cdrFiles) {
    const expected = await readWith(readCdrFile, file, { batchSize: 4096 });
    const actual = await readWith(readCdrFileBytes, file, { batchSize: 4096, chunkSize: 4099 });
    assert.deepEqual(actual, expected, file);
    const refilled = await readWith(readCdrFileBytes, file, { batchSize: 1000, chunkSize: 4099, refill: true });
    assert.deepEqual(refilled, await readWith(readCdrFile, file, { batchSize: 1000 }), `${file} refilled`);
  }
});

test('the byte reader matches the text reader when the widths of fields change from row to row', async () => {
  // Each field drawn from spellings of several widths, valid and not, so that the commas expected
  // where the last rows had them are often somewhere else: inside the next field, one field on,
  // at the end of a shorter line.
  const choices: string[][] = [
    ['r1', 'record-0000000002', ''],
    ['KCELL', 'TELE2', 'KCELLX', '', 'K,CELL'],
    ['voice', 'sms', 'data', 'voic'],
    ['out', 'in', ''],
    ['+77011230001', '+7701123000', '87011230001', '+770112300011', '', '+77011230001,1'],
    ['+77051234567', '102', '', '+442071234567', '+7705,1234567'],
    ['401020000000001', '40102000000001', '', '4010200000,00001'],
    ['352906116834153', '35290611683415', '', 'x52906116834153'],
    ['ALA-1', 'KZ-ALA-0030', '', 'ALA,1', 'ALA\n1'],
    [TIME, '2025-03-03T10:00:00.5Z', '2025-03-03T10:00:00', '2025-03-03T10:00:00+05,00', ''],
    ['60', '0', '3600', '', '1.5', '6,0'],
    ['1', '0', 'true', ''],
    ['', '123456', '12,3'],
    ['', 'domestic', 'international', 'on-net', 'on,net'],
  ];
  let seed = 7;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) {
    // Mostly the first spelling (so its width is learnt), now and then another.
    const fields = choices.map((options) => (random(8) === 0 ? options[random(options.length)] : options[0]));
    lines.push(random(50) === 0 ? fields.join(',').slice(0, random(80)) : fields.join(','));
  }
  const path = join(root, 'widths.csv');
  writeFileSync(path, `${CDR_HEADER}\n${lines.join('\n')}\n`);
  await assertSame(path, 64);
  await assertSame(path, 65536);
});
