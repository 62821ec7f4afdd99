import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { repoRoot, tempDir } from '../testing/paths.js';
import { seed, type TestApp, testApp, times } from './testing.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0);
const MIN = 60_000;
const ZONE = 'shop.example';
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';
const pct = (n: number, total: number) => Math.round((n / total) * 1_000_000) / 10_000;

/** 11 requests in shop.example: 6 origin 200, 2 origin 404 (FRA); an edge 403, a 522, an origin 503 (SJC). */
async function seedShop(t: TestApp) {
  const shop = { zone: ZONE, host: 'www.shop.example' };
  await seed(t.store, 'shop', [
    ...times(6, { ...shop, ts: T0 + 1000, colo: 'FRA', edgeStatus: 200, originStatus: 200, bytes: 100 }),
    ...times(2, { ...shop, ts: T0 + 2000, colo: 'FRA', edgeStatus: 404, originStatus: 404, bytes: 10 }),
    { ...shop, ts: T0 + MIN, colo: 'SJC', edgeStatus: 403, bytes: 5 },
    { ...shop, ts: T0 + MIN + 5, colo: 'SJC', edgeStatus: 502, cause: 522, bytes: 0 },
    { ...shop, ts: T0 + 2 * MIN, colo: 'SJC', edgeStatus: 503, originStatus: 503, bytes: 1 },
  ]);
  await seed(
    t.store,
    'blog',
    times(3, { zone: 'blog.example', host: 'blog.example', ts: T0, colo: 'AMS', edgeStatus: 200, originStatus: 200 }),
  );
}

/** `edgestat query --db FILE --zone ZONE ...args`, its standard output. */
const queryStore = (db: string, ...args: string[]) =>
  execFileSync(process.execPath, [join(repoRoot, 'dist/cli/main.js'), 'query', '--db', db, '--zone', ZONE, ...args], {
    encoding: 'utf8',
  });

/** Runs `test` on a fresh app seeded with seedShop, then removes it. */
async function withShop(test: (t: TestApp) => Promise<void>): Promise<void> {
  const t = await testApp();
  try {
    await seedShop(t);
    await test(t);
  } finally {
    await t.destroy();
  }
}

describe('query API', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedShop(t);
  });
  after(() => t.destroy());

  it('answers requests per status and bucket with their share of the bucket', async () => {
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.bucket, '1h');
    assert.deepEqual(body.by, ['status']);
    const t0 = new Date(T0).toISOString();
    assert.deepEqual(body.rows, [
      { t: t0, status: 200, requests: 6, bytes: 600, percent: pct(6, 11) },
      { t: t0, status: 403, requests: 1, bytes: 5, percent: pct(1, 11) },
      { t: t0, status: 404, requests: 2, bytes: 20, percent: pct(2, 11) },
      { t: t0, status: 503, requests: 1, bytes: 1, percent: pct(1, 11) },
      { t: t0, status: 522, requests: 1, bytes: 0, percent: pct(1, 11) },
    ]);
  });

  it('keeps percent a share of all requests when a group filter hides some', async () => {
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1m&group=origin,52x`);
    const rows = res.json().rows;
    assert.deepEqual(
      rows.map((r: { t: string; status: number; percent: number }) => [r.t, r.status, r.percent]),
      [
        [new Date(T0).toISOString(), 404, pct(2, 8)],
        [new Date(T0 + MIN).toISOString(), 522, pct(1, 2)],
      ],
    );
  });

  it('gives CSV for format=csv and for Accept: text/csv', async () => {
    const byParam = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&by=group`);
    const csv = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&by=group&format=csv`);
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    assert.equal(lines[0], 't,group,requests,bytes,percent');
    assert.equal(lines.length, byParam.json().rows.length + 1);
    assert.ok(lines.includes(`${new Date(T0).toISOString()},success,6,600,${pct(6, 11)}`));
    const accept = await t.app.inject({
      url: `/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&by=group`,
      headers: { accept: 'text/csv' },
    });
    assert.equal(accept.body, csv.body);
  });

  it('sums a range per group and per source', async () => {
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/summary?${RANGE}`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.requests, 11);
    assert.equal(body.bytes, 626);
    assert.deepEqual(body.groups, {
      success: { requests: 6, percent: pct(6, 11) },
      edge: { requests: 1, percent: pct(1, 11) },
      origin: { requests: 2, percent: pct(2, 11) },
      '503': { requests: 1, percent: pct(1, 11) },
      '52x': { requests: 1, percent: pct(1, 11) },
      excluded: { requests: 0, percent: 0 },
    });
    assert.deepEqual(body.sources, {
      origin: { requests: 9, percent: pct(9, 11) },
      edge: { requests: 2, percent: pct(2, 11) },
    });
  });

  it('lists the data centers of a range with their groups, busiest first', async () => {
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/colos?${RANGE}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().colos, [
      {
        colo: 'FRA',
        requests: 8,
        bytes: 620,
        groups: { success: 6, edge: 0, origin: 2, '503': 0, '52x': 0, excluded: 0 },
      },
      {
        colo: 'SJC',
        requests: 3,
        bytes: 6,
        groups: { success: 0, edge: 1, origin: 0, '503': 1, '52x': 1, excluded: 0 },
      },
    ]);
  });

  it('lists zones with their plan, totals and first and last minute', async () => {
    await t.store.setZonePlan('empty.example', 'pro');
    const res = await t.app.inject('/api/v1/zones');
    assert.deepEqual(res.json().zones, [
      {
        zone: 'blog.example',
        plan: 'enterprise',
        requests: 3,
        firstSeen: new Date(T0).toISOString(),
        lastSeen: new Date(T0).toISOString(),
      },
      { zone: 'empty.example', plan: 'pro', requests: 0, firstSeen: null, lastSeen: null },
      {
        zone: ZONE,
        plan: 'enterprise',
        requests: 11,
        firstSeen: new Date(T0).toISOString(),
        lastSeen: new Date(T0 + 2 * MIN).toISOString(),
      },
    ]);
    const one = await t.app.inject('/api/v1/zones/empty.example');
    assert.deepEqual(one.json(), { zone: 'empty.example', plan: 'pro', features: { coloBreakdown: false } });
    const unknown = await t.app.inject('/api/v1/zones/nope.example');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'not_found');
  });

  it('answers 400 naming the parameter and what is allowed', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['bucket=2m', 'bucket', /auto, 1m, 5m, 15m, 1h, 1d/],
      ['by=pop', 'by', /status, group, colo, host, source, requestSource; got "pop"/],
      ['status=600', 'status', /100-599/],
      ['group=errors', 'group', /success, edge, origin, 503, 52x, excluded/],
      ['from=yesterday', 'from', /ISO 8601/],
      ['from=now&to=-1h', 'to', /after from/],
      ['format=xml', 'format', /json, csv/],
      ['colour=red', 'colour', /unknown querystring parameter "colour"/],
    ];
    for (const [query, param, message] of cases) {
      const res = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${query}`);
      assert.equal(res.statusCode, 400, query);
      const { error } = res.json();
      assert.equal(error.code, 'bad_parameter', query);
      assert.equal(error.param, param, query);
      assert.match(error.message, message, query);
    }
    const badZone = await t.app.inject('/api/v1/zones/a%20b/summary');
    assert.equal(badZone.statusCode, 400);
    assert.equal(badZone.json().error.param, 'zone');
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const res = await t.app.inject('/api/v1/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/api/v1/zones',
      '/api/v1/zones/{zone}/status-codes',
      '/api/v1/zones/{zone}/logs',
      '/api/v1/zones/{zone}/live',
    ]) {
      assert.ok(doc.paths[path], `${path} documented`);
    }
    const params = doc.paths['/api/v1/zones/{zone}/status-codes'].get.parameters.map((p: { name: string }) => p.name);
    assert.deepEqual(params.sort(), [
      'bucket',
      'by',
      'colo',
      'format',
      'from',
      'group',
      'host',
      'requestSource',
      'status',
      'to',
      'zone',
    ]);
    assert.ok(doc.components.securitySchemes.bearer);
  });

  it('answers unknown routes with a JSON 404 and /healthz with ok', async () => {
    const res = await t.app.inject('/api/v1/nothing');
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error.code, 'not_found');
    assert.deepEqual((await t.app.inject('/healthz')).json(), { ok: true });
  });
});

describe('plans', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
    await seedShop(t);
    await t.store.setZonePlan(ZONE, 'free');
  });
  after(() => t.destroy());

  it('refuses the data center breakdown below enterprise with plan_required', async () => {
    for (const url of [
      `/api/v1/zones/${ZONE}/status-codes?${RANGE}&by=status,colo`,
      `/api/v1/zones/${ZONE}/status-codes?${RANGE}&colo=FRA`,
      `/api/v1/zones/${ZONE}/colos?${RANGE}`,
      `/api/v1/zones/${ZONE}/summary?${RANGE}&colo=FRA`,
    ]) {
      const res = await t.app.inject(url);
      assert.equal(res.statusCode, 403, url);
      assert.deepEqual(res.json(), {
        error: {
          code: 'plan_required',
          message: `Status codes by data center are an enterprise feature; zone ${ZONE} is on the free plan (edgestat zone set ${ZONE} --plan enterprise)`,
        },
      });
    }
  });

  it('still answers totals below enterprise', async () => {
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&by=group`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().rows.length, 5);
    assert.deepEqual((await t.app.inject(`/api/v1/zones/${ZONE}`)).json().features, { coloBreakdown: false });
  });

  it('gives the breakdown once the zone is enterprise', async () => {
    await t.store.setZonePlan(ZONE, 'enterprise');
    const res = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&by=colo`);
    assert.deepEqual(
      res.json().rows.map((r: { colo: string; requests: number }) => [r.colo, r.requests]),
      [
        ['FRA', 8],
        ['SJC', 3],
      ],
    );
    await t.store.setZonePlan(ZONE, 'free');
  });
});

describe('compressed answers', () => {
  it('sends status codes as br or gzip to clients that accept them, the same JSON once decoded', async () => {
    const t = await testApp();
    try {
      // 40 hosts: an answer over the 1 KiB below which compressing is not worth it.
      const hosts = Array.from({ length: 40 }, (_, i) => ({
        zone: ZONE,
        host: `h${i}.shop.example`,
        ts: T0 + i * MIN,
        colo: 'FRA',
        edgeStatus: 200,
        originStatus: 200,
      }));
      await seed(t.store, 'hosts', hosts);
      const path = `/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1m&by=status,colo,host`;
      const plain = await t.app.inject(path);
      assert.ok(plain.body.length > 2048);
      assert.equal(plain.headers['content-encoding'], undefined);
      const gzip = await t.app.inject({ url: path, headers: { 'accept-encoding': 'gzip' } });
      assert.equal(gzip.headers['content-encoding'], 'gzip');
      assert.equal(gunzipSync(gzip.rawPayload).toString(), plain.body);
      const br = await t.app.inject({ url: path, headers: { 'accept-encoding': 'br, gzip' } });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.equal(brotliDecompressSync(br.rawPayload).toString(), plain.body);
    } finally {
      await t.destroy();
    }
  });
});

describe('one range, one total', () => {
  it('the summary counts what the status-codes rows add up to when from is inside a bucket', () =>
    withShop(async (t) => {
      // From 10:00:30 with 1m buckets: the first bucket starts at 10:00 and holds its whole minute.
      const range = 'from=2026-11-24T10:00:30Z&to=2026-11-24T11:00:00Z&bucket=1m';
      const rows = (await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${range}`)).json().rows;
      const summary = (await t.app.inject(`/api/v1/zones/${ZONE}/summary?${range}`)).json();
      const sum = rows.reduce((n: number, r: { requests: number }) => n + r.requests, 0);
      assert.equal(sum, 11);
      assert.equal(summary.requests, sum);
      assert.equal(summary.from, '2026-11-24T10:00:00.000Z');
    }));
});

describe('status-codes API and query CLI', () => {
  it('answer exactly the same JSON for the same arguments', () =>
    withShop(async (t) => {
      const args = {
        from: '2026-11-24T09:30:00Z',
        to: '2026-11-24T10:30:00Z',
        bucket: '5m',
        by: 'status,group,source',
      };
      const api = (await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${new URLSearchParams(args)}`)).body;
      await t.close();
      const cli = queryStore(t.dbPath, ...Object.entries(args).flatMap(([k, v]) => [`--${k}`, v]), '--json');
      assert.equal(`${api}\n`, cli);
      assert.ok(JSON.parse(api).rows.length >= 5);
    }));
});

describe('query CLI against a running server (--server) and on the store', () => {
  const CLI = join(repoRoot, 'dist/cli/main.js');
  const cli = (...args: string[]) => promisify(execFile)(process.execPath, [CLI, 'query', ...args]);
  const args = ['--zone', ZONE, '--from', '2026-11-24T10:00:00Z', '--to', '2026-11-24T11:00:00Z', '--bucket', '1h'];
  let t: TestApp;
  let url: string;
  before(async () => {
    t = await testApp();
    await seedShop(t);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => t.destroy());

  it('--server prints what the API answers, while serve holds the store', async () => {
    const api = (await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&by=status,colo`)).body;
    const { stdout } = await cli('--server', url, ...args, '--by', 'status,colo', '--json');
    assert.equal(stdout, `${api}\n`);
    assert.equal(JSON.parse(stdout).rows.length, 5);
  });

  it('--server applies the plan rule of the API: no data center rows for a free zone', async () => {
    await t.store.setZonePlan(ZONE, 'free');
    try {
      const api = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&by=colo`);
      assert.equal(api.statusCode, 403);
      await assert.rejects(cli('--server', url, ...args, '--by', 'colo', '--json'), (err: { stderr: string }) => {
        assert.match(err.stderr, /answered 403 plan_required/);
        return true;
      });
    } finally {
      await t.store.setZonePlan(ZONE, 'enterprise');
    }
  });

  it('on a missing file says where to look and creates nothing', async () => {
    const missing = join(t.dir, 'nothing-here.duckdb');
    await assert.rejects(cli('--db', missing, ...args), (err: { stderr: string; code: number }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /no DuckDB file at .*nothing-here\.duckdb.*--server/);
      return true;
    });
    assert.equal(existsSync(missing), false);
  });
});

describe("query CLI on the store (the operator's tool)", () => {
  it('answers the data center breakdown of a free zone, which the API refuses', () =>
    withShop(async (t) => {
      await t.store.setZonePlan(ZONE, 'free');
      const api = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&by=colo`);
      assert.equal(api.json().error.code, 'plan_required');
      await t.close();
      const out = queryStore(
        t.dbPath,
        '--by',
        'colo',
        '--json',
        '--from',
        '2026-11-24T10:00:00Z',
        '--to',
        '2026-11-24T11:00:00Z',
        '--bucket',
        '1h',
      );
      assert.deepEqual(
        JSON.parse(out).rows.map((r: { colo: string; requests: number }) => [r.colo, r.requests]),
        [
          ['FRA', 8],
          ['SJC', 3],
        ],
      );
    }));
});

describe('dashboard files', () => {
  it('are served at / when the web root has an index.html, beside a JSON 404 for the API', async () => {
    const webRoot = join(tempDir(), 'web');
    mkdirSync(webRoot);
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>edgestat</title>');
    const t = await testApp({ webRoot });
    try {
      const page = await t.app.inject('/');
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.match(page.body, /<title>edgestat<\/title>/);
      const api = await t.app.inject('/api/v1/nothing');
      assert.equal(api.json().error.code, 'not_found');
    } finally {
      await t.destroy();
    }
  });
});
