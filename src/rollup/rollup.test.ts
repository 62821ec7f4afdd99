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
});
