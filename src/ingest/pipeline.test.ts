import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { runQuery } from '../query/run.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { tempDir } from '../testing/paths.js';
import { type IngestOptions, InputLimitError, ingest, RejectRatioError } from './pipeline.js';

const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);
const COLOS = ['FRA', 'AMS', 'SJC'];
const STATUSES = [200, 200, 200, 304, 404, 522, 503];

interface Input {
  bytes: Buffer;
  /** Independently counted: requests per `${minute}|${status}`. */
  expected: Map<string, number>;
  good: number;
  bad: number[];
}

/** Cloudflare lines over 90 minutes with a bad line of each kind every 1,000 lines. */
function makeInput(count: number): Input {
  const parts: Buffer[] = [];
  const expected = new Map<string, number>();
  const bad: number[] = [];
  let good = 0;
  for (let i = 0; i < count; i++) {
    const lineNo = i + 1;
    if (i % 1000 === 999) {
      const kind = ((i / 1000) % 4) | 0;
      const junk = [
        Buffer.from('{"EdgeStartTimestamp":"2026-11-24T08:00:00Z","EdgeRes'),
        Buffer.from([0x7b, 0x00, 0x01, 0xff, 0xfe]),
        Buffer.from(`{"EdgeStartTimestamp":"2026-11-24T08:00:00Z","EdgeResponseStatus":700,"ZoneName":"z"}`),
        Buffer.from(`{"pad":"${'x'.repeat(2000)}"}`),
      ][kind];
      parts.push(junk, Buffer.from('\n'));
      bad.push(lineNo);
      continue;
    }
    const ts = T0 + ((i * 7919) % (90 * 60_000));
    const status = STATUSES[i % STATUSES.length];
    const line = {
      EdgeStartTimestamp: new Date(ts).toISOString(),
      EdgeResponseStatus: status,
      OriginResponseStatus: status === 522 ? 0 : status,
      EdgeColoCode: COLOS[i % COLOS.length],
      ClientRequestHost: 'www.example.com',
      EdgeResponseBytes: 100,
      ZoneName: 'example.com',
      ClientRequestUserAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
    };
    parts.push(Buffer.from(`${JSON.stringify(line)}\n`));
    const key = `${ts - (ts % 60_000)}|${status}`;
    expected.set(key, (expected.get(key) ?? 0) + 1);
    good++;
  }
  return { bytes: Buffer.concat(parts), expected, good, bad };
}

async function* chunked(bytes: Buffer, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function openStore(): Promise<DuckDBStore> {
  return DuckDBStore.open(join(tempDir(), 'pipeline.duckdb'));
}

async function countsIn(store: DuckDBStore): Promise<Map<string, number>> {
  const answer = await runQuery(store, {
    zone: 'example.com',
    from: T0,
    to: T0 + 2 * 3_600_000,
    bucket: '1m',
    by: ['status'],
  });
  return new Map(answer.rows.map((r) => [`${Date.parse(r.t)}|${r.status}`, r.requests]));
}

const base: IngestOptions = { format: 'cloudflare', input: 'test', maxLineBytes: 1024 };

describe('ingest pipeline', () => {
  const input = makeInput(20_000);

  for (const workers of [1, 2]) {
    it(`counts every good line, rejects each bad one with its line number (${workers} thread${workers > 1 ? 's' : ''})`, async () => {
      const store = await openStore();
      const result = await ingest(store, chunked(input.bytes), { ...base, workers });
      assert.equal(result.outcome, 'committed');
      assert.equal(result.lines, 20_000);
      assert.equal(result.accepted, input.good);
      assert.equal(result.rejected, input.bad.length);
      assert.deepEqual(result.rejectsByReason, {
        'invalid-json': 5,
        'invalid-utf8': 5,
        'bad-status': 5,
        'line-too-long': 5,
      });
      assert.deepEqual(
        result.samples.map((s) => s.line),
        input.bad.slice(0, 10),
      );
      assert.deepEqual(await countsIn(store), input.expected);
      await store.close();
    });
  }

  it('reads gzip by content and gives the same answer', async () => {
    const store = await openStore();
    const result = await ingest(store, chunked(gzipSync(input.bytes), 1000), { ...base, format: 'auto' });
    assert.equal(result.gzip, true);
    assert.equal(result.format, 'cloudflare');
    assert.equal(result.accepted, input.good);
    assert.deepEqual(await countsIn(store), input.expected);
    await store.close();
  });

  it('does not count the same input twice', async () => {
    const store = await openStore();
    const first = await ingest(store, chunked(input.bytes), base);
    const again = await ingest(store, chunked(input.bytes, 999), { ...base, workers: 2 });
    assert.equal(first.key, again.key);
    assert.deepEqual([first.outcome, again.outcome], ['committed', 'duplicate']);
    assert.deepEqual(await countsIn(store), input.expected);
    await store.close();
  });

  it('commits nothing when the rejected share passes the limit', async () => {
    const store = await openStore();
    await assert.rejects(ingest(store, chunked(input.bytes), { ...base, maxRejectRatio: 0.0001 }), RejectRatioError);
    assert.equal((await countsIn(store)).size, 0);
    await store.close();
  });

  it('commits nothing of an input over the decompressed size limit', async () => {
    const store = await openStore();
    await assert.rejects(
      ingest(store, chunked(gzipSync(input.bytes)), { ...base, maxInputBytes: 100_000 }),
      InputLimitError,
    );
    assert.equal((await countsIn(store)).size, 0);
    await store.close();
  });

  it('keeps every line before a truncated gzip stream and says where it broke', async () => {
    const store = await openStore();
    const zipped = gzipSync(input.bytes);
    const result = await ingest(store, chunked(zipped.subarray(0, zipped.length >> 1)), base);
    assert.match(result.inputError ?? '', /truncated or corrupt/);
    assert.ok(result.accepted > 1000 && result.accepted < input.good);
    await store.close();
  });
});

describe('ingest parser options', () => {
  /** CloudFront lines in a field order of the operator's choice, without their #Fields header. */
  const FIELDS =
    '#Fields: time date sc-status x-edge-location x-host-header sc-bytes x-edge-result-type x-edge-detailed-result-type';
  function headerless(count: number): { bytes: Buffer; total: number } {
    let text = '';
    let total = 0;
    for (let i = 0; i < count; i++) {
      const second = String(i % 60).padStart(2, '0');
      const bytes = 100 + (i % 7);
      text += `08:${String(((i / 60) % 60) | 0).padStart(2, '0')}:${second}\t2026-11-24\t200\tFRA56-C1\tshop.example.com\t${bytes}\tHit\tHit\n`;
      total += bytes;
    }
    return { bytes: Buffer.from(text), total };
  }

  for (const workers of [1, 2]) {
    it(`hands the W3C #Fields header given in the parser options to every parser (${workers} thread${workers > 1 ? 's' : ''})`, async () => {
      const count = 40_000; // over 2 MiB: several blocks, on both threads
      const input = headerless(count);
      const store = await openStore();
      const result = await ingest(store, chunked(input.bytes), {
        format: 'cloudfront',
        input: 'test',
        workers,
        parser: { w3cFields: FIELDS },
      });
      assert.deepEqual([result.accepted, result.rejected], [count, 0]);
      const answer = await runQuery(store, {
        zone: 'shop.example.com',
        from: Date.UTC(2026, 10, 24),
        to: Date.UTC(2026, 10, 25),
        bucket: '1d',
        by: [],
      });
      assert.deepEqual(
        answer.rows.map((r) => [r.requests, r.bytes]),
        [[count, input.total]],
      );
      await store.close();
    });
  }
});
