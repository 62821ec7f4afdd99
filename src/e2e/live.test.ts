import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import type { QueryAnswer } from '../model/query.js';
import type { NormalizedRequest } from '../model/request.js';
import {
  apiJson,
  cannotRun,
  launchBrowser,
  type ServeProcess,
  seedStore,
  startServe,
  tempStorePath,
  waitForView,
} from './harness.js';

const ZONE = 'live.test';
const MINUTE = 60_000;
/** Ten codes in every minute of the last day: a 24 h answer of 14,400 rows, about a megabyte of JSON. */
const CODES = [200, 201, 204, 301, 304, 400, 403, 404, 500, 503];
const WATCH_MS = 20_000;
const PUSH_EVERY_MS = 2000;

const skip = cannotRun();

describe('a live 24 h view', { skip, timeout: 120_000 }, () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const now = Date.now() - (Date.now() % MINUTE);
    const requests: Partial<NormalizedRequest>[] = [];
    for (let m = 1; m <= 24 * 60; m++) {
      for (const status of CODES) {
        requests.push({
          zone: ZONE,
          host: ZONE,
          colo: 'FRA',
          ts: now - m * MINUTE,
          edgeStatus: status,
          originStatus: status,
        });
      }
    }
    const dbPath = tempStorePath();
    await seedStore(dbPath, requests, { [ZONE]: 'enterprise' });
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

  it('asks each panel once on first load', async () => {
    const asked: URL[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) asked.push(url);
    });
    const loaded = Date.now();
    await page.goto(`${server.url}/?zone=${ZONE}&range=24h`);
    await waitForView(page, 'ready');
    await page.waitForFunction((zone) => document.documentElement.dataset.live === zone, ZONE, { timeout: 5000 });
    await sleep(1000);
    page.removeAllListeners('request');
    const path = (u: URL) => u.pathname.replace(`/zones/${ZONE}`, '/zones/Z');
    // The stream names the current minute when it opens; the update that follows asks only for the
    // buckets from that minute on (and the summary): a live update, not the first load again.
    const isUpdate = (u: URL) =>
      path(u) === '/api/v1/zones/Z/status-codes' && Date.parse(u.searchParams.get('from') ?? '') >= loaded - 2 * MINUTE;
    const updates = asked.filter(isUpdate).length;
    assert.ok(updates <= 1, `at most the one update the stream's first event asks for, got ${updates}`);
    const firstLoad = asked.filter((u) => !isUpdate(u)).map(path);
    // The update's summary is the view's own: drop one per update.
    for (let i = 0; i < updates; i++) firstLoad.splice(firstLoad.lastIndexOf('/api/v1/zones/Z/summary'), 1);
    assert.deepEqual(firstLoad.sort(), [
      '/api/v1/zones',
      '/api/v1/zones/Z',
      '/api/v1/zones/Z/alerts',
      '/api/v1/zones/Z/alerts/periods',
      '/api/v1/zones/Z/colos',
      '/api/v1/zones/Z/live',
      '/api/v1/zones/Z/status-codes',
      '/api/v1/zones/Z/summary',
    ]);
  });

  it('follows pushed data with a few small answers, never the whole range again', async () => {
    // Every byte the page receives from now on, the live stream's included.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    let bytes = 0;
    cdp.on('Network.dataReceived', (e: { encodedDataLength: number }) => {
      bytes += e.encodedDataLength;
    });
    const asked: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/status-codes')) asked.push(r.url());
    });

    const started = Date.now();
    let pushed = 0;
    while (Date.now() - started < WATCH_MS) {
      const line = JSON.stringify({
        EdgeStartTimestamp: new Date().toISOString(),
        ClientRequestHost: ZONE,
        EdgeColoCode: 'FRA',
        EdgeResponseStatus: 418,
        OriginResponseStatus: 418,
      });
      const res = await fetch(`${server.url}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
        method: 'POST',
        body: line,
      });
      assert.equal(res.status, 200);
      pushed++;
      await sleep(PUSH_EVERY_MS);
    }
    // The last push shows, counted with the others of its minute.
    await page.waitForFunction(
      () => document.querySelector('#legend .legend-entry[data-status="418"]') !== null,
      undefined,
      { timeout: 8000 },
    );
    await sleep(3000);
    const perMinute = (bytes / (Date.now() - started)) * MINUTE;
    assert.ok(pushed >= 8);
    assert.ok(asked.length > 0, 'the view asked for the changed buckets');
    for (const url of asked) {
      const from = new URL(url).searchParams.get('from') ?? '';
      assert.ok(Date.parse(from) > Date.now() - 10 * MINUTE, `a live update asked for the whole range: ${url}`);
    }
    assert.ok(perMinute <= 50_000, `a live 24 h view received ${Math.round(perMinute)} bytes per minute`);

    // What the page shows for the last minutes is what the API answers for them.
    const shown = await page.$$eval('#status-table tbody tr[data-status="418"]', (rows) =>
      rows.map((tr) => Number(tr.querySelector('td[data-key="requests"]')?.textContent?.replaceAll(',', ''))),
    );
    const api = await apiJson<QueryAnswer>(server.url, `/zones/${ZONE}/status-codes?from=-24h&to=now&status=418`);
    assert.equal(
      shown.reduce((n, r) => n + r, 0),
      api.rows.reduce((n, r) => n + r.requests, 0),
    );
    assert.equal(
      api.rows.reduce((n, r) => n + r.requests, 0),
      pushed,
    );
  });
});
