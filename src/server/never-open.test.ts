import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/config.js';
import { ClickHouseStore } from '../stores/clickhouse/clickhouse-store.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import type { Store } from '../stores/store.js';
import { clickhouseMissing, startClickHouse } from '../testing/clickhouse.js';
import { tempDir } from '../testing/paths.js';
import { buildApp } from './app.js';
import { tokenFor } from './testing.js';

/** The server's store and another process's store on the same data (one object for DuckDB, whose file one process owns). */
interface Stores {
  server: Store;
  other: Store;
  close(): Promise<void>;
}

async function duckdbStores(): Promise<Stores> {
  const dir = tempDir('edgestat-never-open-');
  const store = await DuckDBStore.open(join(dir, 'test.duckdb'));
  return {
    server: store,
    other: store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function clickhouseStores(): Promise<Stores> {
  const clickhouse = await startClickHouse();
  const url = clickhouse.storeUrl();
  const server = await ClickHouseStore.open(url);
  const other = await ClickHouseStore.open(url);
  return {
    server,
    other,
    close: async () => {
      await server.close();
      await other.close();
      await clickhouse.stop();
    },
  };
}

/** Later than the token cache of the server: its next check reads the store again. */
let clock = Date.now();
const later = () => {
  clock += 6000;
  return clock;
};

async function staysClosed(open: () => Promise<Stores>): Promise<void> {
  const stores = await open();
  const warnings: string[] = [];
  const { app, auth } = await buildApp({
    store: stores.server,
    // No dashboard: the path does not exist.
    config: parseConfig({ webRoot: join(tmpdir(), 'edgestat-never-open-no-web') }),
    logger: {
      level: 'warn',
      stream: { write: (line: string) => warnings.push(JSON.parse(line).msg) },
    },
  });
  try {
    const anonymous = async () => (await app.inject('/api/v1/zones')).statusCode;
    // Started without tokens: open.
    assert.equal(await auth.isOpen(later()), true);
    assert.equal(await anonymous(), 200);

    // Another process creates a token: closed within the token cache.
    const secret = await tokenFor(stores.other, ['analytics:read'], ['*'], 'other');
    assert.equal(await auth.isOpen(later()), false);
    assert.equal(await anonymous(), 401);

    // ... and revokes it, the last one: the server stays closed and says so, once.
    const [record] = await stores.other.tokens();
    await stores.other.revokeToken(record.id);
    assert.equal(await auth.hasTokens(later()), false, 'the store holds no active token');
    assert.equal(await auth.isOpen(), false);
    assert.equal(await anonymous(), 401);
    const revoked = await app.inject({ url: '/api/v1/zones', headers: { authorization: `Bearer ${secret}` } });
    assert.equal(revoked.statusCode, 401);
    assert.equal(await auth.isOpen(later()), false);
    assert.equal(await anonymous(), 401);
    assert.deepEqual(warnings, ['last token revoked: the server stays closed; create a token or restart on loopback']);

    // A new token works as usual.
    const fresh = await tokenFor(stores.other, ['analytics:read'], ['*'], 'fresh');
    assert.equal(await auth.isOpen(later()), false);
    const ok = await app.inject({ url: '/api/v1/zones', headers: { authorization: `Bearer ${fresh}` } });
    assert.equal(ok.statusCode, 200);
  } finally {
    await app.close();
    await stores.close();
  }
}

describe('a server that has seen a token never turns open', () => {
  it('on DuckDB, when the last token is revoked', () => staysClosed(duckdbStores));
  it('on ClickHouse, when another process revokes the last token', { skip: clickhouseMissing() }, () =>
    staysClosed(clickhouseStores),
  );
});
