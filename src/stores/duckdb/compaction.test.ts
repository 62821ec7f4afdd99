import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Dimension } from '../../model/query.js';
import { VISITOR } from '../../model/request-source.js';
import type { RollupRow } from '../../rollup/rollup.js';
import { repoRoot, tempDir } from '../../testing/paths.js';
import { distinctKeys, pushedBatches } from '../../testing/rows.js';
import { duckdbPath, openStore } from '../open.js';
import { TIER_MS, TIERS, type Tier } from '../plan.js';
import type { AggregateRow, Store } from '../store.js';
import { compact, retried } from './compaction.js';
import { DuckDBStore } from './duckdb-store.js';
import { DEFAULT_RETENTION, retentionFrom } from './retention.js';
import { MIGRATIONS } from './schema.js';

const ZONE = 'compact.example';
const OTHER = 'pushed.example';
const T0 = Date.UTC(2026, 10, 20);
const HOUR = TIER_MS.hour;
const DAY = TIER_MS.day;
const dir = tempDir('edgestat-compaction-');
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const file = () => join(dir, `store-${files++}.duckdb`);

async function commitAll(store: Store, batches: RollupRow[][], prefix: string): Promise<void> {
  for (const [i, rows] of batches.entries()) {
    const batch = await store.openBatch();
    await batch.append(rows);
    assert.equal(
      await batch.commit({ key: `${prefix}-${i}`, hint: '', input: 'test', accepted: 1, rejected: 0 }),
      'committed',
    );
  }
}

const BY: Dimension[][] = [[], ['status'], ['colo', 'host'], ['group', 'requestSource']];
const BUCKET_SECONDS = [60, 900, 3600, 86_400, 0];

/** Every bucket and group-by of a zone over [from, to), and its colos and hosts: what must not change. */
async function answers(store: Store, zone: string, from: number, to: number) {
  const all: unknown[] = [];
  for (const bucketSeconds of BUCKET_SECONDS) {
    for (const by of BY) all.push(await store.aggregate({ zone, from, to, bucketSeconds, by }));
    all.push(await store.bucketTotals({ zone, from, to, bucketSeconds, by: [] }));
  }
  for (const dimension of ['colo', 'host'] as const) {
    all.push(await store.distinctValues({ dimension, zone, limit: 100 }));
    all.push(
      await store.distinctValues({ dimension, zone, from: from + 90 * 60_000, to: to - 7 * 60_000, limit: 100 }),
    );
  }
  all.push((await store.zones()).filter((z) => z.zone === zone));
  return all;
}

/** Requests per bucket and status, summed here from the rows: the independent expectation. */
function sums(rows: RollupRow[], bucketMs: number, from: number, to: number): AggregateRow[] {
  const out = new Map<string, AggregateRow>();
  for (const r of rows) {
    if (r.minute < from || r.minute >= to) continue;
    const t = Math.floor(r.minute / bucketMs) * bucketMs;
    const key = `${t}:${r.status}`;
    const row = out.get(key) ?? { t, status: r.status, requests: 0, bytes: 0 };
    row.requests += r.requests;
    row.bytes += r.bytes;
    out.set(key, row);
  }
  return [...out.values()].sort((a, b) => a.t - b.t || (a.status ?? 0) - (b.status ?? 0));
}

/** Slices of the loaded zones (not OTHER) still marked for compaction, read from the closed file. */
async function slicesToMerge(path: string): Promise<number> {
  const instance = await DuckDBInstance.create(path);
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      'SELECT count(DISTINCT (tier, zone, slice_ms))::DOUBLE FROM compaction_dirty WHERE zone != $1',
      [OTHER],
    );
    connection.closeSync();
    return Number(reader.getRowsJS()[0][0]);
  } finally {
    instance.closeSync();
  }
}

async function tierRows(store: Store): Promise<Record<Tier, number>> {
  const report = await store.storageReport();
  return Object.fromEntries(report.tiers.map((t) => [t.tier, t.rows])) as Record<Tier, number>;
}

describe('DuckDB tiers and compaction', { timeout: 240_000 }, () => {
  it('writes every tier at commit and merges each into one row per key per unit without changing an answer', async () => {
    const store = await DuckDBStore.open(file(), { compactEveryMs: 0 });
    try {
      const batches = pushedBatches(ZONE, T0, 48, 300, 40);
      // Half as single batches, half group-committed ten at a time.
      await commitAll(store, batches.slice(0, 150), 'single');
      for (let i = 150; i < 300; i += 10) {
        const group = batches.slice(i, i + 10).map((rows, j) => ({
          rows,
          record: { key: `group-${i + j}`, hint: '', input: 'test', accepted: 1, rejected: 0 },
        }));
        assert.deepEqual(await store.commitGroup(group), Array(10).fill('committed'));
      }
      const rows = batches.flat();
      const to = T0 + 2 * DAY;
      for (const bucketSeconds of [60, 3600, 86_400]) {
        const got = await store.aggregate({ zone: ZONE, from: T0, to, bucketSeconds, by: ['status'] });
        assert.deepEqual(got, sums(rows, bucketSeconds * 1000, T0, to), `${bucketSeconds}s buckets`);
      }
      const before = await answers(store, ZONE, T0 + 17 * 60_000, to - 3 * 60_000);
      const rowsBefore = await tierRows(store);
      for (const tier of TIERS) assert.ok(rowsBefore[tier] > distinctKeys(rows, tier), `${tier} tier not merged yet`);

      const pass = await store.compact();
      assert.equal(pass.left, 0);
      assert.equal(
        pass.rowsRemoved,
        TIERS.reduce((n, t) => n + rowsBefore[t] - distinctKeys(rows, t), 0),
      );
      assert.deepEqual(await answers(store, ZONE, T0 + 17 * 60_000, to - 3 * 60_000), before);
      assert.deepEqual(await tierRows(store), {
        minute: distinctKeys(rows, 'minute'),
        hour: distinctKeys(rows, 'hour'),
        day: distinctKeys(rows, 'day'),
      });
      // Nothing is left marked.
      assert.deepEqual(await store.compact(), { slices: 0, rowsRemoved: 0, left: 0 });
    } finally {
      await store.close();
    }
  });

  it('fills the hour and day tiers of a file written before them, and compacts its minutes', async () => {
    const path = file();
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run('CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (let v = 1; v <= 3; v++) {
      await connection.run(MIGRATIONS[v - 1]);
      await connection.run('INSERT INTO schema_version VALUES ($1)', [v]);
    }
    const batches = pushedBatches(ZONE, T0, 30, 20, 50, 3);
    const rows = batches.flat();
    for (const r of rows) {
      await connection.run('INSERT INTO rollup_minute VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)', [
        BigInt(r.minute),
        r.zone,
        r.host,
        r.colo,
        r.edgeStatus,
        r.status,
        r.originStatus,
        r.group,
        r.source,
        BigInt(r.requests),
        BigInt(r.bytes),
        r.requestSource ?? VISITOR,
      ]);
    }
    connection.closeSync();
    instance.closeSync();

    const store = await DuckDBStore.open(path, { compactEveryMs: 0 });
    try {
      const to = T0 + 2 * DAY;
      for (const bucketSeconds of [60, 3600, 86_400]) {
        const got = await store.aggregate({ zone: ZONE, from: T0, to, bucketSeconds, by: ['status'] });
        assert.deepEqual(got, sums(rows, bucketSeconds * 1000, T0, to), `${bucketSeconds}s buckets`);
      }
      const counts = await tierRows(store);
      assert.equal(counts.minute, rows.length);
      assert.equal(counts.hour, distinctKeys(rows, 'hour'));
      assert.equal(counts.day, distinctKeys(rows, 'day'));
      const before = await answers(store, ZONE, T0, to);
      await store.compact();
      assert.equal((await tierRows(store)).minute, distinctKeys(rows, 'minute'));
      assert.deepEqual(await answers(store, ZONE, T0, to), before);
    } finally {
      await store.close();
    }
  });

  it('lets concurrent pushes and reads run beside compaction: every push commits once, no answer changes', async () => {
    const store = await DuckDBStore.open(file(), { compactEveryMs: 0 });
    try {
      // Both zones start with unmerged rows in the same hours the pushes write to.
      const still = pushedBatches(ZONE, T0, 6, 100, 40, 5);
      const preload = pushedBatches(OTHER, T0, 6, 100, 40, 6);
      await commitAll(store, still, 'still');
      await commitAll(store, preload, 'preload');
      const to = T0 + 6 * HOUR;
      const expected = await answers(store, ZONE, T0, to);

      const pushes = pushedBatches(OTHER, T0, 6, 240, 30, 7);
      let pushing = true;
      const compacting = (async () => {
        let passes = 0;
        while (pushing || passes === 0) {
          await store.compact();
          passes++;
        }
        return passes;
      })();
      const reading = (async () => {
        let reads = 0;
        while (pushing) {
          assert.deepEqual(await answers(store, ZONE, T0, to), expected, 'an answer changed during compaction');
          reads++;
        }
        return reads;
      })();
      const queue = pushes.map((rows, i) => ({ rows, i }));
      const outcomes: unknown[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, sender) => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const record = { key: `push-${next.i}`, hint: '', input: 'test', accepted: next.rows.length, rejected: 0 };
            if (sender % 2 === 0) {
              outcomes.push(...(await store.commitGroup([{ rows: next.rows, record }])));
            } else {
              const batch = await store.openBatch();
              await batch.append(next.rows);
              outcomes.push(await batch.commit(record));
            }
          }
        }),
      );
      pushing = false;
      assert.ok((await compacting) > 1, 'compaction ran several passes during the pushes');
      assert.ok((await reading) > 0);
      assert.deepEqual(outcomes, Array(pushes.length).fill('committed'));

      await store.compact();
      const all = [...preload, ...pushes].flat();
      assert.deepEqual(
        await store.aggregate({ zone: OTHER, from: T0, to, bucketSeconds: 3600, by: ['status'] }),
        sums(all, HOUR, T0, to),
      );
      assert.deepEqual(await answers(store, ZONE, T0, to), expected);
      assert.deepEqual(await tierRows(store), {
        minute: distinctKeys([...still.flat(), ...all], 'minute'),
        hour: distinctKeys([...still.flat(), ...all], 'hour'),
        day: distinctKeys([...still.flat(), ...all], 'day'),
      });
      for (const [i, rows] of pushes.entries()) {
        const record = { key: `push-${i}`, hint: '', input: 'test', accepted: rows.length, rejected: 0 };
        assert.equal((await store.ingestRecord(record.key))?.accepted, rows.length);
        assert.deepEqual(await store.commitGroup([{ rows, record }]), ['duplicate']);
      }
    } finally {
      await store.close();
    }
  });

  it('retries a slice whose rows another transaction deletes, and past its tries leaves it marked for a later pass', async () => {
    let attempts = 0;
    const flaky = async () => {
      if (++attempts < 3) throw new Error('TransactionContext Error: Conflict on tuple deletion!');
      return 'merged';
    };
    assert.equal(await retried(flaky), 'merged');
    assert.equal(attempts, 3);
    await assert.rejects(
      retried(async () => {
        throw new Error('IO Error: disk');
      }),
      /IO Error/,
    );

    const path = file();
    const store = await DuckDBStore.open(path, { compactEveryMs: 0 });
    const batches = pushedBatches(ZONE, T0, 2, 10, 50, 4);
    await commitAll(store, batches, 'conflict');
    await store.close();
    const instance = await DuckDBInstance.create(path);
    try {
      // DuckDB's optimistic concurrency: a second delete of the same rows fails at once, however long the first is open.
      const other = await instance.connect();
      await other.run('BEGIN TRANSACTION');
      await other.run('DELETE FROM rollup_minute WHERE zone = $1', [ZONE]);
      await assert.rejects(compact(instance, { all: true }), /Conflict on tuple deletion/);
      await other.run('ROLLBACK');
      other.closeSync();
      // The failed pass merged the day's hour and day slices (they come first) and left both hours of minutes marked.
      const rows = batches.flat();
      assert.deepEqual(await compact(instance, { all: true }), {
        slices: 2,
        rowsRemoved: rows.length - distinctKeys(rows, 'minute'),
        left: 0,
      });
    } finally {
      instance.closeSync();
    }
  });

  it('survives a SIGKILL in the middle of compaction: the same answers before and after, each batch once', async () => {
    const path = file();
    const store = await DuckDBStore.open(path, { compactEveryMs: 0 });
    const zones = ['a', 'b', 'c'].map((z) => `${z}.${ZONE}`);
    for (const [z, zone] of zones.entries()) await commitAll(store, pushedBatches(zone, T0, 48, 60, 200, 10 + z), zone);
    const to = T0 + 2 * DAY;
    const before = [];
    for (const zone of zones) before.push(await answers(store, zone, T0 + 60_000, to - 60_000));
    await store.close();
    const marked = await slicesToMerge(path);

    // The child compacts and commits batches of another zone until it is killed.
    const late = [OTHER, String(T0), '2', '200', '20', '99'];
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'testing', 'compaction-child.js'), path, ...late]);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    while (!output.includes('committed late-20')) {
      if (child.exitCode !== null) throw new Error(`the child exited: ${output}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
    assert.ok(!output.includes('done'), `killed before compaction finished: ${output}`);
    const acked = new Set(output.match(/late-\d+/g));
    const left = await slicesToMerge(path);
    assert.ok(left > 0 && left < marked, `killed in the middle: ${left} of ${marked} slices left to merge`);

    const reopened = await DuckDBStore.open(path, { compactEveryMs: 0 });
    try {
      const after = [];
      for (const zone of zones) after.push(await answers(reopened, zone, T0 + 60_000, to - 60_000));
      assert.deepEqual(after, before, 'answers after the kill');
      await reopened.compact();
      for (const [i, zone] of zones.entries())
        assert.deepEqual(await answers(reopened, zone, T0 + 60_000, to - 60_000), before[i], 'after compaction');
      // Each late batch once: those the child acknowledged are duplicates, the others commit now.
      const lateBatches = pushedBatches(OTHER, T0, 2, 200, 20, 99);
      for (const [i, rows] of lateBatches.entries()) {
        const batch = await reopened.openBatch();
        await batch.append(rows);
        const record = { key: `late-${i}`, hint: '', input: 'test', accepted: rows.length, rejected: 0 };
        assert.equal(await batch.commit(record), acked.has(`late-${i}`) ? 'duplicate' : 'committed', `late-${i}`);
      }
      assert.deepEqual(
        await reopened.aggregate({ zone: OTHER, from: T0, to, bucketSeconds: 3600, by: ['status'] }),
        sums(lateBatches.flat(), HOUR, T0, to),
      );
    } finally {
      await reopened.close();
    }
  });

  it('drops each tier past its retention in small deletes; coarser tiers still answer', async () => {
    const store = await DuckDBStore.open(file(), { compactEveryMs: 0, retention: { minute: 1, hour: 2, day: 0 } });
    try {
      const batches = pushedBatches(ZONE, T0, 4 * 24, 40, 300, 21);
      await commitAll(store, batches, 'days');
      const rows = batches.flat();
      const end = T0 + 4 * DAY;
      // Today is the fifth day: minutes of the fourth day and hours of the third and fourth stay.
      const dropped = await store.applyRetention(end + HOUR);
      const report = await store.storageReport();
      const tier = (t: Tier) => report.tiers.find((r) => r.tier === t);
      assert.deepEqual(
        report.tiers.map((t) => [t.tier, t.retentionDays]),
        [
          ['minute', 1],
          ['hour', 2],
          ['day', null],
        ],
      );
      assert.ok((tier('minute')?.from ?? 0) >= T0 + 3 * DAY);
      assert.ok((tier('hour')?.from ?? 0) >= T0 + 2 * DAY);
      assert.equal(tier('day')?.from, T0);
      const kept = (from: number) => rows.filter((r) => r.minute >= from && r.minute < end);
      const left = await tierRows(store);
      const hourRows = batches.reduce((n, b) => n + distinctKeys(b, 'hour'), 0);
      assert.equal(dropped, rows.length + hourRows - left.minute - left.hour);
      assert.deepEqual(
        await store.aggregate({ zone: ZONE, from: T0, to: end, bucketSeconds: 86_400, by: ['status'] }),
        sums(rows, DAY, T0, end),
      );
      assert.deepEqual(
        await store.aggregate({ zone: ZONE, from: T0 + 2 * DAY, to: end, bucketSeconds: 3600, by: ['status'] }),
        sums(kept(T0 + 2 * DAY), HOUR, T0 + 2 * DAY, end),
      );
      assert.deepEqual(
        await store.aggregate({ zone: ZONE, from: T0 + 3 * DAY, to: end, bucketSeconds: 60, by: ['status'] }),
        sums(kept(T0 + 3 * DAY), 60_000, T0 + 3 * DAY, end),
      );
      assert.equal(await store.applyRetention(end + HOUR), 0, 'nothing more to drop');
    } finally {
      await store.close();
    }
  });

  it('takes retention from the store URL: minute, hour and day days, 0 for ever, coarser tiers at least as long', async () => {
    assert.deepEqual(retentionFrom(new URLSearchParams('')), DEFAULT_RETENTION);
    assert.deepEqual(DEFAULT_RETENTION, { minute: 35, hour: 800, day: 0 });
    assert.deepEqual(retentionFrom(new URLSearchParams('minute_retention_days=7&day_retention_days=3650')), {
      minute: 7,
      hour: 800,
      day: 3650,
    });
    assert.throws(() => retentionFrom(new URLSearchParams('minute_retention_days=-1')), /whole number of days/);
    assert.throws(() => retentionFrom(new URLSearchParams('hour_retention_days=1e3')), /whole number of days/);
    assert.throws(() => retentionFrom(new URLSearchParams('hour_retention_days=10')), /at least as long/);
    assert.throws(() => retentionFrom(new URLSearchParams('minute_retention_days=0')), /at least as long/);
    assert.throws(() => retentionFrom(new URLSearchParams('minute_retention=3')), /unknown option "minute_retention"/);
    assert.equal(duckdbPath('duckdb:/data/edge.duckdb?minute_retention_days=2'), '/data/edge.duckdb');
    assert.equal(duckdbPath('/data/what?.duckdb'), '/data/what?.duckdb', 'a bare path is a path');
    const path = file();
    const store = await openStore(`duckdb:${path}?minute_retention_days=2&hour_retention_days=0`);
    try {
      const report = await store.storageReport();
      assert.deepEqual(
        report.tiers.map((t) => t.retentionDays),
        [2, null, null],
      );
      assert.ok(report.bytes !== null && report.bytes > 0);
    } finally {
      await store.close();
    }
  });
});
