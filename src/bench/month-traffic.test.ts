import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RollupRow } from '../rollup/rollup.js';
import { MonthTraffic } from './month-traffic.js';

const END = Date.UTC(2026, 10, 25, 0, 0);
const shape = { days: 1, perMinute: 51_000, agents: 20, end: END, seed: 7 };

/** A whole day from every agent. */
function day(traffic: MonthTraffic): { rows: RollupRow[]; requests: number } {
  const rows: RollupRow[] = [];
  let requests = 0;
  for (let m = traffic.from; m < END; m += 60_000) {
    for (let a = 0; a < shape.agents; a++) requests += traffic.minuteRows(a, m, rows);
  }
  return { rows, requests };
}

describe('a month of generated traffic', () => {
  it('draws the mean rate over a day, every data center and host, each agent its own, the same for a seed', () => {
    const first = day(new MonthTraffic(shape));
    assert.equal(
      first.requests,
      first.rows.reduce((n, r) => n + r.requests, 0),
    );
    // The daily cycle averages to 1: a day holds the mean rate's requests, within the draws' noise.
    const expected = shape.perMinute * 1440;
    assert.ok(Math.abs(first.requests - expected) / expected < 0.05, `${first.requests} requests in a day`);
    assert.equal(new Set(first.rows.map((r) => r.colo)).size, 100);
    assert.equal(new Set(first.rows.map((r) => r.host)).size, 50);
    const perMinute = first.rows.length / 1440;
    assert.ok(perMinute > 300 && perMinute < 1000, `${perMinute} keys per minute`);
    const traffic = new MonthTraffic(shape);
    for (let a = 0; a < shape.agents; a++) {
      const rows: RollupRow[] = [];
      traffic.minuteRows(a, END - 60_000, rows);
      const owned = new Set(traffic.colosOf(a));
      assert.ok(
        rows.every((r) => owned.has(r.colo)),
        `agent ${a} writes only its data centers`,
      );
    }
    assert.deepEqual(day(new MonthTraffic(shape)), first);
  });
});
