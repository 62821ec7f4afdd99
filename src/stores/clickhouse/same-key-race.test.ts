import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface, type Interface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runQuery } from '../../query/run.js';
import { clickhouseMissing, startClickHouse, type TestClickHouse } from '../../testing/clickhouse.js';
import { ClickHouseStore } from './clickhouse-store.js';
import { RACE_BATCH_REQUESTS, RACE_DAY } from './race-committer.js';

const COMMITTER = fileURLToPath(new URL('./race-committer.js', import.meta.url));
const ROUNDS = 20;
/** Concurrent commits per process and round: 8 in all from the two processes. */
const PER_PROCESS = 4;
const DAY_MS = 86_400_000;

interface Committer {
  child: ChildProcess;
  lines: Interface;
  next(): Promise<string>;
}

function committer(url: string): Committer {
  const child = spawn(process.execPath, [COMMITTER, url, String(PER_PROCESS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queue.push(line);
  });
  return {
    child,
    lines,
    next: () => {
      const line = queue.shift();
      return line !== undefined ? Promise.resolve(line) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe('ClickHouse: one key committed by two processes at the same instant', {
  skip: clickhouseMissing(),
  timeout: 300_000,
}, () => {
  let server: TestClickHouse;
  const committers: Committer[] = [];
  before(async () => {
    server = await startClickHouse();
  });
  after(async () => {
    for (const c of committers) {
      c.child.stdin?.end();
      if (c.child.exitCode === null) await once(c.child, 'exit');
    }
    await server?.stop();
  });

  it(`counts it once, every one of ${ROUNDS} rounds of ${2 * PER_PROCESS} racing commits`, async () => {
    const url = server.storeUrl();
    const store = await ClickHouseStore.open(url);
    committers.push(committer(url), committer(url));
    for (const c of committers) assert.equal(await c.next(), 'ready');
    for (let round = 0; round < ROUNDS; round++) {
      // Both processes start their commits at the same instant, a little ahead so the message arrives first.
      const at = Date.now() + 150;
      for (const c of committers) c.child.stdin!.write(`${JSON.stringify({ round, at })}\n`);
      const outcomes = (await Promise.all(committers.map(async (c) => JSON.parse(await c.next()).outcomes as string[])))
        .flat()
        .sort();
      assert.deepEqual(outcomes, ['committed', ...Array(2 * PER_PROCESS - 1).fill('duplicate')], `round ${round}`);
      const zone = `race-${round}.test`;
      const sum = async (bucket: '1m' | '1d') =>
        (await runQuery(store, { zone, from: RACE_DAY - DAY_MS, to: RACE_DAY + DAY_MS, bucket, by: [] })).rows.reduce(
          (total, r) => total + r.requests,
          0,
        );
      // 1m reads the minute table, 1d over whole days the hour table: both count the batch once.
      assert.equal(await sum('1m'), RACE_BATCH_REQUESTS, `round ${round}, minutes`);
      assert.equal(await sum('1d'), RACE_BATCH_REQUESTS, `round ${round}, hours`);
    }
    // Every claim was released.
    const [claims] = await store.connection.rows<{ n: string }>(
      `SELECT count() AS n FROM system.tables WHERE database = '${store.connection.database}' AND startsWith(name, 'claim_')`,
    );
    assert.equal(claims.n, '0');
    await store.close();
  });
});
