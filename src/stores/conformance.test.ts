import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { COLOS, minuteRows, random, type ZoneTraffic } from '../demo/traffic.js';
import { runQuery } from '../query/run.js';
import { BUCKET_NAMES, type Dimension, type StatusQuery } from '../query/spec.js';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../testing/clickhouse.js';
import { tempDir } from '../testing/paths.js';
import { ClickHouseStore } from './clickhouse/clickhouse-store.js';
import { DuckDBStore } from './duckdb/duckdb-store.js';
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
