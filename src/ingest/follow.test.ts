import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runQuery } from '../query/run.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { tempDir } from '../testing/paths.js';
import { type FollowBatch, follow } from './follow.js';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

/** Cloudflare lines numbered from..to; each carries its number as its byte count, so a sum tells lost or doubled lines. */
function lines(from: number, to: number): string {
  let text = '';
  for (let n = from; n <= to; n++) {
    text += `${JSON.stringify({ EdgeStartTimestamp: T0 + n * 1000, EdgeResponseStatus: 200, ZoneName: 'example.com', EdgeResponseBytes: n })}\n`;
  }
  return text;
}

/** What lines 1..n give: n requests, and bytes 1 + 2 + ... + n. */
const expected = (n: number) => ({ requests: n, bytes: (n * (n + 1)) / 2 });

async function totals(store: DuckDBStore): Promise<{ requests: number; bytes: number }> {
  const answer = await runQuery(store, { zone: 'example.com', from: T0, to: T0 + 86_400_000, bucket: '1d', by: [] });
  return answer.rows.reduce((sum, r) => ({ requests: sum.requests + r.requests, bytes: sum.bytes + r.bytes }), {
    requests: 0,
    bytes: 0,
  });
}

/** Follows `files` until the batches committed so far hold `accepted` lines (or 10 s pass). */
class Follower {
  readonly batches: FollowBatch[] = [];
  readonly events: string[] = [];
  private readonly controller = new AbortController();
  readonly done: Promise<void>;

  constructor(store: DuckDBStore, files: string[], batchLines = 1000) {
    this.done = follow(
      store,
      files,
      { format: 'cloudflare' },
      {
        intervalMs: 20,
        batchLines,
        signal: this.controller.signal,
        onBatch: (b) => this.batches.push(b),
        onEvent: (_file, event) => this.events.push(event),
      },
    );
  }

  get accepted(): number {
    return this.batches.reduce((sum, b) => sum + b.result.accepted, 0);
  }

  async until(accepted: number): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (this.accepted < accepted) {
      if (Date.now() > deadline) throw new Error(`only ${this.accepted} of ${accepted} lines after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.done;
  }
}

describe('follow', () => {
  it('ingests a growing file, a line written in two parts once it is complete', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.log');
    writeFileSync(log, lines(1, 2500));
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'));
    const follower = new Follower(store, [log]);
    await follower.until(2500);
    assert.ok(follower.batches.length >= 3, 'a backlog is committed in batches of at most 1,000 lines');
    const next = lines(2501, 2501);
    appendFileSync(log, next.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(follower.accepted, 2500, 'half a line waits');
    appendFileSync(log, next.slice(20) + lines(2502, 2600));
    await follower.until(2600);
    await follower.stop();
    assert.deepEqual(await totals(store), expected(2600));
    assert.equal(
      follower.batches.reduce((sum, b) => sum + b.result.rejected, 0),
      0,
    );
    await store.close();
  });

  it('reads a rotated file to its end, then the new file; and a truncated file from its start', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.log');
    writeFileSync(log, lines(1, 100));
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'));
    const follower = new Follower(store, [log]);
    await follower.until(100);
    // logrotate: rename, the writer adds its last lines to the old file, then a new file appears.
    renameSync(log, `${log}.1`);
    appendFileSync(`${log}.1`, lines(101, 150));
    writeFileSync(log, lines(151, 200));
    await follower.until(200);
    assert.ok(follower.events.some((e) => e.startsWith('rotated')));
    // copytruncate: the file is emptied in place and written again.
    truncateSync(log, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    appendFileSync(log, lines(201, 230));
    await follower.until(230);
    assert.ok(follower.events.some((e) => e.startsWith('truncated')));
    await follower.stop();
    assert.deepEqual(await totals(store), expected(230));
    await store.close();
  });

  it('resumes after a restart where it stopped, without counting a line twice', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.log');
    const db = join(dir, 'store.duckdb');
    writeFileSync(log, lines(1, 300));
    let store = await DuckDBStore.open(db);
    let follower = new Follower(store, [log], 100);
    await follower.until(300);
    await follower.stop();
    await store.close();

    appendFileSync(log, lines(301, 450));
    store = await DuckDBStore.open(db);
    follower = new Follower(store, [log], 100);
    await follower.until(150);
    assert.deepEqual(follower.events, [`resuming at byte ${Buffer.byteLength(lines(1, 300))}`]);
    assert.equal(follower.batches[0].start, Buffer.byteLength(lines(1, 300)));
    await follower.stop();
    assert.deepEqual(await totals(store), expected(450));
    await store.close();
  });

  it('does not take a new file that reuses an inode for the old one', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.log');
    const db = join(dir, 'store.duckdb');
    writeFileSync(log, lines(1, 50));
    let store = await DuckDBStore.open(db);
    let follower = new Follower(store, [log]);
    await follower.until(50);
    await follower.stop();
    await store.close();
    // Rewritten in place while stopped: same inode, other head (a different first line), longer than before.
    writeFileSync(log, lines(51, 150));
    store = await DuckDBStore.open(db);
    follower = new Follower(store, [log]);
    await follower.until(100);
    await follower.stop();
    assert.deepEqual(await totals(store), expected(150));
    await store.close();
  });

  it('counts a range written again in place with other lines as new lines, not as a duplicate', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.log');
    writeFileSync(log, lines(1, 40));
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'));
    const follower = new Follower(store, [log]);
    await follower.until(40);
    // copytruncate, then lines of the same length and the same first bytes: the range gets the same key.
    truncateSync(log, 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = lines(1, 40).replace('"EdgeResponseBytes":40}', '"EdgeResponseBytes":41}');
    assert.equal(again.length, lines(1, 40).length);
    appendFileSync(log, again);
    await follower.until(80);
    await follower.stop();
    assert.ok(
      follower.events.some((e) => /committed before with other content/.test(e)),
      follower.events.join('; '),
    );
    assert.deepEqual(await totals(store), { requests: 80, bytes: 2 * expected(40).bytes + 1 });
    await store.close();
  });

  it('waits for a file that does not exist yet', async () => {
    const dir = tempDir();
    const log = join(dir, 'later.log');
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'));
    const follower = new Follower(store, [log]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    writeFileSync(log, lines(1, 10));
    await follower.until(10);
    await follower.stop();
    assert.deepEqual(follower.events[0], 'waiting for the file to appear');
    assert.deepEqual(await totals(store), expected(10));
    await store.close();
  });
});

describe('follow refuses', () => {
  it('a gzip file, saying to ingest it without --follow', async () => {
    const dir = tempDir();
    const log = join(dir, 'access.log.gz');
    writeFileSync(log, gzipSync(lines(1, 10)));
    const store = await DuckDBStore.open(join(dir, 'store.duckdb'));
    const follower = new Follower(store, [log]);
    await assert.rejects(follower.done, /access\.log\.gz is gzip: --follow reads plain-text logs/);
    assert.deepEqual(await totals(store), { requests: 0, bytes: 0 });
    await store.close();
  });
});
