import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyRequest, type NormalizedRequest } from '../model/request.js';
import { Rollup } from './rollup.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0, 0);

function req(fields: Partial<NormalizedRequest>): NormalizedRequest {
  return {
    ...emptyRequest(),
    ts: T0,
    zone: 'z',
    host: 'h',
    colo: 'FRA',
    edgeStatus: 200,
    originStatus: 200,
    ...fields,
  };
}

describe('Rollup', () => {
  it('keeps requests of different request sources in rows of their own', () => {
    const rollup = new Rollup();
    for (const requestSource of [
      'eyeball',
      'edgeWorkerFetch',
      'eyeball',
      'earlyHintsCache',
      'edgeWorkerFetch',
    ] as const) {
      rollup.add(req({ requestSource, bytes: 1 }));
    }
    const rows = rollup.drain().map((r) => [r.requestSource, r.requests, r.bytes]);
    assert.deepEqual(
      rows.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['earlyHintsCache', 1, 1],
        ['edgeWorkerFetch', 2, 2],
        ['eyeball', 2, 2],
      ],
    );
  });

  it('counts requests and bytes per minute and dimension', () => {
    const rollup = new Rollup();
    rollup.add(req({ ts: T0 + 1_000, bytes: 10 }));
    rollup.add(req({ ts: T0 + 59_999, bytes: 5 }));
    rollup.add(req({ ts: T0 + 60_000, bytes: 7 }));
    rollup.add(req({ ts: T0 + 2_000, colo: 'AMS', bytes: 1 }));
    const rows = rollup.drain().sort((a, b) => a.minute - b.minute || a.colo.localeCompare(b.colo));
    assert.deepEqual(
      rows.map((r) => [r.minute - T0, r.colo, r.requests, r.bytes]),
      [
        [0, 'AMS', 1, 1],
        [0, 'FRA', 2, 15],
        [60_000, 'FRA', 1, 7],
      ],
    );
    assert.equal(rollup.size, 0);
    assert.equal(rollup.requests, 4);
  });

  it('stores the classification with each row: display status, group, source and the status the client got', () => {
    const rollup = new Rollup();
    rollup.add(req({ edgeStatus: 504, originStatus: 0, cause: 522 }));
    rollup.add(req({ edgeStatus: 403, originStatus: 0, edgeErrorCode: 1001 }));
    const rows = rollup.drain().sort((a, b) => a.status - b.status);
    assert.deepEqual(
      rows.map((r) => [r.edgeStatus, r.status, r.originStatus, r.group, r.source]),
      [
        [403, 409, 0, 'edge', 'edge'],
        [504, 522, 0, '52x', 'edge'],
      ],
    );
  });

  it('keeps apart every place and every status field, however the requests interleave', () => {
    const rollup = new Rollup();
    const expected = new Map<string, number>();
    const variants: Partial<NormalizedRequest>[] = [
      {},
      { colo: 'AMS' },
      { host: 'h2' },
      { zone: 'z2' },
      { ts: T0 + 60_000 },
      { edgeStatus: 404, originStatus: 404 },
      { edgeStatus: 502, originStatus: 0, cause: 522 },
      { edgeStatus: 502, originStatus: 0, cause: 520 },
      { edgeStatus: 403, originStatus: 0, edgeErrorCode: 1000 },
      { edgeStatus: 403, originStatus: 0, edgeErrorCode: 1001 },
      { edgeStatus: 503, originStatus: 0, wsRateLimited: true },
      { edgeStatus: 503, originStatus: 0 },
      { edgeStatus: 403, originStatus: 0, edgeErrorCode: 123_456 }, // beyond the packed key: kept apart all the same
    ];
    for (let i = 0; i < 500; i++) {
      const fields = variants[i % 13 < 6 ? i % 6 : i % 13]; // every variant, the first six more often
      const r = req(fields);
      rollup.add(r);
      const key = [
        r.ts - (r.ts % 60_000),
        r.zone,
        r.host,
        r.colo,
        r.edgeStatus,
        r.originStatus,
        r.cause,
        r.edgeErrorCode,
        r.wsRateLimited,
      ].join('|');
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    assert.equal(rollup.size, variants.length);
    const rows = rollup.drain();
    assert.equal(rows.length, expected.size);
    assert.deepEqual(
      rows.map((r) => r.requests).sort((a, b) => a - b),
      [...expected.values()].sort((a, b) => a - b),
    );
    assert.equal(rollup.size, 0);
  });
});
