import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { newToken } from '../auth/tokens.js';
import { PARSERS } from '../parsers/registry.js';
import {
  cannotRun,
  launchBrowser,
  type ServeProcess,
  screenshot,
  seedStore,
  startServe,
  tempStorePath,
  waitForView,
} from './harness.js';

const skip = cannotRun();

describe('dashboard states that tell the user what to do', { skip, timeout: 90_000 }, () => {
  let browser: Browser;
  const servers: ServeProcess[] = [];

  before(async () => {
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    for (const server of servers) {
      await server.stop();
      rmSync(dirname(server.dbPath), { recursive: true, force: true });
    }
  });

  it('shows how to ingest when the store has no data yet', async () => {
    const dbPath = tempStorePath();
    await seedStore(dbPath, []);
    const server = await startServe(dbPath);
    servers.push(server);
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await waitForView(page, 'no-data');
    const notice = (await page.locator('#notice').textContent()) ?? '';
    assert.match(notice, /No data yet/);
    assert.match(notice, /edgestat ingest --zone/);
    assert.match(notice, new RegExp(`${server.url}/api/v1/zones/example.com/logs`));
    // Every format the server reads, from its parser registry.
    await page.waitForSelector('#notice [data-formats] li');
    const formats = await page.$$eval('#notice [data-formats] li', (items) => items.map((li) => li.dataset.format));
    assert.deepEqual(formats, Object.keys(PARSERS));
    await page.close();
  });

  it('asks for a token on 401, keeps it in the browser and sends it as a bearer token', async () => {
    const { secret, record } = newToken('dashboard', ['analytics:read'], ['*']);
    const dbPath = tempStorePath();
    const threeDaysAgo = Date.now() - 3 * 86_400_000;
    const old = {
      zone: 'old.test',
      host: 'old.test',
      ts: threeDaysAgo,
      colo: 'FRA',
      edgeStatus: 200,
      originStatus: 200,
    };
    await seedStore(dbPath, [old, old], {}, (store) => store.createToken(record));
    const server = await startServe(dbPath);
    servers.push(server);
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
    await page.goto(`${server.url}/`);
    await waitForView(page, 'unauthorized');
    assert.match((await page.locator('#notice').textContent()) ?? '', /needs an API token[\s\S]*edgestat token create/);
    await screenshot(page, 'state-token');

    await page.locator('#token').fill(secret);
    await page.locator('.token-form button[type="submit"]').click();
    // The zone's only requests are three days old: the default 24 hours are empty, and the page says so.
    await waitForView(page, 'empty');
    assert.equal(await page.evaluate(() => localStorage.getItem('edgestat.token')), secret);
    const notice = (await page.locator('#notice').textContent()) ?? '';
    assert.match(notice, /No requests for old\.test in this range/);
    assert.match(notice, /choose a longer range/);

    await page.locator('[data-range="7d"]').click();
    await waitForView(page, 'ready');
    assert.equal(await page.$eval('#chart', (el) => (el as HTMLElement).dataset.codes), '200');
    await page.close();
  });
});
