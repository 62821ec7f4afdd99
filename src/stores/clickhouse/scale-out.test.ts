import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pushBatch } from '../../server/push-client.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../../testing/clickhouse.js';
import { repoRoot, tempDir } from '../../testing/paths.js';
import { freePort } from '../../testing/ports.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');
const run = promisify(execFile);
const ZONE = 'scale.test';
const T0 = Date.UTC(2026, 10, 24, 8, 0);
const STATUSES = [200, 200, 200, 404, 502, 503, 522];

/** Lines of one batch; every request's status follows from its number, so the totals are known. */
function lines(from: number, count: number): string {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    out.push(
      JSON.stringify({
        EdgeStartTimestamp: new Date(T0 + (i % 240) * 60_000).toISOString(),
        EdgeResponseStatus: STATUSES[i % STATUSES.length],
        OriginResponseStatus: STATUSES[i % STATUSES.length] === 522 ? 0 : STATUSES[i % STATUSES.length],
        EdgeColoCode: ['FRA', 'SJC', 'NRT'][i % 3],
        ClientRequestHost: ZONE,
      }),
    );
  }
  return `${out.join('\n')}\n`;
}

interface Serve {
  url: string;
  child: ChildProcess;
}

async function serve(store: string): Promise<Serve> {
  const port = await freePort();
  const child = spawn(process.execPath, [CLI, 'serve', '--store', store, '--port', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, child };
    } catch {
      // still starting
    }
    if (child.exitCode !== null || i > 300) throw new Error('edgestat serve did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Pushes a batch as clients do: retrying 503 (busy) after its Retry-After, under the same key. */
async function push(server: Serve, key: string, body: string): Promise<void> {
  await pushBatch({ server: server.url, zone: ZONE, body: Buffer.from(body), key, format: 'cloudflare', attempts: 50 });
}

describe('scale-out on one ClickHouse', { skip: clickhouseMissing(), timeout: 180_000 }, () => {
  let clickhouse: TestClickHouse;
  const servers: Serve[] = [];
  before(async () => {
    clickhouse = await startClickHouse();
  });
  after(async () => {
    for (const s of servers) s.child.kill('SIGTERM');
    await clickhouse?.stop();
  });

  it('two serve processes and an ingest process write at once, a third process queries, and every count is exact', async () => {
    const store = clickhouse.storeUrl();
    servers.push(await serve(store), await serve(store));
    const file = join(tempDir(), 'edge.ndjson');
    writeFileSync(file, lines(1_000_000, 7_000));

    const batches = 24;
    const per = 500;
    const pushes: Promise<void>[] = [];
    for (let b = 0; b < batches; b++) pushes.push(push(servers[b % 2], `batch-${b}`, lines(b * per, per)));
    const ingest = run(process.execPath, [
      CLI,
      'ingest',
      '--store',
      store,
      '--format',
      'cloudflare',
      '--zone',
      ZONE,
      file,
    ]);
    await Promise.all([...pushes, ingest]);
    // A client that retries a batch on the other node after a lost answer: still counted once.
    await push(servers[1], 'batch-0', lines(0, per));
    await push(servers[0], 'batch-1', lines(per, per));

    const expected = new Map<number, number>();
    for (const i of [...Array(batches * per).keys(), ...Array.from({ length: 7_000 }, (_, k) => 1_000_000 + k)]) {
      const status = STATUSES[i % STATUSES.length];
      expected.set(status, (expected.get(status) ?? 0) + 1);
    }
    const { stdout } = await run(process.execPath, [
      CLI,
      'query',
      '--store',
      store,
      '--zone',
      ZONE,
      '--from',
      new Date(T0).toISOString(),
      '--to',
      new Date(T0 + 240 * 60_000).toISOString(),
      '--bucket',
      '1d',
      '--by',
      'status',
      '--json',
    ]);
    const counted = new Map<number, number>();
    for (const row of JSON.parse(stdout).rows as { status: number; requests: number }[]) {
      counted.set(row.status, (counted.get(row.status) ?? 0) + row.requests);
    }
    assert.deepEqual([...counted].sort(), [...expected].sort());
  });
});
