import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { QueryAnswer } from '../model/query.js';
import type { NormalizedRequest } from '../model/request.js';
import {
  apiJson,
  cannotRun,
  launchBrowser,
  type ServeProcess,
  screenshot,
  seedStore,
  startServe,
  tempStorePath,
  waitForView,
} from './harness.js';

const ZONE = 'shop.test';
const FREE_ZONE = 'blog.test';
const RANGE_ZONE = 'range.test';
const now = Date.now();
const minuteAgo = (minutes: number) => now - (now % 60_000) - minutes * 60_000;

const times = (n: number, fields: Partial<NormalizedRequest>) =>
  Array.from({ length: n }, () => ({ zone: ZONE, host: ZONE, bytes: 100, ...fields }));

/** Two data centers over three minutes of the last 24 hours; every group has a code. */
const REQUESTS: Partial<NormalizedRequest>[] = [
  ...times(50, { ts: minuteAgo(180), colo: 'FRA', edgeStatus: 200, originStatus: 200 }),
  ...times(10, { ts: minuteAgo(180), colo: 'FRA', edgeStatus: 404, originStatus: 404 }),
  ...times(3, { ts: minuteAgo(180), colo: 'FRA', edgeStatus: 403, edgeErrorCode: 1020 }),
  ...times(20, { ts: minuteAgo(120), colo: 'FRA', edgeStatus: 200, originStatus: 200 }),
  ...times(5, { ts: minuteAgo(120), colo: 'FRA', edgeStatus: 522 }),
  ...times(30, { ts: minuteAgo(120), colo: 'SJC', edgeStatus: 200, originStatus: 200 }),
  ...times(4, { ts: minuteAgo(60), colo: 'SJC', edgeStatus: 503, originStatus: 503 }),
  ...times(2, { ts: minuteAgo(60), colo: 'SJC', edgeStatus: 499 }),
  ...times(7, { ts: minuteAgo(60), colo: 'SJC', edgeStatus: 200, originStatus: 200 }),
  { zone: FREE_ZONE, host: FREE_ZONE, ts: minuteAgo(30), colo: 'AMS', edgeStatus: 200, originStatus: 200 },
  // A zone for the range test: 9 requests in the first second of a minute a range starts within.
  ...[...Array(9).fill(minuteAgo(24 * 60) + 1), ...Array(5).fill(minuteAgo(100))].map((ts: number) => ({
    zone: RANGE_ZONE,
    host: RANGE_ZONE,
    ts,
    colo: 'FRA',
    edgeStatus: 200,
    originStatus: 200,
  })),
];
/** The display codes of REQUESTS for ZONE, worked out by hand (1020 shows as 403). */
const ALL_CODES = ['200', '403', '404', '499', '503', '522'];
const SJC_CODES = ['200', '499', '503'];

interface TableRow {
  status: number;
  t: string;
  requests: number;
  percent: number;
}

/** Every row of the status table as the page shows it (all pages). */
async function tableRows(page: Page): Promise<TableRow[]> {
  return page.$$eval('#status-table tbody tr', (rows) =>
    rows.map((tr) => ({
      status: Number(tr.getAttribute('data-status')),
      t: tr.getAttribute('data-t') ?? '',
      requests: Number(tr.querySelector('td[data-key="requests"]')?.textContent?.replaceAll(',', '')),
      percent: Number(tr.querySelector('[data-percent]')?.getAttribute('data-percent')),
    })),
  );
}

const byKey = (rows: TableRow[]) =>
  rows.map((r) => `${r.status} ${r.t} ${r.requests} ${r.percent}`).sort((a, b) => a.localeCompare(b));

/** The API's rows for the same view, in the table's shape. */
async function apiRows(base: string, query: string): Promise<TableRow[]> {
  const answer = await apiJson<QueryAnswer>(base, `/zones/${ZONE}/status-codes?from=-24h&to=now&by=status${query}`);
  assert.equal(answer.bucket, '1m');
  return answer.rows.map((r) => ({ status: r.status!, t: r.t, requests: r.requests, percent: r.percent }));
}

const chartCodes = (page: Page) => page.$eval('#chart', (el) => (el as HTMLElement).dataset.codes?.split(',') ?? []);

const skip = cannotRun();

describe('dashboard in headless Chromium against edgestat serve', { skip, timeout: 120_000 }, () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const dbPath = tempStorePath();
    await seedStore(dbPath, REQUESTS, { [ZONE]: 'enterprise', [FREE_ZONE]: 'free' });
    server = await startServe(dbPath);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (server) rmSync(dirname(server.dbPath), { recursive: true, force: true });
  });

  it('draws one stacked series per status code present', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    assert.deepEqual(await chartCodes(page), ALL_CODES);
    const legend = await page.$$eval('#legend .legend-entry', (els) => els.map((e) => e.getAttribute('data-status')));
    assert.deepEqual(legend, ALL_CODES);
    const notReturned = await page.$$eval('#legend .legend-entry[data-not-returned]', (els) =>
      els.map((e) => [e.getAttribute('data-status'), e.getAttribute('title')]),
    );
    assert.deepEqual(notReturned, [['499', 'Hide 499 (2 requests, not returned to the client)']]);
    await screenshot(page, 'dashboard-light');
  });

  it("shows in the table the API's counts and percentages, bucket by bucket", async () => {
    const shown = await tableRows(page);
    assert.equal(shown.length, 8);
    assert.deepEqual(byKey(shown), byKey(await apiRows(server.url, '')));
  });

  it('shows a Total card equal to the sum of the table when the range starts inside a minute', async () => {
    const from = new Date(minuteAgo(24 * 60) + 30_000).toISOString();
    const to = new Date(minuteAgo(0)).toISOString();
    await page.goto(`${server.url}/?zone=${RANGE_ZONE}&range=custom&from=${from}&to=${to}`);
    await waitForView(page, 'ready');
    const total = await page.$eval('.card-value', (el) => Number(el.getAttribute('data-requests')));
    const sum = (await tableRows(page)).reduce((n, r) => n + r.requests, 0);
    // The first bucket is whole: its 9 requests, before `from` but in its minute, count in both.
    assert.equal(sum, 14);
    assert.equal(total, sum);
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
  });

  it('hides a code from chart and table when its legend entry is pressed, and restores it', async () => {
    const entry = page.locator('#legend .legend-entry[data-status="404"]');
    await entry.click();
    assert.equal(await entry.getAttribute('aria-pressed'), 'false');
    // The legend is drawn again; the keyboard focus stays on the entry.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-status')), '404');
    assert.deepEqual(
      await chartCodes(page),
      ALL_CODES.filter((c) => c !== '404'),
    );
    assert.equal((await tableRows(page)).filter((r) => r.status === 404).length, 0);
    assert.match(page.url(), /hide=404/);
    await page.locator('#legend .legend-entry[data-status="200"]').click();
    assert.deepEqual(await chartCodes(page), ['403', '499', '503', '522']);

    await entry.click();
    await page.locator('#legend .legend-entry[data-status="200"]').click();
    assert.deepEqual(await chartCodes(page), ALL_CODES);
    assert.equal((await tableRows(page)).filter((r) => r.status === 404).length, 1);
    assert.doesNotMatch(page.url(), /hide=/);
  });

  it("filters every view to a data center and shows that data center's numbers", async () => {
    await page.locator('#colos tr[data-colo="SJC"] input[type="checkbox"]').click();
    await page.waitForURL(/colo=SJC/);
    await waitForView(page, 'ready');
    assert.deepEqual(await chartCodes(page), SJC_CODES);
    assert.deepEqual(byKey(await tableRows(page)), byKey(await apiRows(server.url, '&colo=SJC')));
    const summary = await apiJson<{ requests: number }>(server.url, `/zones/${ZONE}/summary?from=-24h&to=now&colo=SJC`);
    assert.equal(summary.requests, 43);
    const total = await page.$eval('.card[data-group="total"] .card-value', (e) => e.getAttribute('data-requests'));
    assert.equal(Number(total), summary.requests);
  });

  it('places the data centers on a world map, where a click toggles one in the filter', async () => {
    const map = page.locator('#colo-map');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#colo-map')?.dataset.points);
    assert.deepEqual((await map.getAttribute('data-colos'))?.split(',').sort(), ['FRA', 'SJC']);
    assert.equal(await map.locator('canvas').count(), 1);
    const clickAt = async (colo: string) => {
      const points = JSON.parse((await map.getAttribute('data-points')) ?? '{}') as Record<string, [number, number]>;
      const box = (await map.boundingBox())!;
      await page.mouse.click(box.x + points[colo][0], box.y + points[colo][1]);
    };
    await clickAt('FRA');
    await page.waitForURL(/colo=SJC(,|%2C)FRA/);
    await waitForView(page, 'ready');
    assert.equal(await page.locator('#colos tr[data-colo="FRA"] input').isChecked(), true);
    await clickAt('FRA');
    await page.waitForURL((url) => url.searchParams.get('colo') === 'SJC');
    await waitForView(page, 'ready');
    assert.deepEqual(await chartCodes(page), SJC_CODES);
  });

  it('sorts the table by a column and downloads the rows as CSV', async () => {
    await page.locator('#status-table th[data-key="requests"] button').click();
    const counts = (await tableRows(page)).map((r) => r.requests);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => b - a),
    );
    assert.equal(await page.locator('#status-table th[data-key="requests"]').getAttribute('aria-sort'), 'descending');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
    const [header, ...lines] = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    assert.equal(header, 'status,bucket,requests,percent');
    const csvRows = lines.map((line) => {
      const [status, t, requests, percent] = line.split(',');
      return { status: Number(status), t, requests: Number(requests), percent: Number(percent) };
    });
    assert.deepEqual(byKey(csvRows), byKey(await apiRows(server.url, '&colo=SJC')));
  });

  it('keeps the whole view in the URL, so a reload shows the same', async () => {
    await page.locator('#tabs [data-tab="503"]').click();
    await waitForView(page, 'ready');
    assert.deepEqual(await chartCodes(page), ['503']);
    await page.reload();
    await waitForView(page, 'ready');
    assert.match(page.url(), /tab=503/);
    assert.equal(await page.locator('#tabs [aria-selected="true"]').getAttribute('data-tab'), '503');
    assert.deepEqual(await chartCodes(page), ['503']);
    assert.equal(await page.locator('#colos tr[data-colo="SJC"] input').isChecked(), true);
  });

  it('explains each group in its tab, and moves between tabs with the arrow keys', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}&tab=52x`);
    await waitForView(page, 'ready');
    assert.match((await page.locator('#explanation').textContent()) ?? '', /valid response from your origin/);
    assert.deepEqual(await chartCodes(page), ['522']);
    await page.locator('#tab-52x').focus();
    await page.keyboard.press('ArrowLeft');
    await page.waitForURL(/tab=503/);
    await waitForView(page, 'ready');
    assert.deepEqual(await chartCodes(page), ['503']);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-503');
  });

  it('shows what is driving an error group, and filters to a data center in one click', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}&tab=52x`);
    await waitForView(page, 'ready');
    assert.equal(await page.locator('#drivers-panel').isVisible(), true);
    // 5 requests of 522 in FRA over the last day, none the day before.
    const colo = await page.$$eval('#drivers [data-dimension="colo"] tbody tr', (rows) =>
      rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
    assert.deepEqual(colo[0].slice(0, 4), ['FRA', '5', '0', '+5']);
    const host = await page.$$eval('#drivers [data-dimension="host"] tbody tr', (rows) =>
      rows.map((tr) => tr.getAttribute('data-value')),
    );
    assert.deepEqual(host, [ZONE]);
    await page.locator('#drivers [data-dimension="colo"] tbody tr[data-value="FRA"] button').click();
    await page.waitForURL(/colo=FRA/);
    await waitForView(page, 'ready');
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    assert.equal(await page.locator('#drivers-panel').isHidden(), true);
  });

  it('shows a custom range that ends in the past, without live updates', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    await page.locator('[data-range="custom"]').click();
    const local = (ms: number) => {
      const d = new Date(ms);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    };
    // Only the bucket 180 minutes ago falls in [-200 min, -150 min).
    await page.locator('#custom-from').fill(local(minuteAgo(200)));
    await page.locator('#custom-to').fill(local(minuteAgo(150)));
    await page.locator('.custom-range button[type="submit"]').click();
    await page.waitForURL(/range=custom/);
    await waitForView(page, 'ready');
    assert.deepEqual(await chartCodes(page), ['200', '403', '404']);
    assert.equal(await page.locator('#live').isHidden(), true);
    const shown = await tableRows(page);
    assert.deepEqual(
      shown.map((r) => r.t),
      Array(3).fill(new Date(minuteAgo(180)).toISOString()),
    );
  });

  it('shows the busiest zone when the URL names none, and names an unknown one', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(new RegExp(`zone=${ZONE.replace('.', '\\.')}`));
    await waitForView(page, 'ready');
    assert.equal(await page.locator('#zone').inputValue(), ZONE);
    assert.deepEqual(await chartCodes(page), ALL_CODES);
    await page.goto(`${server.url}/?zone=unknown.test`);
    await waitForView(page, 'unknown-zone');
    assert.equal(await page.locator('#notice h2').textContent(), 'No zone unknown.test');
  });

  it('says the data center breakdown is an enterprise feature for a free zone', async () => {
    await page.goto(`${server.url}/?zone=${FREE_ZONE}`);
    await waitForView(page, 'ready');
    const notice = page.locator('#colos [data-state="plan-required"]');
    assert.match((await notice.textContent()) ?? '', /enterprise feature/);
    assert.match((await notice.textContent()) ?? '', /free plan/);
    assert.equal(await page.locator('#colos table').isVisible(), false);
    assert.deepEqual(await chartCodes(page), ['200']);
  });

  it('shows a pushed request within seconds in live mode, without reloading', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}&range=30m`);
    // The last 30 minutes hold no requests yet; the page waits for them.
    await waitForView(page, 'empty');
    assert.equal(await page.locator('#live').isHidden(), true);
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    // <html data-live> names the zone once the live stream is open.
    await page.waitForFunction((zone) => document.documentElement.dataset.live === zone, ZONE, { timeout: 5000 });
    const line = JSON.stringify({
      EdgeStartTimestamp: new Date().toISOString(),
      ClientRequestHost: ZONE,
      EdgeColoCode: 'FRA',
      EdgeResponseStatus: 418,
      OriginResponseStatus: 418,
      EdgeResponseBytes: 10,
    });
    const pushed = await fetch(`${server.url}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
      method: 'POST',
      body: line,
    });
    assert.equal(pushed.status, 200, await pushed.text());
    const started = Date.now();
    await page.waitForSelector('#legend .legend-entry[data-status="418"]', { timeout: 8000 });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 5, `the pushed request took ${seconds} s to show`);
    assert.equal(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument), true);
    assert.deepEqual(
      (await tableRows(page)).map((r) => [r.status, r.requests, r.percent]),
      [[418, 1, 100]],
    );
    assert.equal(await page.locator('#live').isVisible(), true);
  });

  it('saves screenshots of the main views: dark theme and phone width', async () => {
    const dark = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
    await dark.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(dark, 'ready');
    assert.equal(await dark.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches), true);
    await screenshot(dark, 'dashboard-dark');
    await dark.close();
    for (const colorScheme of ['light', 'dark'] as const) {
      const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme, isMobile: true });
      await phone.goto(`${server.url}/?zone=${ZONE}`);
      await waitForView(phone, 'ready');
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at phone width`);
      await screenshot(phone, `dashboard-phone-${colorScheme}`);
      await phone.close();
    }
  });
});
