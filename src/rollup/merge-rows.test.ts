import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mergeRows } from './merge-rows.js';
import type { RollupRow } from './rollup.js';

const MINUTE = Date.UTC(2026, 10, 24, 10, 0);

function row(colo: string, status: number, requests: number, more: Partial<RollupRow> = {}): RollupRow {
  return {
    minute: MINUTE,
    zone: 'm.example',
    host: 'www.m.example',
    colo,
    edgeStatus: status,
    status,
    originStatus: status,
    group: status < 400 ? 'success' : 'origin',
    source: 'origin',
    requestSource: 'eyeball',
    requests,
    bytes: requests * 100,
    ...more,
  };
}

describe('merging the rows of a group', () => {
  it('sums rows of the same minute and dimensions, keeps the others apart, and leaves its input alone', () => {
    const a = [row('FRA', 200, 2), row('AMS', 200, 1), row('FRA', 404, 1)];
    const b = [row('FRA', 200, 3), row('FRA', 200, 1, { minute: MINUTE + 60_000 }), row('FRA', 200, 4, { host: 'h' })];
    // A row without a request source is a visitor row: the same as `eyeball`.
    const c = [
      row('AMS', 200, 5, { requestSource: undefined }),
      row('AMS', 200, 6, { requestSource: 'edgeWorkerFetch' }),
    ];
    const before = JSON.stringify([a, b, c]);
    const merged = mergeRows([a, b, c]);
    assert.equal(JSON.stringify([a, b, c]), before);

    const count = (rows: RollupRow[]) => rows.reduce((sum, r) => sum + r.requests, 0);
    assert.equal(count(merged), count([...a, ...b, ...c]));
    const find = (colo: string, status: number, more: Partial<RollupRow> = {}) =>
      merged.filter(
        (r) =>
          r.colo === colo &&
          r.status === status &&
          r.minute === (more.minute ?? MINUTE) &&
          r.host === (more.host ?? 'www.m.example') &&
          (r.requestSource ?? 'eyeball') === (more.requestSource ?? 'eyeball'),
      );
    assert.deepEqual(
      find('FRA', 200).map((r) => [r.requests, r.bytes]),
      [[5, 500]],
    );
    assert.deepEqual(
      find('AMS', 200).map((r) => [r.requests, r.bytes]),
      [[6, 600]],
    );
    assert.deepEqual(
      find('AMS', 200, { requestSource: 'edgeWorkerFetch' }).map((r) => r.requests),
      [6],
    );
    assert.deepEqual(
      find('FRA', 200, { minute: MINUTE + 60_000 }).map((r) => r.requests),
      [1],
    );
    assert.deepEqual(
      find('FRA', 200, { host: 'h' }).map((r) => r.requests),
      [4],
    );
    assert.deepEqual(
      find('FRA', 404).map((r) => r.requests),
      [1],
    );
    assert.equal(merged.length, 6);
    assert.deepEqual(mergeRows([]), []);
  });
});
