/**
 * Signed caller ID (STIR/SHAKEN): the national STI-CA and certificate repository, the hosted
 * signing service (STI-AS), the verification service (STI-VS) that screening uses, and their REST
 * interface (ATIS-1000082).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../platform/metrics.ts';
import { createOutboundGuard } from '../platform/outbound.ts';
import type { Sql } from '../platform/sql.ts';
import { createAuthority } from './authority.ts';
import { pemBlocks, toPem } from './certificates.ts';
import { createCertificateFetcher } from './fetcher.ts';
import { registerStirAdminRoutes, registerStirPublicRoutes } from './routes.ts';
import { createStirService } from './service.ts';
import { createVerifier } from './verifier.ts';

export interface StirSettings {
  stirRepositoryUrl?: string;
  stirCertificateDays: number;
  stirMaxAgeSeconds: number;
  stirFetchTimeoutMs: number;
  stirFetchMaxBytes: number;
  stirCacheSeconds: number;
  stirTlsCaFile?: string;
  stirX5uHosts?: string[];
}

export interface StirDeps {
  sql: Sql;
  settings: StirSettings;
  country: string;
  operatorName: (id: string) => string | undefined;
  clock: () => number;
  metrics?: Metrics;
}

export async function createStir(deps: StirDeps) {
  const { settings, clock } = deps;
  const authority = await createAuthority({
    sql: deps.sql,
    clock,
    repositoryUrl: settings.stirRepositoryUrl,
    country: deps.country,
    operatorName: deps.operatorName,
    certificateDays: settings.stirCertificateDays,
  });
  const tlsCa = settings.stirTlsCaFile
    ? pemBlocks(readFileSync(resolve(settings.stirTlsCaFile), 'utf8'), 'CERTIFICATE').map((der) =>
        toPem('CERTIFICATE', der),
      )
    : undefined;
  const fetcher = createCertificateFetcher({
    timeoutMs: settings.stirFetchTimeoutMs,
    maxBytes: settings.stirFetchMaxBytes,
    cacheMs: settings.stirCacheSeconds * 1000,
    failureCacheMs: Math.min(10_000, settings.stirCacheSeconds * 1000),
    maxEntries: 10_000,
    tlsCa,
    allowedHosts: settings.stirX5uHosts,
    // Hosts named in CALLSHIELD_STIR_X5U_HOSTS may be internal (a repository on the operators' network).
    guard: createOutboundGuard({ allowHosts: settings.stirX5uHosts ?? [] }),
    clock,
  });
  const verifications = deps.metrics?.counter(
    'callshield_stir_verifications_total',
    'Identity header verifications by verstat and failure',
    ['verstat', 'failure'] as const,
  );
  deps.metrics?.gauge('callshield_stir_x5u_cached', 'x5u certificates in the verifier cache', () => fetcher.size());
  const verifier = createVerifier({
    fetcher,
    trustAnchors: authority.trustAnchors,
    isRevoked: authority.isRevoked,
    operatorOfSpc: authority.operatorOfSpc,
    clock,
    maxAgeSeconds: settings.stirMaxAgeSeconds,
    onResult: verifications
      ? (result) => verifications.inc({ verstat: result.verstat, failure: result.failure ?? 'none' })
      : undefined,
  });
  const service = createStirService({ authority, verifier, clock });

  // Other nodes issue and revoke too (distributed mode): pick their changes up from the records.
  const refresher = setInterval(() => {
    authority.reload().catch(() => {});
  }, 30_000);
  refresher.unref();

  return {
    name: 'stir',
    authority,
    verifier,
    service,
    fetcher,
    /** The repository and the signing and verification services (operators' keys, checked by the routes). */
    registerPublic: (http: FastifyInstance) => registerStirPublicRoutes(http, { stir: service, authority }),
    /** Certificate administration. */
    register: (scope: FastifyInstance) => registerStirAdminRoutes(scope, { authority }),
    close() {
      clearInterval(refresher);
      verifier.close();
    },
  };
}

export type Stir = Awaited<ReturnType<typeof createStir>>;
