import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COLOS, minuteRows, random, type ZoneTraffic } from '../demo/traffic.js';
import { BUCKET_NAMES, BUCKETS, type Dimension, type QueryAnswer, type StatusQuery } from '../model/query.js';
import { type RequestSource, VISITOR } from '../model/request-source.js';
import type { TokenRecord } from '../model/tokens.js';
import { percentOf, runQuery } from '../query/run.js';
import { bucketStart } from '../query/time.js';
import { MINUTE_MS, type RollupRow } from '../rollup/rollup.js';
import { IdempotencyConflictError } from '../stores/idempotency.js';
import { TIER_MS } from '../stores/plan.js';
import type { AggregateQuery, AggregateRow, DistinctQuery, Store, ZoneInfo } from '../stores/store.js';

/**
 * The store contract as a test suite: every store runs it (a tiny `contract.test.ts` in its
 * folder) and must give the answers computed here from the generated rows, independently of any
 * store. Covers rollups (every bucket, group-by and filter, limits, distinct values), exactly
 * once, ingest records, zones and plans, and tokens.
 */
export function storeContract(options: {
  name: string;
  /** A new, empty store; called once per suite. */
  open: () => Promise<Store>;
  /** Called after the store is closed (stop a server the store needed). */
  cleanup?: () => Promise<void>;
  /** A reason to skip (the store's server is missing), as node:test takes it. */
  skip?: string;
  /** Does now what the store does in the background (ClickHouse merges parts), so that answers show its effect. */
  settle?: (store: Store) => Promise<void>;
}): void {
  describe(`store contract: ${options.name}`, { skip: options.skip, timeout: 300_000 }, () => {
    let store: Store;
    const batches = traffic();
    const all = batches.flat();

    before(async () => {
      store = await options.open();
      await fill(store, batches);
    });
    after(async () => {
      await store?.close();
      await options.cleanup?.();
    });

    const answers = async (q: StatusQuery) => {
      const expected = expectedAnswer(all, q);
      assert.ok(expected.rows.length > 0 || q.statuses?.length, `no rows for ${JSON.stringify(q)}`);
      assert.deepEqual(await runQuery(store, q), expected, JSON.stringify(q));
    };

    it('answers every bucket over whole days (hourly tiers) and a range ending mid-hour', async () => {
      for (const bucket of BUCKET_NAMES) {
        if (bucket !== '1m')
          await answers({ zone: 'shop.test', from: START, to: END - 17 * MINUTE_MS, bucket, by: ['status'] });
        await answers({ zone: 'shop.test', from: END - DAY, to: END, bucket, by: ['status'] });
        const from = END - 6 * HOUR + 7 * MINUTE_MS;
        await answers({ zone: 'shop.test', from, to: END - 3 * MINUTE_MS, bucket, by: ['group'] });
      }
    });

    it('answers every group-by', async () => {
      for (const by of BYS) {
        await answers({ zone: 'shop.test', from: END - DAY, to: END, bucket: '1h', by });
        await answers({ zone: 'blog.test', from: START, to: END, bucket: '15m', by });
      }
    });

    it('answers every filter, with percentages of all requests', async () => {
      const base = {
        zone: 'shop.test',
        from: END - DAY,
        to: END,
        bucket: '5m' as const,
        by: ['status'] as Dimension[],
      };
      await answers({ ...base, colos: ['FRA'] });
      await answers({ ...base, colos: ['FRA', 'SIN', 'NOPE'] });
      await answers({ ...base, statuses: [522, 524] });
      await answers({ ...base, groups: ['52x', 'origin'] });
      await answers({ ...base, host: 'api.shop.test' });
      const colo = COLOS[1].colo;
      await answers({ ...base, host: 'api.shop.test', colos: [colo], groups: ['success'], by: ['status', 'colo'] });
    });

    it('sums whole ranges (bucketSeconds 0), totals per bucket, and cuts at a row limit', async () => {
      for (const by of BYS) {
        const q = { zone: 'shop.test', from: END - 2 * DAY + 13 * MINUTE_MS, to: END, bucketSeconds: 0, by };
        assert.deepEqual(await store.aggregate(q), sums(all, q, true), JSON.stringify(by));
        const totals = new Map(sums(all, { ...q, by: [] }, false).map((r) => [r.t, r.requests]));
        assert.deepEqual(await store.bucketTotals({ ...q, statuses: [200] }), totals);
      }
      const cut: AggregateQuery = {
        zone: 'shop.test',
        from: END - DAY,
        to: END,
        bucketSeconds: 3600,
        by: ['status', 'colo'],
      };
      assert.deepEqual(await store.aggregate({ ...cut, limit: 17 }), sums(all, cut, true).slice(0, 17));
    });

    it('lists distinct zones, colos and hosts busiest first, cut in the store', async () => {
      const day = Date.UTC(2026, 10, 22);
      const queries: DistinctQuery[] = [
        { dimension: 'zone', limit: 10 },
        { dimension: 'zone', limit: 1 },
        { dimension: 'zone', zone: 'blog.test', limit: 1 },
        { dimension: 'zone', zone: 'nope.test', limit: 1 },
        { dimension: 'colo', zone: 'shop.test', limit: 100 },
        { dimension: 'colo', zone: 'shop.test', limit: 3 },
        { dimension: 'colo', zone: 'shop.test', from: day, to: day + DAY, limit: 4 },
        {
          dimension: 'colo',
          zone: 'shop.test',
          from: END - 6 * HOUR + 7 * MINUTE_MS,
          to: END - 3 * MINUTE_MS,
          limit: 5,
        },
        { dimension: 'host', zone: 'shop.test', from: day, to: day + DAY, limit: 1 },
        { dimension: 'host', zone: 'shop.test', limit: 10 },
        { dimension: 'colo', zone: 'nope.test', from: day, to: day + DAY, limit: 10 },
      ];
      for (const q of queries)
        assert.deepEqual(await store.distinctValues(q), expectedDistinct(all, q), JSON.stringify(q));
      assert.deepEqual(await store.distinctValues(queries[0]), ['shop.test', 'blog.test']);
    });

    it('counts visitor requests by default, and the other request sources when asked, summed apart', async () => {
      const rows = sourceRows();
      const batch = await store.openBatch();
      await batch.append(rows);
      assert.equal(
        await batch.commit({ key: 'sources-1', hint: '', input: 'test', accepted: 147, rejected: 0 }),
        'committed',
      );
      // Merged now, so that rows of different sources would have collapsed if the store's key missed the source.
      await options.settle?.(store);
      const base = { zone: SOURCES_ZONE, from: END - 3 * HOUR, to: END, bucket: '1h' as const };
      const expect = async (q: Partial<StatusQuery>, expected: Array<Array<string | number>>) => {
        const query = { ...base, by: ['status'] as Dimension[], ...q };
        const answer = await runQuery(store, query);
        assert.deepEqual(answer, expectedAnswer(rows, query), JSON.stringify(q));
        assert.deepEqual(
          answer.rows.map((r) => [...query.by.map((d) => r[d] as string | number), r.requests, r.percent]),
          expected,
          JSON.stringify(q),
        );
      };
      // Visitors: 95 (90 + 5 without a source) of 200, 10 of 404.
      await expect({ requestSources: ['eyeball'] }, [
        [200, 95, percentOf(95, 105)],
        [404, 10, percentOf(10, 105)],
      ]);
      await expect({}, [
        [200, 127, percentOf(127, 147)],
        [404, 10, percentOf(10, 147)],
        [502, 4, percentOf(4, 147)],
        [504, 6, percentOf(6, 147)],
      ]);
      await expect({ requestSources: ['edgeWorkerFetch', 'earlyHintsCache'] }, [
        [200, 30, percentOf(30, 40)],
        [502, 4, percentOf(4, 40)],
        [504, 6, percentOf(6, 40)],
      ]);
      // A status filter keeps the percentages shares of the bucket within the request-source scope.
      await expect({ requestSources: ['eyeball'], statuses: [200] }, [[200, 95, percentOf(95, 105)]]);
      await expect({ by: ['requestSource'] }, [
        ['earlyHintsCache', 6, percentOf(6, 147)],
        ['edgeWorkerFetch', 34, percentOf(34, 147)],
        ['eyeball', 105, percentOf(105, 147)],
        ['purge', 2, percentOf(2, 147)],
      ]);
      await expect(
        {
          by: ['requestSource', 'status'],
          statuses: [200, 502],
          requestSources: ['eyeball', 'purge', 'edgeWorkerFetch'],
        },
        [
          ['edgeWorkerFetch', 200, 30, percentOf(30, 141)],
          ['edgeWorkerFetch', 502, 4, percentOf(4, 141)],
          ['eyeball', 200, 95, percentOf(95, 141)],
          ['purge', 200, 2, percentOf(2, 141)],
        ],
      );
      for (const q of [
        { ...base, bucket: '1m' as const, by: ['requestSource', 'group'] as Dimension[] },
        {
          ...base,
          bucket: '1m' as const,
          by: ['status'] as Dimension[],
          requestSources: ['earlyHintsCache'] as RequestSource[],
        },
      ])
        assert.deepEqual(await runQuery(store, q), expectedAnswer(rows, q));
      const whole: AggregateQuery = {
        ...base,
        bucketSeconds: 0,
        by: ['requestSource'],
        requestSources: ['purge'],
      };
      assert.deepEqual(await store.aggregate(whole), sums(rows, whole, true));
      assert.deepEqual(await store.bucketTotals(whole), new Map([[base.from, 2]]));
    });

    it('counts a batch committed again once, binds a key to its content, and shows nothing of an aborted batch', async () => {
      const again = await store.openBatch();
      await again.append(batches[1]);
      assert.equal(
        await again.commit({ key: 'batch-1', hint: '', input: 'test', accepted: 1, rejected: 0 }),
        'duplicate',
      );

      const zone = 'bound.test';
      const rows = (status: number, requests: number): RollupRow[] => [
        { ...batches[1][0], zone, host: zone, status, edgeStatus: status, originStatus: status, requests },
      ];
      const commit = async (batchRows: RollupRow[], contentHash: string) => {
        const batch = await store.openBatch();
        await batch.append(batchRows);
        try {
          return await batch.commit({
            key: 'bound-1',
            hint: '',
            input: 'test',
            accepted: 1,
            rejected: 0,
            contentHash,
          });
        } catch (err) {
          await batch.abort();
          throw err;
        }
      };
      assert.equal(await commit(rows(200, 7), 'sha256:first'), 'committed');
      assert.equal(await commit(rows(200, 7), 'sha256:first'), 'duplicate');
      await assert.rejects(commit(rows(503, 40), 'sha256:second'), (err: Error) => {
        assert.ok(err instanceof IdempotencyConflictError, err.message);
        assert.match(err.message, /bound-1.*other content.*nothing of this batch was written/);
        return true;
      });
      const aborted = await store.openBatch();
      await aborted.append(rows(404, 1000));
      await aborted.abort();
      const q = { zone, from: END - 2 * DAY, to: END, bucket: '1d' as const, by: ['status'] as Dimension[] };
      assert.deepEqual(
        (await runQuery(store, q)).rows.map((r) => [r.status, r.requests]),
        [[200, 7]],
      );
      // The traffic's own answer is unchanged by the duplicate.
      await answers({ zone: 'shop.test', from: END - HOUR, to: END, bucket: '1m', by: ['status'] });
    });

    it('commits a group of batches, answering each: a key earlier in the group or committed before is a duplicate or a conflict for that batch alone', async () => {
      const zone = 'group.test';
      const rows = (status: number, requests: number): RollupRow[] => [
        { ...batches[1][0], zone, host: zone, status, edgeStatus: status, originStatus: status, requests },
      ];
      const record = (key: string, contentHash: string) => ({
        key,
        hint: '',
        input: 'http',
        accepted: 1,
        rejected: 0,
        contentHash,
      });
      assert.deepEqual(await store.commitGroup([{ rows: rows(200, 1), record: record('g-0', 'sha256:a') }]), [
        'committed',
      ]);
      const outcomes = await store.commitGroup([
        { rows: rows(200, 10), record: record('g-1', 'sha256:b') },
        { rows: rows(404, 100), record: record('g-0', 'sha256:a') },
        { rows: rows(500, 1000), record: record('g-0', 'sha256:other') },
        { rows: rows(200, 10_000), record: record('g-2', 'sha256:c') },
        { rows: rows(200, 10), record: record('g-1', 'sha256:b') },
        { rows: rows(503, 100_000), record: record('g-2', 'sha256:not-c') },
        { rows: [], record: record('g-empty', 'sha256:e') },
      ]);
      assert.deepEqual(outcomes.slice(0, 2), ['committed', 'duplicate']);
      assert.ok(outcomes[2] instanceof IdempotencyConflictError, String(outcomes[2]));
      assert.deepEqual(outcomes.slice(3, 5), ['committed', 'duplicate']);
      assert.ok(outcomes[5] instanceof IdempotencyConflictError, String(outcomes[5]));
      assert.equal(outcomes[6], 'committed');
      await options.settle?.(store);
      const q = { zone, from: END - 2 * DAY, to: END, bucket: '1d' as const, by: ['status'] as Dimension[] };
      assert.deepEqual(
        (await runQuery(store, q)).rows.map((r) => [r.status, r.requests]),
        [[200, 10_011]],
      );
      for (const key of ['g-0', 'g-1', 'g-2', 'g-empty']) assert.ok(await store.ingestRecord(key), key);
      assert.equal((await store.ingestRecord('g-2'))?.contentHash, 'sha256:c');
    });

    it('keeps ingest records by key and by hint', async () => {
      const started = Date.now();
      const batch = await store.openBatch();
      await batch.append([{ ...batches[1][0], zone: 'records.test', host: 'records.test' }]);
      const record = {
        key: 'file-1',
        hint: '10:abc',
        input: 'file',
        accepted: 9,
        rejected: 2,
        contentHash: 'sha256:x',
      };
      assert.equal(await batch.commit(record), 'committed');
      const stored = await store.ingestRecord('file-1');
      assert.ok(stored && stored.at >= started - 1000 && stored.at <= Date.now() + 1000, JSON.stringify(stored));
      assert.deepEqual(stored, { ...record, at: stored.at });
      assert.deepEqual(await store.ingestRecordsByHint('10:abc'), [stored]);
      assert.deepEqual(await store.ingestRecordsByHint('nope'), []);
      assert.equal(await store.ingestRecord('never'), undefined);
      assert.equal((await store.ingestRecord('batch-0'))?.accepted, sumRequests(batches[0]));
    });

    it('lists zones with their plans, requests and first and last minute', async () => {
      assert.equal(await store.zonePlan('shop.test'), 'enterprise', 'a zone without a plan has the default');
      assert.equal(await store.zonePlan('blog.test'), 'free');
      await store.setZonePlan('empty.test', 'pro');
      await store.setZonePlan('empty.test', 'business');
      assert.equal(await store.zonePlan('empty.test'), 'business');
      const zones = await store.zones();
      const ours = zones.filter((z) => ['shop.test', 'blog.test', 'empty.test'].includes(z.zone));
      const expected: ZoneInfo[] = [
        zoneInfo(all, 'blog.test', 'free'),
        { zone: 'empty.test', plan: 'business', requests: 0, firstSeen: null, lastSeen: null },
        zoneInfo(all, 'shop.test', 'enterprise'),
      ];
      assert.deepEqual(ours, expected);
      assert.deepEqual(
        zones.map((z) => z.zone),
        zones.map((z) => z.zone).sort(),
      );
    });

    it('reports the rows and time span of each tier it keeps, and its size', async () => {
      const report = await store.storageReport();
      const minutes = all.map((r) => r.minute);
      const first = minutes.reduce((a, b) => Math.min(a, b));
      const last = minutes.reduce((a, b) => Math.max(a, b));
      assert.equal(report.tiers[0].tier, 'minute');
      for (const t of report.tiers) {
        const width = TIER_MS[t.tier];
        assert.ok(t.rows > 0, `${t.tier} tier has rows`);
        assert.ok(t.from !== null && t.to !== null);
        assert.equal(t.from % width, 0, `${t.tier} rows start on the tier's grid`);
        assert.ok(t.from <= first - (first % width) && t.to >= last - (last % width), `${t.tier} spans the data`);
      }
      assert.ok(report.bytes === null || report.bytes > 0, 'a size when known');
    });

    it('keeps tokens by hash, lists them oldest first, and revokes once', async () => {
      const token = (id: string, createdAt: number): TokenRecord => ({
        id,
        name: `name of ${id}`,
        hash: `hash-${id}`,
        scopes: ['analytics:read', 'logs:write'],
        zones: ['shop.test', 'blog.test'],
        createdAt,
        revokedAt: null,
      });
      const b = token('tok-b', 2000);
      const a = { ...token('tok-a', 1000), scopes: ['admin'] as TokenRecord['scopes'], zones: ['*'] };
      await store.createToken(b);
      await store.createToken(a);
      assert.deepEqual(await store.tokens(), [a, b]);
      assert.deepEqual(await store.tokenByHash('hash-tok-b'), b);
      assert.equal(await store.tokenByHash('nope'), undefined);
      const before = Date.now();
      assert.equal(await store.revokeToken('tok-b'), true);
      assert.equal(await store.revokeToken('tok-b'), false, 'revoked already');
      assert.equal(await store.revokeToken('nope'), false);
      const revoked = await store.tokenByHash('hash-tok-b');
      assert.ok(revoked?.revokedAt && revoked.revokedAt >= before - 1000, JSON.stringify(revoked));
      assert.deepEqual(await store.tokens(), [a, { ...b, revokedAt: revoked.revokedAt }]);
    });
  });
}

const HOUR = 60 * MINUTE_MS;
const DAY = 24 * HOUR;
// Three days ending 17 minutes past an hour: day partitions, whole hours and a running hour.
const END = Date.UTC(2026, 10, 23, 14, 17);
const START = END - 3 * DAY;

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

/** One minute of a zone with visitor requests and the edge's own (Worker subrequests, Early Hints, a purge). */
const SOURCES_ZONE = 'sources.test';
function sourceRows(): RollupRow[] {
  const zone = SOURCES_ZONE;
  const minute = END - 2 * HOUR;
  const row = (status: number, requestSource: RequestSource | undefined, requests: number): RollupRow => ({
    minute,
    zone,
    host: zone,
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
    const record = { key: `batch-${i}`, hint: '', input: 'test', accepted: sumRequests(rows), rejected: 0 };
    assert.equal(await batch.commit(record), 'committed');
  }
  await store.setZonePlan('blog.test', 'free');
}

const sumRequests = (rows: RollupRow[]) => rows.reduce((sum, r) => sum + r.requests, 0);

const VALUE: Record<Dimension, (r: RollupRow) => string | number> = {
  status: (r) => r.status,
  group: (r) => r.group,
  colo: (r) => r.colo,
  host: (r) => r.host,
  source: (r) => r.source,
  requestSource: (r) => r.requestSource ?? VISITOR,
};

const order = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** The aggregation computed from the rows themselves: filters, buckets, sums, order by bucket and dimensions, limit. */
function sums(rows: RollupRow[], q: AggregateQuery, withStatus: boolean): AggregateRow[] {
  const width = q.bucketSeconds * 1000;
  const out = new Map<string, AggregateRow>();
  for (const r of rows) {
    if (r.zone !== q.zone || r.minute < q.from || r.minute >= q.to) continue;
    if (q.host !== undefined && r.host !== q.host) continue;
    if (q.colos?.length && !q.colos.includes(r.colo)) continue;
    if (q.requestSources && !q.requestSources.includes(r.requestSource ?? VISITOR)) continue;
    if (withStatus && q.statuses?.length && !q.statuses.includes(r.status)) continue;
    if (withStatus && q.groups?.length && !q.groups.includes(r.group)) continue;
    const t = width === 0 ? q.from : r.minute - (r.minute % width);
    const key = [t, ...q.by.map((d) => VALUE[d](r))].join('\u0000');
    let row = out.get(key);
    if (!row) {
      row = { t, requests: 0, bytes: 0 };
      for (const d of q.by) Object.assign(row, { [d]: VALUE[d](r) });
      out.set(key, row);
    }
    row.requests += r.requests;
    row.bytes += r.bytes;
  }
  const sorted = [...out.values()].sort((a, b) => {
    if (a.t !== b.t) return a.t - b.t;
    for (const d of q.by) {
      const c = order(a[d] as string | number, b[d] as string | number);
      if (c !== 0) return c;
    }
    return 0;
  });
  return q.limit === undefined ? sorted : sorted.slice(0, q.limit);
}

/** A status-codes answer from the rows: buckets aligned to their size, percent of each bucket's requests. */
function expectedAnswer(rows: RollupRow[], query: StatusQuery): QueryAnswer {
  const from = bucketStart(query.from, query.bucket);
  const q: AggregateQuery = { ...query, from, bucketSeconds: BUCKETS[query.bucket] };
  const totals = new Map(sums(rows, { ...q, by: [] }, false).map((r) => [r.t, r.requests]));
  return {
    zone: q.zone,
    from: new Date(from).toISOString(),
    to: new Date(q.to).toISOString(),
    bucket: query.bucket,
    by: q.by,
    rows: sums(rows, q, true).map((r) => ({
      ...r,
      t: new Date(r.t).toISOString(),
      percent: percentOf(r.requests, totals.get(r.t) ?? 0),
    })),
  };
}

function expectedDistinct(rows: RollupRow[], q: DistinctQuery): string[] {
  const per = new Map<string, number>();
  for (const r of rows) {
    if (q.zone !== undefined && r.zone !== q.zone) continue;
    if ((q.from !== undefined && r.minute < q.from) || (q.to !== undefined && r.minute >= q.to)) continue;
    const value = q.dimension === 'zone' ? r.zone : q.dimension === 'colo' ? r.colo : r.host;
    per.set(value, (per.get(value) ?? 0) + r.requests);
  }
  return [...per]
    .sort((a, b) => b[1] - a[1] || order(a[0], b[0]))
    .slice(0, q.limit)
    .map(([value]) => value);
}

function zoneInfo(rows: RollupRow[], zone: string, plan: ZoneInfo['plan']): ZoneInfo {
  const mine = rows.filter((r) => r.zone === zone);
  return {
    zone,
    plan,
    requests: sumRequests(mine),
    firstSeen: mine.reduce((min, r) => Math.min(min, r.minute), Number.POSITIVE_INFINITY),
    lastSeen: mine.reduce((max, r) => Math.max(max, r.minute), Number.NEGATIVE_INFINITY),
  };
}
