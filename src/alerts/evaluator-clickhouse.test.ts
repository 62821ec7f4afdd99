import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MINUTE_MS } from '../rollup/rollup.js';
import { ClickHouseStore } from '../stores/clickhouse/clickhouse-store.js';
import { coloRule, expectedChanges, fillScenario, HOUR0 } from '../testing/alert-scenario.js';
import { clickhouseMissing, startClickHouse } from '../testing/clickhouse.js';
import { startReceiver, type WebhookReceiver } from '../testing/webhook-receiver.js';
import { AlertEvaluator } from './evaluator.js';
import { Notifier } from './notifier.js';

const ZONE = 'shop.test';

describe('alert evaluation by two processes on one ClickHouse', { skip: clickhouseMissing(), timeout: 120_000 }, () => {
  const stores: ClickHouseStore[] = [];
  let receiver: WebhookReceiver | undefined;
  after(async () => {
    for (const s of stores) await s.close();
    await receiver?.close();
  });

  it('evaluates in exactly one; after it dies the other takes over and notifies no change twice', async () => {
    const url = (await startClickHouse()).storeUrl();
    const [a, b] = [await ClickHouseStore.open(url), await ClickHouseStore.open(url)];
    stores.push(a, b);
    await fillScenario(a, ZONE);
    receiver = await startReceiver();
    await a.alerts.createAlertRule(coloRule('fra', ZONE, 'FRA', [{ url: receiver.url, kind: 'json', secret: 'k' }]));
    await a.alerts.createAlertRule(coloRule('sjc', ZONE, 'SJC', [{ url: receiver.url, kind: 'json', secret: 'k' }]));
    let clock = 0;
    const notifiers = [new Notifier({ backoffMs: 20 }), new Notifier({ backoffMs: 20 })];
    // A 700 ms interval: a 2.1 s lease, so a takeover happens within seconds.
    const evaluators = [a, b].map(
      (store, i) => new AlertEvaluator({ store, notifier: notifiers[i], now: () => clock, intervalMs: 700 }),
    );
    const changes: string[] = [];
    const holders: number[] = [];
    let alive = [0, 1];
    for (let minute = 60; minute <= 100; minute++) {
      clock = HOUR0 + minute * MINUTE_MS + 20_000;
      if (minute === 80) {
        // The holder stops without releasing (as a killed process would): the other waits out its lease.
        alive = alive.filter((i) => i !== holders[0]);
        const [other] = alive;
        const started = Date.now();
        let report = await evaluators[other].tick();
        while (!report.evaluator) {
          assert.ok(Date.now() - started < 15_000, 'the lease never expired');
          await sleep(200);
          report = await evaluators[other].tick();
        }
        holders.push(other);
        for (const c of report.changes) changes.push(`${c.rule.id}:${minute}:${c.state}`);
        continue;
      }
      const reports = await Promise.all(alive.map((i) => evaluators[i].tick()));
      const evaluating = alive.filter((_, j) => reports[j].evaluator);
      assert.equal(evaluating.length, 1, `minute ${minute}: ${evaluating.length} evaluators`);
      if (holders.at(-1) !== evaluating[0]) holders.push(evaluating[0]);
      for (const r of reports) for (const c of r.changes) changes.push(`${c.rule.id}:${minute}:${c.state}`);
    }
    assert.equal(holders.length, 2, `one holder, then the other: ${holders}`);
    const expected = [
      ...expectedChanges('SJC', 60, 100).map((c) => ({ rule: 'sjc', ...c })),
      ...expectedChanges('FRA', 60, 100).map((c) => ({ rule: 'fra', ...c })),
    ]
      .sort((x, y) => x.minute - y.minute)
      .map((c) => `${c.rule}:${c.minute}:${c.state}`);
    assert.deepEqual(changes, expected);
    for (const n of notifiers) await n.drained();
    const ids = receiver.received.map((r) => String(r.headers['x-edgestat-id']));
    assert.equal(ids.length, 4);
    assert.equal(new Set(ids).size, 4, 'no notification twice');
    for (const e of evaluators) await e.stop();
  });
});
