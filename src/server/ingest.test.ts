import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { cfLine, type TestApp, testApp } from './testing.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0);
const ZONE = 'shop.example';
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';

/** `n` lines with statuses cycling through 200, 404, 503 (origin), one per second from T0 + offset. */
function batch(n: number, offset = 0): string {
  const statuses = [200, 404, 503];
  return `${Array.from({ length: n }, (_, i) => cfLine({ ts: T0 + offset + i * 1000, status: statuses[i % 3] })).join('\n')}\n`;
}

async function totalRequests(t: TestApp, zone = ZONE): Promise<number> {
  const res = await t.app.inject(`/api/v1/zones/${zone}/summary?${RANGE}`);
  return res.json().requests;
}

function push(
  t: TestApp,
  body: string | Buffer | Readable,
  headers: Record<string, string> = {},
  query = 'format=cloudflare',
) {
  return t.app.inject({ method: 'POST', url: `/api/v1/zones/${ZONE}/logs?${query}`, payload: body, headers });
}

describe('push ingest', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp({ limits: { bodyBytes: 256 * 1024, lineBytes: 4096, decompressedBytes: 8 * 1024 * 1024 } });
  });
  after(() => t.destroy());

  it('commits a batch before it answers, and the query API sees it at once', async () => {
    const before = await totalRequests(t);
    const res = await push(t, batch(30), { 'content-type': 'application/x-ndjson', 'idempotency-key': 'first' });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(
      { accepted: body.accepted, rejected: body.rejected, duplicate: body.duplicate, lines: body.lines },
      { accepted: 30, rejected: 0, duplicate: false, lines: 30 },
    );
    assert.equal(body.format, 'cloudflare');
    assert.equal(await totalRequests(t), before + 30);
    const codes = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&status=404`);
    assert.equal(codes.json().rows[0].requests >= 10, true);
  });

  it('counts a batch sent again with the same Idempotency-Key once', async () => {
    const before = await totalRequests(t);
    const body = batch(9, 60_000);
    const first = await push(t, body, { 'idempotency-key': 'retry-1' });
    const again = await push(t, body, { 'idempotency-key': 'retry-1' });
    assert.equal(first.json().duplicate, false);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().duplicate, true);
    assert.equal(await totalRequests(t), before + 9);
    const otherKey = await push(t, body, { 'idempotency-key': 'retry-2' });
    assert.equal(otherKey.json().duplicate, false);
    assert.equal(await totalRequests(t), before + 18);
  });

  it('counts the same body without a key once (its sha256 is the key)', async () => {
    const before = await totalRequests(t);
    const body = batch(6, 120_000);
    assert.equal((await push(t, body)).json().duplicate, false);
    assert.equal((await push(t, body)).json().duplicate, true);
    assert.equal(await totalRequests(t), before + 6);
  });

  it('takes gzip with and without Content-Encoding, deflate and br', async () => {
    const before = await totalRequests(t);
    const plain = (offset: number) => Buffer.from(batch(12, offset));
    const cases: Array<[Buffer, Record<string, string>]> = [
      [gzipSync(plain(200_000)), { 'content-encoding': 'gzip' }],
      [gzipSync(plain(300_000)), {}],
      [deflateSync(plain(400_000)), { 'content-encoding': 'deflate' }],
      [brotliCompressSync(plain(500_000)), { 'content-encoding': 'br' }],
    ];
    for (const [body, headers] of cases) {
      const res = await push(t, body, headers);
      assert.equal(res.statusCode, 200, JSON.stringify(headers));
      assert.equal(res.json().accepted, 12);
    }
    assert.equal(await totalRequests(t), before + 48);
  });

  it('keeps good lines around bad ones and reports the bad ones with line numbers', async () => {
    const lines = [
      cfLine({ ts: T0 + 600_000 }),
      '{"EdgeStartTimestamp": ',
      cfLine({ ts: T0 + 601_000 }),
      'x'.repeat(5000),
      cfLine({ ts: T0 + 602_000 }),
    ];
    const res = await push(t, `${lines.join('\n')}\n`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.accepted, 3);
    assert.equal(body.rejected, 2);
    assert.deepEqual(
      body.rejects.map((r: { line: number; reason: string }) => [r.line, r.reason]),
      [
        [2, 'invalid-json'],
        [4, 'line-too-long'],
      ],
    );
  });

  it("ignores parameters that log shippers add (Logpush's header_* and tags)", async () => {
    const res = await push(t, batch(2, 1_000_000), {}, 'format=cloudflare&header_Authorization=Bearer%20x&tags=a:b');
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().accepted, 2);
  });

  it('answers 400 for an unknown format and a bad Idempotency-Key', async () => {
    const res = await push(t, batch(1), {}, 'format=apache');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'unknown_format');
    assert.match(res.json().error.message, /apache/);
    const key = await push(t, batch(1), { 'idempotency-key': 'a b' });
    assert.equal(key.statusCode, 400);
    assert.equal(key.json().error.param, 'Idempotency-Key');
  });

  it('refuses lines for another zone and commits nothing of the batch', async () => {
    const before = await totalRequests(t);
    const body = `${cfLine({ ts: T0 + 700_000 })}\n${cfLine({ ts: T0 + 701_000, zone: 'other.example' })}\n`;
    const res = await push(t, body);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'zone_mismatch');
    assert.equal(await totalRequests(t), before);
    assert.equal(await totalRequests(t, 'other.example'), 0);
  });

  it('answers 413 for a body over limits.bodyBytes, by Content-Length or while streaming', async () => {
    const big = Buffer.from(batch(3000));
    assert.ok(big.length > 256 * 1024);
    const res = await push(t, big);
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'body_too_large');
    const streamed = await push(t, Readable.from([big.subarray(0, 100_000), big.subarray(100_000)]));
    assert.equal(streamed.statusCode, 413);
    assert.match(streamed.json().error.message, /limits\.bodyBytes/);
  });

  it('answers 413 for a gzip bomb and commits nothing', async () => {
    const before = await totalRequests(t);
    // 32 MiB of empty lines compress to about 32 KiB: far over the ratio of 100.
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024, 10), { level: 9 });
    assert.ok(bomb.length < 64 * 1024);
    const res = await push(t, bomb, { 'content-encoding': 'gzip' });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.code, 'input_too_large');
    assert.match(res.json().error.message, /limits\.gzipRatio/);
    // Without a Content-Length the absolute limit applies, here to valid lines.
    const line = `${cfLine({ ts: T0 + 800_000 })}\n`;
    const lines = gzipSync(Buffer.from(line.repeat(Math.ceil((16 * 1024 * 1024) / line.length))));
    assert.ok(lines.length < 256 * 1024);
    const chunked = await push(t, Readable.from([lines]), { 'content-encoding': 'gzip' });
    assert.equal(chunked.statusCode, 413);
    assert.match(chunked.json().error.message, /limits\.decompressedBytes/);
    assert.equal(await totalRequests(t), before);
  });

  it('answers 400 for a truncated gzip body and 415 for an unknown encoding, committing nothing', async () => {
    const before = await totalRequests(t);
    const gz = gzipSync(Buffer.from(batch(200, 900_000)));
    const truncated = await push(t, gz.subarray(0, gz.length - 40), { 'content-encoding': 'gzip' });
    assert.equal(truncated.statusCode, 400);
    assert.equal(truncated.json().error.code, 'bad_body');
    for (const [body, encoding] of [
      [deflateSync(Buffer.from(batch(5))).subarray(0, 20), 'deflate'],
      [Buffer.from('not brotli at all'), 'br'],
    ] as const) {
      const broken = await push(t, body, { 'content-encoding': encoding });
      assert.equal(broken.statusCode, 400, encoding);
      assert.match(broken.json().error.message, /cannot be decompressed|truncated|corrupt/, encoding);
    }
    const zstd = await push(t, gz, { 'content-encoding': 'zstd' });
    assert.equal(zstd.statusCode, 415);
    assert.match(zstd.json().error.message, /gzip, deflate, br/);
    assert.equal(await totalRequests(t), before);
  });

  it('counts lines, rejects and requests in /metrics', async () => {
    const metrics = (await t.app.inject('/metrics')).body;
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1] ?? Number.NaN);
    assert.ok(value(/^edgestat_lines_accepted_total\{format="cloudflare"\} (\d+)$/m) >= 30);
    assert.equal(value(/^edgestat_lines_rejected_total\{format="cloudflare",reason="line-too-long"\} (\d+)$/m), 1);
    const total = await totalRequests(t);
    const origin404 = /^edgestat_requests_total\{zone="shop\.example",colo="FRA",status="404",group="origin"\} (\d+)$/m;
    const codes = await t.app.inject(`/api/v1/zones/${ZONE}/status-codes?${RANGE}&bucket=1h&by=&status=404`);
    assert.equal(value(origin404), codes.json().rows[0].requests);
    assert.ok(total > 0);
    assert.match(metrics, /edgestat_ingest_duration_seconds_count \d+/);
    assert.match(metrics, /edgestat_store_write_duration_seconds_count\{op="commit"\} \d+/);
    assert.match(metrics, /edgestat_ingest_batches_total\{outcome="duplicate"\} [1-9]/);
  });
});

describe('push ingest concurrency', () => {
  it('parses limits.concurrentIngests batches at once, queues the next, and answers 503 with Retry-After past limits.commitQueue', async () => {
    const t = await testApp({ limits: { concurrentIngests: 1, commitQueue: 1, retryAfterSeconds: 3 } });
    try {
      // A batch large enough to be still parsing while more pushes arrive.
      const large = push(t, gzipSync(batch(100_000)), { 'content-encoding': 'gzip' });
      while (t.inFlight.size < 1) await new Promise((r) => setTimeout(r, 1));
      const waiting = push(t, batch(1, 100_400_000));
      while (t.inFlight.size < 2) await new Promise((r) => setTimeout(r, 1));
      const busy = await push(t, batch(1, 100_500_000));
      assert.equal(t.inFlight.size, 2, 'the large batch was still parsing, the second waiting');
      assert.equal(busy.statusCode, 503);
      assert.equal(busy.headers['retry-after'], '3');
      assert.equal(busy.json().error.code, 'busy');
      assert.match(busy.json().error.message, /limits\.commitQueue/);
      assert.equal((await large).json().accepted, 100_000);
      assert.equal((await waiting).json().accepted, 1);
      assert.equal((await push(t, batch(1, 100_500_000))).json().accepted, 1);
      const all = await t.app.inject(`/api/v1/zones/${ZONE}/summary?from=2026-11-24T00:00:00Z&to=2026-11-26T00:00:00Z`);
      assert.equal(all.json().requests, 100_002);
    } finally {
      await t.destroy();
    }
  });
});
