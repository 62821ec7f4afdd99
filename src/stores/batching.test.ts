import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Group } from '../classify/rules.js';
import type { BucketName, Dimension, StatusQuery } from '../model/query.js';
import { emptyRequest, type NormalizedRequest } from '../model/request.js';
import { REQUEST_SOURCES } from '../model/request-source.js';
import { runQuery } from '../query/run.js';
import { Rollup } from '../rollup/rollup.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../testing/clickhouse.js';
import { tempDir } from '../testing/paths.js';
import { distinctKeys } from '../testing/rows.js';
import { ClickHouseStore } from './clickhouse/clickhouse-store.js';
import { DuckDBStore } from './duckdb/duckdb-store.js';
import type { Store } from './store.js';

const ZONE = 'batching.example';
const T0 = Date.UTC(2026, 10, 22);
const DAY = 86_400_000;
const COLOS = ['AMS', 'FRA', 'IAD', 'LHR', 'NRT', 'SJC', 'SIN', 'GRU'];
const HOSTS = Array.from({ length: 6 }, (_, i) => `h${i}.${ZONE}`);
/** [edge status, origin status, 52x cause]: success, origin errors and 503s, edge errors, 52x, the edge's own 502. */
const OUTCOMES: [number, number, number][] = [
  [200, 200, 0],
  [200, 200, 0],
  [304, 304, 0],
  [404, 404, 0],
  [503, 503, 0],
  [403, 0, 0],
  [502, 0, 522],
  [504, 0, 524],
  [502, 0, 0],
];

/** Two days of requests from a fixed seed: every dimension and group has several values. */
function traffic(count: number): NormalizedRequest[] {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  return Array.from({ length: count }, () => {
    const [edgeStatus, originStatus, cause] = OUTCOMES[next(OUTCOMES.length)];
    return {
      ...emptyRequest(),
      ts: T0 + next(2 * DAY),
      zone: ZONE,
      host: HOSTS[next(HOSTS.length)],
      colo: COLOS[next(COLOS.length)],
      edgeStatus,
      originStatus,
      cause,
      bytes: next(5000),
      requestSource: next(10) === 0 ? 'edgeWorkerFetch' : 'eyeball',
    };
  });
}

/** Commits the requests in `batches` batches of about equal size, each under a key of its own. */
async function load(store: Store, requests: NormalizedRequest[], batches: number): Promise<void> {
  const size = Math.ceil(requests.length / batches);
  for (let i = 0; i < batches; i++) {
    const part = requests.slice(i * size, (i + 1) * size);
    const rollup = new Rollup();
    for (const request of part) rollup.add(request);
    const batch = await store.openBatch();
    await batch.append(rollup.drain());
    await batch.commit({ key: `part-${i}`, hint: '', input: 'test', accepted: part.length, rejected: 0 });
  }
}

const BUCKETS: BucketName[] = ['1m', '5m', '15m', '1h', '1d'];
const BY: Dimension[][] = [
  [],
  ['status'],
  ['group'],
  ['colo'],
  ['host'],
  ['source'],
  ['requestSource'],
  ['status', 'colo'],
  ['group', 'host'],
];
const FILTERS: Partial<StatusQuery>[] = [
  {},
  { statuses: [404, 522] },
  { groups: ['52x', 'origin'] as Group[] },
  { colos: ['FRA', 'SJC'] },
  { host: HOSTS[2] },
  { requestSources: [...REQUEST_SOURCES] },
];

/** Every answer of the two stores, compared: bucket sizes × group-bys × filters. */
async function compareAll(whole: Store, parts: Store): Promise<number> {
  let compared = 0;
  for (const bucket of BUCKETS) {
    for (const by of BY) {
      for (const filter of FILTERS) {
        const query: StatusQuery = {
          zone: ZONE,
          from: T0,
          to: T0 + 2 * DAY,
          bucket,
          by,
          requestSources: ['eyeball'],
          ...filter,
        };
        const [a, b] = await Promise.all([runQuery(whole, query), runQuery(parts, query)]);
        assert.deepEqual(b, a, `bucket ${bucket}, by ${by.join(',') || '(none)'}, filter ${JSON.stringify(filter)}`);
        compared++;
      }
    }
  }
  return compared;
}

/** What a store does after its commits: merge its rows (compaction) and drop old ones (retention, as if at `now`). */
interface Upkeep {
  compact(store: Store): Promise<void>;
  retain(store: Store, now: number): Promise<void>;
}

function batchingSuite(
  name: string,
  batches: number,
  open: () => Promise<[Store, Store]>,
  options: { skip?: string; upkeep?: Upkeep } = {},
) {
  const { skip, upkeep } = options;
  describe(`answers do not depend on batching: ${name}`, { skip, timeout: 300_000 }, () => {
    const requests = traffic(20_000);
    let whole: Store;
    let parts: Store;
    before(async () => {
      [whole, parts] = await open();
      await load(whole, requests, 1);
      await load(parts, requests, batches);
    });
    after(async () => {
      await whole?.close();
      await parts?.close();
    });
    const visitors = requests.filter((r) => r.requestSource === 'eyeball').length;
    /** All visitor requests of the two days, in 1-day buckets. */
    const dailyTotal = async (store: Store) => {
      const query: StatusQuery = {
        zone: ZONE,
        from: T0,
        to: T0 + 2 * DAY,
        bucket: '1d',
        by: [],
        requestSources: ['eyeball'],
      };
      return (await runQuery(store, query)).rows.reduce((n, r) => n + r.requests, 0);
    };

    it(`answers the same for the data committed as 1 batch and as ${batches}, every bucket, group-by and filter`, async () => {
      const compared = await compareAll(whole, parts);
      assert.equal(compared, BUCKETS.length * BY.length * FILTERS.length);
      // And the answers hold the data: all visitor requests of the two days.
      assert.equal(await dailyTotal(whole), visitors);
    });

    if (!upkeep) return;
    it('answers the same after compaction, which leaves one row per key per tier unit', async () => {
      await upkeep.compact(whole);
      await upkeep.compact(parts);
      await compareAll(whole, parts);
      assert.equal(await dailyTotal(parts), visitors);
      const rollup = new Rollup();
      for (const request of requests) rollup.add(request);
      const rows = rollup.drain();
      for (const store of [whole, parts]) {
        const report = await store.storageReport();
        assert.deepEqual(
          report.tiers.map((t) => [t.tier, t.rows]),
          report.tiers.map((t) => [t.tier, distinctKeys(rows, t.tier)]),
        );
      }
    });

    it('answers the same after retention dropped the first day of minutes and hours; days keep every request', async () => {
      await upkeep.retain(whole, T0 + 2 * DAY + 3_600_000);
      await upkeep.retain(parts, T0 + 2 * DAY + 3_600_000);
      await compareAll(whole, parts);
      assert.equal(await dailyTotal(parts), visitors);
      const report = await parts.storageReport();
      const from = Object.fromEntries(report.tiers.map((t) => [t.tier, t.from ?? 0]));
      assert.ok(from.minute >= T0 + DAY && from.hour >= T0 + DAY, 'minutes and hours of the first day dropped');
      assert.equal(from.day, T0);
    });
  });
}

const dir = tempDir('edgestat-batching-');
// Retention of one day for minutes and hours; compaction only when the test asks.
const duckdbOptions = { compactEveryMs: 0, retention: { minute: 1, hour: 1, day: 0 } };
batchingSuite(
  'DuckDB',
  1000,
  async () => [
    await DuckDBStore.open(join(dir, 'whole.duckdb'), duckdbOptions),
    await DuckDBStore.open(join(dir, 'parts.duckdb'), duckdbOptions),
  ],
  {
    upkeep: {
      compact: async (store) => void (await (store as DuckDBStore).compact()),
      retain: async (store, now) => void (await (store as DuckDBStore).applyRetention(now)),
    },
  },
);
after(() => rmSync(dir, { recursive: true, force: true }));

let clickhouse: TestClickHouse | undefined;
batchingSuite(
  'ClickHouse',
  1000,
  async () => {
    clickhouse = await startClickHouse();
    return [await ClickHouseStore.open(clickhouse.storeUrl()), await ClickHouseStore.open(clickhouse.storeUrl())];
  },
  { skip: clickhouseMissing() },
);
after(() => clickhouse?.stop());
