import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { runQuery } from '../query/run.js';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../testing/clickhouse.js';
import { tempDir } from '../testing/paths.js';
import { ClickHouseStore } from './clickhouse/clickhouse-store.js';
import { MIGRATIONS as CLICKHOUSE_MIGRATIONS } from './clickhouse/schema.js';
import { DuckDBStore } from './duckdb/duckdb-store.js';
import { MIGRATIONS as DUCKDB_MIGRATIONS } from './duckdb/schema.js';
import type { Store } from './store.js';

const HOUR = 60 * MINUTE_MS;
const END = Date.UTC(2026, 10, 23, 14, 17);

/** A visitor's 200 in old.test, two hours before END. */
const visitorRow: RollupRow = {
  minute: END - 2 * HOUR,
  zone: 'old.test',
  host: 'old.test',
  colo: 'FRA',
  edgeStatus: 200,
  status: 200,
  originStatus: 200,
  group: 'success',
  source: 'origin',
  requests: 1,
  bytes: 10,
};

/** Runs statements on a ClickHouse database over HTTP, as an older edgestat would have. */
async function clickhouseSql(http: string, database: string, statements: string[]): Promise<void> {
  for (const statement of statements) {
    const response = await fetch(`${http}/?database=${database}`, { method: 'POST', body: statement });
    if (!response.ok) throw new Error(`${statement}: ${await response.text()}`);
  }
}

/** Both stores migrate files and databases written before request sources were kept. */
describe('request sources after a migration', { skip: clickhouseMissing(), timeout: 120_000 }, () => {
  let server: TestClickHouse;
  before(async () => {
    server = await startClickHouse();
  });
  after(async () => {
    await server?.stop();
  });

  it('counts every row written before request sources were kept as a visitor request', async () => {
    const minute = END - 2 * HOUR;
    const old = (table: string, at: number) =>
      `INSERT INTO ${table} VALUES (${at}, 'old.test', 'old.test', 'FRA', 200, 200, 200, 'success', 'origin', 7, 70)`;
    // DuckDB: a file as the previous version left it (schema version 2), then opened by this one.
    const path = join(tempDir(), 'before-request-source.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const [i, migration] of DUCKDB_MIGRATIONS.slice(0, 2).entries()) {
      await connection.run(migration);
      await connection.run(`INSERT INTO schema_version VALUES (${i + 1})`);
    }
    await connection.run(old('rollup_minute', minute));
    connection.closeSync();
    instance.closeSync();
    // ClickHouse: a database as the previous version left it, rows in both tables.
    const database = `edgestat_test_${process.pid}_old_${Date.now()}`;
    await clickhouseSql(server.http, 'default', [`CREATE DATABASE ${database}`]);
    await clickhouseSql(server.http, database, [
      'CREATE TABLE schema_version (version UInt32) ENGINE = TinyLog',
      ...CLICKHOUSE_MIGRATIONS.slice(0, 2).flat(),
      'INSERT INTO schema_version VALUES (1), (2)',
      old('rollup_minute', minute / 1000),
      old('rollup_hour', (minute - (minute % HOUR)) / 1000),
    ]);
    const stores: Store[] = [
      await DuckDBStore.open(path),
      await ClickHouseStore.open(`${server.http.replace(/^http:/, 'clickhouse:')}/${database}`),
    ];
    try {
      for (const store of stores) {
        const batch = await store.openBatch();
        await batch.append([
          { ...visitorRow, requests: 3, bytes: 30 },
          { ...visitorRow, requestSource: 'purge', requests: 1, bytes: 10 },
        ]);
        await batch.commit({ key: 'after-migration', hint: '', input: 'test', accepted: 4, rejected: 0 });
      }
      await clickhouseSql(server.http, database, [
        'OPTIMIZE TABLE rollup_minute FINAL',
        'OPTIMIZE TABLE rollup_hour FINAL',
      ]);
      for (const bucket of ['1m', '1h'] as const) {
        const q = { zone: 'old.test', from: END - 3 * HOUR, to: END - (END % HOUR), bucket };
        for (const store of stores) {
          const visitors = await runQuery(store, { ...q, by: ['status'], requestSources: ['eyeball'] });
          assert.deepEqual(
            visitors.rows.map((r) => [r.status, r.requests, r.bytes]),
            [[200, 10, 100]],
            `${store.kind} ${bucket}`,
          );
          const all = await runQuery(store, { ...q, by: ['requestSource'] });
          assert.deepEqual(
            all.rows.map((r) => [r.requestSource, r.requests]),
            [
              ['eyeball', 10],
              ['purge', 1],
            ],
            `${store.kind} ${bucket}`,
          );
        }
      }
    } finally {
      for (const store of stores) await store.close();
    }
  });
});
