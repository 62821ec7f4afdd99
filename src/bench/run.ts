/**
 * `npm run bench`: generates a day of realistic logs and measures edgestat against peers run on
 * the same files in the same run (DuckDB, GoAccess), then writes bench/RESULTS.md.
 * Options: --lines N (default 1,000,000), --stdin-repeat N (passes over the file piped into
 * `ingest -`, default 4), --huge[=GB] (stream that much instead, default 10 passes), --only
 * case,... (cloudflare, nginx, stdin, query, clickhouse, push, fleet, formats, dashboard, cardinality,
 * cli, month), --colos N (distinct data centers of `cardinality`, default 100,000), --fleet-seconds N
 * (load of `fleet`, default 15), --month-days N (days of `month`, default 30), --month-per-minute N
 * (its mean requests per minute, default 51,000), --month-batch-minutes N (each agent's batch
 * period, default 60), --month-runs N (timed runs per query, default 20), --month-live-seconds N
 * (how long the live view is watched, default 60), --out FILE.
 */
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clickhouseMissing, startClickHouse } from '../testing/clickhouse.js';
import { repoRoot, tempDir } from '../testing/paths.js';
import { cardinalityAttack } from './cases/cardinality.js';
import { cliStart } from './cases/cli-start.js';
import { firstRender, pageWeight } from './cases/dashboard.js';
import { edgeFormats } from './cases/edge-formats.js';
import { httpPush } from './cases/http-push.js';
import { cloudflareVsDuckDB, nginxVsGoAccess, stdinStream, storesIngest } from './cases/ingest.js';
import { CLICKHOUSE_WRITERS, type MonthOptions, monthOfTraffic } from './cases/month.js';
import { httpQueryLatency, queryLatency } from './cases/query.js';
import { BENCH_ZONE, generateLogs } from './generate.js';
import { Report } from './report.js';

const CASES = [
  'cloudflare',
  'nginx',
  'stdin',
  'query',
  'clickhouse',
  'push',
  'fleet',
  'formats',
  'dashboard',
  'cardinality',
  'cli',
  'month',
] as const;
const { values } = parseArgs({
  // `--huge` alone takes the default size: parseArgs wants a value for a string option.
  args: process.argv.slice(2).map((arg) => (arg === '--huge' ? '--huge=' : arg)),
  options: {
    huge: { type: 'string' },
    lines: { type: 'string', default: '1000000' },
    colos: { type: 'string', default: '100000' },
    'stdin-repeat': { type: 'string', default: '4' },
    'fleet-seconds': { type: 'string', default: '15' },
    'month-days': { type: 'string', default: '30' },
    'month-per-minute': { type: 'string', default: '51000' },
    'month-batch-minutes': { type: 'string', default: '60' },
    'month-runs': { type: 'string', default: '20' },
    'month-live-seconds': { type: 'string', default: '60' },
    only: { type: 'string' },
    out: { type: 'string', default: join(repoRoot, 'bench', 'RESULTS.md') },
  },
});
const lines = Number(values.lines);
const only = new Set(values.only ? values.only.split(',') : CASES);
for (const name of only) {
  if (!(CASES as readonly string[]).includes(name))
    throw new Error(`--only: unknown case ${name}; cases: ${CASES.join(', ')}`);
}
const log = (text: string) => process.stderr.write(`bench: ${text}\n`);
const dir = tempDir('edgestat-bench-');
const report = new Report(lines);

try {
  const cloudflare = join(dir, 'cloudflare.ndjson');
  const nginx = join(dir, 'access.log');
  const nginxUpstream = join(dir, 'access-upstream.log');
  log(`generating ${lines.toLocaleString('en-US')} requests as Cloudflare NDJSON and nginx lines in ${dir}`);
  const generated = generateLogs({ cloudflare, nginx, nginxUpstream }, lines);
  const cloudflareBytes = statSync(cloudflare).size;
  report.generated(generated.lines, cloudflareBytes, statSync(nginx).size, statSync(nginxUpstream).size);

  let cloudflareRate: number | undefined;
  if (only.has('cloudflare') || only.has('query')) {
    log('cloudflare: edgestat ingest vs DuckDB read_ndjson, the same requests in 60 minutes');
    // The same number of requests in one hour: far fewer rollup keys, so parsing alone is compared.
    const hour = join(dir, 'cloudflare-hour.ndjson');
    const hourLines = generateLogs({ cloudflare: hour }, lines, generated.to, 7, 60).lines;
    const hourRuns = await cloudflareVsDuckDB(hour, hourLines, dir);
    rmSync(hour, { force: true });
    log('cloudflare: edgestat ingest vs DuckDB read_ndjson, 24 h');
    const runs = await cloudflareVsDuckDB(cloudflare, generated.lines, dir);
    cloudflareRate = runs[0].linesPerSecond;
    report.ingest('Cloudflare Logpush NDJSON: edgestat vs DuckDB (24 h)', runs, 1, 'edgestat ≥ 1.0× DuckDB');
    report.ingest('Cloudflare Logpush NDJSON: edgestat vs DuckDB (60 min)', hourRuns, 1, 'edgestat ≥ 1.0× DuckDB');
  }
  if (only.has('nginx')) {
    const goaccess = ['/usr/bin/goaccess', '/usr/local/bin/goaccess'].find(existsSync);
    for (const [variant, file, title] of [
      ['combined', nginx, 'nginx combined'],
      ['upstream', nginxUpstream, 'nginx with upstream timing'],
    ] as const) {
      log(`nginx ${variant}: edgestat ingest vs ${goaccess ?? 'no GoAccess installed'}`);
      const runs = await nginxVsGoAccess(file, generated.lines, dir, variant, goaccess);
      report.ingest(`${title}: edgestat vs GoAccess`, runs, 10, 'edgestat ≥ 10× GoAccess');
    }
  }
  if (only.has('stdin')) {
    const repeat =
      values.huge === undefined
        ? Number(values['stdin-repeat'])
        : values.huge === ''
          ? 10
          : Math.max(1, Math.ceil((Number(values.huge) * 2 ** 30) / cloudflareBytes));
    if (!(repeat >= 1)) throw new Error('--huge=GB and --stdin-repeat N take a positive number');
    log(`stdin: ${repeat} passes over the file into edgestat ingest -`);
    report.stdin(await stdinStream(cloudflare, cloudflareBytes, generated.lines, repeat, dir));
  }
  if (only.has('query')) {
    log('query: 24 h, 1-minute buckets, by status, all data centers');
    const db = join(dir, 'edgestat.duckdb');
    const latencies = await queryLatency(`duckdb:${db}`, generated.from, generated.to);
    report.query([...latencies, await httpQueryLatency(db, generated.from, generated.to)]);
  }
  if (only.has('cli')) {
    log('cli: start time of edgestat --help and edgestat query next to node -e 0');
    const db = join(dir, 'edgestat.duckdb');
    if (!existsSync(db)) throw new Error('--only cli needs the query case too (it queries its store)');
    report.cliStart(cliStart(db, BENCH_ZONE));
  }
  if (only.has('clickhouse')) {
    const missing = clickhouseMissing();
    if (missing) report.note('ClickHouse', `not measured: ${missing}`);
    else {
      log('clickhouse: the same ingest and query on ClickHouse next to DuckDB');
      const clickhouse = await startClickHouse();
      try {
        const stores = { DuckDB: join(dir, 'duckdb-vs.duckdb'), ClickHouse: clickhouse.storeUrl() };
        const ingest = await storesIngest(cloudflare, generated.lines, stores);
        const queries = [
          ...(await queryLatency(`duckdb:${stores.DuckDB}`, generated.from, generated.to)).slice(0, 1),
          ...(await queryLatency(stores.ClickHouse, generated.from, generated.to)),
        ];
        report.stores(ingest, queries);
      } finally {
        await clickhouse.stop();
      }
    }
  }
  if (only.has('push')) {
    log('push: gzip Logpush batches over HTTP, 4 senders');
    report.push(await httpPush({ senders: 4, batchLines: 5000, durationSeconds: 15 }), cloudflareRate);
  }
  if (only.has('fleet')) {
    log('fleet: 100 agents pushing gzip batches of 200 lines (group commit)');
    const fleet = { senders: 100, batchLines: 200, durationSeconds: Number(values['fleet-seconds']) };
    // As fast as the answers come (the most the server takes), then paced at the goal's 500 batches/s (the latency then).
    const runs = [await httpPush(fleet), await httpPush({ ...fleet, rate: 500 })];
    const missing = clickhouseMissing();
    if (missing) report.note('Fleet push on ClickHouse', `not measured: ${missing}`);
    else {
      const clickhouse = await startClickHouse();
      try {
        runs.push(await httpPush({ ...fleet, store: clickhouse.storeUrl() }));
        runs.push(await httpPush({ ...fleet, rate: 500, store: clickhouse.storeUrl() }));
      } finally {
        await clickhouse.stop();
      }
    }
    // Latency depends on what else the machine runs (CPU per batch does not): the load is written down with it.
    report.fleet(runs, { load: loadavg()[0], cores: availableParallelism() });
  }
  if (only.has('formats')) {
    log('formats: parse and single-thread ingest per edge format');
    // Cloudflare, measured the same way on a sample of the generated file, is the peer.
    const sample = join(dir, 'cloudflare-sample.ndjson');
    writeFileSync(
      sample,
      readFileSync(cloudflare)
        .subarray(0, 1 << 20)
        .toString('utf8')
        .replace(/\n[^\n]*$/, '\n'),
    );
    report.formats(await edgeFormats({ lines: 300_000, peers: [['cloudflare', sample]] }));
  }
  if (only.has('dashboard')) {
    log('dashboard: page weight and first render of a 24 h view on demo data');
    const weights = pageWeight();
    const render = existsSync('/usr/bin/chromium') ? await firstRender(5) : undefined;
    report.dashboard(weights, render);
  }
  if (only.has('cardinality')) {
    const colos = Number(values.colos);
    if (!(Number.isSafeInteger(colos) && colos >= 1)) throw new Error('--colos N takes a whole number ≥ 1');
    log(`cardinality: ${colos.toLocaleString('en-US')} distinct data centers, pushed and stored`);
    report.cardinality(await cardinalityAttack(colos));
  }
  if (only.has('month')) {
    const month: MonthOptions = {
      days: Number(values['month-days']),
      perMinute: Number(values['month-per-minute']),
      agents: 20,
      batchMinutes: Number(values['month-batch-minutes']),
      seed: 7,
      runs: Number(values['month-runs']),
      queryBudgetMs: 20_000,
      liveSeconds: Number(values['month-live-seconds']),
    };
    for (const key of ['days', 'perMinute', 'batchMinutes', 'runs', 'liveSeconds'] as const) {
      if (!(Number.isSafeInteger(month[key]) && month[key] >= 1))
        throw new Error(`--month-* options take whole numbers ≥ 1`);
    }
    const browser = existsSync('/usr/bin/chromium');
    const started = Date.now();
    // One month for both stores: the same seed and the same last minute give the same rows.
    const end = started - (started % 60_000);
    const duckdb = { ...month, end, inFlight: 1 };
    const results = [await monthOfTraffic('DuckDB', `duckdb:${join(dir, 'month.duckdb')}`, duckdb, log, browser)];
    const missing = clickhouseMissing();
    if (!missing) {
      const clickhouse = await startClickHouse();
      try {
        const url = clickhouse.storeUrl();
        results.push(
          await monthOfTraffic('ClickHouse', url, { ...duckdb, inFlight: CLICKHOUSE_WRITERS }, log, browser),
        );
      } finally {
        await clickhouse.stop();
      }
    }
    report.month(month, results, (Date.now() - started) / 1000, missing);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(values.out, report.markdown());
log(`wrote ${values.out}`);
