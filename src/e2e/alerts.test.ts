import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AlertRule } from '../model/alerts.js';
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

const ZONE = 'alerts.test';
const now = Date.now();
const minuteAgo = (minutes: number) => now - (now % 60_000) - minutes * 60_000;
const HOSTILE = '<img src=x onerror="document.title=1">52x';

const rule = (id: string, name: string): AlertRule => ({
  id,
  zone: ZONE,
  name,
  errors: { group: '52x' },
  target: 0.98,
  burnRate: 14.4,
  minRequests: 20,
  webhooks: [],
  createdAt: minuteAgo(200),
});

describe('dashboard: alerts panel', { skip: cannotRun(), timeout: 120_000 }, () => {
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const db = tempStorePath();
    const requests = [180, 120, 90, 60, 20, 5].flatMap((m) =>
      Array.from({ length: 10 }, (_, i) => ({
        zone: ZONE,
        host: ZONE,
        ts: minuteAgo(m),
        colo: 'FRA',
        edgeStatus: i < 3 ? 522 : 200,
        originStatus: i < 3 ? 0 : 200,
        bytes: 10,
      })),
    );
    await seedStore(db, requests, {}, async (store) => {
      await store.alerts.createAlertRule(rule('al_aaaa', HOSTILE));
      await store.alerts.createAlertRule(rule('al_bbbb', 'api 5xx'));
      const period = { zone: ZONE, shortBurn: 20, longBurn: 15 };
      await store.alerts.saveAlertPeriod(
        { ...period, ruleId: 'al_aaaa', start: minuteAgo(120), end: minuteAgo(90) },
        10,
      );
      await store.alerts.saveAlertPeriod({ ...period, ruleId: 'al_bbbb', start: minuteAgo(20), end: null }, 10);
    });
    server = await startServe(db);
    browser = await launchBrowser();
    page = await browser.newPage();
    await page.goto(`${server.url}/?zone=${ZONE}`);
    await waitForView(page, 'ready');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rules = () =>
    page.$$eval('#alerts li', (items) =>
      items.map((li) => [(li as HTMLElement).dataset.state, li.querySelector('.alert-name')?.textContent]),
    );
  const shaded = async (): Promise<[string, string, string][]> =>
    JSON.parse((await page.locator('#chart').getAttribute('data-firing')) ?? '[]');

  it("lists the zone's rules with their states, names as text", async () => {
    assert.equal(await page.locator('#alerts-panel').isVisible(), true);
    assert.deepEqual(await rules(), [
      ['resolved', HOSTILE],
      ['firing', 'api 5xx'],
    ]);
    assert.equal(await page.locator('#alerts img').count(), 0, 'a name is never markup');
    assert.notEqual(await page.title(), '1');
    assert.match((await page.locator('#alerts li[data-rule="al_bbbb"]').textContent()) ?? '', /firing since/);
  });

  it('shades each firing period on the chart, a period still firing up to the end of the view', async () => {
    const periods = await shaded();
    assert.equal(periods.length, 2);
    const byName = new Map(periods.map(([name, start, end]) => [name, [Date.parse(start), Date.parse(end)]]));
    assert.deepEqual(byName.get(HOSTILE), [minuteAgo(120), minuteAgo(90)]);
    const [start, end] = byName.get('api 5xx') ?? [];
    assert.equal(start, minuteAgo(20));
    assert.ok(end >= now - 60_000, `an open period runs to the end of the view, got ${new Date(end).toISOString()}`);
    await screenshot(page, 'alerts-panel');
  });

  it('adds a rule from the form and shows its webhook secret once', async () => {
    await page.fill('.alert-form input[name="name"]', 'origin errors in FRA');
    await page.selectOption('.alert-form select[name="errors"]', 'group origin');
    await page.fill('.alert-form input[name="colo"]', 'FRA');
    await page.fill('.alert-form input[name="target"]', '98');
    await page.fill('.alert-form input[name="webhook"]', 'https://hooks.example.com/services/T/B/x');
    await page.selectOption('.alert-form select[name="kind"]', 'slack');
    await page.click('.alert-form button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('#alerts li').length === 3);
    assert.match(
      (await page.locator('#alerts-message').textContent()) ?? '',
      /signing secret \(shown only now\): \S{32}/,
    );
    const listed = await fetch(`${server.url}/api/v1/zones/${ZONE}/alerts`).then((r) => r.json());
    const added = listed.rules.find((r: { name: string }) => r.name === 'origin errors in FRA');
    assert.deepEqual(
      [added.errors, added.colo, added.target, added.webhooks],
      [{ group: 'origin' }, 'FRA', 0.98, [{ kind: 'slack', host: 'hooks.example.com' }]],
    );
  });

  it('says why a bad rule was refused', async () => {
    await page.fill('.alert-form input[name="name"]', 'too strict');
    await page.fill('.alert-form input[name="target"]', '100');
    await page.fill('.alert-form input[name="webhook"]', '');
    await page.click('.alert-form button[type="submit"]');
    await page.waitForFunction(() =>
      /Not done: target/.test(document.getElementById('alerts-message')?.textContent ?? ''),
    );
    assert.equal(await page.locator('#alerts li').count(), 3);
  });

  it('deletes a rule, and its shading goes with it', async () => {
    await page.click(`#alerts li[data-rule="al_aaaa"] button`);
    await page.waitForFunction(() => document.querySelectorAll('#alerts li').length === 2);
    await page.waitForFunction(() => JSON.parse(document.getElementById('chart')?.dataset.firing ?? '[]').length === 1);
    assert.deepEqual(
      (await shaded()).map(([name]) => name),
      ['api 5xx'],
    );
  });
});
