import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import type { RollupRow } from '../../rollup/rollup.js';
import { DuckDBStore } from '../../stores/duckdb/duckdb-store.js';
import { repoRoot, tempDir } from '../../testing/paths.js';
import { freePort } from '../../testing/ports.js';
import { percentile, procStatusMiB } from '../measure.js';
import { waitHealthy } from './http-push.js';

export interface CardinalityAnswer {
  endpoint: string;
  runs: number;
  p50Ms: number;
  p99Ms: number;
  bytes: number;
}

export interface CardinalityScenario {
  name: string;
  /** Distinct colos the scenario wrote. */
  colos: number;
  /** Distinct colos the store holds for the zone afterwards (the cap folds the rest into "(Other)"). */
  storedColos: number;
  answers: CardinalityAnswer[];
  /** The server's resident memory after the answers, and its peak (VmHWM), MiB. */
  rssMiB: number;
  peakRssMiB: number;
}

const T0 = Date.UTC(2026, 10, 24, 10, 0);
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';
const PUSH_LINES = 25_000;

/** A `serve` process on the file, with its base URL. */
async function serve(db: string): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'dist/cli/main.js'), 'serve', '--db', db, '--port', String(port)],
    { env: { ...process.env, EDGESTAT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitHealthy(base, child);
  return { child, base };
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Latency to the last byte of each read the attack aims at, after one warm-up. */
async function answers(base: string, zone: string, runs: number): Promise<CardinalityAnswer[]> {
  const endpoints = [
    `/api/v1/zones/${zone}/colos?${RANGE}`,
    `/api/v1/zones/${zone}/status-codes?${RANGE}&bucket=1h&by=colo`,
    '/metrics',
  ];
  const out: CardinalityAnswer[] = [];
  for (const endpoint of endpoints) {
    let bytes = 0;
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const started = performance.now();
      const res = await fetch(`${base}${endpoint}`);
      const body = await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${endpoint}: ${res.status} ${Buffer.from(body).toString()}`);
      if (i > 0) times.push(performance.now() - started);
      bytes = body.byteLength;
    }
    out.push({
      endpoint: endpoint
        .replace(`/zones/${zone}/`, '/zones/:zone/')
        .replace(/\?.*$/, (q) => (q.includes('by=colo') ? '?by=colo' : '')),
      runs,
      p50Ms: Number(percentile(times, 50).toFixed(1)),
      p99Ms: Number(percentile(times, 99).toFixed(1)),
      bytes,
    });
  }
  return out;
}

async function storedColos(base: string, zone: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/zones/${zone}/colos?${RANGE}`);
  const answer = (await res.json()) as { colos: unknown[]; truncated?: boolean };
  return answer.colos.length;
}

/**
 * The cardinality attack, measured: `colos` lines each with a new data center pushed over HTTP
 * to a real `edgestat serve` (the ingest cap folds them into "(Other)"), then the same number
 * of distinct colos written straight into the store (as a file from before the caps holds
 * them); for each, the latency and size of /colos, status-codes by colo and /metrics, and the
 * server's memory.
 */
export async function cardinalityAttack(colos = 100_000, runs = 20): Promise<CardinalityScenario[]> {
  const dir = tempDir('edgestat-bench-cardinality-');
  const db = join(dir, 'cardinality.duckdb');
  const scenarios: CardinalityScenario[] = [];
  try {
    let server = await serve(db);
    try {
      for (let start = 0; start < colos; start += PUSH_LINES) {
        const lines: string[] = [];
        for (let i = start; i < Math.min(colos, start + PUSH_LINES); i++) {
          lines.push(
            JSON.stringify({
              EdgeStartTimestamp: new Date(T0 + ((i * 17) % 3_600_000)).toISOString(),
              EdgeResponseStatus: 200,
              EdgeColoCode: `X${i.toString(36).toUpperCase()}`,
              ClientRequestHost: 'www.pushed.example',
            }),
          );
        }
        const res = await fetch(`${server.base}/api/v1/zones/pushed.example/logs?format=cloudflare`, {
          method: 'POST',
          headers: { 'content-encoding': 'gzip', 'idempotency-key': `bench-cardinality-${start}` },
          body: gzipSync(`${lines.join('\n')}\n`),
        });
        if (!res.ok) throw new Error(`push: ${res.status} ${await res.text()}`);
      }
      scenarios.push({
        name: 'pushed over HTTP (ingest cap folds them)',
        colos,
        storedColos: await storedColos(server.base, 'pushed.example'),
        answers: await answers(server.base, 'pushed.example', runs),
        rssMiB: Math.round(procStatusMiB(server.child.pid!, 'VmRSS') ?? 0),
        peakRssMiB: Math.round(procStatusMiB(server.child.pid!, 'VmHWM') ?? 0),
      });
    } finally {
      await stop(server.child);
    }

    const store = await DuckDBStore.open(db);
    const rows: RollupRow[] = Array.from({ length: colos }, (_, i) => ({
      minute: T0 + (i % 60) * 60_000,
      zone: 'stored.example',
      host: 'www.stored.example',
      colo: `Y${i}`,
      edgeStatus: 200,
      status: 200,
      originStatus: 200,
      group: 'success',
      source: 'edge',
      requests: 1 + (i % 7),
      bytes: 100,
    }));
    const batch = await store.openBatch();
    await batch.append(rows);
    await batch.commit({ key: 'bench-cardinality-stored', hint: '', source: 'bench', accepted: colos, rejected: 0 });
    await store.close();

    server = await serve(db);
    try {
      scenarios.push({
        name: 'stored before the cap (store batch path)',
        colos,
        storedColos: await storedColos(server.base, 'stored.example'),
        answers: await answers(server.base, 'stored.example', runs),
        rssMiB: Math.round(procStatusMiB(server.child.pid!, 'VmRSS') ?? 0),
        peakRssMiB: Math.round(procStatusMiB(server.child.pid!, 'VmHWM') ?? 0),
      });
    } finally {
      await stop(server.child);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return scenarios;
}
