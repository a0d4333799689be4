/**
 * A PostgreSQL crash and restart under a running node, on a PRIVATE PostgreSQL server (its own
 * temp dir and port; the shared one on 5432 is never touched): nothing acknowledged is lost,
 * screening keeps answering meanwhile, writes say "try again", and the node recovers by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CdrLines } from '../datapath/test-support.ts';
import { call, callshieldNode, eventually, type Node, type PrivateService, startPostgres } from './harness.ts';

const ADMIN = 'pg-fault-admin-token-0123456789';

describe('PostgreSQL restart under a running node', { timeout: 90_000 }, () => {
  let postgres: (PrivateService & { databaseUrl: string }) | null = null;
  let node: Node;
  let kcell = '';

  before(async () => {
    postgres = await startPostgres();
    if (!postgres) return;
    node = await callshieldNode('screening,ingest', {
      DATABASE_URL: postgres.databaseUrl,
      CALLSHIELD_ADMIN_TOKEN: ADMIN,
      CALLSHIELD_LOG_LEVEL: 'fatal',
    });
    await node.start();
    const issued = await call(node.url, 'POST', '/v1/admin/operators/KCELL/keys', { token: ADMIN, body: {} });
    kcell = issued.body.apiKey as string;
  });

  after(async () => {
    await node?.kill();
    await postgres?.remove();
  });

  it('keeps every acknowledged write across a crash of the server, and recovers without a restart', async (t) => {
    // The machine and CI run as root with Debian's PostgreSQL: a missing prerequisite is a failure to fix.
    assert.ok(postgres, 'needs root and the PostgreSQL server binaries for a private server');
    let finished = false;
    t.after(() => {
      // What the node said, when something went wrong.
      if (!finished) t.diagnostic(node.output().slice(-3000));
    });
    const blocked: string[] = [];
    for (let i = 0; i < 20; i++) {
      const number = `+7701555${String(1000 + i)}`;
      const added = await call(node.url, 'POST', '/v1/lists/blocklist/entries', {
        token: ADMIN,
        body: { number, reason: 'fraud' },
      });
      if (added.status === 201) blocked.push(number);
    }
    assert.equal(blocked.length, 20);
    const cdrs = new CdrLines('KCELL');
    for (let i = 0; i < 300; i++) cdrs.voice('+77015550000', 'out', `+7705${String(1000000 + i)}`, i, 20, 'C1');
    const upload = await call(node.url, 'POST', '/v1/cdr?file=before.csv', {
      token: kcell,
      raw: cdrs.text(),
      contentType: 'text/csv',
    });
    assert.equal(upload.body.accepted, 300, upload.text);

    await postgres.stop();
    // Screening reads memory: it answers as before.
    const verdict = await call(node.url, 'POST', '/v1/calls/verify', {
      token: kcell,
      body: { callId: 'pg-1', a: blocked[0], b: '+77071234567', at: new Date().toISOString(), ingress: 'domestic' },
    });
    assert.equal(verdict.body.verdict, 'block', verdict.text);
    assert.ok(
      await eventually(async () => (await call(node.url, 'GET', '/healthz')).body.status === 'degraded', 10_000),
      '/healthz says the records store is down',
    );
    const refused = await call(node.url, 'POST', '/v1/lists/blocklist/entries', {
      token: ADMIN,
      body: { number: '+77015559999', reason: 'while down' },
    });
    assert.equal(refused.status, 503, refused.text);
    assert.equal((refused.body.error as { code: string }).code, 'DEPENDENCY_UNAVAILABLE');

    await postgres.start();
    assert.ok(
      await eventually(async () => (await call(node.url, 'GET', '/healthz')).body.status === 'ok', 15_000, 200),
      'the node sees PostgreSQL again',
    );
    const listed = await call(node.url, 'GET', '/v1/lists/blocklist?since=0', { token: ADMIN });
    const numbers = (listed.body.added as { number: string }[]).map((e) => e.number);
    for (const number of blocked) assert.ok(numbers.includes(number), `${number} survived`);
    const again = await call(node.url, 'POST', '/v1/cdr?file=before.csv', {
      token: kcell,
      raw: cdrs.text(),
      contentType: 'text/csv',
    });
    // Every record acknowledged before the crash is still known: all duplicates.
    assert.equal(again.body.duplicates, 300, again.text);
    const after = await call(node.url, 'POST', '/v1/lists/blocklist/entries', {
      token: ADMIN,
      body: { number: '+77015559999', reason: 'after the restart' },
    });
    assert.equal(after.status, 201, after.text);
    finished = true;
  });
});

describe('PostgreSQL going away in the middle of a transaction', { timeout: 60_000 }, () => {
  it('fails the transaction with DEPENDENCY_UNAVAILABLE instead of ending the process', async () => {
    const server = await startPostgres();
    assert.ok(server, 'needs root and the PostgreSQL server binaries for a private server');
    const { openPostgres } = await import('../platform/sql.ts');
    const sql = await openPostgres(server.databaseUrl);
    try {
      const outcome = await sql
        .transaction(async (tx) => {
          await tx.query('select 1');
          // The server stops while this client is checked out of the pool.
          await server.stop();
          await tx.query('select 1');
        })
        .then(
          () => 'committed',
          (error: { code?: string }) => error.code,
        );
      assert.equal(outcome, 'DEPENDENCY_UNAVAILABLE');
      // The process is still here, and the store answers again once the server is back.
      await server.start();
      assert.ok(
        await eventually(
          async () =>
            await sql.query('select 1').then(
              () => true,
              () => false,
            ),
          20_000,
        ),
      );
    } finally {
      await sql.close().catch(() => {});
      await server.remove();
    }
  });
});
