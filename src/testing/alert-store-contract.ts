import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlertPeriod, AlertRule } from '../model/alerts.js';
import type { Store } from '../stores/store.js';

const T0 = Date.UTC(2026, 10, 20, 12, 0);
const MINUTE = 60_000;

/** A rule of `zone` for the contract, with every optional part when `full`. */
export function contractRule(id: string, zone: string, createdAt: number, full = false): AlertRule {
  return {
    id,
    zone,
    name: full ? `52x in FRA on "api" <b>&` : `5xx ${id}`,
    errors: full ? { group: '52x' } : { statusClass: '5xx' },
    ...(full ? { colo: 'FRA', host: 'api.example.com' } : {}),
    target: 0.98,
    burnRate: 14.4,
    minRequests: 20,
    webhooks: full
      ? [
          { url: 'http://127.0.0.1:9/hook?a=1', kind: 'json', secret: "s'e\\cret" },
          { url: 'https://hooks.slack.example/T/B/x', kind: 'slack', secret: 'other' },
        ]
      : [],
    createdAt,
  };
}

/**
 * The alert part of the store contract (`AlertStore`): rules round-trip whole and are listed per
 * zone oldest first, deletes take a rule's periods, periods open and end, overlap a range, stay
 * within their cap, and a lone process holds the evaluator's lease.
 */
export function alertStoreContract(options: {
  name: string;
  open: () => Promise<Store>;
  cleanup?: () => Promise<void>;
  skip?: string;
}): void {
  describe(`alert store contract: ${options.name}`, { skip: options.skip, timeout: 120_000 }, () => {
    let store: Store;
    before(async () => {
      store = await options.open();
    });
    after(async () => {
      await store?.close();
      await options.cleanup?.();
    });

    it('keeps rules whole and lists them per zone, oldest first', async () => {
      const rules = [
        contractRule('r2', 'shop.test', T0 + 2),
        contractRule('r1', 'shop.test', T0 + 1, true),
        contractRule('r3', 'blog.test', T0 + 3),
      ];
      for (const r of rules) await store.alerts.createAlertRule(r);
      assert.deepEqual(await store.alerts.alertRules('shop.test'), [rules[1], rules[0]]);
      assert.deepEqual(await store.alerts.alertRules(), [rules[1], rules[0], rules[2]]);
      assert.deepEqual(await store.alerts.alertRules('none.test'), []);
    });

    it('opens and ends periods, reads those overlapping a range newest first, and the open ones', async () => {
      const p = (start: number, end: number | null, ruleId = 'r1'): AlertPeriod => ({
        ruleId,
        zone: 'shop.test',
        start: T0 + start * MINUTE,
        end: end === null ? null : T0 + end * MINUTE,
        shortBurn: 20.5,
        longBurn: 15.25,
      });
      await store.alerts.saveAlertPeriod(p(0, null), 10);
      await store.alerts.saveAlertPeriod(p(0, 10), 10);
      await store.alerts.saveAlertPeriod(p(20, 30), 10);
      await store.alerts.saveAlertPeriod(p(40, null), 10);
      await store.alerts.saveAlertPeriod(p(5, null, 'r2'), 10);
      const range = async (from: number, to: number, limit = 10, ruleId?: string) =>
        store.alerts.alertPeriods({ zone: 'shop.test', ruleId, from: T0 + from * MINUTE, to: T0 + to * MINUTE, limit });
      assert.deepEqual(await range(-60, 120), [p(40, null), p(20, 30), p(5, null, 'r2'), p(0, 10)]);
      assert.deepEqual(await range(-60, 120, 10, 'r1'), [p(40, null), p(20, 30), p(0, 10)]);
      assert.deepEqual(await range(10, 20), [p(5, null, 'r2')], 'ends and starts are exclusive');
      assert.deepEqual(await range(25, 41, 1), [p(40, null)]);
      assert.deepEqual(await store.alerts.alertPeriods({ zone: 'blog.test', from: 0, to: T0 * 2, limit: 10 }), []);
      const open = (await store.alerts.openAlertPeriods()).sort((a, b) => a.start - b.start);
      assert.deepEqual(open, [p(5, null, 'r2'), p(40, null)]);
    });

    it("keeps a rule's newest periods up to the cap", async () => {
      for (let i = 0; i < 5; i++) {
        const start = T0 + (100 + i * 10) * MINUTE;
        const period: AlertPeriod = { ruleId: 'r3', zone: 'blog.test', start, end: null, shortBurn: 1, longBurn: 1 };
        await store.alerts.saveAlertPeriod(period, 3);
        await store.alerts.saveAlertPeriod({ ...period, end: start + MINUTE }, 3);
      }
      const starts = async () =>
        (await store.alerts.alertPeriods({ zone: 'blog.test', from: 0, to: T0 * 2, limit: 100 })).map(
          (p) => (p.start - T0) / MINUTE,
        );
      // A store may drop them in the background (ClickHouse mutations): within seconds.
      for (let i = 0; i < 100 && (await starts()).length > 3; i++) await sleep(100);
      assert.deepEqual(await starts(), [140, 130, 120]);
    });

    it('deletes a rule of its zone only, and its periods with it', async () => {
      assert.equal(await store.alerts.deleteAlertRule('blog.test', 'r1'), false, 'r1 is not a blog.test rule');
      assert.equal(await store.alerts.deleteAlertRule('shop.test', 'r1'), true);
      assert.equal(await store.alerts.deleteAlertRule('shop.test', 'r1'), false, 'deleted once');
      assert.deepEqual(
        (await store.alerts.alertRules('shop.test')).map((r) => r.id),
        ['r2'],
      );
      const left = async () =>
        (await store.alerts.alertPeriods({ zone: 'shop.test', from: 0, to: T0 * 2, limit: 100 })).map((p) => p.ruleId);
      for (let i = 0; i < 100 && (await left()).includes('r1'); i++) await sleep(100);
      assert.deepEqual(await left(), ['r2']);
    });

    it('gives a lone process the evaluator lease', async () => {
      const lease = store.alerts.evaluatorLease(60_000);
      assert.equal(await lease.hold(), true);
      assert.equal(await lease.hold(), true, 'held again');
      await lease.release();
    });
  });
}
