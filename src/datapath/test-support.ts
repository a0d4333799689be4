/**
 * Helpers for the data path's HTTP tests: a real app (every module, a real records store) and a
 * builder of small CDR files a reader can check by eye.
 */
import type { LightMyRequestResponse } from 'fastify';
import { type App, createApp } from '../app.ts';
import { CdrLines, victim } from '../cdr/test-support.ts';
import { loadConfig } from '../config.ts';
import { openPglite, type Sql } from '../platform/sql.ts';
import type { DataPath } from './index.ts';

export const testAdminToken = 'test-admin-token-0123456789';

export interface DataPathTestApp {
  app: App;
  dataPath: DataPath;
  /** A JSON request with a bearer token (or none). */
  call(token: string | undefined, method: string, url: string, body?: unknown): Promise<LightMyRequestResponse>;
  /** A raw upload to POST /v1/cdr. */
  upload(
    token: string | undefined,
    body: string | Buffer,
    options?: { contentType?: string; file?: string; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  keyFor(operator: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts an app; with `dataDir` its records live there (a restart reopens them), else in memory,
 * or in `shared` (several apps on one records store, as several nodes on one PostgreSQL).
 * Detection runs only when asked (`POST /v1/detection/run`), so tests never depend on a timer.
 */
export async function startDataPathApp(
  settings: Record<string, unknown> = {},
  dataDir = 'memory://',
  shared?: Sql,
): Promise<DataPathTestApp> {
  const config = loadConfig(
    {
      logLevel: 'silent',
      adminToken: testAdminToken,
      dataDir,
      statsFlushMs: 60_000,
      detectionIntervalSeconds: 86_400,
      detectionAfterCdrs: 1_000_000_000,
      ...settings,
    },
    {},
  );
  let own: Sql | undefined;
  if (!shared && dataDir === 'memory://') own = await openPglite('memory://');
  const app = await createApp(config, { sql: shared ?? own, scryptCost: { N: 1024, r: 8, p: 1 } });
  const t: DataPathTestApp = {
    app,
    dataPath: app.modules.dataPath as DataPath,
    call(token, method, url, body) {
      return app.http.inject({
        method: method as 'GET',
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        ...(body === undefined ? {} : { payload: body as object }),
      });
    },
    upload(token, body, options = {}) {
      const query = options.file ? `?file=${encodeURIComponent(options.file)}` : '';
      return app.http.inject({
        method: 'POST',
        url: `/v1/cdr${query}`,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          'content-type': options.contentType ?? 'text/csv',
          ...options.headers,
        },
        payload: body,
      });
    },
    async keyFor(operator) {
      const r = await t.call(testAdminToken, 'POST', `/v1/admin/operators/${operator}/keys`, {});
      if (r.statusCode !== 201) throw new Error(`key for ${operator}: ${r.statusCode} ${r.body}`);
      return (r.json() as { apiKey: string }).apiKey;
    },
    async close() {
      await app.close();
      if (own) await own.close();
    },
  };
  return t;
}

export { CDR_HEADER, CdrLines, victim } from '../cdr/test-support.ts';

/**
 * A SIM-box of four Kcell SIMs on two IMEIs in one cell, only outgoing calls to ever new numbers:
 * 240 CDRs that the detectors take for one device.
 */
export function simBoxCdrs(operator = 'KCELL', firstId = 1): CdrLines {
  const cdrs = new CdrLines(operator, firstId);
  for (let sim = 0; sim < 4; sim++)
    for (let k = 0; k < 60; k++)
      cdrs.voice(`+7701900000${sim}`, 'out', victim(sim * 100 + k), k * 12 + sim, 90 + (k % 7) * 20, 'ALA-7', {
        imei: sim < 2 ? '861111111111110' : '861111111111128',
        imsi: `40101000000000${sim}`,
      });
  return cdrs;
}
