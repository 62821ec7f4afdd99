import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { runQuery } from '../../query/run.js';
import { openStore } from '../../stores/open.js';
import { BENCH_ZONE } from '../generate.js';
import { percentile } from '../measure.js';
import { startServe } from './http-push.js';

export interface QueryLatency {
  name: string;
  runs: number;
  rows: number;
  p50Ms: number;
  p99Ms: number;
}

async function timed(runs: number, once: () => Promise<number>): Promise<{ rows: number; times: number[] }> {
  let rows = 0;
  for (let i = 0; i < 3; i++) rows = await once(); // warm the file cache and the prepared plans
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    rows = await once();
    times.push(performance.now() - started);
  }
  return { rows, times };
}

const summary = (name: string, runs: number, r: { rows: number; times: number[] }): QueryLatency => ({
  name,
  runs,
  rows: r.rows,
  p50Ms: Number(percentile(r.times, 50).toFixed(1)),
  p99Ms: Number(percentile(r.times, 99).toFixed(1)),
});

/**
 * The dashboard's main query, 24 hours in 1-minute buckets by status over all data centers,
 * through edgestat's query layer (`runQuery`: SQL, bucket totals, percentages) on a store URL,
 * and, when the store is a DuckDB file, the bare GROUP BY on its rollup table as the peer.
 */
export async function queryLatency(storeUrl: string, from: number, to: number, runs = 50): Promise<QueryLatency[]> {
  const store = await openStore(storeUrl);
  const ours = await timed(runs, async () => {
    const answer = await runQuery(store, { zone: BENCH_ZONE, from, to, bucket: '1m', by: ['status'] });
    return answer.rows.length;
  });
  await store.close();
  const results = [summary(`edgestat runQuery (${store.kind})`, runs, ours)];
  if (store.kind === 'duckdb') {
    const instance = await DuckDBInstance.create(storeUrl.replace(/^duckdb:/, ''), { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    const peer = await timed(runs, async () => {
      const reader = await connection.runAndReadAll(
        `SELECT minute_ms, status, sum(requests) FROM rollup_minute
         WHERE zone = '${BENCH_ZONE}' AND minute_ms >= ${from} AND minute_ms < ${to} GROUP BY ALL`,
      );
      return reader.currentRowCount;
    });
    connection.closeSync();
    instance.closeSync();
    results.push(summary('bare DuckDB GROUP BY on the rollup table', runs, peer));
  }
  return results;
}

/**
 * The same query as the dashboard asks it: `GET /api/v1/zones/:zone/status-codes` of a real
 * `edgestat serve` on the DuckDB file, timed to the last byte of the JSON answer.
 */
export async function httpQueryLatency(db: string, from: number, to: number, runs = 50): Promise<QueryLatency> {
  const { base, stop } = await startServe(db);
  const range = `from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
  const url = `${base}/api/v1/zones/${BENCH_ZONE}/status-codes?${range}&bucket=1m&by=status`;
  try {
    const result = await timed(runs, async () => {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { rows: unknown[] }).rows.length;
    });
    return summary('GET /api/v1/zones/:zone/status-codes over HTTP', runs, result);
  } finally {
    await stop();
  }
}
