/**
 * A real HTTPS server on 127.0.0.1 with its own test TLS CA, standing in for the places x5u URLs
 * point to: the certificate repository (proxied to the app under test) and hostile or broken hosts.
 */
import { X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPrivateKeyPem, generateKeyPair, issueCertificate } from './certificates.ts';

export interface X5uServer {
  /** https://127.0.0.1:port */
  url: string;
  /** File with the PEM of the TLS CA (for the stirTlsCaFile setting). */
  tlsCaFile: string;
  /** Serves a fixed body at a path. */
  serve(path: string, body: string | Buffer): void;
  /** Paths requested so far, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Starts the server. Special paths: /redirect/<path> answers 302 to <path>; /slow never finishes
 * its body; /huge sends 100 KB. Anything else not served is passed to `fallback`.
 */
export async function startX5uServer(
  fallback: (path: string) => Promise<{ status: number; body: string | Buffer }>,
): Promise<X5uServer> {
  const now = Date.now();
  const caKeys = await generateKeyPair();
  const caPem = await issueCertificate({
    subject: { commonName: 'callshield test TLS CA', country: 'KZ' },
    publicKey: caKeys.publicKey,
    selfKey: caKeys.privateKey,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    ca: true,
  });
  const serverKeys = await generateKeyPair();
  const serverPem = await issueCertificate({
    subject: { commonName: '127.0.0.1', country: 'KZ' },
    publicKey: serverKeys.publicKey,
    issuer: { certificatePem: caPem, privateKey: caKeys.privateKey },
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 86_400_000),
    ca: false,
    altNames: { ip: ['127.0.0.1'], dns: ['localhost'] },
  });
  const tlsCaFile = join(tmpdir(), `callshield-test-tls-ca-${new X509Certificate(caPem).serialNumber}.pem`);
  writeFileSync(tlsCaFile, caPem);

  const fixed = new Map<string, string | Buffer>();
  const requests: string[] = [];
  const server: Server = createServer(
    { key: await exportPrivateKeyPem(serverKeys.privateKey), cert: serverPem + caPem },
    (request, response) => {
      const path = request.url ?? '/';
      requests.push(path);
      if (path.startsWith('/redirect/')) {
        response.writeHead(302, { location: path.slice('/redirect'.length) }).end();
      } else if (path === '/slow') {
        // Headers at once, then a byte now and then: only a cap on the whole exchange stops this.
        response.writeHead(200, { 'content-type': 'application/x-pem-file' });
        response.write('-----BEGIN CERTIFICATE-----\n');
        const drip = setInterval(() => response.write('A'), 100);
        response.on('close', () => clearInterval(drip));
      } else if (path === '/huge') {
        response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(Buffer.alloc(100_000, 65));
      } else if (fixed.has(path)) {
        response.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(fixed.get(path));
      } else {
        fallback(path).then(
          ({ status, body }) => response.writeHead(status, { 'content-type': 'application/x-pem-file' }).end(body),
          () => response.writeHead(500).end(),
        );
      }
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    tlsCaFile,
    serve: (path, body) => fixed.set(path, body),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(tlsCaFile, { force: true });
          resolve();
        });
      }),
  };
}
