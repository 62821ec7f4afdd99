import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@clickhouse/client';
import { parseConfig } from '../../config/config.js';
import { emptyRequest, type NormalizedRequest } from '../../model/request.js';
import { runQuery } from '../../query/run.js';
import { MINUTE_MS, Rollup, type RollupRow } from '../../rollup/rollup.js';
import { buildApp } from '../../server/app.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../../testing/clickhouse.js';
import { tempDir } from '../../testing/paths.js';
import { freePort } from '../../testing/ports.js';
import { IdempotencyConflictError } from '../idempotency.js';
import { StoreUnavailableError } from '../store.js';
import { storedRow } from './batch.js';
import { claimPrefix, KeyBusyError } from './claim.js';
import { ClickHouseStore, parseClickHouseUrl } from './clickhouse-store.js';
import { MIGRATIONS } from './schema.js';

const DAY = 86_400_000;
const NOW = Date.now() - (Date.now() % MINUTE_MS);

function rows(requests: Array<Partial<NormalizedRequest>>): RollupRow[] {
  const rollup = new Rollup();
  for (const fields of requests)
    rollup.add({
      ...emptyRequest(),
      zone: 'a.test',
      host: 'a.test',
      colo: 'FRA',
      edgeStatus: 200,
      originStatus: 200,
      ...fields,
    });
  return rollup.drain();
}

const times = (n: number, fields: Partial<NormalizedRequest>) => Array.from({ length: n }, () => fields);

async function commit(store: ClickHouseStore, key: string, batchRows: RollupRow[], contentHash?: string) {
  const batch = await store.openBatch();
  await batch.append(batchRows);
  return batch.commit({ key, hint: 'h', input: 'test', accepted: 1, rejected: 0, contentHash });
}

async function claimTables(store: ClickHouseStore): Promise<string[]> {
  const rows = await store.connection.rows<{ name: string }>(
    `SELECT name FROM system.tables WHERE database = '${store.connection.database}' AND startsWith(name, 'claim_') ORDER BY name`,
  );
  return rows.map((r) => r.name);
}

/** Requests per tier's table, markers left out: every tier holds the same counts. */
async function tierTotals(store: ClickHouseStore, zone = 'a.test'): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of ['rollup_minute', 'rollup_hour', 'rollup_day']) {
    const [r] = await store.connection.rows<{ n: string }>(
      `SELECT toString(sum(requests)) AS n FROM ${table} WHERE zone = '${zone}'`,
    );
    out[table] = Number(r.n);
  }
  return out;
}

/** A new database at an older schema `version`, and a client on it. */
async function olderSchema(url: string, version: number) {
  const options = parseClickHouseUrl(url);
  const admin = createClient({ url: options.url });
  await admin.command({ query: `CREATE DATABASE ${options.database}` });
  await admin.close();
  const client = createClient({ url: options.url, database: options.database });
  for (const query of [
    ...MIGRATIONS.slice(0, version).flat(),
    'CREATE TABLE schema_version (version UInt32) ENGINE = TinyLog',
    `INSERT INTO schema_version VALUES (${version})`,
  ])
    await client.command({ query });
  return client;
}

async function total(store: ClickHouseStore, zone = 'a.test', from = NOW - 400 * DAY, to = NOW + DAY) {
  const answer = await runQuery(store, { zone, from, to, bucket: '1d', by: [] });
  return answer.rows.reduce((sum, r) => sum + r.requests, 0);
}

describe('parseClickHouseUrl', () => {
  it('reads host, port, database, credentials and retention', () => {
    assert.deepEqual(
      parseClickHouseUrl('clickhouse://ops:s%40fe@ch.internal:8124/edge?minute_retention_days=7&hour_retention_days=0'),
      {
        url: 'http://ch.internal:8124',
        database: 'edge',
        username: 'ops',
        password: 's@fe',
        minuteRetentionDays: 7,
        hourRetentionDays: 0,
        dayRetentionDays: 0,
        timeoutMs: 30_000,
        claimLeaseMs: 90_000,
      },
    );
    assert.throws(() => parseClickHouseUrl('clickhouse://h:8123/bad-name'), /letters, digits and _/);
    assert.throws(
      () => parseClickHouseUrl('clickhouse://h:8123/db?timeout_ms=-1'),
      /timeout_ms must be a whole number/,
    );
  });
});

describe('ClickHouse store', { skip: clickhouseMissing(), timeout: 120_000 }, () => {
  let server: TestClickHouse;
  before(async () => {
    server = await startClickHouse();
  });
  after(async () => server?.stop());

  it('migrates once however often it opens, and keeps batch markers out of every answer', async () => {
    const url = server.storeUrl();
    const store = await ClickHouseStore.open(url);
    await (await ClickHouseStore.open(url)).close();
    const [version] = await store.connection.rows<{ n: string; v: string }>(
      'SELECT count() AS n, max(version) AS v FROM schema_version',
    );
    assert.deepEqual(version, { n: String(MIGRATIONS.length), v: MIGRATIONS.length });
    // Two days: two sub-batches per table, each with its marker.
    assert.equal(
      await commit(store, 'k1', rows([...times(3, { ts: NOW }), ...times(2, { ts: NOW - DAY })])),
      'committed',
    );
    const [markers] = await store.connection.rows<{ n: string }>(
      "SELECT count() AS n FROM rollup_minute WHERE zone = ''",
    );
    assert.equal(markers.n, '2');
    assert.deepEqual(
      (await store.zones()).map((z) => [z.zone, z.requests]),
      [['a.test', 5]],
    );
    assert.equal(await total(store), 5);
    await store.close();
  });

  it('counts a batch once in every tier when its commit broke off at any of its INSERTs and is sent again', async () => {
    const store = await ClickHouseStore.open(server.storeUrl());
    const batchRows = rows([
      ...times(4, { ts: NOW }),
      ...times(6, { ts: NOW - 2 * DAY }),
      ...times(1, { ts: NOW - 5 * DAY }),
    ]);
    // Three days in three tables: nine INSERTs, then the ingest record. ClickHouse goes away at each in turn.
    const insert = store.connection.insert.bind(store.connection);
    for (let breakAt = 0; breakAt <= 9; breakAt++) {
      const zone = `z${breakAt}.test`;
      const zoned = batchRows.map((r) => ({ ...r, zone }));
      let inserts = 0;
      store.connection.insert = async (table, values) => {
        if (inserts++ === breakAt) throw new StoreUnavailableError('ClickHouse went away');
        return insert(table, values);
      };
      await assert.rejects(commit(store, `retried-${breakAt}`, zoned), StoreUnavailableError);
      assert.equal(await store.ingestRecord(`retried-${breakAt}`), undefined);
      const landed = Object.values(await tierTotals(store, zone)).reduce((a, b) => a + b);
      // Before the record (the tenth INSERT) only part of the rows; before it, all of them.
      assert.ok(breakAt === 9 ? landed === 33 : landed < 33, `what landed before break ${breakAt}: ${landed}`);
      store.connection.insert = insert;
      assert.equal(await commit(store, `retried-${breakAt}`, zoned), 'committed');
      assert.deepEqual(await tierTotals(store, zone), { rollup_minute: 11, rollup_hour: 11, rollup_day: 11 });
      assert.equal(await commit(store, `retried-${breakAt}`, zoned), 'duplicate');
      assert.equal(await total(store, zone), 11);
      assert.deepEqual(await tierTotals(store, zone), { rollup_minute: 11, rollup_hour: 11, rollup_day: 11 });
    }
    // Each tier answers on its own: whole hours read hourly rows, whole days daily ones.
    const hourStart = NOW - (NOW % 3_600_000);
    const sum = async (from: number, to: number, bucket: '1h' | '1d') =>
      (await runQuery(store, { zone: 'z0.test', from, to, bucket, by: [] })).rows.reduce((n, r) => n + r.requests, 0);
    assert.equal(await sum(hourStart - 6 * DAY, hourStart, '1h'), 7);
    const dayStart = NOW - (NOW % DAY);
    assert.equal(await sum(dayStart - 6 * DAY, dayStart, '1d'), 7);
    assert.equal(await sum(dayStart - 2 * DAY, dayStart - DAY, '1d'), 6);
    await store.close();
  });

  it('refuses other content under a key whose commit broke off, writes nothing, and completes with the first content', async () => {
    const store = await ClickHouseStore.open(server.storeUrl());
    const first = rows([...times(4, { ts: NOW }), ...times(6, { ts: NOW - 2 * DAY })]);
    const insert = store.connection.insert.bind(store.connection);
    let inserts = 0;
    store.connection.insert = async (table, values) => {
      if (inserts++ === 1) throw new StoreUnavailableError('ClickHouse went away');
      return insert(table, values);
    };
    await assert.rejects(commit(store, 'broke', first, 'sha256:first'), StoreUnavailableError);
    store.connection.insert = insert;
    // What is in the minute table (the hourly one has nothing of the batch yet).
    const minutes = async () =>
      Number(
        (
          await store.connection.rows<{ n: string }>(
            "SELECT sum(requests) AS n FROM rollup_minute WHERE zone = 'a.test'",
          )
        )[0].n,
      );
    const landed = await minutes();
    assert.ok(landed > 0 && landed < 10, `one day landed before the break (${landed})`);
    const other = rows([...times(50, { ts: NOW, edgeStatus: 503 }), ...times(3, { ts: NOW - 2 * DAY })]);
    await assert.rejects(commit(store, 'broke', other, 'sha256:other'), (err: Error) => {
      assert.ok(err instanceof IdempotencyConflictError, err.message);
      assert.match(err.message, /partly written before with other content/);
      return true;
    });
    assert.equal(await minutes(), landed);
    assert.equal(await commit(store, 'broke', first, 'sha256:first'), 'committed');
    assert.equal(await total(store), 10);
    await assert.rejects(commit(store, 'broke', other, 'sha256:other'), IdempotencyConflictError);
    assert.equal(await commit(store, 'broke', first, 'sha256:first'), 'duplicate');
    assert.equal(await total(store), 10);
    assert.deepEqual(await claimTables(store), []);
    await store.close();
  });

  it('waits while another process holds the key, and takes it over once the holder’s lease ran out', async () => {
    const store = await ClickHouseStore.open(`${server.storeUrl()}?timeout_ms=1500&claim_lease_ms=2000`);
    // A holder that died: its claim stays behind, never renewed.
    await store.connection.run(
      `CREATE TABLE ${store.connection.database}.${claimPrefix('held')}0 (claimed UInt8) ENGINE = Null`,
    );
    const started = Date.now();
    await assert.rejects(commit(store, 'held', rows(times(3, { ts: NOW }))), (err: Error) => {
      assert.ok(err instanceof KeyBusyError && err instanceof StoreUnavailableError, err.message);
      assert.match(err.message, /being committed by another process right now: nothing was written; retry later/);
      return true;
    });
    assert.ok(Date.now() - started >= 1400, 'waited for the holder');
    assert.equal(await total(store), 0);
    // Lease (2 s) plus the clock's whole seconds: the claim is stale after at most 4 s.
    await sleep(Math.max(0, started + 4200 - Date.now()));
    assert.equal(await commit(store, 'held', rows(times(3, { ts: NOW }))), 'committed');
    assert.equal(await total(store), 3);
    assert.deepEqual(await claimTables(store), []);
    await store.close();
  });

  it('stops writing when another process took its stalled commit over, and the retry counts the batch once', async () => {
    const store = await ClickHouseStore.open(`${server.storeUrl()}?claim_lease_ms=1500`);
    const batchRows = rows([...times(2, { ts: NOW }), ...times(5, { ts: NOW - DAY })]);
    const insert = store.connection.insert.bind(store.connection);
    let inserts = 0;
    store.connection.insert = async (table, values) => {
      if (inserts++ === 0) {
        // The first INSERT stalls past a third of the lease, and another process takes the key over meanwhile.
        await store.connection.run(
          `CREATE TABLE ${store.connection.database}.${claimPrefix('stalled')}1 (claimed UInt8) ENGINE = Null`,
        );
        await sleep(600);
      }
      return insert(table, values);
    };
    await assert.rejects(commit(store, 'stalled', batchRows), /another process took the batch over: retry it/);
    assert.equal(inserts, 1, 'nothing written after the takeover');
    store.connection.insert = insert;
    // The process that took over finishes (here: its claim goes away) and the batch is sent again.
    await store.connection.run(`DROP TABLE ${store.connection.database}.${claimPrefix('stalled')}1`);
    assert.equal(await commit(store, 'stalled', batchRows), 'committed');
    assert.equal(await total(store), 7);
    assert.deepEqual(await claimTables(store), []);
    await store.close();
  });

  it('migrates a database of the first schema: old records stay duplicates, new ones keep their content hash', async () => {
    const url = server.storeUrl();
    const client = await olderSchema(url, 1);
    await client.command({ query: "INSERT INTO ingests VALUES ('old', 'h', 'file', 1700000000000, 4, 0)" });
    await client.close();
    const store = await ClickHouseStore.open(url);
    assert.equal((await store.ingestRecord('old'))?.contentHash, '');
    assert.equal(await commit(store, 'old', rows(times(2, { ts: NOW })), 'sha256:x'), 'duplicate');
    assert.equal(await commit(store, 'new', rows(times(2, { ts: NOW })), 'sha256:y'), 'committed');
    assert.equal((await store.ingestRecord('new'))?.contentHash, 'sha256:y');
    assert.equal(await total(store), 2);
    await store.close();
  });

  it('drops whole days past each table’s retention', async () => {
    const url = `${server.storeUrl()}?minute_retention_days=30&hour_retention_days=90&day_retention_days=100`;
    const store = await ClickHouseStore.open(url);
    await commit(
      store,
      'old',
      rows([
        ...times(2, { ts: NOW - 60 * DAY }),
        ...times(5, { ts: NOW - 95 * DAY }),
        ...times(3, { ts: NOW - 120 * DAY }),
        ...times(4, { ts: NOW }),
      ]),
    );
    await store.applyRetention();
    const count = async (table: string) =>
      Number(
        (await store.connection.rows<{ n: string }>(`SELECT sum(requests) AS n FROM ${table} WHERE zone = 'a.test'`))[0]
          .n,
      );
    assert.equal(await count('rollup_minute'), 4);
    assert.equal(await count('rollup_hour'), 6);
    assert.equal(await count('rollup_day'), 11);
    const report = await store.storageReport();
    assert.deepEqual(
      report.tiers.map((t) => [t.tier, t.retentionDays]),
      [
        ['minute', 30],
        ['hour', 90],
        ['day', 100],
      ],
    );
    await store.close();
  });

  it('fills the daily table from the hourly one as it migrates, and a batch that broke off before counts once when sent again', async () => {
    const url = server.storeUrl();
    // The schema before the daily table.
    const client = await olderSchema(url, 3);
    const base = NOW - (NOW % DAY) - 3 * DAY;
    const batchRows = rows([
      ...times(3, { ts: base + 5 * MINUTE_MS }),
      ...times(2, { ts: base + 3_600_000 }),
      ...times(4, { ts: base + 2 * DAY }),
    ]);
    // What the batch's commit had written before it broke off: its first day, in both tables, with markers.
    const firstDay = base / DAY;
    for (const [table, width] of [
      ['rollup_minute', MINUTE_MS],
      ['rollup_hour', 3_600_000],
    ] as const) {
      const values: Record<string, unknown>[] = batchRows
        .filter((r) => r.minute < base + DAY)
        .map((r) => storedRow({ ...r, minute: r.minute - (r.minute % width) }));
      values.push({ minute: firstDay * 86_400, zone: '', host: `broke#${firstDay}#0`, colo: 'sha256:b', requests: 1 });
      await client.insert({ table, values, format: 'JSONEachRow' });
    }
    await client.close();
    const store = await ClickHouseStore.open(url);
    assert.deepEqual(await tierTotals(store), { rollup_minute: 5, rollup_hour: 5, rollup_day: 5 });
    assert.equal(await commit(store, 'broke', batchRows, 'sha256:b'), 'committed');
    assert.deepEqual(await tierTotals(store), { rollup_minute: 9, rollup_hour: 9, rollup_day: 9 });
    // Opened again: the migration is not run twice.
    await (await ClickHouseStore.open(url)).close();
    assert.deepEqual(await tierTotals(store), { rollup_minute: 9, rollup_hour: 9, rollup_day: 9 });
    const days = await runQuery(store, { zone: 'a.test', from: base, to: base + 3 * DAY, bucket: '1d', by: [] });
    assert.deepEqual(
      days.rows.map((r) => [Date.parse(String(r.t)), r.requests]),
      [
        [base, 5],
        [base + 2 * DAY, 4],
      ],
    );
    await store.close();
  });

  it('keeps plans and tokens, the latest write winning', async () => {
    const store = await ClickHouseStore.open(server.storeUrl());
    assert.equal(await store.zonePlan('a.test'), 'enterprise');
    await store.setZonePlan('a.test', 'free');
    await store.setZonePlan('a.test', 'pro');
    assert.equal(await store.zonePlan('a.test'), 'pro');
    const token = {
      id: 'tok_1',
      name: 'ci',
      hash: 'ab'.repeat(32),
      scopes: ['analytics:read' as const],
      zones: ['a.test', 'b.test'],
      createdAt: 1_700_000_000_000,
      revokedAt: null,
    };
    await store.createToken(token);
    assert.deepEqual(await store.tokenByHash(token.hash), token);
    assert.equal(await store.revokeToken('tok_1'), true);
    assert.equal(await store.revokeToken('tok_1'), false);
    assert.ok((await store.tokens())[0].revokedAt! > 0);
    await store.close();
  });

  it('stores zones and hosts with quotes and backslashes as they are', async () => {
    const store = await ClickHouseStore.open(server.storeUrl());
    const zone = "o'brien\\' OR 1=1 --.test";
    await commit(store, "key ' \\", rows(times(3, { zone, host: zone, ts: NOW })));
    assert.equal(await total(store, zone), 3);
    assert.deepEqual(
      (await store.zones()).map((z) => z.zone),
      [zone],
    );
    assert.ok(await store.ingestRecord("key ' \\"));
    await store.close();
  });

  it('answers 503 store_unavailable to a push while ClickHouse is away, and counts the batch once when it is sent again', async () => {
    const store = await ClickHouseStore.open(server.storeUrl());
    const { app } = await buildApp({ store, config: parseConfig({ webRoot: join(tempDir(), 'none') }) });
    const insert = store.connection.insert.bind(store.connection);
    store.connection.insert = async () => {
      throw new StoreUnavailableError('ClickHouse at test is unavailable');
    };
    const push = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/zones/a.test/logs?format=cloudflare',
        headers: { 'idempotency-key': 'batch-7' },
        payload: `${JSON.stringify({ EdgeStartTimestamp: new Date(NOW).toISOString(), EdgeResponseStatus: 502, OriginResponseStatus: 502, ClientRequestHost: 'a.test', EdgeColoCode: 'FRA' })}\n`,
      });
    const refused = await push();
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.headers['retry-after'], '5');
    assert.equal(refused.json().error.code, 'store_unavailable');
    store.connection.insert = insert;
    assert.equal((await push()).statusCode, 200);
    assert.equal((await push()).json().duplicate, true);
    assert.equal(await total(store), 1);
    await app.close();
    await store.close();
  });

  it('says clearly when ClickHouse cannot be reached', async () => {
    const port = await freePort();
    await assert.rejects(ClickHouseStore.open(`clickhouse://127.0.0.1:${port}/x`), (err: Error) => {
      assert.ok(err instanceof StoreUnavailableError);
      assert.match(err.message, new RegExp(`ClickHouse at http://127.0.0.1:${port} is unavailable`));
      return true;
    });
  });
});
