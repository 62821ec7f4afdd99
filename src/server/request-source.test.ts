import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type TestApp, testApp } from './testing.js';

const ZONE = 'workers.example';
const T0 = Date.UTC(2026, 10, 24, 10, 0);
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z&bucket=1h';
const pct = (n: number, total: number) => Math.round((n / total) * 1_000_000) / 10_000;

/** A Logpush line of this zone with the given status and request-source fields. */
const line = (status: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    EdgeStartTimestamp: new Date(T0 + 1000).toISOString(),
    ZoneName: ZONE,
    ClientRequestHost: `www.${ZONE}`,
    EdgeColoCode: 'FRA',
    EdgeResponseStatus: status,
    OriginResponseStatus: status === 504 ? 0 : status,
    EdgeResponseBytes: 10,
    ...fields,
  });

/**
 * A zone with a Worker: 6 visitor requests (4 200s, one of them merged with its subrequests, and
 * 2 404s), 3 Worker subrequests (2 200s, a 502), 2 Early Hints 504s and a purge 200.
 */
const LINES = [
  line(200, { ClientRequestSource: 'eyeball' }),
  line(200, { ClientRequestSource: 1 }),
  line(200),
  line(200, { ClientRequestSource: 'eyeball', Subrequests: [{ WorkerSubrequest: true, EdgeResponseStatus: 500 }] }),
  line(404, { ClientRequestSource: 'eyeball' }),
  line(404),
  line(200, { ClientRequestSource: 'edgeWorkerFetch', WorkerSubrequest: true, ParentRayID: '8c1f2a3b4c5d6e7f' }),
  line(200, { WorkerSubrequest: true, ParentRayID: '8c1f2a3b4c5d6e7f' }),
  line(502, { ClientRequestSource: 5, WorkerSubrequest: true, ParentRayID: '8c1f2a3b4c5d6e7f' }),
  line(504, { ClientRequestSource: 'earlyHintsCache' }),
  line(504, { ClientRequestSource: 11 }),
  line(200, { ClientRequestSource: 'purge' }),
];

describe('request sources in the API', () => {
  let t: TestApp;
  let pushed: Record<string, unknown>;
  before(async () => {
    // The clock stands in the minute of the lines, so that the live view's current minute holds them.
    t = await testApp({}, () => T0 + 30_000);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/zones/${ZONE}/logs?format=cloudflare`,
      payload: `${LINES.join('\n')}\n`,
    });
    assert.equal(res.statusCode, 200, res.body);
    pushed = res.json();
  });
  after(() => t.destroy());

  const get = async (path: string) => {
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/${path}`);
    assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
    return res.json();
  };
  const rows = async (query: string, dims: string[]) =>
    (await get(`status-codes?${RANGE}&${query}`)).rows.map((r: Record<string, unknown>) => [
      ...dims.map((d) => r[d]),
      r.requests,
      r.percent,
    ]);

  it('says in the push answer how many lines were set aside and why', () => {
    assert.deepEqual(
      { accepted: pushed.accepted, rejected: pushed.rejected, setAside: pushed.setAside },
      { accepted: 12, rejected: 0, setAside: { edgeWorkerFetch: 3, earlyHintsCache: 2, purge: 1 } },
    );
  });

  it('counts visitor requests in status codes by default, as shares of the visitors of the bucket', async () => {
    assert.deepEqual(await rows('by=status', ['status']), [
      [200, 4, pct(4, 6)],
      [404, 2, pct(2, 6)],
    ]);
  });

  it('counts other request sources when asked: all, a list, or grouped by request source', async () => {
    assert.deepEqual(await rows('by=status&requestSource=all', ['status']), [
      [200, 7, pct(7, 12)],
      [404, 2, pct(2, 12)],
      [502, 1, pct(1, 12)],
      [504, 2, pct(2, 12)],
    ]);
    assert.deepEqual(await rows('by=status&requestSource=edgeWorkerFetch,earlyHintsCache', ['status']), [
      [200, 2, pct(2, 5)],
      [502, 1, pct(1, 5)],
      [504, 2, pct(2, 5)],
    ]);
    assert.deepEqual(await rows('by=requestSource', ['requestSource']), [
      ['earlyHintsCache', 2, pct(2, 12)],
      ['edgeWorkerFetch', 3, pct(3, 12)],
      ['eyeball', 6, pct(6, 12)],
      ['purge', 1, pct(1, 12)],
    ]);
    assert.deepEqual(await rows('by=requestSource&requestSource=eyeball&status=404', ['requestSource']), [
      ['eyeball', 2, pct(2, 6)],
    ]);
  });

  it('counts visitor requests in the summary and data centers by default, all of them when asked', async () => {
    const summary = await get(`summary?${RANGE}`);
    assert.equal(summary.requests, 6);
    assert.equal(summary.groups.excluded.requests, 0);
    const all = await get(`summary?${RANGE}&requestSource=all`);
    assert.equal(all.requests, 12);
    assert.equal(all.groups.excluded.requests, 2);
    const colos = await get(`colos?${RANGE}`);
    assert.deepEqual(
      colos.colos.map((c: { colo: string; requests: number }) => [c.colo, c.requests]),
      [['FRA', 6]],
    );
    assert.equal((await get(`colos?${RANGE}&requestSource=purge`)).colos[0].requests, 1);
  });

  it('explains changes of visitor requests in drivers by default, of all of them when asked', async () => {
    const drivers = await get(`drivers?${RANGE}&status=2xx,5xx&by=host`);
    assert.deepEqual([drivers.requests, drivers.drivers.host[0].requests], [4, 4]);
    const all = await get(`drivers?${RANGE}&status=2xx,5xx&by=host&requestSource=all`);
    assert.deepEqual([all.requests, all.drivers.host[0].requests], [10, 10]);
  });

  it('counts only visitor requests in the /metrics request counter', async () => {
    const metrics = (await t.app.inject('/metrics')).body;
    const series = [...metrics.matchAll(/^edgestat_requests_total\{zone="workers\.example",[^}]*\} (\d+)$/gm)];
    assert.equal(
      series.reduce((sum, m) => sum + Number(m[1]), 0),
      6,
    );
    assert.doesNotMatch(metrics, /edgestat_requests_total\{zone="workers\.example",colo="FRA",status="50[24]"/);
  });

  it('counts only visitor requests in the live view', async () => {
    const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const first = await new Promise<string>((resolve, reject) => {
      const live = httpRequest(`${base}/api/v1/zones/${ZONE}/live`);
      live.on('error', reject);
      live.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          const event = /event: minute\nid: \d+\ndata: (.*)\n\n/.exec(body);
          if (event) {
            live.destroy();
            resolve(event[1]);
          }
        });
      });
      live.end();
    });
    const { rows } = JSON.parse(first) as { rows: Array<{ status: number; requests: number }> };
    assert.deepEqual(
      rows.map((r) => [r.status, r.requests]),
      [
        [200, 4],
        [404, 2],
      ],
    );
  });

  it('refuses an unknown request source naming the parameter and the allowed values', async () => {
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&requestSource=bots`);
    assert.equal(res.statusCode, 400);
    const { error } = res.json();
    assert.equal(error.param, 'requestSource');
    assert.match(error.message, /all or a comma-separated list of eyeball, purge, .*; got "bots"/);
  });
});
