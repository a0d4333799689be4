/**
 * Uploads cut short on a bad day: what the operator is told, what stays in the store, and that
 * sending the whole file again counts each record once.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CdrLines, type DataPathTestApp, startDataPathApp, victim } from '../datapath/test-support.ts';

const kcellNumber = (k: number) => `+7701${String(3000000 + k).padStart(7, '0')}`;

function file(count: number, firstId = 1): CdrLines {
  const lines = new CdrLines('KCELL', firstId);
  for (let k = 0; k < count; k++) lines.voice(kcellNumber(k % 500), 'out', victim(k % 900), k % 600, 30, 'ALA-1');
  return lines;
}

interface Kept {
  uploadId: string;
  accepted: number;
  duplicates: number;
  quarantined: number;
}

/**
 * POSTs `body` to /v1/cdr over a raw socket with chunked transfer encoding (no Content-Length, as a
 * streaming client sends it) and resolves with the status and the JSON answer, or null when the
 * connection closes without one.
 */
function postChunked(port: number, token: string, body: Buffer): Promise<{ status: number; json: unknown } | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (value: { status: number; json: unknown } | null) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(value);
    };
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      const text = received.toString('utf8');
      const headerEnd = text.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const length = Number(/content-length: *(\d+)/i.exec(text.slice(0, headerEnd))?.[1] ?? Number.NaN);
      const payload = received.subarray(Buffer.byteLength(text.slice(0, headerEnd + 4)));
      if (payload.length < length) return;
      finish({ status: Number(text.slice(9, 12)), json: JSON.parse(payload.subarray(0, length).toString('utf8')) });
    });
    socket.on('error', () => finish(null));
    socket.on('close', () => finish(null));
    socket.write(
      `POST /v1/cdr?file=chunked.csv HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${token}\r\n` +
        'Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    for (let offset = 0; offset < body.length; offset += 16_384) {
      const chunk = body.subarray(offset, offset + 16_384);
      socket.write(`${chunk.length.toString(16)}\r\n`);
      socket.write(chunk);
      socket.write('\r\n');
    }
    socket.write('0\r\n\r\n');
  });
}

describe('an upload cut short', () => {
  const limit = 1024 * 1024;
  let t: DataPathTestApp;
  let kcell: string;
  let port: number;

  before(async () => {
    t = await startDataPathApp({ cdrBodyLimitBytes: limit });
    kcell = await t.keyFor('KCELL');
    await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.http.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  after(() => t.close());

  it('a truncated gzip body answers 400 with what was kept, and the file sent again counts each record once', async () => {
    const whole = file(30_000).text();
    const gzip = gzipSync(whole);
    const cut = await t.upload(kcell, gzip.subarray(0, Math.floor(gzip.length * 0.7)), {
      contentType: 'application/gzip',
      file: 'cut.csv.gz',
    });
    assert.equal(cut.statusCode, 400, cut.body);
    const { error, kept } = cut.json() as { error: { code: string }; kept: Kept };
    assert.equal(error.code, 'BAD_REQUEST');
    // Whole batches before the cut were committed, and the answer says how many rows they held.
    assert.ok(kept.accepted > 0, cut.body);
    const upload = (await t.call(kcell, 'GET', `/v1/cdr/uploads/${kept.uploadId}`)).json() as Kept & {
      status: string;
    };
    assert.deepEqual([upload.status, upload.accepted], ['failed', kept.accepted]);

    const again = await t.upload(kcell, gzip, { contentType: 'application/gzip', file: 'cut.csv.gz' });
    assert.equal(again.statusCode, 200, again.body);
    const counts = again.json() as Kept;
    assert.deepEqual(
      [counts.accepted + kept.accepted, counts.duplicates, counts.quarantined],
      [30_000, kept.accepted, 0],
    );
  });

  it('a chunked body past the size limit is answered 413 with what was kept, not cut off', async () => {
    const body = Buffer.from(file(15_000, 100_000).text());
    assert.ok(body.length > limit && body.length < 2 * limit);
    const answer = await postChunked(port, kcell, body);
    assert.ok(answer, 'the server closed the connection without an answer');
    assert.equal(answer.status, 413);
    const { error, kept } = answer.json as { error: { code: string }; kept: Kept };
    assert.equal(error.code, 'PAYLOAD_TOO_LARGE');
    assert.ok(kept.accepted > 0);
    const upload = (await t.call(kcell, 'GET', `/v1/cdr/uploads/${kept.uploadId}`)).json() as Kept;
    assert.equal(upload.accepted, kept.accepted);
  });
});
