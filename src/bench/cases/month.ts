import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from '@clickhouse/client';
import { DuckDBInstance } from '@duckdb/node-api';
import { launchBrowser, waitForView } from '../../e2e/harness.js';
import { runColos } from '../../query/colos.js';
import { toStatusQuery } from '../../query/params.js';
import { runQuery } from '../../query/run.js';
import { type StorageAnswer, storageAnswer } from '../../query/storage.js';
import type { RollupRow } from '../../rollup/rollup.js';
import { parseClickHouseUrl } from '../../stores/clickhouse/clickhouse-store.js';
import { openStore } from '../../stores/open.js';
import type { GroupedBatch, Store } from '../../stores/store.js';
import { percentile } from '../measure.js';
import { MONTH_ZONE, type MonthShape, MonthTraffic } from '../month-traffic.js';
import { startServe } from './http-push.js';

const MINUTE = 60_000;
/** Periods of the month the ClickHouse fleet commits at once (as that many `serve` processes would). */
export const CLICKHOUSE_WRITERS = 4;
const DAY = 86_400_000;

export interface MonthOptions extends Omit<MonthShape, 'end'> {
  /** Minutes of traffic each agent's batch holds. */
  batchMinutes: number;
  /** Timed runs per query (fewer when a query is slow: at most `queryBudgetMs` per query and mode, at least 5 runs). */
  runs: number;
  queryBudgetMs: number;
  /** How long a live 24 h view is watched. */
  liveSeconds: number;
}

export interface MonthQuery {
  name: string;
  /** runQuery / runColos in-process, over HTTP, or the bare GROUP BY on the minute table. */
  mode: 'in-process' | 'HTTP' | 'bare GROUP BY';
  runs: number;
  rows: number;
  p50Ms: number;
  p99Ms: number;
}

export interface MonthStoreResult {
  store: string;
  write: { seconds: number; batches: number; rows: number; requests: number };
  storage: StorageAnswer;
  /** Bytes per rollup table where the store can tell (ClickHouse: its parts). */
  tableBytes?: Record<string, number>;
  queries: MonthQuery[];
  firstRenderMs?: number[];
  live?: { seconds: number; bytes: number; bytesPerMinute: number; pushes: number };
}

/**
 * The fleet's month through the store's group commit: one batch per agent per period, a
 * period's batches in one `commitGroup`, `inFlight` periods at once (one for DuckDB, whose file
 * has one writer; several for ClickHouse, as several `serve` processes would commit).
 */
async function writeMonth(
  store: Store,
  traffic: MonthTraffic,
  batchMinutes: number,
  inFlight: number,
  log: (s: string) => void,
) {
  const started = performance.now();
  let batches = 0;
  let rows = 0;
  let requests = 0;
  const { agents, end } = traffic.shape;
  let reported = performance.now();
  const pending = new Set<Promise<void>>();
  for (let period = traffic.from; period < end; period += batchMinutes * MINUTE) {
    const group: GroupedBatch[] = [];
    for (let agent = 0; agent < agents; agent++) {
      const batchRows: RollupRow[] = [];
      let accepted = 0;
      for (let m = period; m < Math.min(end, period + batchMinutes * MINUTE); m += MINUTE) {
        accepted += traffic.minuteRows(agent, m, batchRows);
      }
      group.push({
        rows: batchRows,
        record: { key: `month-${agent}-${period}`, hint: `agent-${agent}`, input: 'bench', accepted, rejected: 0 },
      });
      rows += batchRows.length;
      requests += accepted;
    }
    const commit = store.commitGroup(group).then((outcomes) => {
      const failed = outcomes.find((o) => o instanceof Error);
      if (failed) throw failed;
    });
    pending.add(commit);
    void commit.then(
      () => pending.delete(commit),
      () => {},
    );
    if (pending.size >= inFlight) await Promise.race(pending);
    batches += group.length;
    if (performance.now() - reported > 30_000) {
      reported = performance.now();
      log(
        `  ${store.kind}: ${((period - traffic.from) / DAY).toFixed(1)} days written, ${rows.toLocaleString('en-US')} rows`,
      );
    }
  }
  await Promise.all(pending);
  return { seconds: (performance.now() - started) / 1000, batches, rows, requests };
}

/** Times `once` `runs` times after two warm-up calls, or fewer when the budget runs out (at least 5). */
async function timed(
  name: string,
  mode: MonthQuery['mode'],
  options: Pick<MonthOptions, 'runs' | 'queryBudgetMs'>,
  once: () => Promise<number>,
): Promise<MonthQuery> {
  let rows = 0;
  for (let i = 0; i < 2; i++) rows = await once();
  const times: number[] = [];
  const started = performance.now();
  while (times.length < options.runs && (times.length < 5 || performance.now() - started < options.queryBudgetMs)) {
    const t = performance.now();
    rows = await once();
    times.push(performance.now() - t);
  }
  const round = (x: number) => Number(x.toFixed(1));
  return {
    name,
    mode,
    runs: times.length,
    rows,
    p50Ms: round(percentile(times, 50)),
    p99Ms: round(percentile(times, 99)),
  };
}

/** The four reads of the goal, each as a raw query (as the API takes it) and as the bare GROUP BY's bucket. */
function reads(end: number) {
  const range = (ms: number) => ({ from: new Date(end - ms).toISOString(), to: new Date(end).toISOString() });
  return [
    { name: '24 h at 1m', raw: { ...range(DAY), bucket: '1m' }, bareBucketS: 60 },
    // 7 days in automatic buckets: 15 minutes (at most 1,500 buckets).
    { name: '7 d at auto (15m)', raw: { ...range(7 * DAY) }, bareBucketS: 900 },
    { name: '30 d at 1h', raw: { ...range(30 * DAY), bucket: '1h' }, bareBucketS: 3600 },
    { name: '30 d by colo', raw: range(30 * DAY), colos: true, bareBucketS: 0 },
  ] as const;
}

/** The bare GROUP BY of a read on the store's minute table: what a store without tiers reads. */
function bareSql(dialect: 'duckdb' | 'clickhouse', from: number, to: number, bucketS: number): string {
  const minute = dialect === 'duckdb' ? 'minute_ms' : 'minute';
  const [lo, hi] = dialect === 'duckdb' ? [from, to] : [from / 1000, to / 1000];
  const width = dialect === 'duckdb' ? bucketS * 1000 : bucketS;
  const by = bucketS === 0 ? ['colo', 'grp'] : [`${minute} - ${minute} % ${width}`, 'status'];
  return `SELECT ${by.join(', ')}, sum(requests) FROM rollup_minute
    WHERE zone = '${MONTH_ZONE}' AND ${minute} >= ${lo} AND ${minute} < ${hi} GROUP BY ${by.join(', ')}`;
}

async function inProcess(url: string, end: number, options: MonthOptions): Promise<MonthQuery[]> {
  const store = await openStore(url);
  try {
    const out: MonthQuery[] = [];
    for (const r of reads(end)) {
      const query = toStatusQuery({ zone: MONTH_ZONE, ...r.raw }, end);
      out.push(
        await timed(r.name, 'in-process', options, async () =>
          'colos' in r ? (await runColos(store, query)).colos.length : (await runQuery(store, query)).rows.length,
        ),
      );
    }
    return out;
  } finally {
    await store.close();
  }
}

async function bare(url: string, end: number, options: MonthOptions): Promise<MonthQuery[]> {
  const out: MonthQuery[] = [];
  if (url.startsWith('duckdb:')) {
    const instance = await DuckDBInstance.create(url.slice('duckdb:'.length), { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    for (const r of reads(end)) {
      const from = toStatusQuery({ zone: MONTH_ZONE, ...r.raw }, end).from;
      const sql = bareSql('duckdb', from, end, r.bareBucketS);
      out.push(
        await timed(
          r.name,
          'bare GROUP BY',
          options,
          async () => (await connection.runAndReadAll(sql)).currentRowCount,
        ),
      );
    }
    connection.closeSync();
    instance.closeSync();
    return out;
  }
  const ch = parseClickHouseUrl(url);
  const client = createClient({ url: ch.url, database: ch.database });
  try {
    for (const r of reads(end)) {
      const from = toStatusQuery({ zone: MONTH_ZONE, ...r.raw }, end).from;
      const sql = bareSql('clickhouse', from, end, r.bareBucketS);
      out.push(
        await timed(
          r.name,
          'bare GROUP BY',
          options,
          async () => (await (await client.query({ query: sql, format: 'JSONEachRow' })).json()).length,
        ),
      );
    }
    return out;
  } finally {
    await client.close();
  }
}

async function overHttp(base: string, end: number, options: MonthOptions): Promise<MonthQuery[]> {
  const out: MonthQuery[] = [];
  for (const r of reads(end)) {
    const params = new URLSearchParams(r.raw as Record<string, string>);
    const path = 'colos' in r ? 'colos' : 'status-codes';
    const url = `${base}/api/v1/zones/${MONTH_ZONE}/${path}?${params}`;
    out.push(
      await timed(r.name, 'HTTP', options, async () => {
        const res = await fetch(url);
        if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
        const body = (await res.json()) as { rows?: unknown[]; colos?: unknown[] };
        return (body.rows ?? body.colos ?? []).length;
      }),
    );
  }
  return out;
}

/** The dashboard's first render of the 30 d view, three loads in headless Chromium. */
async function firstRender30d(base: string): Promise<number[]> {
  const browser = await launchBrowser();
  try {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await page.goto(`${base}/?zone=${MONTH_ZONE}&range=30d`);
      await page.waitForFunction(() => performance.getEntriesByName('edgestat:first-render').length > 0, null, {
        timeout: 60_000,
      });
      times.push(
        Math.round(await page.evaluate(() => performance.getEntriesByName('edgestat:first-render')[0].startTime)),
      );
      await page.close();
    }
    return times;
  } finally {
    await browser.close();
  }
}

/**
 * Every byte a live 24 h view receives (its stream included) while a small batch of lines from
 * several data centers is pushed every 5 seconds, measured as the browser counts it (CDP).
 */
async function liveView(base: string, seconds: number): Promise<NonNullable<MonthStoreResult['live']>> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/?zone=${MONTH_ZONE}&range=24h`);
    await waitForView(page, 'ready', 60_000);
    await page.waitForFunction((zone) => document.documentElement.dataset.live === zone, MONTH_ZONE, {
      timeout: 10_000,
    });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    cdp.on('Network.dataReceived', (e: { encodedDataLength: number }) => {
      bytes += e.encodedDataLength;
    });
    const started = Date.now();
    let pushes = 0;
    while (Date.now() - started < seconds * 1000) {
      const lines = ['AAA', 'AAB', 'AAC', 'AAD'].flatMap((colo) =>
        [200, 200, 304, 404, 503].map((status) =>
          JSON.stringify({
            EdgeStartTimestamp: new Date().toISOString(),
            ClientRequestHost: `h0.${MONTH_ZONE}`,
            EdgeColoCode: colo,
            EdgeResponseStatus: status,
            OriginResponseStatus: status,
          }),
        ),
      );
      const res = await fetch(`${base}/api/v1/zones/${MONTH_ZONE}/logs?format=cloudflare`, {
        method: 'POST',
        body: lines.join('\n'),
      });
      if (!res.ok) throw new Error(`push: ${res.status} ${await res.text()}`);
      pushes++;
      await sleep(5000);
    }
    const elapsed = (Date.now() - started) / 1000;
    return { seconds: Math.round(elapsed), bytes, bytesPerMinute: Math.round((bytes / elapsed) * 60), pushes };
  } finally {
    await browser.close();
  }
}

/** ClickHouse's bytes per rollup table, from its parts. */
async function clickhouseTableBytes(url: string): Promise<Record<string, number>> {
  const ch = parseClickHouseUrl(url);
  const client = createClient({ url: ch.url, database: ch.database });
  try {
    const rows = (await (
      await client.query({
        query: `SELECT table, toString(sum(bytes_on_disk)) AS b FROM system.parts
          WHERE database = '${ch.database}' AND active AND startsWith(table, 'rollup_') GROUP BY table`,
        format: 'JSONEachRow',
      })
    ).json()) as { table: string; b: string }[];
    return Object.fromEntries(rows.map((r) => [r.table, Number(r.b)]));
  } finally {
    await client.close();
  }
}

/**
 * "A month of live traffic" on one store: the fleet writes it, then the storage report, the
 * four reads in-process, bare and over HTTP (a real `edgestat serve`), the dashboard's 30 d
 * first render and the bytes of a live 24 h view. The month ends at `end` (the minute the run
 * started: the dashboard's relative ranges show it).
 */
export async function monthOfTraffic(
  name: string,
  url: string,
  options: MonthOptions & { end: number; inFlight: number },
  log: (s: string) => void,
  browser: boolean,
): Promise<MonthStoreResult> {
  const { end } = options;
  const traffic = new MonthTraffic({ ...options, end });
  const store = await openStore(url);
  let write: MonthStoreResult['write'];
  let storage: StorageAnswer;
  try {
    log(`${name}: writing ${options.days} days from ${options.agents} agents, ${options.batchMinutes}-minute batches`);
    write = await writeMonth(store, traffic, options.batchMinutes, options.inFlight, log);
    // The data center breakdown is an enterprise feature: the dashboard's colos panel needs it.
    await store.setZonePlan(MONTH_ZONE, 'enterprise');
    storage = await storageAnswer(store);
  } finally {
    await store.close();
  }
  const tableBytes = url.startsWith('duckdb:') ? undefined : await clickhouseTableBytes(url);
  log(`${name}: queries in-process and bare`);
  const queries = [...(await inProcess(url, end, options)), ...(await bare(url, end, options))];
  const serve = await startServe(url.startsWith('duckdb:') ? url.slice('duckdb:'.length) : url);
  try {
    log(`${name}: queries over HTTP`);
    queries.push(...(await overHttp(serve.base, end, options)));
    if (!browser) return { store: name, write, storage, tableBytes, queries };
    log(`${name}: dashboard 30 d first render, live 24 h view for ${options.liveSeconds} s`);
    const firstRenderMs = await firstRender30d(serve.base);
    const live = await liveView(serve.base, options.liveSeconds);
    return { store: name, write, storage, tableBytes, queries, firstRenderMs, live };
  } finally {
    await serve.stop();
  }
}
