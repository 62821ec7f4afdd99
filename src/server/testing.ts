import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { newToken } from '../auth/tokens.js';
import { parseConfig, type ServeConfig } from '../config/config.js';
import { emptyRequest, type NormalizedRequest } from '../model/request.js';
import type { Scope } from '../model/tokens.js';
import { Rollup } from '../rollup/rollup.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import type { Store } from '../stores/store.js';
import { tempDir } from '../testing/paths.js';
import { buildApp, type EdgestatApp } from './app.js';

/** A built app on a real DuckDB file in a temp dir, for `app.inject()` tests. */
export interface TestApp extends EdgestatApp {
  store: DuckDBStore;
  dbPath: string;
  dir: string;
  /** Closes the app and the store; keeps the file (for a CLI to read it). */
  close(): Promise<void>;
  /** Closes everything and removes the temp dir. */
  destroy(): Promise<void>;
}

/** Builds a test app; `config` overrides the defaults (limits merge key by key). */
export async function testApp(
  config: Partial<Omit<ServeConfig, 'limits'>> & { limits?: Partial<ServeConfig['limits']> } = {},
  now?: () => number,
): Promise<TestApp> {
  const dir = tempDir('edgestat-server-');
  const dbPath = join(dir, 'test.duckdb');
  const store = await DuckDBStore.open(dbPath);
  const built = await buildApp({ store, config: parseConfig({ webRoot: join(dir, 'no-web'), ...config }), now });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await built.app.close();
    await store.close();
  };
  return {
    ...built,
    store,
    dbPath,
    dir,
    close,
    destroy: async () => {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes requests into the store as one committed batch, through the real rollup and classification. */
export async function seed(store: Store, key: string, requests: Array<Partial<NormalizedRequest>>): Promise<void> {
  const rollup = new Rollup();
  for (const fields of requests) rollup.add({ ...emptyRequest(), ...fields });
  const batch = await store.openBatch();
  await batch.append(rollup.drain());
  await batch.commit({ key, hint: '', input: 'test', accepted: requests.length, rejected: 0 });
}

/** `count` copies of one request. */
export function times(count: number, request: Partial<NormalizedRequest>): Array<Partial<NormalizedRequest>> {
  return Array.from({ length: count }, () => request);
}

/** Creates a token in the store and returns its secret. */
export async function tokenFor(store: Store, scopes: Scope[], zones: string[], name = 'test'): Promise<string> {
  const { secret, record } = newToken(name, scopes, zones);
  await store.createToken(record);
  return secret;
}

/** Default time of `cfLine`: 2026-11-24T10:00Z. */
export const CF_T0 = Date.UTC(2026, 10, 24, 10, 0);
const ZONE = 'shop.example';

interface CfFields {
  ts?: number;
  status?: number;
  origin?: number;
  colo?: string;
  zone?: string;
  bytes?: number;
}

/** One Cloudflare Logpush http_requests line (RFC 3339 timestamps). */
export function cfLine(f: CfFields = {}): string {
  return JSON.stringify({
    EdgeStartTimestamp: new Date(f.ts ?? CF_T0).toISOString(),
    ClientRequestHost: `www.${f.zone ?? ZONE}`,
    EdgeColoCode: f.colo ?? 'FRA',
    EdgeResponseStatus: f.status ?? 200,
    OriginResponseStatus: f.origin ?? f.status ?? 200,
    EdgeResponseBytes: f.bytes ?? 100,
    ...(f.zone ? { ZoneName: f.zone } : {}),
  });
}
