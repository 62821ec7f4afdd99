import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { StatusQuery } from '../model/query.js';
import { seed, type TestApp, testApp, times } from '../server/testing.js';
import { answerJson, runQuery, streamQuery } from './run.js';

const ZONE = 'shop.example';
const T0 = Date.UTC(2026, 10, 24, 10);
const MIN = 60_000;
const pct = (n: number, total: number) => Math.round((n / total) * 1_000_000) / 10_000;

/** Three minutes; in each, 4 colos with 1, 2, 3 and 4 requests of 200 and one 522 in FRA. */
function requests() {
  const out = [];
  for (let m = 0; m < 3; m++) {
    for (const [i, colo] of ['AMS', 'FRA', 'LHR', 'SJC'].entries()) {
      out.push(...times(i + 1, { zone: ZONE, host: ZONE, colo, ts: T0 + m * MIN, edgeStatus: 200, originStatus: 200 }));
    }
    out.push({ zone: ZONE, host: ZONE, colo: 'FRA', ts: T0 + m * MIN, edgeStatus: 502, cause: 522 });
  }
  return out;
}

describe('status-codes answers, streamed', () => {
  let t: TestApp;
  const query: StatusQuery = { zone: ZONE, from: T0, to: T0 + 3 * MIN, bucket: '1m', by: ['colo'] };
  before(async () => {
    t = await testApp();
    await seed(t.store, 'three-minutes', requests());
  });
  after(() => t.destroy());

  const text = async (q: StatusQuery, maxRows?: number) => {
    let out = '';
    for await (const chunk of answerJson(streamQuery(t.store, q, maxRows))) out += chunk;
    return out;
  };

  it('gives the bytes of the whole answer serialized at once', async () => {
    const whole = await runQuery(t.store, query);
    assert.equal(await text(query), JSON.stringify(whole));
    // 11 requests a minute: FRA holds 2 + 1 of them.
    assert.deepEqual(
      whole.rows.filter((r) => r.t === new Date(T0).toISOString()).map((r) => [r.colo, r.requests, r.percent]),
      [
        ['AMS', 1, pct(1, 11)],
        ['FRA', 3, pct(3, 11)],
        ['LHR', 3, pct(3, 11)],
        ['SJC', 4, pct(4, 11)],
      ],
    );
  });

  it('cut inside a bucket: the kept rows keep shares of the whole bucket', async () => {
    const cut = JSON.parse(await text(query, 6));
    assert.equal(cut.truncated, true);
    assert.equal(cut.limit, 6);
    assert.deepEqual(
      cut.rows.map((r: { t: string; colo: string; percent: number }) => [r.t.slice(14, 16), r.colo, r.percent]),
      [
        ['00', 'AMS', pct(1, 11)],
        ['00', 'FRA', pct(3, 11)],
        ['00', 'LHR', pct(3, 11)],
        ['00', 'SJC', pct(4, 11)],
        ['01', 'AMS', pct(1, 11)],
        ['01', 'FRA', pct(3, 11)],
      ],
    );
  });

  it('cut on a bucket boundary, and filtered: shares of all requests of the bucket', async () => {
    const atBoundary = JSON.parse(await text(query, 8));
    assert.equal(atBoundary.rows.length, 8);
    assert.equal(atBoundary.rows.at(-1).percent, pct(4, 11));
    const only52x = JSON.parse(await text({ ...query, groups: ['52x'] }));
    assert.equal(only52x.truncated, undefined);
    assert.deepEqual(
      only52x.rows.map((r: { colo: string; requests: number; percent: number }) => [r.colo, r.requests, r.percent]),
      [
        ['FRA', 1, pct(1, 11)],
        ['FRA', 1, pct(1, 11)],
        ['FRA', 1, pct(1, 11)],
      ],
    );
  });

  it('streams over HTTP in chunks, the same bytes', async () => {
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(
      `${url}/api/v1/zones/${ZONE}/status-codes?from=2026-11-24T10:00:00Z&to=2026-11-24T10:03:00Z&bucket=1m&by=colo`,
    );
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    assert.equal(res.headers.get('content-length'), null);
    assert.equal(await res.text(), JSON.stringify(await runQuery(t.store, query)));
  });
});
