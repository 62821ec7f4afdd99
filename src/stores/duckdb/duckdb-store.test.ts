import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RollupRow } from '../../rollup/rollup.js';
import { tempDir } from '../../testing/paths.js';
import { IdempotencyConflictError } from '../idempotency.js';
import { DuckDBStore } from './duckdb-store.js';
import { MIGRATIONS } from './schema.js';

const row = (minute: number, status: number, requests: number): RollupRow => ({
  minute,
  zone: 'example.com',
  host: 'www.example.com',
  colo: 'FRA',
  edgeStatus: status,
  status,
  originStatus: status,
  group: status < 400 ? 'success' : 'origin',
  source: 'origin',
  requests,
  bytes: requests * 100,
});

const everything = { zone: 'example.com', from: 0, to: 86_400_000, bucketSeconds: 0, by: [] };

async function total(store: DuckDBStore): Promise<number> {
  const rows = await store.aggregate(everything);
  return rows.reduce((sum, r) => sum + r.requests, 0);
}

describe('DuckDBStore', () => {
  it('keeps committed batches across a reopen of the file', async () => {
    const path = join(tempDir(), 'store.duckdb');
    const store = await DuckDBStore.open(path);
    const batch = await store.openBatch();
    await batch.append([row(0, 200, 5), row(60_000, 404, 2)]);
    await batch.append([row(0, 200, 1)]);
    assert.equal(await batch.commit({ key: 'k', hint: 'h', input: 'test', accepted: 8, rejected: 0 }), 'committed');
    await store.close();

    const reopened = await DuckDBStore.open(path);
    assert.equal(await total(reopened), 8);
    assert.equal((await reopened.ingestRecord('k'))?.accepted, 8);
    assert.equal((await reopened.ingestRecordsByHint('h')).length, 1);
    await reopened.close();
  });

  it('shows nothing of a batch before commit or after abort', async () => {
    const store = await DuckDBStore.open(join(tempDir(), 'store.duckdb'));
    const batch = await store.openBatch();
    await batch.append([row(0, 200, 5)]);
    assert.equal(await total(store), 0);
    await batch.abort();
    assert.equal(await total(store), 0);
    assert.equal(await store.ingestRecord('never'), undefined);
    await store.close();
  });

  it('counts a key once, also when two batches with the same key commit concurrently', async () => {
    const store = await DuckDBStore.open(join(tempDir(), 'store.duckdb'));
    const first = await store.openBatch();
    const second = await store.openBatch();
    await first.append([row(0, 200, 3)]);
    await second.append([row(0, 200, 3)]);
    const outcomes = await Promise.all([
      first.commit({ key: 'same', hint: '', input: 'a', accepted: 3, rejected: 0 }),
      second.commit({ key: 'same', hint: '', input: 'b', accepted: 3, rejected: 0 }),
    ]);
    assert.deepEqual(outcomes.sort(), ['committed', 'duplicate']);
    assert.equal(await total(store), 3);
    await store.close();
  });

  it('decides two concurrent commits of one key with different content: one committed, the other a conflict', async () => {
    const store = await DuckDBStore.open(join(tempDir(), 'store.duckdb'));
    const first = await store.openBatch();
    const second = await store.openBatch();
    await first.append([row(0, 200, 3)]);
    await second.append([row(0, 404, 5)]);
    const outcomes = await Promise.allSettled([
      first.commit({ key: 'same', hint: '', input: 'a', accepted: 3, rejected: 0, contentHash: 'sha256:a' }),
      second.commit({ key: 'same', hint: '', input: 'b', accepted: 5, rejected: 0, contentHash: 'sha256:b' }),
    ]);
    const committed = outcomes.findIndex((o) => o.status === 'fulfilled');
    assert.deepEqual(
      outcomes.map((o) => o.status),
      committed === 0 ? ['fulfilled', 'rejected'] : ['rejected', 'fulfilled'],
    );
    const refused = outcomes[1 - committed] as PromiseRejectedResult;
    assert.ok(refused.reason instanceof IdempotencyConflictError, String(refused.reason));
    assert.equal(await total(store), committed === 0 ? 3 : 5);
    await store.close();
  });

  it('migrates a file of the first schema: old records keep working and cannot conflict', async () => {
    const path = join(tempDir(), 'v1.duckdb');
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    await connection.run(MIGRATIONS[0]);
    await connection.run(
      'CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (1)',
    );
    await connection.run("INSERT INTO ingests VALUES ('old', 'h', 'file', 1700000000000, 4, 0)");
    connection.closeSync();
    instance.closeSync();

    const store = await DuckDBStore.open(path);
    assert.deepEqual(await store.ingestRecord('old'), {
      key: 'old',
      hint: 'h',
      input: 'file',
      at: 1_700_000_000_000,
      accepted: 4,
      rejected: 0,
      contentHash: '',
    });
    // A record without a hash cannot tell content apart: the key alone decides, as before.
    const batch = await store.openBatch();
    await batch.append([row(0, 200, 9)]);
    assert.equal(
      await batch.commit({ key: 'old', hint: 'h', input: 'file', accepted: 9, rejected: 0, contentHash: 'sha256:x' }),
      'duplicate',
    );
    assert.equal(await total(store), 0);
    const fresh = await store.openBatch();
    await fresh.append([row(0, 200, 2)]);
    await fresh.commit({ key: 'new', hint: '', input: 'http', accepted: 2, rejected: 0, contentHash: 'sha256:y' });
    assert.equal((await store.ingestRecord('new'))?.contentHash, 'sha256:y');
    await store.close();
  });

  it('refuses a second process-level open of the same file with a message that says what to do', async () => {
    const path = join(tempDir(), 'store.duckdb');
    const { spawnSync } = await import('node:child_process');
    const store = await DuckDBStore.open(path);
    const script = `import('${new URL('./duckdb-store.js', import.meta.url).href}').then(m => m.DuckDBStore.open(${JSON.stringify(path)})).then(() => process.exit(0), e => { console.error(e.message); process.exit(3); })`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    await store.close();
    assert.equal(child.status, 3);
    assert.match(child.stderr, /in use by another process/);
    assert.match(child.stderr, /edgestat query --server URL/);
  });

  it('defaults a zone to the enterprise plan and remembers a set plan', async () => {
    const store = await DuckDBStore.open(join(tempDir(), 'store.duckdb'));
    assert.equal(await store.zonePlan('example.com'), 'enterprise');
    await store.setZonePlan('example.com', 'free');
    await store.setZonePlan('example.com', 'pro');
    assert.equal(await store.zonePlan('example.com'), 'pro');
    assert.deepEqual(
      (await store.zones()).map((z) => [z.zone, z.plan]),
      [['example.com', 'pro']],
    );
    await store.close();
  });
});
