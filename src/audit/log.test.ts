import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deleteNatsStreams } from '../platform/nats.ts';
import { migrate, openPglite, type Sql } from '../platform/sql.ts';
import { anchorsFrom, createCheckpointer, loadAuditKey } from './checkpoints.ts';
import { openAuditProtection, verifyAuditWithCheckpoints } from './index.ts';
import { auditCsv, canonicalJson, createAuditLog, entryHash, genesisHash } from './log.ts';
import { createNatsCheckpointSink, readNatsCheckpoints } from './nats-checkpoints.ts';

/**
 * What an insider with the database does: trigger off, entries deleted, every later entry
 * renumbered and rehashed, the head recomputed, trigger on. The chain then checks again.
 */
async function rewriteWithout(sql: Sql, seqs: number[]): Promise<void> {
  await sql.query('alter table audit_log disable trigger user');
  await sql.query('delete from audit_log where seq = any($1)', [seqs]);
  const { rows } = await sql.query<Record<string, unknown>>('select * from audit_log order by seq');
  await sql.query('delete from audit_log');
  let prevHash = genesisHash;
  let seq = 0;
  for (const row of rows) {
    seq++;
    const draft = {
      seq,
      id: String(row.id),
      at: new Date(row.at as string).toISOString(),
      actor: String(row.actor),
      role: String(row.role),
      action: String(row.action),
      target: String(row.target),
      details: (typeof row.details === 'string' ? JSON.parse(row.details) : row.details) as Record<string, unknown>,
      clientIp: String(row.client_ip),
      prevHash,
    };
    const hash = entryHash(draft);
    await sql.query(
      `insert into audit_log (seq, id, at, actor, role, action, target, details, client_ip, prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        seq,
        draft.id,
        new Date(draft.at),
        draft.actor,
        draft.role,
        draft.action,
        draft.target,
        JSON.stringify(draft.details),
        draft.clientIp,
        prevHash,
        hash,
      ],
    );
    prevHash = hash;
  }
  await sql.query('update audit_head set seq = $1, hash = $2', [seq, prevHash]);
  await sql.query('alter table audit_log enable trigger user');
}

describe('audit log hash chain', () => {
  let sql: Sql;
  before(async () => {
    sql = await openPglite('memory://');
    await migrate(sql);
  });
  after(() => sql.close());

  /** A fresh chain of n entries (the table is emptied the way an attacker would: trigger off). */
  async function chain(n: number) {
    await sql.query('alter table audit_log disable trigger user');
    await sql.query('delete from audit_log');
    await sql.query('delete from audit_head');
    await sql.query('alter table audit_log enable trigger user');
    const audit = createAuditLog({ sql });
    for (let i = 1; i <= n; i++) {
      await audit.append({
        actor: 'user:alice',
        role: 'analyst',
        action: 'number.lookup',
        target: `+7701000000${i}`,
        clientIp: '127.0.0.1',
        details: { z: i, a: { nested: [1, 'two'] } },
      });
    }
    return audit;
  }

  /** Changes rows as someone with database access would (the trigger refuses it otherwise). */
  async function tamper(statement: string, params: unknown[] = []) {
    await sql.query('alter table audit_log disable trigger user');
    try {
      await sql.query(statement, params);
    } finally {
      await sql.query('alter table audit_log enable trigger user');
    }
  }

  it('verifies an intact chain', async () => {
    const audit = await chain(5);
    const result = await audit.verify(2);
    assert.deepEqual({ ok: result.ok, entries: result.entries }, { ok: true, entries: 5 });
  });

  it('refuses updates and deletes in the database itself', async () => {
    await chain(2);
    await assert.rejects(sql.query("update audit_log set actor = 'x'"), /append-only/);
    await assert.rejects(sql.query('delete from audit_log'), /append-only/);
  });

  it('detects an altered entry', async () => {
    const audit = await chain(5);
    await tamper(`update audit_log set target = '+77019999999' where seq = 3`);
    const result = await audit.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.seq, 3);
  });

  it('detects altered details even when the hash is recomputed for that entry alone', async () => {
    const audit = await chain(4);
    await tamper(`update audit_log set details = '{"z":2}', hash = repeat('a', 64) where seq = 2`);
    const result = await audit.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.seq, 2);
  });

  it('detects a removed entry', async () => {
    const audit = await chain(5);
    await tamper('delete from audit_log where seq = 2');
    const result = await audit.verify();
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.problem : '', /entry 2 is missing/);
  });

  it('detects a removed entry when the later ones are renumbered', async () => {
    const audit = await chain(4);
    await tamper('delete from audit_log where seq = 2');
    await tamper('update audit_log set seq = seq - 1 where seq > 2');
    const result = await audit.verify();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.seq, 2);
  });

  it('detects the newest entries cut off', async () => {
    const audit = await chain(4);
    await tamper('delete from audit_log where seq >= 3');
    const result = await audit.verify();
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.problem : '', /cut off/);
  });

  it('keeps appending in order under concurrent calls', async () => {
    const audit = await chain(0);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        audit.append({ actor: 'admin', role: 'admin', action: 'x', target: String(i), clientIp: '::1' }),
      ),
    );
    const result = await audit.verify();
    assert.equal(result.ok, true);
    assert.equal(result.entries, 20);
  });

  it('records an action whose request held NUL or a lone surrogate, and the chain still verifies', async () => {
    const audit = await chain(1);
    const entry = await audit.append({
      actor: 'admin',
      role: 'admin',
      action: 'operators.keys.create',
      target: 'TELE2\u0000',
      clientIp: '127.0.0.1',
      details: { body: { note: 'a\u0000b', '\u0000': '\ud800', list: ['\udc00x'] } },
    });
    assert.equal(entry.seq, 2);
    const stored = (await audit.query({ limit: 1 })).items[0];
    assert.equal(stored.action, 'operators.keys.create');
    assert.equal(stored.target, 'TELE2\uFFFD');
    assert.deepEqual(stored.details, { body: { note: 'a\uFFFDb', '\uFFFD': '\uFFFD', list: ['\uFFFDx'] } });
    assert.deepEqual(await audit.verify(), { ok: true, entries: 2, headSeq: 2, headHash: entry.hash });
  });

  it('writes canonical JSON and safe CSV', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } }),
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    const csv = auditCsv([
      {
        seq: 1,
        id: 'aud_1',
        at: '2026-01-01T00:00:00.000Z',
        actor: '=cmd()',
        role: 'analyst',
        action: 'number.lookup',
        target: '+77010000001',
        details: { note: 'a, "quoted"' },
        clientIp: '::1',
        prevHash: '0',
        hash: '1',
      },
    ]);
    const line = csv.split('\n')[1];
    assert.ok(line.includes("'=cmd()"));
    assert.ok(line.includes(',+77010000001,'));
    assert.ok(line.includes('"{""note"":""a, \\""quoted\\""""}"'));
  });
});

describe('signed checkpoints outside the database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'callshield-audit-'));
  const bin = fileURLToPath(new URL('../../bin/callshield', import.meta.url));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  /** `bin/callshield audit verify` on the data directory, with no CALLSHIELD_* from the caller. */
  function cliVerify() {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(CALLSHIELD_|DATABASE_URL|NATS_URL)/.test(k)),
    );
    return spawnSync(bin, ['audit', 'verify', '--data-dir', dataDir], { env, encoding: 'utf8' });
  }

  it('the embedded mode creates a 0600 key beside the database, and signs every append', async () => {
    const sql = await openPglite(join(dataDir, 'pglite'));
    await migrate(sql);
    const protection = await openAuditProtection(
      { dataDir, natsPrefix: 'callshield', natsReplicas: 1 },
      { clock: Date.now, onError: (e) => assert.fail(String(e)) },
    );
    assert.match(protection.notice ?? '', /created the audit signing key/);
    const keyFile = join(dataDir, 'audit-key.pem');
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    assert.ok(!keyFile.startsWith(join(dataDir, 'pglite')), 'the key is not inside the database directory');
    const audit = createAuditLog({ sql, checkpointer: protection.checkpointer });
    for (let i = 1; i <= 6; i++) {
      await audit.append({
        actor: 'user:mallory',
        role: 'analyst',
        action: 'number.lookup',
        target: `+7701555000${i}`,
        clientIp: '10.1.1.1',
      });
    }
    await protection.close();
    await sql.close();
    const lines = readFileSync(join(dataDir, 'audit-checkpoints.jsonl'), 'utf8').trim().split('\n');
    assert.equal(lines.length, 6);
    const ok = cliVerify();
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /audit log intact: 6 entries/);
    assert.match(ok.stdout, /signed checkpoints: 6/);
  });

  it('audit verify fails on a rewrite: trigger disabled, entries deleted, every hash and the head recomputed', async () => {
    const sql = await openPglite(join(dataDir, 'pglite'));
    // The insider removes the lookups of +77015550002 and +77015550003 and rebuilds the chain.
    await rewriteWithout(sql, [2, 3]);
    // The chain alone is fooled: this is the finding.
    const chainOnly = await createAuditLog({ sql }).verify();
    assert.deepEqual({ ok: chainOnly.ok, entries: chainOnly.entries }, { ok: true, entries: 4 });
    await sql.close();

    const broken = cliVerify();
    assert.equal(broken.status, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, /audit log BROKEN/);
    assert.match(broken.stdout, /entry 2 does not match its signed checkpoint/);
  });

  it('a missing key is not taken for an unsigned log', () => {
    const keyFile = join(dataDir, 'audit-key.pem');
    const saved = readFileSync(keyFile);
    rmSync(keyFile);
    try {
      const r = cliVerify();
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /audit key .* is missing/);
    } finally {
      writeFileSync(keyFile, saved, { mode: 0o600 });
    }
  });

  it('a forged checkpoint line is refused', () => {
    const file = join(dataDir, 'audit-checkpoints.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]);
    appendFileSync(file, `${JSON.stringify({ ...last, seq: 4, hash: 'f'.repeat(64) })}\n`);
    const forged = cliVerify();
    assert.equal(forged.status, 1);
    assert.match(forged.stdout, /no valid signature/);
  });
});

describe('checkpoints in NATS JetStream (distributed mode)', () => {
  it('publishes signed checkpoints to a stream that audit verify reads back', async () => {
    const prefix = `cstest${randomBytes(4).toString('hex')}`;
    const options = { url: 'nats://127.0.0.1:4222', prefix, replicas: 1 };
    const key = loadAuditKey({ dataDir: 'memory://', embedded: true, create: true });
    assert.ok(key);
    try {
      const sink = await createNatsCheckpointSink({ ...options, onError: (e) => assert.fail(String(e)) });
      const checkpointer = createCheckpointer({
        key,
        sinks: [sink],
        clock: Date.now,
        onError: (e) => assert.fail(String(e)),
      });
      checkpointer.record({ seq: 1, hash: 'a'.repeat(64) });
      checkpointer.record({ seq: 2, hash: 'b'.repeat(64) });
      await checkpointer.close();
      const { checkpoints } = await readNatsCheckpoints(options);
      assert.deepEqual(
        checkpoints.map((c) => [c.seq, c.hash]),
        [
          [1, 'a'.repeat(64)],
          [2, 'b'.repeat(64)],
        ],
      );
      const anchors = anchorsFrom(key.publicKey, checkpoints);
      assert.ok(anchors.ok && anchors.anchors.newestSeq === 2);
    } finally {
      await deleteNatsStreams(options.url, prefix);
    }
  });
});

describe('a rewrite caught by the NATS copy of the checkpoints alone', () => {
  it('fails verify when the insider also deleted the checkpoint file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'callshield-audit-nats-'));
    const keyFile = join(dir, 'audit-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    const config = {
      dataDir: dir,
      auditKeyFile: keyFile,
      natsUrl: 'nats://127.0.0.1:4222',
      natsPrefix: `cstest${randomBytes(4).toString('hex')}`,
      natsReplicas: 1,
    };
    const sql = await openPglite('memory://');
    try {
      await migrate(sql);
      const protection = await openAuditProtection(config, { clock: Date.now, onError: (e) => assert.fail(String(e)) });
      const audit = createAuditLog({ sql, checkpointer: protection.checkpointer });
      for (let i = 1; i <= 4; i++) {
        await audit.append({
          actor: 'user:mallory',
          role: 'analyst',
          action: 'number.lookup',
          target: `+7701666000${i}`,
          clientIp: '10.0.0.9',
        });
      }
      await protection.close();
      assert.equal((await verifyAuditWithCheckpoints(audit, config)).result.ok, true);

      await rewriteWithout(sql, [2]);
      rmSync(join(dir, 'audit-checkpoints.jsonl'));
      const { result, sources } = await verifyAuditWithCheckpoints(createAuditLog({ sql }), config);
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.problem : '', /entry 2 does not match its signed checkpoint/);
      assert.ok(
        sources.some((s) => s.startsWith('NATS stream (4')),
        sources.join(', '),
      );
    } finally {
      await sql.close();
      await deleteNatsStreams(config.natsUrl, config.natsPrefix);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('entries written into the database after signing began (embedded mode)', () => {
  /** A log of n entries appended by the server (embedded: checkpoints in a file beside the database). */
  async function signedLog(n: number) {
    const dataDir = mkdtempSync(join(tmpdir(), 'callshield-audit-forge-'));
    const config = { dataDir, natsPrefix: 'callshield', natsReplicas: 1 };
    const sql = await openPglite('memory://');
    await migrate(sql);
    const protection = await openAuditProtection(config, { clock: Date.now, onError: (e) => assert.fail(String(e)) });
    const audit = createAuditLog({ sql, checkpointer: protection.checkpointer });
    const append = (target: string) =>
      audit.append({ actor: 'user:mallory', role: 'analyst', action: 'number.lookup', target, clientIp: '10.0.0.7' });
    for (let i = 1; i <= n; i++) await append(`+7701777000${i}`);
    const verify = async () => {
      const anchors = await protection.anchors();
      assert.ok(anchors?.ok);
      return audit.verify(5000, anchors.anchors);
    };
    const done = async () => {
      await protection.close();
      await sql.close();
      rmSync(dataDir, { recursive: true, force: true });
    };
    return { sql, config, audit, append, verify, done };
  }

  /** An insider appends an entry with a correct link and hash and moves the head (no trigger stops inserts). */
  async function forgeAppend(sql: Sql, target: string) {
    const head = (await sql.query<{ seq: number | string; hash: string }>('select seq, hash from audit_head')).rows[0];
    const draft = {
      seq: Number(head.seq) + 1,
      id: `aud_${randomBytes(8).toString('hex')}`,
      at: new Date().toISOString(),
      actor: 'user:alice',
      role: 'analyst',
      action: 'number.lookup',
      target,
      details: {},
      clientIp: '10.0.0.8',
      prevHash: head.hash,
    };
    const hash = entryHash(draft);
    await sql.query(
      `insert into audit_log (seq, id, at, actor, role, action, target, details, client_ip, prev_hash, hash)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        draft.seq,
        draft.id,
        new Date(draft.at),
        draft.actor,
        draft.role,
        draft.action,
        target,
        '{}',
        draft.clientIp,
        draft.prevHash,
        hash,
      ],
    );
    await sql.query('update audit_head set seq = $1, hash = $2', [draft.seq, hash]);
  }

  it('an entry forged onto the end is caught once the server appends after it, with its number', async () => {
    const log = await signedLog(4);
    try {
      // Blames alice for a lookup she never made; the chain and the head check.
      await forgeAppend(log.sql, '+77017770099');
      assert.equal((await log.audit.verify()).ok, true);
      // The server's next append links to the forged entry and signs the new head.
      await log.append('+77017770005');
      const result = await log.verify();
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.seq, 5);
      assert.match(!result.ok ? result.problem : '', /entry 5 has no signed checkpoint/);
      const cli = await verifyAuditWithCheckpoints(createAuditLog({ sql: log.sql }), log.config);
      assert.equal(!cli.result.ok && cli.result.seq, 5);
    } finally {
      await log.done();
    }
  });

  it('the newest entries cut off, head recomputed, are caught by the checkpoints', async () => {
    const log = await signedLog(5);
    try {
      await log.sql.query('alter table audit_log disable trigger user');
      await log.sql.query('delete from audit_log where seq >= 4');
      await log.sql.query('update audit_head set seq = 3, hash = (select hash from audit_log where seq = 3)');
      await log.sql.query('alter table audit_log enable trigger user');
      assert.equal((await log.audit.verify()).ok, true);
      const result = await log.verify();
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.problem : '', /names entry 5 but the log ends at entry 3/);
    } finally {
      await log.done();
    }
  });
});
