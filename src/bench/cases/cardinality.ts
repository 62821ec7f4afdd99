import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { DuckDBStore } from '../../stores/duckdb/duckdb-store.js';
import { tempDir } from '../../testing/paths.js';
import { distinctColoRows } from '../../testing/rows.js';
import { percentile, procStatusMiB } from '../measure.js';
import { startServe } from './http-push.js';

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

/** Latency to the last byte of each read the attack aims at, after one warm-up. */
async function answers(base: string, zone: string, runs: number): Promise<CardinalityAnswer[]> {
  const endpoints: Array<[string, string]> = [
    ['/api/v1/zones/:zone/colos', `/api/v1/zones/${zone}/colos?${RANGE}`],
    ['/api/v1/zones/:zone/status-codes?by=colo', `/api/v1/zones/${zone}/status-codes?${RANGE}&bucket=1h&by=colo`],
    ['/metrics', '/metrics'],
  ];
  const out: CardinalityAnswer[] = [];
  for (const [name, path] of endpoints) {
    let bytes = 0;
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const started = performance.now();
      const res = await fetch(`${base}${path}`);
      const body = await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${Buffer.from(body).toString()}`);
      if (i > 0) times.push(performance.now() - started);
      bytes = body.byteLength;
    }
    const p = (q: number) => Number(percentile(times, q).toFixed(1));
    out.push({ endpoint: name, runs, p50Ms: p(50), p99Ms: p(99), bytes });
  }
  return out;
}

/** Measures the reads of one zone on a server started on the file, then stops it. */
async function scenario(
  db: string,
  name: string,
  zone: string,
  colos: number,
  runs: number,
  before?: (base: string) => Promise<void>,
): Promise<CardinalityScenario> {
  const server = await startServe(db);
  try {
    await before?.(server.base);
    const listed = (await (await fetch(`${server.base}/api/v1/zones/${zone}/colos?${RANGE}`)).json()) as {
      colos: unknown[];
    };
    const measured = await answers(server.base, zone, runs);
    const pid = server.child.pid!;
    return {
      name,
      colos,
      storedColos: listed.colos.length,
      answers: measured,
      rssMiB: Math.round(procStatusMiB(pid, 'VmRSS') ?? 0),
      peakRssMiB: Math.round(procStatusMiB(pid, 'VmHWM') ?? 0),
    };
  } finally {
    await server.stop();
  }
}

/** Pushes `colos` lines, each from a new data center, in gzip batches. */
async function pushNewColos(base: string, colos: number): Promise<void> {
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
    const res = await fetch(`${base}/api/v1/zones/pushed.example/logs?format=cloudflare`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip', 'idempotency-key': `bench-cardinality-${start}` },
      body: gzipSync(`${lines.join('\n')}\n`),
    });
    if (!res.ok) throw new Error(`push: ${res.status} ${await res.text()}`);
  }
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
  try {
    const pushed = await scenario(
      db,
      'pushed over HTTP (ingest cap folds them)',
      'pushed.example',
      colos,
      runs,
      (base) => pushNewColos(base, colos),
    );
    const store = await DuckDBStore.open(db);
    const batch = await store.openBatch();
    await batch.append(
      distinctColoRows(
        'stored.example',
        colos,
        'Y',
        (i) => T0 + (i % 60) * 60_000,
        (i) => 1 + (i % 7),
      ),
    );
    await batch.commit({ key: 'bench-cardinality-stored', hint: '', input: 'bench', accepted: colos, rejected: 0 });
    await store.close();
    const stored = await scenario(db, 'stored before the cap (store batch path)', 'stored.example', colos, runs);
    return [pushed, stored];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
