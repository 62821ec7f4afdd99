import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { repoRoot, tempDir } from '../../testing/paths.js';
import { freePort } from '../../testing/ports.js';

/** What autocannon is asked and answers, as far as this case uses it. */
type Autocannon = (options: {
  url: string;
  connections: number;
  overallRate?: number;
  duration: number;
  requests: Array<{
    method: string;
    path: string;
    headers: Record<string, string>;
    body: Buffer;
    setupRequest: (request: { headers: Record<string, string> }) => { headers: Record<string, string> };
  }>;
}) => Promise<{
  '2xx': number;
  non2xx: number;
  errors: number;
  duration: number;
  latency: { p50: number; p99: number };
}>;

export interface HttpPushOptions {
  /** Concurrent senders (HTTP connections). */
  senders?: number;
  /** Log lines per pushed batch. */
  batchLines?: number;
  /** Seconds of load. */
  durationSeconds?: number;
  /** Batches per second offered by all senders together (open load); default as fast as answers come. */
  rate?: number;
  /** Store URL for the server (a ClickHouse database); default a fresh DuckDB file. */
  store?: string;
}

export interface HttpPushResult {
  name: 'http-push';
  senders: number;
  batchLines: number;
  gzipBytesPerBatch: number;
  batches: number;
  /** Batches acknowledged (200) per second. */
  batchesPerSecond: number;
  failed: number;
  /** The server's store: `duckdb` or `clickhouse`. */
  store: string;
  /** The offered rate (batches/s), when the load was paced. */
  rate?: number;
  /** Lines committed per second, counted by the store after the run. */
  linesPerSecond: number;
  latencyMs: { p50: number; p99: number };
  /** CPU time of the server per batch committed: all its threads, and its main thread alone (Linux). */
  cpuMsPerBatch?: { all: number; main: number };
}

const STATUSES = [200, 200, 200, 200, 200, 200, 304, 404, 403, 500, 502, 503, 522];
const COLOS = ['FRA', 'AMS', 'SJC', 'IAD', 'SIN', 'GRU'];

/** A realistic gzip Cloudflare Logpush batch: mixed statuses and data centers over one minute. */
function logpushBatch(lines: number): Buffer {
  const t0 = Date.UTC(2026, 10, 24, 10, 0);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const status = STATUSES[i % STATUSES.length];
    out.push(
      JSON.stringify({
        EdgeStartTimestamp: (t0 + ((i * 37) % 60_000)) * 1_000_000,
        ClientRequestHost: 'www.shop.example',
        EdgeColoCode: COLOS[i % COLOS.length],
        EdgeResponseStatus: status,
        OriginResponseStatus: status === 522 ? 0 : status,
        EdgeResponseBytes: 512 + (i % 2048),
        ClientRequestMethod: 'GET',
        ClientRequestURI: `/products/${i % 500}`,
        RayID: (0x7f000000 + i).toString(16),
      }),
    );
  }
  return gzipSync(`${out.join('\n')}\n`);
}

/** CPU milliseconds a process has used, all threads and its main thread, from /proc; undefined elsewhere. */
function cpuMs(pid: number | undefined): { all: number; main: number } | undefined {
  // Fields 14 and 15 of stat (user and system time) in clock ticks of 10 ms, after the command name.
  const ticks = (path: string) => {
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  try {
    return { all: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`) };
  } catch {
    return undefined;
  }
}

/** Resolves once a spawned `edgestat serve` answers /healthz; fails if it exits first. */
export async function waitHealthy(base: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error('edgestat serve exited before it was ready');
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('edgestat serve did not start');
}

/** A real `edgestat serve` on a DuckDB file (or a clickhouse:// store URL), once it answers /healthz; `stop` ends it. */
export async function startServe(
  db: string,
): Promise<{ child: ChildProcess; base: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'dist/cli/main.js'),
      'serve',
      ...(db.includes('://') ? ['--store', db] : ['--db', db]),
      '--port',
      String(port),
    ],
    { env: { ...process.env, EDGESTAT_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const stop = async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  };
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(base, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, base, stop };
}

/**
 * Push-ingest throughput: gzip Logpush batches with unique Idempotency-Keys from several
 * concurrent senders (autocannon) against a real `edgestat serve` process on a fresh DuckDB
 * file. Lines/s counts what the store holds afterwards, not what was sent.
 */
export async function httpPush(options: HttpPushOptions = {}): Promise<HttpPushResult> {
  const senders = options.senders ?? 4;
  const batchLines = options.batchLines ?? 5000;
  const durationSeconds = options.durationSeconds ?? 15;
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const dir = tempDir('edgestat-bench-push-');
  const { base, stop, child } = await startServe(options.store ?? join(dir, 'push.duckdb'));
  try {
    const body = logpushBatch(batchLines);
    let sequence = 0;
    const cpuBefore = cpuMs(child.pid);
    const result = await autocannon({
      url: base,
      connections: senders,
      ...(options.rate ? { overallRate: options.rate } : {}),
      duration: durationSeconds,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/zones/shop.example/logs?format=cloudflare',
          headers: { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
          body,
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, 'idempotency-key': `bench-${process.pid}-${sequence++}` },
          }),
        },
      ],
    });
    const cpuAfter = cpuMs(child.pid);
    const summary = await fetch(
      `${base}/api/v1/zones/shop.example/summary?from=2026-11-24T10:00:00Z&to=2026-11-24T10:01:00Z`,
    );
    const stored = (await summary.json()).requests as number;
    // Per batch the store holds: batches still waiting when the load stopped cost CPU too, answered or not.
    const perBatch = (ms: number) => Math.round((100 * ms * batchLines) / Math.max(batchLines, stored)) / 100;
    return {
      name: 'http-push',
      store: options.store?.includes('://') ? 'clickhouse' : 'duckdb',
      senders,
      rate: options.rate,
      batchLines,
      gzipBytesPerBatch: body.length,
      batches: result['2xx'],
      batchesPerSecond: Math.round(result['2xx'] / result.duration),
      failed: result.non2xx + result.errors,
      linesPerSecond: Math.round(stored / result.duration),
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
      cpuMsPerBatch:
        cpuBefore && cpuAfter
          ? { all: perBatch(cpuAfter.all - cpuBefore.all), main: perBatch(cpuAfter.main - cpuBefore.main) }
          : undefined,
    };
  } finally {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
