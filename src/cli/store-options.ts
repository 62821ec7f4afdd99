import type { Command } from 'commander';
import { DEFAULT_DB, openStore } from '../stores/open.js';
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

/** Opens the store the options (or EDGESTAT_STORE) name. */
export function storeFrom(options: StoreOptions): Promise<Store> {
  if (options.store && options.db) throw new Error('give either --store or --db, not both');
  const url = options.store ?? (options.db ? `duckdb:${options.db}` : process.env.EDGESTAT_STORE);
  return openStore(url);
}
