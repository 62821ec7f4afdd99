import { createReadStream, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../testing/paths.js';
import { BENCH_ZONE, GOACCESS_UPSTREAM_FORMAT, NGINX_UPSTREAM_FORMAT } from '../generate.js';
import { type Measured, measure } from '../measure.js';

const CLI = join(repoRoot, 'dist', 'cli', 'main.js');
const PEER = join(repoRoot, 'dist', 'bench', 'duckdb-peer.js');

export interface IngestRun {
  name: string;
  lines: number;
  seconds: number;
  linesPerSecond: number;
  peakRssMiB: number;
}

const run = (name: string, lines: number, m: Measured): IngestRun => ({
  name,
  lines,
  seconds: m.seconds,
  linesPerSecond: Math.round(lines / m.seconds),
  peakRssMiB: Math.round(m.peakRssMiB),
});

function check(m: Measured, what: string): Measured {
  if (m.code !== 0) throw new Error(`${what} exited with ${m.code}: ${m.stderr.slice(-500)}`);
  return m;
}

/** `edgestat ingest` of a file into a fresh store (a DuckDB file path, or a store URL), as a user runs it. */
export async function edgestatIngest(
  file: string,
  store: string,
  args: string[],
): Promise<{ m: Measured; accepted: number }> {
  const url = store.includes('://') ? store : `duckdb:${store}`;
  if (!store.includes('://')) rmSync(store, { force: true });
  const m = check(
    await measure(process.execPath, [CLI, 'ingest', '--store', url, '--json', ...args, file]),
    'edgestat ingest',
  );
  const summary = JSON.parse(m.stdout) as { files: { result: { accepted: number; rejected: number } }[] };
  const { accepted, rejected } = summary.files[0].result;
  if (rejected) throw new Error(`edgestat rejected ${rejected} generated lines`);
  return { m, accepted };
}

/** The same file into each store, by URL: lines/s and peak RSS of `edgestat ingest` per store. */
export async function storesIngest(file: string, lines: number, stores: Record<string, string>): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (const [name, store] of Object.entries(stores)) {
    const { m, accepted } = await edgestatIngest(file, store, ['--format', 'cloudflare']);
    if (accepted !== lines) throw new Error(`${name}: accepted ${accepted} of ${lines}`);
    runs.push(run(`edgestat ingest into ${name}`, lines, m));
  }
  return runs;
}

/** The run of median time. */
const median = (runs: Measured[]) => [...runs].sort((a, b) => a.seconds - b.seconds)[runs.length >> 1];

/**
 * Cloudflare NDJSON: edgestat against DuckDB's read_ndjson with the same per-minute GROUP BY,
 * same file, in `pairs` alternating runs (the machine is shared: each side's median is kept).
 * The edgestat store ends up holding the file (the query case reads it).
 */
export async function cloudflareVsDuckDB(file: string, lines: number, dir: string, pairs = 3): Promise<IngestRun[]> {
  const ours: Measured[] = [];
  const peers: Measured[] = [];
  for (let i = 0; i < pairs; i++) {
    const edgestat = await edgestatIngest(file, join(dir, 'edgestat.duckdb'), ['--format', 'cloudflare']);
    if (edgestat.accepted !== lines) throw new Error(`edgestat accepted ${edgestat.accepted} of ${lines} lines`);
    ours.push(edgestat.m);
    rmSync(join(dir, 'peer.duckdb'), { force: true });
    const peer = check(await measure(process.execPath, [PEER, file, join(dir, 'peer.duckdb')]), 'DuckDB peer');
    const counted = JSON.parse(peer.stdout) as { requests: number };
    if (counted.requests !== lines) throw new Error(`DuckDB counted ${counted.requests} of ${lines} lines`);
    peers.push(peer);
  }
  return [
    run('edgestat ingest (cloudflare)', lines, median(ours)),
    run('DuckDB read_ndjson + GROUP BY', lines, median(peers)),
  ];
}

/** The nginx files of the bench: nginx's own `combined`, and a proxy's format with upstream fields. */
const NGINX_VARIANTS = {
  combined: { edgestat: [], goaccess: ['--log-format=COMBINED'] },
  upstream: {
    edgestat: ['--nginx-log-format', NGINX_UPSTREAM_FORMAT],
    goaccess: [`--log-format=${GOACCESS_UPSTREAM_FORMAT}`, '--date-format=%d/%b/%Y', '--time-format=%T'],
  },
} as const;

/** nginx: edgestat against GoAccess (when installed) parsing the same file, in the same format, to a JSON report. */
export async function nginxVsGoAccess(
  file: string,
  lines: number,
  dir: string,
  variant: keyof typeof NGINX_VARIANTS,
  goaccess?: string,
): Promise<IngestRun[]> {
  const { edgestat, goaccess: goaccessFormat } = NGINX_VARIANTS[variant];
  const db = join(dir, `nginx-${variant}.duckdb`);
  const ours = await edgestatIngest(file, db, [
    '--format',
    'nginx',
    '--zone',
    BENCH_ZONE,
    '--colo',
    'FRA',
    ...edgestat,
  ]);
  if (ours.accepted !== lines) throw new Error(`edgestat accepted ${ours.accepted} of ${lines} nginx lines`);
  const runs = [run(`edgestat ingest (nginx ${variant})`, lines, ours.m)];
  if (goaccess) {
    const report = join(dir, `goaccess-${variant}.json`);
    const peer = await measure(goaccess, [file, '--no-global-config', ...goaccessFormat, '-o', report]);
    check(peer, 'goaccess');
    runs.push(run(`GoAccess (nginx ${variant}, JSON report)`, lines, peer));
  }
  return runs;
}

export interface StdinRun extends IngestRun {
  gib: number;
  /** Resident memory after the first quarter of the run (warm-up excluded), MiB. */
  steadyRssMiB: { min: number; max: number };
}

/**
 * A stream larger than a file one would keep: `repeat` passes over the file piped into
 * `edgestat ingest -`, with resident memory sampled every second. Steady RSS is what shows
 * that a file larger than RAM would ingest the same way.
 */
export async function stdinStream(
  file: string,
  fileBytes: number,
  lines: number,
  repeat: number,
  dir: string,
): Promise<StdinRun> {
  const db = join(dir, 'stdin.duckdb');
  rmSync(db, { force: true });
  const m = check(
    await measure(process.execPath, [CLI, 'ingest', '--db', db, '--json', '--format', 'cloudflare', '-'], {
      sampleMs: 1000,
      feed: async (stdin) => {
        for (let i = 0; i < repeat; i++) {
          for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
            if (!stdin.write(chunk)) await new Promise((resolve) => stdin.once('drain', resolve));
          }
        }
      },
    }),
    'edgestat ingest -',
  );
  const accepted = (JSON.parse(m.stdout) as { files: { result: { accepted: number } }[] }).files[0].result.accepted;
  if (accepted !== lines * repeat) throw new Error(`stdin: accepted ${accepted} of ${lines * repeat}`);
  const steady = m.rssMiB.slice(Math.floor(m.rssMiB.length / 4));
  return {
    ...run('edgestat ingest - (stdin)', lines * repeat, m),
    gib: (fileBytes * repeat) / 2 ** 30,
    steadyRssMiB: { min: Math.round(Math.min(...steady)), max: Math.round(Math.max(...steady)) },
  };
}
