/**
 * Serves the built console (web/dist) at `/`, with the single-page-app fallback: any GET that is
 * not an API path and not a built file gets index.html, so client routes survive a reload.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors.ts';
import { noRouteMessage } from '../platform/http.ts';

/** Paths that belong to the API: an unknown one is a JSON 404, never the console page. */
const apiPrefixes = ['/v1/', '/v1?', '/public/', '/healthz', '/metrics', '/openapi.json', '/documentation'];

const securityHeaders = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function listFiles(root: string): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.add(`/${relative(root, path).split(sep).join('/')}`);
    }
  };
  walk(root);
  return out;
}

export async function registerConsoleStatic(app: FastifyInstance, distDir: string) {
  const built = existsSync(join(distDir, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: distDir, serve: false });
  // Built files are known at start (the build is immutable while the server runs).
  const files = built ? listFiles(distDir) : new Set<string>();

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0];
    if (apiPrefixes.some((prefix) => path.startsWith(prefix) || path === prefix.replace(/[/?]$/, ''))) {
      throw new AppError('NOT_FOUND', noRouteMessage(request.method, path));
    }
    reply.headers(securityHeaders);
    if (!built) {
      return reply
        .type('text/html; charset=utf-8')
        .send(
          '<!doctype html><meta charset="utf-8"><title>callshield</title><p>The console is not built. Run <code>npm run build:web</code> and restart.</p>',
        );
    }
    if (files.has(path) && path !== '/index.html') {
      // Vite names assets by content hash, so they never change under the same name.
      const immutable = path.startsWith('/assets/');
      return reply.sendFile(path.slice(1), { maxAge: immutable ? '365d' : 0, immutable });
    }
    return reply.sendFile('index.html', { maxAge: 0, immutable: false });
  });
}
