import type { Store } from './store.js';

export const DEFAULT_DB = './edgestat.duckdb';

/**
 * Opens the store a `--store` URL names: `duckdb:FILE[?minute_retention_days=35&...]` (the
 * default, `./edgestat.duckdb`) or a bare file path, or `clickhouse://HOST:8123/DATABASE` (the
 * database is created if missing).
 */
export async function openStore(url: string = `duckdb:${DEFAULT_DB}`): Promise<Store> {
  const path = duckdbPath(url);
  // Each store's client is loaded when it is used: a command starts without loading both.
  if (path === undefined) return (await import('./clickhouse/clickhouse-store.js')).ClickHouseStore.open(url);
  const { retentionFrom } = await import('./duckdb/retention.js');
  const retention = retentionFrom(new URLSearchParams(duckdbOptions(url)));
  return (await import('./duckdb/duckdb-store.js')).DuckDBStore.open(path, { retention });
}

/** The DuckDB file a store URL names (the default file when there is no URL); undefined for ClickHouse. */
export function duckdbPath(url: string = `duckdb:${DEFAULT_DB}`): string | undefined {
  if (/^clickhouse:\/\//.test(url)) return undefined;
  const file = url.slice(0, url.length - duckdbOptions(url).length);
  return file.startsWith('duckdb:') ? file.slice('duckdb:'.length) : file;
}

/** The options of a `duckdb:` URL: from its `?` on ('' without). */
function duckdbOptions(url: string): string {
  const at = url.startsWith('duckdb:') ? url.indexOf('?') : -1;
  return at < 0 ? '' : url.slice(at);
}
