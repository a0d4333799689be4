/** A webhook receiver on 127.0.0.1 for tests: records what arrives, answers what it is told. */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
}

export async function startReceiver(answer: (path: string, count: number) => number = () => 200) {
  const got: Received[] = [];
  const counts = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const path = request.url ?? '/';
      const count = (counts.get(path) ?? 0) + 1;
      counts.set(path, count);
      got.push({ path, headers: request.headers, raw: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = answer(path, count);
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    got,
    at: (path: string) => got.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Whether a delivery carries the signature the test computes itself with the secret. */
export function signedWith(secret: string, r: Received): boolean {
  return r.headers['x-callshield-signature'] === `sha256=${createHmac('sha256', secret).update(r.raw).digest('hex')}`;
}
