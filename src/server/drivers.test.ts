import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seed, type TestApp, testApp, times } from './testing.js';

const ZONE = 'shop.example';
const T0 = Date.UTC(2026, 10, 24, 10);
const MIN = 60_000;
const pct = (n: number, total: number) => Math.round((n / total) * 1_000_000) / 10_000;

describe('drivers API: what is driving a change', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    const ok = { zone: ZONE, edgeStatus: 200, originStatus: 200 };
    const failed = { zone: ZONE, edgeStatus: 502, cause: 522 };
    await seed(t.store, 'baseline', [
      ...times(100, { ...ok, ts: T0 - 30 * MIN, colo: 'FRA', host: 'www.shop.example' }),
      ...times(2, { ...failed, ts: T0 - 30 * MIN, colo: 'FRA', host: 'www.shop.example' }),
      ...times(100, { ...ok, ts: T0 - 20 * MIN, colo: 'SJC', host: 'www.shop.example' }),
      ...times(1, { ...failed, ts: T0 - 20 * MIN, colo: 'SJC', host: 'www.shop.example' }),
    ]);
    await seed(t.store, 'range', [
      ...times(100, { ...ok, ts: T0 + 10 * MIN, colo: 'FRA', host: 'www.shop.example' }),
      ...times(30, { ...failed, ts: T0 + 10 * MIN, colo: 'FRA', host: 'api.shop.example' }),
      ...times(100, { ...ok, ts: T0 + 20 * MIN, colo: 'SJC', host: 'www.shop.example' }),
      ...times(1, { ...failed, ts: T0 + 20 * MIN, colo: 'SJC', host: 'www.shop.example' }),
    ]);
  });
  after(() => t.destroy());

  const drivers = (query: string) =>
    t.app.inject(`/api/v1/zones/${ZONE}/drivers?from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z&${query}`);

  it('ranks data centers and hosts by what they added to 52x over the hour before', async () => {
    const res = await drivers('group=52x');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.baselineFrom, '2026-11-24T09:00:00.000Z');
    assert.deepEqual([body.requests, body.baseline], [31, 3]);
    assert.deepEqual(body.drivers.colo, [
      { value: 'FRA', requests: 30, baseline: 2, added: 28, percent: pct(30, 130), baselinePercent: pct(2, 102) },
      { value: 'SJC', requests: 1, baseline: 1, added: 0, percent: pct(1, 101), baselinePercent: pct(1, 101) },
    ]);
    assert.deepEqual(body.drivers.host, [
      { value: 'api.shop.example', requests: 30, baseline: 0, added: 30, percent: 100, baselinePercent: 0 },
      {
        value: 'www.shop.example',
        requests: 1,
        baseline: 3,
        added: -2,
        percent: pct(1, 201),
        baselinePercent: pct(3, 203),
      },
    ]);
  });

  it('takes codes as well as groups', async () => {
    const body = (await drivers('status=5xx&by=host')).json();
    assert.deepEqual(Object.keys(body.drivers), ['host']);
    assert.equal(body.drivers.host[0].value, 'api.shop.example');
  });

  it('ranks only hosts for a zone whose plan lacks the data center breakdown, and says so when asked', async () => {
    await t.store.setZonePlan(ZONE, 'free');
    try {
      assert.deepEqual(Object.keys((await drivers('group=52x')).json().drivers), ['host']);
      const refused = await drivers('group=52x&by=colo');
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error.code, 'plan_required');
    } finally {
      await t.store.setZonePlan(ZONE, 'enterprise');
    }
  });

  it('refuses a dimension it cannot rank', async () => {
    const res = await drivers('group=52x&by=status');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.param, 'by');
  });
});
