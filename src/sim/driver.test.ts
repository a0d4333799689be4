import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadPlan } from '../numbering/plan.ts';
import { drive, formatReport, loadScenery } from './driver.ts';
import { SCENARIOS } from './scenarios.ts';
import { simulate } from './simulate.ts';

const plan = loadPlan(new URL('../../data/numbering/kz.json', import.meta.url).pathname);
const ADMIN = 'admin-token-for-tests';

interface Seen {
  method: string;
  path: string;
  token: string;
  body: Record<string, unknown>;
}

/** A stand-in for the server that checks nothing but records every request and answers per DESIGN.md §3. */
function fakeServer(seen: Seen[]): Server {
  const read = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (c) => {
        text += c;
      });
      req.on('end', () => resolve(text));
    });
  return createServer(async (req, res) => {
    const body = JSON.parse((await read(req)) || '{}');
    const token = (req.headers.authorization ?? '').replace('Bearer ', '');
    seen.push({ method: req.method ?? '', path: req.url ?? '', token, body });
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const keyMatch = /^\/v1\/admin\/operators\/([A-Z0-9]+)\/keys$/.exec(req.url ?? '');
    if (keyMatch) return send(201, { apiKey: `key-${keyMatch[1]}` });
    if (req.url === '/v1/calls/originate/batch')
      return send(200, { results: body.calls.map(() => ({ accepted: true })) });
    if (req.url === '/v1/calls/verify/batch') {
      // Naive screening: a Kazakh number arriving from abroad is blocked.
      return send(200, {
        results: body.calls.map((c: { a: string; ingress: string }) => {
          const spoofed = c.ingress === 'international' && plan.isDomestic(plan.parse(c.a));
          return spoofed
            ? { decisionId: 'd', verdict: 'block', reasons: ['SPOOFED_DOMESTIC_FROM_ABROAD'], shadow: false }
            : { decisionId: 'd', verdict: 'allow', reasons: [], shadow: false };
        }),
      });
    }
    return send(204, {});
  });
}

describe('driver', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const seen: Seen[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'callshield-drive-'));
    await simulate({ plan, scenario: SCENARIOS['spoofing-wave'], subscribers: 1500, days: 1, seed: 5, out: dir });
    server = fakeServer(seen);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads calls with their ingress, operators and truth', async () => {
    const scenery = await loadScenery(dir, plan, 5000);
    assert.ok(scenery.calls.length > 1000);
    const truths = new Set(scenery.calls.map((c) => c.truth));
    for (const t of ['legit', 'spoofed', 'simbox', 'fraud_caller']) assert.ok(truths.has(t as never), t);
    for (const c of scenery.calls) {
      if (c.ingress === 'international') assert.equal(c.callerOperator, null);
      if (c.ingress === 'on-net') assert.equal(c.callerOperator, c.calleeOperator);
    }
    assert.ok(scenery.roaming.every((r) => r.operator !== null));
  });

  it('originates with the caller operator key, verifies with the callee key, in batches', async () => {
    const scenery = await loadScenery(dir, plan, 300);
    const report = await drive({ server: url, adminToken: ADMIN, scenery, rate: 400, duration: 0.5, batchSize: 50 });
    assert.ok(report.offered >= 150 && report.offered <= 200, `offered ${report.offered}`);
    assert.equal(report.errors, 0);
    assert.equal(report.verified, report.offered);

    const keyRequests = seen.filter((s) => s.path.endsWith('/keys'));
    assert.ok(keyRequests.length >= 4 && keyRequests.every((s) => s.token === ADMIN));
    assert.ok(seen.some((s) => s.method === 'PUT' && s.path.startsWith('/v1/roaming/') && s.token.startsWith('key-')));
    assert.ok(seen.some((s) => s.method === 'PUT' && s.path.startsWith('/v1/admin/mnp/') && s.token === ADMIN));
    assert.ok(seen.some((s) => s.path === '/v1/lists/dno/entries'));

    const originated = new Map<string, string>();
    for (const s of seen.filter((x) => x.path === '/v1/calls/originate/batch')) {
      const calls = s.body.calls as { callId: string; a: string; b: string; at: string }[];
      assert.ok(calls.length <= 50);
      for (const c of calls) {
        assert.deepEqual(Object.keys(c).sort(), ['a', 'at', 'b', 'callId']);
        originated.set(c.callId, s.token);
      }
    }
    let verified = 0;
    for (const s of seen.filter((x) => x.path === '/v1/calls/verify/batch')) {
      for (const c of s.body.calls as { callId: string; ingress: string; fromOperator?: string; b: string }[]) {
        verified++;
        assert.ok(['international', 'domestic', 'on-net'].includes(c.ingress));
        if (c.ingress === 'international') assert.ok(!originated.has(c.callId), 'a call from abroad was originated');
        else assert.ok(originated.has(c.callId), 'a domestic call was not originated');
        if (c.ingress === 'domestic') assert.equal(originated.get(c.callId), `key-${c.fromOperator}`);
        if (c.ingress === 'on-net') assert.equal(originated.get(c.callId), s.token);
      }
    }
    assert.equal(verified, report.offered);
    assert.ok((report.verdicts.spoofed?.block ?? 0) > 0);
    assert.equal(report.verdicts.legit?.block ?? 0, 0);
    assert.match(formatReport(report), /spoofed/);
  });
});
