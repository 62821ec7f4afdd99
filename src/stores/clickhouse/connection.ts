import type { ClickHouseClient } from '@clickhouse/client';
import { StoreUnavailableError } from '../store.js';
import type { ClaimHost } from './claim.js';

/**
 * SQL on the store's database: statements, rows, inserts. Connection failures and timeouts
 * become StoreUnavailableError; SQL errors stay what they are. The store, its batches and its
 * claims share one.
 */
export class ClickHouseConnection implements ClaimHost {
  constructor(
    private readonly client: ClickHouseClient,
    /** The HTTP endpoint, for messages. */
    private readonly url: string,
    readonly database: string,
    /** Newer servers parse one INSERT in parallel chunks unless told not to; 18.16 knows no such setting. */
    private readonly insertSettings: Record<string, 0 | 1>,
  ) {}

  async run(query: string): Promise<void> {
    try {
      await this.client.command({ query });
    } catch (err) {
      throw unavailable(this.url, err);
    }
  }

  async rows<T>(query: string): Promise<T[]> {
    try {
      return await (await this.client.query({ query, format: 'JSONEachRow' })).json<T>();
    } catch (err) {
      throw unavailable(this.url, err);
    }
  }

  async insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    try {
      await this.client.insert({ table, values, format: 'JSONEachRow', clickhouse_settings: this.insertSettings });
    } catch (err) {
      throw unavailable(this.url, err);
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** Connection failures and timeouts become StoreUnavailableError (retry later); SQL errors stay what they are. */
export function unavailable(url: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  const network = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|socket hang up|Timeout/i;
  if (network.test(String(e.code)) || network.test(e.message)) {
    return new StoreUnavailableError(
      `ClickHouse at ${url} is unavailable (${e.message}): nothing was lost, retry later`,
    );
  }
  return err as Error;
}
