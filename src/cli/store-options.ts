import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DEFAULT_DB, duckdbPath, openStore } from '../stores/open.js';
import type { Store } from '../stores/store.js';

export interface StoreOptions {
  store?: string;
  db?: string;
}

/** Adds `--store URL` and its shorthand `--db FILE` to a command. */
export function withStoreOptions(command: Command): Command {
  return command
    .option('--store <url>', 'store URL: duckdb:FILE or clickhouse://HOST:8123/DATABASE (env EDGESTAT_STORE)')
    .option('--db <file>', `DuckDB file, short for --store duckdb:FILE (default ${DEFAULT_DB})`);
}

/**
 * Opens the store the options (or EDGESTAT_STORE) name. With `mustExist` (commands that only
 * read) a DuckDB file that does not exist is an error instead of a new empty store.
 */
export function storeFrom(options: StoreOptions, { mustExist = false } = {}): Promise<Store> {
  if (options.store && options.db) throw new Error('give either --store or --db, not both');
  const url = options.store ?? (options.db ? `duckdb:${options.db}` : process.env.EDGESTAT_STORE);
  const path = duckdbPath(url);
  if (mustExist && path !== undefined && !existsSync(path)) {
    throw new Error(
      `no DuckDB file at ${path}: give the file edgestat ingest or serve writes (--db FILE), ` +
        'or ask a running server with --server http://127.0.0.1:8080',
    );
  }
  return openStore(url);
}
