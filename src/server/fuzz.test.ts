import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ERROR_STATUS } from './errors.js';
import { CF_T0, cfLine, type TestApp, testApp } from './testing.js';

/** Runs per property: the whole suite stays within about 15 seconds on a busy machine. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const ZONE = 'z.example';
const RANGE = 'from=2026-11-24&to=2026-11-25';
const SEEDED = 40;

/** Percent-encodes a string's UTF-8 bytes (a lone surrogate becomes U+FFFD, as a client would send it). */
function pct(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.~-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Values that broke or could break a parameter: overflowing numbers and times, odd encodings, control characters. */
const CRAFTED = [
  '',
  ' ',
  '-99999999999w',
  `-${'9'.repeat(400)}s`,
  '-0m',
  '-1e3h',
  '9'.repeat(400),
  '99999999999999',
  '1e400',
  '-1',
  'NaN',
  'Infinity',
  '99999-01-01',
  '0000-01-01',
  '9999-12-31T23:59:60Z',
  '2026-02-30',
  '2026-11-24T25:00:00+99:99',
  'now',
  'now-1h',
  '\u0000',
  '\u001b[2J',
  '\ud800',
  '\u202eevil',
  '<script>alert(1)</script>',
  '=HYPERLINK("x")',
  'a'.repeat(5000),
  ',,,,',
  'status,'.repeat(200),
  '5xx,4xx,3xx,2xx,1xx,6xx',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  'fra,FRA,Fra',
];
/** Raw URL pieces sent without encoding: broken percent-encoding and separators. */
const RAW = [
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%C0%AF',
  '%ED%A0%80',
  '%FF%FE',
  '+',
  '&&',
  '==',
  ';',
  '%25',
  '%2C',
  '..%2F..%2F',
];

const text = fc.oneof(
  fc.constantFrom(...CRAFTED),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.constantFrom('s', 'm', 'h', 'd', 'w'))
    .map(([n, u]) => `-${n}${u}`),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.tuple(fc.integer({ min: 0, max: 99999 }), fc.nat(99), fc.nat(99)).map(([y, m, d]) => `${y}-${m}-${d}`),
);
/** A query value as it appears in a URL: encoded text, or raw pieces around it. */
const urlValue = fc.oneof(
  { weight: 4, arbitrary: text.map(pct) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...RAW), text.map(pct)).map(([raw, rest]) => raw + rest) },
);

function queryString(names: string[]): fc.Arbitrary<string> {
  const name = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: urlValue });
  return fc
    .array(fc.tuple(name, urlValue), { maxLength: 5 })
    .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('&'));
}

const zoneSegment = fc.oneof(
  { weight: 4, arbitrary: fc.constant(ZONE) },
  { weight: 2, arbitrary: urlValue },
  { weight: 1, arbitrary: fc.constantFrom('a'.repeat(255), 'a'.repeat(256), 'a'.repeat(400), '.', '..', 'Z_1:2-3') },
);

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** No 5xx, and every error in the documented shape with a code whose status is the answer's. */
function checkAnswer(res: Answer, what: string): void {
  assert.ok(res.statusCode < 500, `${what} -> ${res.statusCode} ${res.body.slice(0, 300)}`);
  // HEAD answers carry no body to check.
  if (res.statusCode < 400 || what.startsWith('HEAD ')) return;
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  assert.equal(typeof body.error.message, 'string', what);
  assert.equal(ERROR_STATUS[body.error.code as keyof typeof ERROR_STATUS], res.statusCode, `${what}: ${res.body}`);
}

describe('hostile clients against every route (real DuckDB store)', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await testApp({ limits: { bodyBytes: 256 * 1024, decompressedBytes: 4 * 1024 * 1024 } });
    const lines = Array.from({ length: SEEDED }, (_, i) =>
      cfLine({ ts: CF_T0 + i * 1000, zone: ZONE, status: 200 + (i % 3) * 100 }),
    );
    const seeded = await t.app.inject({
      method: 'POST',
      url: `/api/v1/zones/${ZONE}/logs?format=cloudflare`,
      payload: lines.join('\n'),
    });
    assert.equal(seeded.json().accepted, SEEDED);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  });
  after(async () => {
    // The server still answers, and the data it held is intact.
    const health = await t.app.inject('/healthz');
    assert.equal(health.statusCode, 200);
    const summary = await t.app.inject(`/api/v1/zones/${ZONE}/summary?${RANGE}`);
    assert.equal(summary.json().requests, SEEDED);
    await t.destroy();
  });

  const routes: Array<[string, string[]]> = [
    ['status-codes', ['from', 'to', 'bucket', 'by', 'colo', 'status', 'group', 'host', 'format']],
    ['summary', ['from', 'to', 'colo', 'host']],
    ['colos', ['from', 'to']],
  ];
  for (const [route, names] of routes) {
    it(`GET /api/v1/zones/{zone}/${route}: random and crafted parameters and headers`, async () => {
      await fc.assert(
        fc.asyncProperty(
          zoneSegment,
          queryString(names),
          fc.constantFrom(undefined, 'text/csv', '*/*', 'x'),
          async (zone, query, accept) => {
            const url = `/api/v1/zones/${zone}/${route}?${query}`;
            const res = await t.app.inject({ url, headers: accept ? { accept } : {} });
            checkAnswer(res, url);
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('every crafted value in every query parameter of every query route', async () => {
    for (const [route, names] of routes) {
      for (const name of names) {
        for (const value of [...CRAFTED.map(pct), ...RAW]) {
          const url = `/api/v1/zones/${ZONE}/${route}?${name}=${value}`;
          checkAnswer(await t.app.inject(url), url);
        }
      }
    }
  });

  const body = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }).map((s) => Buffer.from(s)),
    fc
      .array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 })
      .map((values) => Buffer.from(values.map((v) => JSON.stringify(v)).join('\n'))),
    fc
      .array(text, { maxLength: 5 })
      .map((values) =>
        Buffer.from(values.map((v) => cfLine({ zone: 'push.example' }).replace('"FRA"', JSON.stringify(v))).join('\n')),
      ),
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.nat(200).map((cut) => gzipSync(`${cfLine({ zone: 'push.example' })}\n`).subarray(0, cut)),
  );
  const headerText = fc.oneof(
    fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'none', 'gzip, gzip', 'x-unknown', '', ' ', 'a'.repeat(300)),
    fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 250 }),
  );

  it('POST /api/v1/zones/{zone}/logs: random bodies, parameters, Idempotency-Key, Content-Encoding, Content-Type', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant('push.example'),
          zoneSegment.filter((z) => z !== ZONE),
        ),
        queryString(['format', 'colo', 'map', 'header_Authorization', 'tags']),
        body,
        fc.record(
          { 'idempotency-key': headerText, 'content-encoding': headerText, 'content-type': headerText },
          { requiredKeys: [] },
        ),
        async (zone, query, payload, headers) => {
          const url = `/api/v1/zones/${zone}/logs?${query}`;
          const res = await t.app.inject({ method: 'POST', url, payload, headers });
          checkAnswer(res, `POST ${url} ${JSON.stringify(headers)}`);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('PUT /api/v1/zones/{zone} and the other routes: random bodies and query strings', async () => {
    const paths = [
      '/api/v1/zones',
      `/api/v1/zones/${ZONE}`,
      '/healthz',
      '/metrics',
      '/api/v1/openapi.json',
      '/',
      '/nope',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'),
        fc.oneof(
          fc.constantFrom(...paths),
          zoneSegment.map((z) => `/api/v1/zones/${z}`),
        ),
        queryString(['plan', 'zone', 'from']),
        fc.oneof(
          fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
          fc.constantFrom('{"plan":"pro"}', '{"plan":"gold"}', '{bad', '', 'null'),
        ),
        fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1', undefined),
        async (method, path, query, payload, type) => {
          const headers = type ? { 'content-type': type } : {};
          const res = await t.app.inject({
            method: method as 'GET',
            url: `${path}?${query}`,
            payload: method === 'GET' || method === 'HEAD' ? undefined : payload,
            headers,
          });
          checkAnswer(res, `${method} ${path}?${query}`);
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });

  it('GET /api/v1/zones/{zone}/live: a hostile zone is refused, a valid one streams', async () => {
    await fc.assert(
      fc.asyncProperty(zoneSegment, queryString(['from', 'zone']), async (zone, query) => {
        const abort = new AbortController();
        const res = await fetch(`${base}/api/v1/zones/${zone}/live?${query}`, { signal: abort.signal });
        const answer = { statusCode: res.status, headers: {}, body: res.status === 200 ? '' : await res.text() };
        abort.abort();
        checkAnswer(answer, `live ${zone}`);
        if (res.status === 200) assert.match(String(res.headers.get('content-type')), /text\/event-stream/);
      }),
      { numRuns: Math.ceil(RUNS / 3) },
    );
  });
});
