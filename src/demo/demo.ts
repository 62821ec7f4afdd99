import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../config/config.js';
import type { Plan } from '../model/plans.js';
import { MINUTE_MS } from '../rollup/rollup.js';
import { assertPortFree } from '../server/port-free.js';
import { startServer } from '../server/serve.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { fillHistory } from './history.js';
import { cloudflareLines } from './lines.js';
import { minuteRows, random, type ZoneTraffic } from './traffic.js';

export interface DemoOptions {
  /** DuckDB file to create; a temporary one (removed at exit) when undefined. */
  db?: string;
  /** Replace an existing file at `db`. */
  force?: boolean;
  host: string;
  port: number;
  /** Days of history to generate. */
  days: number;
  /** Average requests per minute of the main zone. */
  perMinute: number;
  /** How often the live feed pushes new traffic. */
  feedMs: number;
  seed: number;
  log: (line: string) => void;
}

/** A running demo: the dashboard's address and how to stop it. */
export interface RunningDemo {
  url: string;
  stop(): Promise<void>;
}

const HOUR = 3_600_000;

/** The demo's zones: an enterprise shop with an origin incident in FRA, and a small blog on the free plan. */
function demoZones(now: number, perMinute: number): { traffic: ZoneTraffic; plan: Plan }[] {
  return [
    {
      plan: 'enterprise',
      traffic: {
        zone: 'shop.example.com',
        host: 'shop.example.com',
        perMinute,
        incidents: [
          { colo: 'FRA', from: now - 3 * HOUR, to: now - 2 * HOUR - 20 * MINUTE_MS },
          { colo: 'IAD', from: now - 75 * HOUR, to: now - 74.5 * HOUR },
        ],
      },
    },
    {
      plan: 'free',
      traffic: { zone: 'blog.example.org', host: 'blog.example.org', perMinute: perMinute / 10, incidents: [] },
    },
  ];
}

/**
 * Fills a fresh store with generated history, serves the dashboard with `edgestat serve`'s own
 * start function, and keeps pushing live traffic through the push ingest API.
 */
export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  await assertPortFree(options.host, options.port);
  const tempDir = options.db ? undefined : mkdtempSync(join(tmpdir(), 'edgestat-demo-'));
  const db = options.db ?? join(tempDir!, 'demo.duckdb');
  if (existsSync(db)) {
    if (!options.force) throw new Error(`${db} exists: the demo fills a fresh store (--force replaces it)`);
    rmSync(db);
    rmSync(`${db}.wal`, { force: true });
  }
  const rand = random(options.seed);
  const now = Date.now();
  const historyEnd = now - (now % MINUTE_MS);
  const zones = demoZones(now, options.perMinute);

  const store = await DuckDBStore.open(db);
  try {
    for (const { traffic, plan } of zones) {
      const started = Date.now();
      const requests = await fillHistory(store, traffic, historyEnd - options.days * 24 * HOUR, historyEnd, rand);
      await store.setZonePlan(traffic.zone, plan);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      options.log(
        `${traffic.zone} (${plan}): ${requests.toLocaleString('en-US')} requests over ${options.days} days in ${seconds} s`,
      );
    }
  } finally {
    await store.close();
  }

  const server = await startServer(
    parseConfig({ store: `duckdb:${db}`, host: options.host, port: options.port, logLevel: 'warn' }),
  );
  const feed = new LiveFeed(
    server.url,
    zones.map((z) => z.traffic),
    historyEnd,
    rand,
    options.log,
  );
  const timer = setInterval(() => void feed.push(), options.feedMs);
  void feed.push();
  return {
    url: server.url,
    stop: async () => {
      clearInterval(timer);
      await feed.idle();
      await server.stop();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** Pushes the traffic of the time since its last push, as Cloudflare NDJSON, to each zone's push API. */
class LiveFeed {
  private pushing: Promise<void> = Promise.resolve();
  private failures = 0;

  constructor(
    private readonly url: string,
    private readonly zones: ZoneTraffic[],
    private since: number,
    private readonly rand: () => number,
    private readonly log: (line: string) => void,
  ) {}

  push(): Promise<void> {
    this.pushing = this.pushing.then(() => this.pushOnce());
    return this.pushing;
  }

  idle(): Promise<void> {
    return this.pushing;
  }

  private async pushOnce(): Promise<void> {
    const to = Date.now();
    const from = this.since;
    this.since = to;
    // Split at minute boundaries so each piece gets its own minute's load.
    for (let start = from; start < to; start = start - (start % MINUTE_MS) + MINUTE_MS) {
      const end = Math.min(to, start - (start % MINUTE_MS) + MINUTE_MS);
      for (const traffic of this.zones) {
        const rows = minuteRows(traffic, start, this.rand, (end - start) / MINUTE_MS);
        const body = cloudflareLines(rows, start, end, this.rand).join('\n');
        if (body) await this.send(traffic.zone, body);
      }
    }
  }

  private async send(zone: string, body: string): Promise<void> {
    try {
      const response = await fetch(`${this.url}/api/v1/zones/${zone}/logs?format=cloudflare`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body,
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      this.failures = 0;
    } catch (err) {
      // Say it once per streak, not every few seconds.
      if (this.failures++ === 0) this.log(`live feed: pushing to ${zone} failed (${(err as Error).message}); retrying`);
    }
  }
}
