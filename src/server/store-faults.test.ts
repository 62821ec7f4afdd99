import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../config/config.js';
import { ClickHouseStore } from '../stores/clickhouse/clickhouse-store.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../testing/clickhouse.js';
import { tempDir } from '../testing/paths.js';
import { buildApp } from './app.js';
import { cfLine } from './testing.js';

/**
 * A place where the disk really fills up: a 2 MiB tmpfs where this process may mount one (root),
 * else a store whose write-ahead log is /dev/full, where every write fails with ENOSPC as well.
 */
function fullDisk(): { dir: string; how: string; armed: boolean; release(): void } {
  const dir = join(tempDir('edgestat-full-'), 'disk');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, how: 'a 2 MiB tmpfs', armed: true, release: () => execFileSync('umount', [dir]) };
  } catch {
    return { dir, how: 'its write-ahead log on /dev/full', armed: false, release: () => {} };
  }
}

const disk = fullDisk();

describe(`disk full during a push (${disk.how})`, () => {
  let store: DuckDBStore;
  let app: Awaited<ReturnType<typeof buildApp>>['app'];
  const path = join(disk.dir, 'store.duckdb');
  const open = async () => {
    store = await DuckDBStore.open(path);
    app = (await buildApp({ store, config: parseConfig({ webRoot: join(disk.dir, 'no-web') }) })).app;
  };
  before(open);
  after(async () => {
    await app?.close();
    await store?.close();
    disk.release();
  });

  it('answers 503 store_unavailable with Retry-After, keeps what was acknowledged, and still reads', async () => {
    const T0 = Date.UTC(2026, 10, 24, 10);
    let acknowledged = 0;
    let refused:
      | { statusCode: number; headers: Record<string, unknown>; json(): { error: { code: string; message: string } } }
      | undefined;
    // Distinct colos make rows that do not compress away: 2 MiB fills within a few batches. Each
    // batch is a day of its own, so that the per-day cap on colos (1,000) does not fold them.
    for (let batch = 0; batch < 50 && !refused; batch++) {
      if (batch === 1 && !disk.armed) {
        // The first batch is in; from now on the log the next commit writes is /dev/full.
        await app.close();
        await store.close();
        symlinkSync('/dev/full', `${path}.wal`);
        await open();
      }
      const lines = Array.from({ length: 5000 }, (_, i) =>
        cfLine({ zone: 'z.example', colo: `B${batch}C${i % 1000}`, ts: T0 - batch * 86_400_000 + (i % 60) * 60_000 }),
      );
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/zones/z.example/logs?format=cloudflare',
        payload: lines.join('\n'),
      });
      if (res.statusCode === 200) acknowledged += res.json().accepted;
      else refused = res;
    }
    assert.ok(refused, 'the disk filled up');
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.json().error.code, 'store_unavailable');
    assert.match(refused.json().error.message, /disk is full/);
    assert.equal(refused.headers['retry-after'], '5');
    assert.ok(acknowledged > 0);
    const summary = await app.inject('/api/v1/zones/z.example/summary?from=2026-09-01&to=2026-11-25');
    assert.equal(summary.statusCode, 200);
    assert.equal(summary.json().requests, acknowledged, 'every acknowledged line, and none of the refused batch');
    assert.equal((await app.inject('/healthz')).statusCode, 200);
  });
});

/** A TCP relay to `port` that can be cut: the store behind it stops answering as a network failure would. */
async function relay(port: number): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('/healthz checks the store', { skip: clickhouseMissing(), timeout: 60_000 }, () => {
  let clickhouse: TestClickHouse;
  before(async () => {
    clickhouse = await startClickHouse();
  });
  after(() => clickhouse?.stop());

  it('answers 503 store_unavailable once the store stops answering', async () => {
    const url = new URL(clickhouse.storeUrl().replace(/^clickhouse:/, 'http:'));
    const cut = await relay(Number(url.port));
    const store = await ClickHouseStore.open(`clickhouse://127.0.0.1:${cut.port}${url.pathname}?timeout_ms=3000`);
    const { app } = await buildApp({ store, config: parseConfig({ webRoot: join(tempDir(), 'no-web') }) });
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    await cut.cut();
    const res = await app.inject('/healthz');
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().error.code, 'store_unavailable');
    await app.close();
    await store.close();
  });
});
