import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MINUTE_MS } from '../rollup/rollup.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { coloRule, expectedChanges, fillScenario, HOUR0 } from '../testing/alert-scenario.js';
import { tempDir } from '../testing/paths.js';
import { type Received, startReceiver, type WebhookReceiver } from '../testing/webhook-receiver.js';
import { AlertEvaluator } from './evaluator.js';
import { Notifier } from './notifier.js';

const ZONE = 'shop.test';
const verified = (r: Received, secret: string) =>
  r.headers['x-edgestat-signature'] ===
  `v1=${createHmac('sha256', secret).update(`${r.headers['x-edgestat-timestamp']}.${r.body}`).digest('hex')}`;

describe('alert evaluation on DuckDB', { timeout: 60_000 }, () => {
  let store: DuckDBStore;
  let fra: WebhookReceiver;
  let sjc: WebhookReceiver;
  let clock = 0;
  const notifiers: Notifier[] = [];
  const evaluator = () => {
    const notifier = new Notifier({ backoffMs: 20 });
    notifiers.push(notifier);
    return new AlertEvaluator({ store, notifier, now: () => clock });
  };

  before(async () => {
    store = await DuckDBStore.open(join(tempDir(), 'alerts.duckdb'));
    await fillScenario(store, ZONE);
    [fra, sjc] = [await startReceiver(), await startReceiver()];
    await store.alerts.createAlertRule(
      coloRule('fra', ZONE, 'FRA', [
        { url: fra.url, kind: 'json', secret: 'fra-json' },
        { url: fra.url, kind: 'slack', secret: 'fra-slack' },
      ]),
    );
    await store.alerts.createAlertRule(coloRule('sjc', ZONE, 'SJC', [{ url: sjc.url, kind: 'json', secret: 'sjc' }]));
  });
  after(async () => {
    await store.close();
    await fra.close();
    await sjc.close();
  });

  it('fires and resolves each rule at the minutes the burn-rate definition gives, once per change, reading only recent minutes', async () => {
    const first = evaluator();
    const changes: { rule: string; minute: number; state: string }[] = [];
    const reads: number[] = [];
    // Once a minute, 20 s into it, from minute 60 to 100; at minute 80 a new process (same store) takes over.
    let current = first;
    for (let minute = 60; minute <= 100; minute++) {
      if (minute === 80) {
        await first.stop();
        current = evaluator();
      }
      clock = HOUR0 + minute * MINUTE_MS + 20_000;
      const report = await current.tick();
      assert.equal(report.evaluator, true);
      reads.push(report.minutesRead);
      for (const c of report.changes) {
        changes.push({
          rule: c.rule.id,
          minute: (c.period.end ?? c.period.start) / MINUTE_MS - HOUR0 / MINUTE_MS,
          state: c.state,
        });
      }
      // A second tick within the same minute changes nothing and notifies nothing.
      assert.deepEqual((await current.tick()).changes, []);
    }
    const expected = [
      ...expectedChanges('SJC', 60, 100).map((c) => ({ rule: 'sjc', ...c })),
      ...expectedChanges('FRA', 60, 100).map((c) => ({ rule: 'fra', ...c })),
    ].sort((a, b) => a.minute - b.minute);
    assert.deepEqual(changes, expected);
    assert.deepEqual(
      expected.map((c) => `${c.rule}:${c.minute}:${c.state}`),
      ['sjc:60:firing', 'sjc:63:resolved', 'fra:87:firing', 'fra:93:resolved'],
      'the scenario crosses both thresholds',
    );
    // Two rules: an hour each on the first tick and after the takeover, then the short window again.
    assert.equal(reads[0], 120);
    assert.equal(reads[20], 120);
    assert.ok(
      reads.every((r, i) => i === 0 || i === 20 || r === 10),
      `minutes read per tick: ${reads}`,
    );

    for (const n of notifiers) await n.drained();
    const json = fra.received.filter((r) => verified(r, 'fra-json'));
    const slack = fra.received.filter((r) => verified(r, 'fra-slack'));
    assert.equal(fra.received.length, 4, 'one firing and one resolved, to each of two webhooks');
    assert.deepEqual(
      json.map((r) => JSON.parse(r.body).type),
      ['alert.firing', 'alert.resolved'],
    );
    assert.deepEqual(
      json.map((r) => r.headers['x-edgestat-id']),
      slack.map((r) => r.headers['x-edgestat-id']),
      'both webhooks get the same ids',
    );
    const fired = JSON.parse(json[0].body);
    // At minute 87: the short window is 5 minutes of 50 522s among 110, the hour 27 such minutes and 33 without.
    assert.deepEqual(fired.windows['5m'], { requests: 550, errors: 250, errorRate: 0.4545, burnRate: 4.5455 });
    assert.deepEqual(fired.windows['1h'], { requests: 6600, errors: 1350, errorRate: 0.2045, burnRate: 2.0455 });
    assert.equal(sjc.received.length, 2);
    assert.ok(sjc.received.every((r) => verified(r, 'sjc')));

    const periods = await store.alerts.alertPeriods({ zone: ZONE, from: HOUR0, to: HOUR0 + 2 * 3_600_000, limit: 10 });
    assert.deepEqual(
      periods.map((p) => [p.ruleId, (p.start - HOUR0) / MINUTE_MS, ((p.end ?? 0) - HOUR0) / MINUTE_MS]),
      [
        ['fra', 87, 93],
        ['sjc', 60, 63],
      ],
    );
  });
});
