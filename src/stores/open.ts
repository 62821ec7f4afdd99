import type { Store } from './store.js';

export const DEFAULT_DB = './edgestat.duckdb';

/**
 * Opens the store a `--store` URL names: `duckdb:FILE` (the default, `./edgestat.duckdb`) or a
 * bare file path, or `clickhouse://HOST:8123/DATABASE` (the database is created if missing).
 */
export async function openStore(url: string = `duckdb:${DEFAULT_DB}`): Promise<Store> {
  const path = duckdbPath(url);
  // Each store's client is loaded when it is used: a command starts without loading both.
  if (path === undefined) return (await import('./clickhouse/clickhouse-store.js')).ClickHouseStore.open(url);
  return (await import('./duckdb/duckdb-store.js')).DuckDBStore.open(path);
}

/** The DuckDB file a store URL names (the default file when there is no URL); undefined for ClickHouse. */
export function duckdbPath(url: string = `duckdb:${DEFAULT_DB}`): string | undefined {
  if (/^clickhouse:\/\//.test(url)) return undefined;
  return url.startsWith('duckdb:') ? url.slice('duckdb:'.length) : url;
}
