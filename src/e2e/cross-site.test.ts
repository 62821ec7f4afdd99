import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Browser, chromium } from 'playwright-core';
import { cfLine } from '../server/testing.js';
import { freePort } from '../testing/ports.js';
import {
  apiJson,
  CHROMIUM,
  cannotRun,
  type ServeProcess,
  seedStore,
  startServe,
  tempStorePath,
  waitForView,
} from './harness.js';

const skip = cannotRun();
const ZONE = 'shop.example';

/** An attacker's page: it writes into the local server with a form (JSON smuggled in text/plain) and with fetch. */
function evilPage(target: string, line: string): string {
  const json = line.slice(0, -1);
  const logs = `${target}/api/v1/zones/${ZONE}/logs?format=cloudflare`;
  return `<!doctype html><title>evil</title>
<form id="f" method="POST" enctype="text/plain" action="${logs}">
<input name='${json},"pad":"' value='"}'></form>
<script>
fetch(${JSON.stringify(logs)}, { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(line)} })
  .finally(() => { if (location.search === '?form') document.getElementById('f').submit(); else document.title = 'fetched'; });
</script>`;
}

describe('a local open server and hostile web pages, in a real browser', { skip, timeout: 90_000 }, () => {
  let browser: Browser;
  let server: ServeProcess;
  let evil: Server;
  let evilPort: number;
  let port: string;
  const total = async () =>
    (await apiJson<{ requests: number }>(server.url, `/zones/${ZONE}/summary?from=-1d&to=now`)).requests;

  before(async () => {
    const dbPath = tempStorePath();
    await seedStore(dbPath, []);
    server = await startServe(dbPath);
    port = new URL(server.url).port;
    const line = cfLine({ ts: Date.now() - 120_000 });
    evil = createServer((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end(evilPage(server.url, line));
    });
    evilPort = await freePort();
    await new Promise<void>((resolve) => evil.listen(evilPort, '127.0.0.1', resolve));
    // Attackers' names that resolve to this machine, as DNS rebinding makes them.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--host-resolver-rules=MAP evil.example 127.0.0.1, MAP rebind.evil.example 127.0.0.1',
      ],
    });
  });

  after(async () => {
    await browser?.close();
    evil?.close();
    await server?.stop();
    if (server) rmSync(dirname(server.dbPath), { recursive: true, force: true });
  });

  it("refuses another site's form and fetch pushes (403 cross_site) and stores nothing", async () => {
    const page = await browser.newPage();
    await page.goto(`http://evil.example:${evilPort}/`);
    await page.waitForFunction(() => document.title === 'fetched');
    await page.goto(`http://evil.example:${evilPort}/?form`);
    await page.waitForURL(/\/logs\?format=cloudflare$/);
    const answer = JSON.parse((await page.locator('body').textContent()) ?? '');
    assert.equal(answer.error.code, 'cross_site');
    assert.match(answer.error.message, /Sec-Fetch-Site: cross-site/);
    // A page on another port of the same host is same-site, and refused too.
    await page.goto(`http://127.0.0.1:${evilPort}/`);
    await page.waitForFunction(() => document.title === 'fetched');
    await page.close();
    assert.equal(await total(), 0);
  });

  it('answers 403 forbidden_host to a page whose name was rebound to 127.0.0.1', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`http://rebind.evil.example:${port}/api/v1/zones`);
    assert.equal(response?.status(), 403);
    assert.equal(JSON.parse((await page.locator('body').textContent()) ?? '').error.code, 'forbidden_host');
    assert.equal((await page.goto(`http://rebind.evil.example:${port}/`))?.status(), 403);
    await page.close();
  });

  it('still serves the dashboard on its own origin, next to pushes from clients that are not browsers', async () => {
    const lines = [0, 1, 2].map((i) => cfLine({ ts: Date.now() - (3 + i) * 60_000 })).join('\n');
    const pushed = await fetch(`${server.url}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
      method: 'POST',
      body: `${lines}\n`,
    });
    assert.equal(pushed.status, 200);
    assert.equal(await total(), 3);
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    assert.deepEqual(errors, []);
    await page.close();
  });
});
