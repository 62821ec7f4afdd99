import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { emptyRequest, type NormalizedRequest } from '../model/request.js';
import { Rollup } from '../rollup/rollup.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { repoRoot, tempDir } from '../testing/paths.js';
import { freePort } from '../testing/ports.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(repoRoot, 'test-artifacts');

/**
 * Why the browser tests cannot run here, or undefined when they can. With EDGESTAT_REQUIRE_ALL=1
 * (as CI sets it) a missing browser or build fails the run instead of skipping the suites.
 */
export function cannotRun(): string | undefined {
  const why = !existsSync(CHROMIUM)
    ? `no Chromium at ${CHROMIUM} (apt-get install chromium)`
    : !existsSync(join(repoRoot, 'dist', 'web', 'index.html'))
      ? 'dist/web is not built (npm run build)'
      : undefined;
  if (why && process.env.EDGESTAT_REQUIRE_ALL === '1') throw new Error(`EDGESTAT_REQUIRE_ALL=1: ${why}`);
  return why;
}

/** Writes requests into a DuckDB file as one committed batch, through the real classification and rollup. */
export async function seedStore(
  dbPath: string,
  requests: Partial<NormalizedRequest>[],
  plans: Record<string, 'free' | 'enterprise'> = {},
  setup?: (store: DuckDBStore) => Promise<void>,
): Promise<void> {
  const store = await DuckDBStore.open(dbPath);
  try {
    if (requests.length) {
      const rollup = new Rollup();
      for (const fields of requests) rollup.add({ ...emptyRequest(), ...fields });
      const batch = await store.openBatch();
      await batch.append(rollup.drain());
      await batch.commit({ key: `e2e-${Date.now()}`, hint: '', input: 'e2e', accepted: requests.length, rejected: 0 });
    }
    for (const [zone, plan] of Object.entries(plans)) await store.setZonePlan(zone, plan);
    await setup?.(store);
  } finally {
    await store.close();
  }
}

/** A real `edgestat serve` child process on 127.0.0.1. */
export interface ServeProcess {
  url: string;
  dbPath: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `edgestat serve` on a DuckDB file and waits until /healthz answers. */
export async function startServe(dbPath: string): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(repoRoot, 'dist', 'cli', 'main.js'), 'serve', '--db', dbPath, '--host', '127.0.0.1', '--port', String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, EDGESTAT_LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`edgestat serve exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`edgestat serve did not answer within 15 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { url, dbPath, child, stop };
}

/** A temp dir and DuckDB path for one test server. */
export function tempStorePath(): string {
  return join(tempDir('edgestat-e2e-'), 'e2e.duckdb');
}

/** Headless Chromium as CI has it (Debian's package). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Waits until the dashboard shows a view state (<html data-view>), and fails fast on a page error. */
export async function waitForView(page: Page, view: string, timeout = 10_000): Promise<void> {
  await page.waitForFunction((want) => document.documentElement.dataset.view === want, view, { timeout });
}

/** Saves a screenshot of the page under test-artifacts/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** GETs an API path and parses the JSON answer. */
export async function apiJson<T>(base: string, path: string, token?: string): Promise<T> {
  const response = await fetch(`${base}/api/v1${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
