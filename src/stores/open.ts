import { DuckDBStore } from './duckdb/duckdb-store.js';
import type { Store } from './store.js';

export const DEFAULT_DB = './edgestat.duckdb';

/**
 * Opens the store a `--store` URL names: `duckdb:FILE` (the default, `./edgestat.duckdb`)
 * or a bare file path. The ClickHouse store adds `clickhouse://HOST:8123/DATABASE`.
 */
export async function openStore(url: string = `duckdb:${DEFAULT_DB}`): Promise<Store> {
  const path = url.startsWith('duckdb:') ? url.slice('duckdb:'.length) : url;
  return DuckDBStore.open(path);
}
