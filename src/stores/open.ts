import { ClickHouseStore } from './clickhouse/clickhouse-store.js';
import { DuckDBStore } from './duckdb/duckdb-store.js';
import type { Store } from './store.js';

export const DEFAULT_DB = './edgestat.duckdb';

/**
 * Opens the store a `--store` URL names: `duckdb:FILE` (the default, `./edgestat.duckdb`) or a
 * bare file path, or `clickhouse://HOST:8123/DATABASE` (the database is created if missing).
 */
export async function openStore(url: string = `duckdb:${DEFAULT_DB}`): Promise<Store> {
  if (/^clickhouse:\/\//.test(url)) return ClickHouseStore.open(url);
  const path = url.startsWith('duckdb:') ? url.slice('duckdb:'.length) : url;
  return DuckDBStore.open(path);
}
