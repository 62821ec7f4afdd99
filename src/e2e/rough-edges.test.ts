import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { NormalizedRequest } from '../model/request.js';
import { PARSERS } from '../parsers/registry.js';
import {
  ARTIFACTS,
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
/** More data centers than one /colos answer holds (2,000), one request each. */
const WIDE_ZONE = 'wide.test';
const WIDE_COLOS = 2001;

/** Six past hours, one-minute buckets (360: areas, not bars), each 800 × 200 and one 524. */
const DENSE_ZONE = 'dense.test';
const DENSE_PER_MINUTE = 800;

/** 70 codes in every minute of a past day: 100,800 rows by status, more than one answer holds (100,000). */
const MANY_ZONE = 'many.test';
const MANY_CODES = 70;

const now = Date.now();
const minuteAgo = (minutes: number) => now - (now % 60_000) - minutes * 60_000;
const times = (n: number, fields: Partial<NormalizedRequest>) =>
  Array.from({ length: n }, () => ({ zone: ZONE, host: ZONE, bytes: 100, colo: 'FRA', ...fields }));

/** The dense zone's six hours: whole hours that ended at least a day ago, so no bucket is partial. */
const DENSE_TO = now - (now % 3_600_000) - 24 * 3_600_000;
const DENSE_FROM = DENSE_TO - 6 * 3_600_000;
function denseRequests(): Partial<NormalizedRequest>[] {
  const requests: Partial<NormalizedRequest>[] = [];
  const fields = { zone: DENSE_ZONE, host: DENSE_ZONE, colo: 'FRA', bytes: 100 };
  for (let t = DENSE_FROM; t < DENSE_TO; t += 60_000) {
    for (let i = 0; i < DENSE_PER_MINUTE; i++) requests.push({ ...fields, ts: t, edgeStatus: 200, originStatus: 200 });
    requests.push({ ...fields, ts: t, edgeStatus: 524 });
  }
  return requests;
}

function manyRequests(): Partial<NormalizedRequest>[] {
  const requests: Partial<NormalizedRequest>[] = [];
  const fields = { zone: MANY_ZONE, host: MANY_ZONE, colo: 'FRA', bytes: 100 };
  for (let t = DENSE_TO - 86_400_000; t < DENSE_TO; t += 60_000) {
    for (let code = 200; code < 200 + MANY_CODES; code++)
      requests.push({ ...fields, ts: t, edgeStatus: code, originStatus: code });
  }
  return requests;
}

const REQUESTS: Partial<NormalizedRequest>[] = [
  // A dense mix over the last day: many 200s, a rare 524 on top of the stack.
  ...Array.from({ length: 40 }, (_, i) =>
    times(20 + (i % 7), { ts: minuteAgo(20 + i * 30), edgeStatus: 200, originStatus: 200 }),
  ).flat(),
  ...Array.from({ length: 40 }, (_, i) => times(1, { ts: minuteAgo(20 + i * 30), edgeStatus: 524 })).flat(),
  // FRA busier than SJC, SJC busier than AMS: the data center table has an order to check.
  ...times(30, { ts: minuteAgo(15), colo: 'SJC', edgeStatus: 200, originStatus: 200 }),
  ...times(5, { ts: minuteAgo(15), colo: 'AMS', edgeStatus: 404, originStatus: 404 }),
  { zone: FREE_ZONE, host: FREE_ZONE, ts: minuteAgo(30), colo: 'AMS', edgeStatus: 200, originStatus: 200 },
  ...Array.from({ length: WIDE_COLOS }, (_, i) => ({
    zone: WIDE_ZONE,
    host: WIDE_ZONE,
    ts: minuteAgo(40),
    colo: `X${String(i).padStart(4, '0')}`,
    edgeStatus: 200,
    originStatus: 200,
  })),
];

/** The style of each series as ECharts holds it, which the chart writes on #chart for tests. */
interface SeriesStyle {
  name: string;
  type: string;
  lineWidth: number | null;
  area: boolean;
}

const skip = cannotRun();

describe('dashboard rough edges, as a new user meets them', { skip, timeout: 180_000 }, () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  const dialogs: string[] = [];

  before(async () => {
    const dbPath = tempStorePath();
    await seedStore(dbPath, [...REQUESTS, ...denseRequests(), ...manyRequests()], {
      [ZONE]: 'enterprise',
      [FREE_ZONE]: 'free',
      [WIDE_ZONE]: 'enterprise',
    });
    server = await startServe(dbPath);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => assert.fail(`page error: ${err.message}`));
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (server) rmSync(dirname(server.dbPath), { recursive: true, force: true });
  });

  it('draws stacked areas without lines, so a rare code on top is as thin as its share', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    const styles = JSON.parse(
      (await page.$eval('#chart', (el) => (el as HTMLElement).dataset.series)) ?? '[]',
    ) as SeriesStyle[];
    assert.deepEqual(
      styles.map((s) => s.name),
      ['200', '404', '524'],
    );
    for (const s of styles) {
      // 1,440 one-minute buckets: areas, not bars.
      assert.equal(s.type, 'line', `${s.name} is drawn as ${s.type}`);
      assert.equal(s.lineWidth, 0, `${s.name} draws a line of ${s.lineWidth}px on top of its area`);
      assert.equal(s.area, true, `${s.name} has no area fill`);
    }
    await screenshot(page, 'rough-areas');
  });

  it('draws a code of 0.12 % on top of a dense stack thinner than a pixel', async () => {
    // Two device pixels per CSS pixel: a 1 px line would cover at least one device row in full.
    const sharp = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2 });
    const range = `range=custom&from=${new Date(DENSE_FROM).toISOString()}&to=${new Date(DENSE_TO).toISOString()}`;
    await sharp.goto(`${server.url}/?zone=${DENSE_ZONE}&${range}&bucket=1m`);
    await waitForView(sharp, 'ready');
    assert.deepEqual(await sharp.$eval('#chart', (el) => (el as HTMLElement).dataset.codes), '200,524');
    // Pixels of the chart in the 524's own color (the legend's swatch), drawn in full or as its
    // area's 85 % over the panel: its share is 1/801 of a ~300 px stack, so drawn as its share it
    // never fills a device pixel. The canvas is transparent over the panel: composite first.
    const { pure, width } = await sharp.evaluate(() => {
      const rgb = (el: Element) => getComputedStyle(el).backgroundColor.match(/\d+/g)!.slice(0, 3).map(Number);
      const code = rgb(document.querySelector('#legend .legend-entry[data-status="524"] .swatch')!);
      const surface = rgb(document.querySelector('#view')!);
      const area = code.map((c, k) => 0.85 * c + 0.15 * surface[k]);
      const canvas = document.querySelector<HTMLCanvasElement>('#chart canvas')!;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const near = (a: number[], b: number[]) =>
        Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) < 40;
      let pure = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const alpha = pixels[i + 3] / 255;
        const shown = [0, 1, 2].map((k) => pixels[i + k] * alpha + surface[k] * (1 - alpha));
        if (near(shown, code) || near(shown, area)) pure++;
      }
      return { pure, width: canvas.width };
    });
    await screenshot(sharp, 'rough-dense');
    await sharp.close();
    assert.ok(pure < width / 20, `${pure} pixels in the 524's color on a canvas ${width} px wide`);
  });

  it('marks the current, still partial minute in the chart and the table', async () => {
    // Not in the last seconds of a minute: the minute pushed into must still be the current one when the page loads.
    if (Date.now() % 60_000 > 50_000) await new Promise((r) => setTimeout(r, 61_000 - (Date.now() % 60_000)));
    const current = Date.now() - (Date.now() % 60_000);
    const line = JSON.stringify({
      EdgeStartTimestamp: new Date().toISOString(),
      ClientRequestHost: ZONE,
      EdgeColoCode: 'FRA',
      EdgeResponseStatus: 200,
      OriginResponseStatus: 200,
    });
    const pushed = await fetch(`${server.url}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
      method: 'POST',
      body: line,
    });
    assert.equal(pushed.status, 200, await pushed.text());
    await page.goto(`${server.url}/?zone=${ZONE}&range=30m`);
    await waitForView(page, 'ready');
    assert.equal(
      await page.$eval('#chart', (el) => (el as HTMLElement).dataset.partial),
      new Date(current).toISOString(),
    );
    const partialRows = await page.$$eval('#status-table tbody tr', (rows) =>
      rows
        .filter((tr) => tr.querySelector('.partial'))
        .map((tr) => [tr.getAttribute('data-t'), tr.querySelector('.partial')?.textContent]),
    );
    assert.deepEqual(partialRows, [[new Date(current).toISOString(), 'partial']]);
    assert.match((await page.locator('#partial-note').textContent()) ?? '', /not complete yet/);
    assert.equal(await page.locator('#partial-note').isVisible(), true);
    await screenshot(page, 'rough-partial');
  });

  it('does not mark a past range ending on a bucket boundary as partial, and says why one ending inside is', async () => {
    const from = new Date(minuteAgo(60)).toISOString();
    const to = new Date(minuteAgo(10)).toISOString();
    await page.goto(`${server.url}/?zone=${ZONE}&range=custom&from=${from}&to=${to}`);
    await waitForView(page, 'ready');
    assert.equal(await page.$eval('#chart', (el) => (el as HTMLElement).dataset.partial), '');
    assert.equal(await page.locator('#status-table .partial').count(), 0);
    assert.equal(await page.locator('#partial-note').isVisible(), false);
    // Ending half way into a minute, its last bucket is partial, cut by the range rather than still filling.
    const half = new Date(minuteAgo(10) + 30_000).toISOString();
    await page.goto(`${server.url}/?zone=${ZONE}&range=custom&from=${from}&to=${half}`);
    await waitForView(page, 'ready');
    assert.equal(
      await page.$eval('#chart', (el) => (el as HTMLElement).dataset.partial),
      new Date(minuteAgo(10)).toISOString(),
    );
    assert.match((await page.locator('#partial-note').textContent()) ?? '', /cut by the end of the range/);
  });

  it("says when a zone's latest request was for a past range without data, and lists every format", async () => {
    await page.goto(`${server.url}/?zone=${ZONE}&range=custom&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`);
    await waitForView(page, 'empty');
    const notice = page.locator('#notice');
    assert.match((await notice.textContent()) ?? '', /The latest request was at/);
    assert.doesNotMatch((await notice.textContent()) ?? '', /no requests yet/);
    await page.waitForSelector('#notice [data-formats] li');
    const listed = await page.$$eval('#notice [data-formats] li', (items) =>
      items.map((li) => li.getAttribute('data-format')),
    );
    assert.deepEqual(listed, Object.keys(PARSERS));
  });

  it('says in open mode that the server needs no token', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    await page.locator('.token-button').click();
    const text = (await page.locator('#notice').textContent()) ?? '';
    assert.match(text, /runs open/);
    assert.match(text, /no token is needed/i);
    assert.doesNotMatch(text, /needs an API token/);
    // A live refresh (a pushed request) redraws the view and leaves the notice open.
    const pushed = await fetch(`${server.url}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
      method: 'POST',
      body: JSON.stringify({
        EdgeStartTimestamp: new Date().toISOString(),
        ClientRequestHost: ZONE,
        EdgeColoCode: 'FRA',
        EdgeResponseStatus: 418,
        OriginResponseStatus: 418,
      }),
    });
    assert.equal(pushed.status, 200, await pushed.text());
    await page.waitForSelector('#legend .legend-entry[data-status="418"]');
    assert.equal(await page.locator('#notice [data-state="open"]').isVisible(), true);
    await page.locator('#notice [data-state="open"] button').click();
    assert.equal(await page.locator('#notice').textContent(), '');
    // Over an empty range's help, Close puts the help back.
    await page.goto(`${server.url}/?zone=${ZONE}&range=custom&from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`);
    await waitForView(page, 'empty');
    await page.locator('.token-button').click();
    await page.locator('#notice [data-state="open"] button').click();
    assert.match((await page.locator('#notice').textContent()) ?? '', /No requests for shop\.test in this range/);
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    assert.equal(await page.locator('#dashboard').isVisible(), true);
  });

  it('names a zone the server does not have and offers its zones instead of showing another one', async () => {
    for (const name of ['nope.example', '<img src=x onerror=alert(1)>']) {
      await page.goto(`${server.url}/?zone=${encodeURIComponent(name)}&range=6h`);
      await waitForView(page, 'unknown-zone');
      assert.equal(new URL(page.url()).searchParams.get('zone'), name);
      const notice = page.locator('#notice [data-state="unknown-zone"]');
      assert.equal(await notice.locator('h2').textContent(), `No zone ${name}`);
      const offered = await notice
        .locator('[data-zone]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-zone')));
      // Busiest first.
      assert.deepEqual(offered, [DENSE_ZONE, MANY_ZONE, WIDE_ZONE, ZONE, FREE_ZONE]);
      assert.equal(await page.locator('#dashboard').isVisible(), false);
    }
    await screenshot(page, 'rough-unknown-zone');
    await page.locator(`#notice [data-zone="${ZONE}"]`).click();
    await page.waitForURL((u) => u.searchParams.get('zone') === ZONE);
    await waitForView(page, 'ready');
    // The rest of the link's view is kept.
    assert.equal(new URL(page.url()).searchParams.get('range'), '6h');
    assert.deepEqual(dialogs, []);
  });

  it('sorts a numeric column descending on its first click, ascending on the second', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    await page.waitForSelector('#colos tr[data-colo="AMS"]');
    const coloOrder = () => page.$$eval('#colos tbody tr', (rows) => rows.map((tr) => tr.getAttribute('data-colo')));
    const header = page.locator('#colos th[data-key="requests"]');
    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
    assert.deepEqual(await coloOrder(), ['FRA', 'SJC', 'AMS']);
    await header.locator('button').click();
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    assert.deepEqual(await coloOrder(), ['AMS', 'SJC', 'FRA']);

    const edge = page.locator('#colos th[data-key="origin"]');
    await edge.locator('button').click();
    assert.equal(await edge.getAttribute('aria-sort'), 'descending');
    for (const key of ['requests', 'percent']) {
      const th = page.locator(`#status-table th[data-key="${key}"]`);
      await th.locator('button').click();
      assert.equal(await th.getAttribute('aria-sort'), 'descending', key);
    }
  });

  it("says on a free zone's panel that the breakdown is an enterprise feature, not how to filter", async () => {
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    const head = page.locator('section[aria-labelledby="colos-title"] .panel-head');
    assert.match((await head.textContent()) ?? '', /check data centers to filter every view/);
    await page.goto(`${server.url}/?zone=${FREE_ZONE}`);
    await waitForView(page, 'ready');
    await page.waitForSelector('#colos [data-state="plan-required"]');
    const hint = (await head.textContent()) ?? '';
    assert.doesNotMatch(hint, /filter/);
    assert.match(hint, /enterprise feature/);
  });

  it('says so when the data center answer is cut at its limit', async () => {
    await page.goto(`${server.url}/?zone=${WIDE_ZONE}`);
    await waitForView(page, 'ready');
    const notice = page.locator('#colos [data-state="truncated"]');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /busiest 2,000 data centers/);
    assert.equal(await page.locator('#colos tbody tr').count(), 2000);
    // The viewport only: the whole page, 2,000 rows long, takes too long to capture.
    await notice.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'rough-colos-truncated.png') });
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    await page.waitForSelector('#colos tr[data-colo="AMS"]');
    assert.equal(await page.locator('#colos [data-state="truncated"]').count(), 0);
  });

  it('says so when the status-codes answer is cut at its row limit', async () => {
    const range = `range=custom&from=${new Date(DENSE_TO - 86_400_000).toISOString()}&to=${new Date(DENSE_TO).toISOString()}`;
    await page.goto(`${server.url}/?zone=${MANY_ZONE}&${range}&bucket=1m`);
    await waitForView(page, 'ready', 30_000);
    const notice = page.locator('#codes-truncated [data-state="truncated"]');
    assert.match((await notice.textContent()) ?? '', /Showing 100,000 rows only/);
    assert.equal(await page.locator('#codes-truncated').isVisible(), true);
    // Under the limit, no note.
    await page.goto(`${server.url}/?zone=${MANY_ZONE}&${range}&bucket=1h`);
    await waitForView(page, 'ready', 30_000);
    assert.equal(await page.locator('#codes-truncated').isVisible(), false);
  });
});
