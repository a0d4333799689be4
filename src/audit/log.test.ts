import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate, openPglite, type Sql } from '../platform/sql.ts';
import { auditCsv, canonicalJson, createAuditLog } from './log.ts';

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
