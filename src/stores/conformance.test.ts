import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { COLOS, minuteRows, random, type ZoneTraffic } from '../demo/traffic.js';
import type { RequestSource } from '../model/request-source.js';
import { runQuery } from '../query/run.js';
import { BUCKET_NAMES, type Dimension, type StatusQuery } from '../query/spec.js';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../testing/clickhouse.js';
import { tempDir } from '../testing/paths.js';
import { ClickHouseStore } from './clickhouse/clickhouse-store.js';
import { MIGRATIONS as CLICKHOUSE_MIGRATIONS } from './clickhouse/schema.js';
import { DuckDBStore } from './duckdb/duckdb-store.js';
import { MIGRATIONS as DUCKDB_MIGRATIONS } from './duckdb/schema.js';
import { IdempotencyConflictError } from './idempotency.js';
import type { DistinctQuery, Store } from './store.js';

const HOUR = 60 * MINUTE_MS;
const DAY = 24 * HOUR;
// Three days ending 17 minutes past an hour: day partitions, whole hours and a running hour.
const END = Date.UTC(2026, 10, 23, 14, 17);
const START = END - 3 * DAY;

/** Generated traffic: two zones, two hosts in one, seven data centers, every group, an incident. */
function traffic(): RollupRow[][] {
  const zones: ZoneTraffic[] = [
    {
      zone: 'shop.test',
      host: 'www.shop.test',
      perMinute: 60,
      incidents: [{ colo: 'FRA', from: END - DAY, to: END - DAY + 2 * HOUR }],
    },
    { zone: 'shop.test', host: 'api.shop.test', perMinute: 20, incidents: [] },
    { zone: 'blog.test', host: 'blog.test', perMinute: 10, incidents: [] },
  ];
  const rand = random(42);
  // Batches the way ingest makes them: one spanning midnight, one of a single minute, one of the rest.
  const batches: RollupRow[][] = [[], [], []];
  for (let minute = START; minute < END; minute += MINUTE_MS) {
    const batch = minute === END - 30 * MINUTE_MS ? 1 : minute < START + DAY + 3 * HOUR ? 0 : 2;
    for (const z of zones) batches[batch].push(...minuteRows(z, minute, rand));
  }
  return batches;
}

async function fill(store: Store, batches: RollupRow[][]): Promise<void> {
  for (const [i, rows] of batches.entries()) {
    const batch = await store.openBatch();
    await batch.append(rows);
    const requests = rows.reduce((sum, r) => sum + r.requests, 0);
    assert.equal(
      await batch.commit({ key: `batch-${i}`, hint: '', source: 'test', accepted: requests, rejected: 0 }),
      'committed',
    );
  }
  await store.setZonePlan('blog.test', 'free');
}

const BYS: Dimension[][] = [
  [],
  ['status'],
  ['group'],
  ['colo'],
  ['host'],
  ['source'],
  ['status', 'colo'],
  ['group', 'source'],
  ['status', 'group', 'colo', 'host', 'source'],
];

const skip = clickhouseMissing();

/** One minute of a zone with visitor requests and the edge's own (Worker subrequests, Early Hints, a purge). */
const SOURCES_ZONE = 'sources.test';
const SOURCES_MINUTE = END - 2 * HOUR;
function sourceRows(): RollupRow[] {
  const row = (status: number, requestSource: RequestSource | undefined, requests: number): RollupRow => ({
    minute: SOURCES_MINUTE,
    zone: SOURCES_ZONE,
    host: SOURCES_ZONE,
    colo: 'FRA',
    edgeStatus: status,
    status,
    originStatus: status === 504 ? 0 : status,
    group: status === 504 ? 'excluded' : status === 404 ? 'origin' : 'success',
    source: status === 504 ? 'edge' : 'origin',
    ...(requestSource ? { requestSource } : {}),
    requests,
    bytes: requests * 10,
  });
  return [
    row(200, 'eyeball', 90),
    row(200, undefined, 5), // rows without a request source are visitors'
    row(200, 'purge', 2), // differs from the visitors' 200s only by its source
    row(200, 'edgeWorkerFetch', 30),
    row(502, 'edgeWorkerFetch', 4),
    row(504, 'earlyHintsCache', 6),
    row(404, 'eyeball', 10),
  ];
}

/** Runs statements on a ClickHouse database over HTTP, as an older edgestat would have. */
async function clickhouseSql(http: string, database: string, statements: string[]): Promise<void> {
  for (const statement of statements) {
    const response = await fetch(`${http}/?database=${database}`, { method: 'POST', body: statement });
    if (!response.ok) throw new Error(`${statement}: ${await response.text()}`);
  }
}

describe('DuckDB and ClickHouse give identical answers', { skip, timeout: 300_000 }, () => {
  let server: TestClickHouse;
  let duck: DuckDBStore;
  let click: ClickHouseStore;

  before(async () => {
    server = await startClickHouse();
    duck = await DuckDBStore.open(join(tempDir(), 'conformance.duckdb'));
    click = await ClickHouseStore.open(server.storeUrl());
    const batches = traffic();
    await fill(duck, batches);
    await fill(click, batches);
  });
  after(async () => {
    await click?.close();
    await duck?.close();
    await server?.stop();
  });

  const same = async (q: StatusQuery) => {
    const [a, b] = await Promise.all([runQuery(duck, q), runQuery(click, q)]);
    assert.ok(a.rows.length > 0 || q.statuses?.length, `no rows for ${JSON.stringify(q)}`);
    assert.deepEqual(b, a, JSON.stringify(q));
  };

  it('for every bucket over whole days (hourly table) and a range ending mid-hour', async () => {
    for (const bucket of BUCKET_NAMES) {
      if (bucket !== '1m')
        await same({ zone: 'shop.test', from: START, to: END - 17 * MINUTE_MS, bucket, by: ['status'] });
      await same({ zone: 'shop.test', from: END - DAY, to: END, bucket, by: ['status'] });
      await same({
        zone: 'shop.test',
        from: END - 6 * HOUR + 7 * MINUTE_MS,
        to: END - 3 * MINUTE_MS,
        bucket,
        by: ['group'],
      });
    }
  });

  it('for every group-by', async () => {
    for (const by of BYS) {
      await same({ zone: 'shop.test', from: END - DAY, to: END, bucket: '1h', by });
      await same({ zone: 'blog.test', from: START, to: END, bucket: '15m', by });
    }
  });

  it('for every filter, with percentages of all requests', async () => {
    const base = { zone: 'shop.test', from: END - DAY, to: END, bucket: '5m' as const, by: ['status'] as Dimension[] };
    await same({ ...base, colos: ['FRA'] });
    await same({ ...base, colos: ['FRA', 'SIN', 'NOPE'] });
    await same({ ...base, statuses: [522, 524] });
    await same({ ...base, groups: ['52x', 'origin'] });
    await same({ ...base, host: 'api.shop.test' });
    await same({ ...base, host: 'api.shop.test', colos: [COLOS[1].colo], groups: ['success'], by: ['status', 'colo'] });
  });

  it('for whole-range totals (bucketSeconds 0), zones and plans', async () => {
    for (const by of BYS) {
      const q = { zone: 'shop.test', from: END - 2 * DAY + 13 * MINUTE_MS, to: END, bucketSeconds: 0, by };
      assert.deepEqual(await click.aggregate(q), await duck.aggregate(q));
      assert.deepEqual(await click.bucketTotals(q), await duck.bucketTotals(q));
    }
    assert.deepEqual(await click.zones(), await duck.zones());
    assert.equal(await click.zonePlan('blog.test'), 'free');
    assert.equal(await click.zonePlan('shop.test'), await duck.zonePlan('shop.test'));
  });

  it('for distinct zones, colos and hosts by requests, and for aggregations cut at a row limit', async () => {
    // Independently: requests per colo of shop.test over everything generated, most first.
    const perColo = new Map<string, number>();
    for (const r of traffic().flat()) {
      if (r.zone === 'shop.test') perColo.set(r.colo, (perColo.get(r.colo) ?? 0) + r.requests);
    }
    const expected = [...perColo].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([colo]) => colo);
    assert.deepEqual(await duck.distinctValues({ dimension: 'colo', zone: 'shop.test', limit: 100 }), expected);
    assert.deepEqual(
      await duck.distinctValues({ dimension: 'colo', zone: 'shop.test', limit: 3 }),
      expected.slice(0, 3),
    );
    const day = Date.UTC(2026, 10, 22);
    const queries: DistinctQuery[] = [
      { dimension: 'zone', limit: 10 },
      { dimension: 'zone', limit: 1 },
      { dimension: 'zone', zone: 'blog.test', limit: 1 },
      { dimension: 'zone', zone: 'nope.test', limit: 1 },
      { dimension: 'colo', zone: 'shop.test', limit: 100 },
      { dimension: 'colo', zone: 'shop.test', limit: 3 },
      { dimension: 'colo', zone: 'shop.test', from: day, to: day + DAY, limit: 4 },
      { dimension: 'colo', zone: 'shop.test', from: END - 6 * HOUR + 7 * MINUTE_MS, to: END - 3 * MINUTE_MS, limit: 5 },
      { dimension: 'host', zone: 'shop.test', from: day, to: day + DAY, limit: 1 },
      { dimension: 'host', zone: 'shop.test', limit: 10 },
      { dimension: 'colo', zone: 'nope.test', from: day, to: day + DAY, limit: 10 },
    ];
    for (const q of queries)
      assert.deepEqual(await click.distinctValues(q), await duck.distinctValues(q), JSON.stringify(q));
    assert.deepEqual(await duck.distinctValues(queries[0]), ['shop.test', 'blog.test']);
    assert.deepEqual(await duck.distinctValues(queries[3]), []);
    const cut = {
      zone: 'shop.test',
      from: END - DAY,
      to: END,
      bucketSeconds: 3600,
      by: ['status', 'colo'] as Dimension[],
    };
    const whole = await duck.aggregate(cut);
    assert.deepEqual(await duck.aggregate({ ...cut, limit: 17 }), whole.slice(0, 17));
    assert.deepEqual(await click.aggregate({ ...cut, limit: 17 }), whole.slice(0, 17));
  });

  it('counts visitor requests by default, and the other request sources when asked, summed apart', async () => {
    for (const store of [duck, click] as Store[]) {
      const batch = await store.openBatch();
      await batch.append(sourceRows());
      await batch.commit({ key: 'sources-1', hint: '', source: 'test', accepted: 147, rejected: 0 });
    }
    // Merged now, so that rows of different sources would have collapsed if the sort key missed the source.
    await clickhouseSql(server.http, click.database, [
      'OPTIMIZE TABLE rollup_minute FINAL',
      'OPTIMIZE TABLE rollup_hour FINAL',
    ]);
    const base = { zone: SOURCES_ZONE, from: END - 3 * HOUR, to: END, bucket: '1h' as const };
    const expect = async (q: Partial<StatusQuery>, rows: Array<Array<string | number>>) => {
      const query = { ...base, by: ['status'] as Dimension[], ...q };
      await same(query);
      const answer = await runQuery(duck, query);
      assert.deepEqual(
        answer.rows.map((r) => [...query.by.map((d) => r[d] as string | number), r.requests, r.percent]),
        rows,
        JSON.stringify(q),
      );
    };
    const pct = (part: number, total: number) => Math.round((part / total) * 1_000_000) / 10_000;
    // Visitors: 95 (90 + 5 without a source) of 200, 10 of 404.
    await expect({ requestSources: ['eyeball'] }, [
      [200, 95, pct(95, 105)],
      [404, 10, pct(10, 105)],
    ]);
    await expect({}, [
      [200, 127, pct(127, 147)],
      [404, 10, pct(10, 147)],
      [502, 4, pct(4, 147)],
      [504, 6, pct(6, 147)],
    ]);
    await expect({ requestSources: ['edgeWorkerFetch', 'earlyHintsCache'] }, [
      [200, 30, pct(30, 40)],
      [502, 4, pct(4, 40)],
      [504, 6, pct(6, 40)],
    ]);
    // A status filter keeps the percentages shares of the bucket within the request-source scope.
    await expect({ requestSources: ['eyeball'], statuses: [200] }, [[200, 95, pct(95, 105)]]);
    await expect({ by: ['requestSource'] }, [
      ['earlyHintsCache', 6, pct(6, 147)],
      ['edgeWorkerFetch', 34, pct(34, 147)],
      ['eyeball', 105, pct(105, 147)],
      ['purge', 2, pct(2, 147)],
    ]);
    await expect(
      {
        by: ['requestSource', 'status'],
        statuses: [200, 502],
        requestSources: ['eyeball', 'purge', 'edgeWorkerFetch'],
      },
      [
        ['edgeWorkerFetch', 200, 30, pct(30, 141)],
        ['edgeWorkerFetch', 502, 4, pct(4, 141)],
        ['eyeball', 200, 95, pct(95, 141)],
        ['purge', 200, 2, pct(2, 141)],
      ],
    );
    await same({ ...base, bucket: '1m', by: ['requestSource', 'group'] });
    await same({ ...base, bucket: '1m', by: ['status'], requestSources: ['earlyHintsCache'] });
    const whole = {
      ...base,
      bucketSeconds: 0,
      by: ['requestSource'] as Dimension[],
      requestSources: ['purge'] as RequestSource[],
    };
    assert.deepEqual(await click.aggregate(whole), await duck.aggregate(whole));
    assert.deepEqual(await click.bucketTotals(whole), new Map([[base.from, 2]]));
  });

  it('counts every row written before request sources were kept as a visitor request', async () => {
    const minute = SOURCES_MINUTE;
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
          { ...sourceRows()[0], zone: 'old.test', host: 'old.test', requests: 3, bytes: 30 },
          { ...sourceRows()[0], zone: 'old.test', host: 'old.test', requestSource: 'purge', requests: 1, bytes: 10 },
        ]);
        await batch.commit({ key: 'after-migration', hint: '', source: 'test', accepted: 4, rejected: 0 });
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

  it('counts a batch committed again once, as DuckDB does', async () => {
    for (const store of [duck, click] as Store[]) {
      const batch = await store.openBatch();
      await batch.append(traffic()[1]);
      assert.equal(
        await batch.commit({ key: 'batch-1', hint: '', source: 'test', accepted: 1, rejected: 0 }),
        'duplicate',
      );
    }
    await same({ zone: 'shop.test', from: END - HOUR, to: END, bucket: '1m', by: ['status'] });
  });

  it('binds a key to its content: the same content is a duplicate, other content a conflict that writes nothing', async () => {
    const zone = 'bound.test';
    const rows = (status: number, requests: number): RollupRow[] => [
      { ...traffic()[1][0], zone, host: zone, status, edgeStatus: status, originStatus: status, requests },
    ];
    for (const store of [duck, click] as Store[]) {
      const commit = async (batchRows: RollupRow[], contentHash: string) => {
        const batch = await store.openBatch();
        await batch.append(batchRows);
        try {
          return await batch.commit({
            key: 'bound-1',
            hint: '',
            source: 'test',
            accepted: 1,
            rejected: 0,
            contentHash,
          });
        } catch (err) {
          await batch.abort();
          throw err;
        }
      };
      assert.equal(await commit(rows(200, 7), 'sha256:first'), 'committed', store.kind);
      assert.equal(await commit(rows(200, 7), 'sha256:first'), 'duplicate', store.kind);
      await assert.rejects(commit(rows(503, 40), 'sha256:second'), (err: Error) => {
        assert.ok(err instanceof IdempotencyConflictError, `${store.kind}: ${err.message}`);
        assert.match(err.message, /bound-1.*other content.*nothing of this batch was written/);
        return true;
      });
      assert.equal((await store.ingestRecord('bound-1'))?.contentHash, 'sha256:first', store.kind);
    }
    const q = { zone, from: END - 2 * DAY, to: END, bucket: '1d' as const, by: ['status'] as Dimension[] };
    await same(q);
    assert.deepEqual(
      (await runQuery(duck, q)).rows.map((r) => [r.status, r.requests]),
      [[200, 7]],
    );
  });
});
