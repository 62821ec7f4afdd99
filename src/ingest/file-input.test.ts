import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RollupRow } from '../rollup/rollup.js';
import { readFileChunks } from '../sources/files.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { tempDir } from '../testing/paths.js';
import { type IngestOptions, type IngestResult, ingest } from './pipeline.js';

/** The size of the ranges the threads read (the pipeline's block size). */
const RANGE = 1024 * 1024;
const MAX_LINE = 200_000;
const T0 = Date.UTC(2026, 10, 24, 8, 0, 0);

/** A Cloudflare line of exactly `bytes` bytes (without its newline). */
function lineOf(bytes: number, i: number): string {
  const line = JSON.stringify({
    EdgeStartTimestamp: new Date(T0 + i * 1000).toISOString(),
    EdgeResponseStatus: [200, 404, 522][i % 3],
    OriginResponseStatus: [200, 404, 0][i % 3],
    EdgeColoCode: ['FRA', 'SJC'][i % 2],
    ClientRequestHost: 'www.example.com',
    EdgeResponseBytes: i,
    ZoneName: 'example.com',
    pad: '',
  });
  assert.ok(bytes >= line.length, `a line of ${bytes} bytes`);
  return line.replace('"pad":""', `"pad":"${'p'.repeat(bytes - line.length)}"`);
}

/**
 * A file whose line ends and odd lines fall on the edges of the ranges: a newline as a range's
 * last byte and as its first, a line across an edge, a line over the limit longer than a whole
 * range, CRLF, empty, invalid, NUL and control-byte lines, and no newline at the end.
 */
function trickyFile(): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  let i = 0;
  const add = (bytes: Buffer | string) => {
    const b = Buffer.from(bytes);
    parts.push(b);
    size += b.length;
  };
  /** Lines up to `end`, the last one ending with its newline exactly at `end - 1`. */
  const fillTo = (end: number) => {
    while (end - size > 2000) add(`${lineOf(500 + (i % 700), i++)}\n`);
    add(`${lineOf(end - size - 1, i++)}\n`);
  };
  fillTo(RANGE);
  add(`${lineOf(300, i++)}\r\n\n\r\n`);
  add(Buffer.from([0x7b, 0xff, 0xfe, 0x0a]));
  add('{"EdgeStartTimestamp":"2026-11-24T08:00:00Z","ZoneName":"a\u0000b"}\n');
  add('{"EdgeStartTimestamp":"2026-11-24T08:00:00Z","ZoneName":"a\u0001b"}\n');
  add('{"EdgeStartTimestamp":"2026-11-24T08:00:00Z","EdgeResponseStatus":200,"ZoneName":"example.com",}\n');
  fillTo(2 * RANGE - 700);
  add(`${lineOf(1500, i++)}\n`);
  add(`{"pad":"${'x'.repeat(Math.round(2.5 * RANGE))}"}\n`);
  fillTo(5 * RANGE - 1);
  add('\n');
  fillTo(6 * RANGE + 333);
  add(lineOf(400, i++));
  return Buffer.concat(parts);
}

const options: IngestOptions = { format: 'cloudflare', input: 'test', maxLineBytes: MAX_LINE };

/** Ingests into a store of its own; the rows written are summed by every dimension. */
async function ingestInto(input: AsyncIterable<Uint8Array>, workers: number) {
  const store = await DuckDBStore.open(join(tempDir(), 'file-input.duckdb'));
  const rows = new Map<string, number>();
  const add = (written: RollupRow[]) => {
    for (const r of written) {
      const key = [r.minute, r.zone, r.host, r.colo, r.edgeStatus, r.status, r.originStatus, r.group, r.source].join();
      rows.set(key, (rows.get(key) ?? 0) + r.requests);
    }
  };
  try {
    const result = await ingest(store, input, { ...options, workers, onRows: add });
    return { result, rows };
  } finally {
    await store.close();
  }
}

const summary = (r: IngestResult) => ({
  lines: r.lines,
  accepted: r.accepted,
  rejected: r.rejected,
  rejectsByReason: r.rejectsByReason,
  samples: r.samples,
  key: r.key,
  contentHash: r.contentHash,
  bytes: r.bytes,
});

describe('a plain file read in ranges by the parsing threads', () => {
  const bytes = trickyFile();
  const path = join(tempDir(), 'tricky.ndjson');
  writeFileSync(path, bytes);

  it('gives what one thread reading the stream gives: lines, rejections with line numbers, rows, key', async () => {
    async function* stream() {
      for (let at = 0; at < bytes.length; at += 100_000) yield bytes.subarray(at, at + 100_000);
    }
    const one = await ingestInto(stream(), 1);
    const threads = await ingestInto(readFileChunks(path), 2);
    assert.deepEqual(summary(threads.result), summary(one.result));
    assert.deepEqual(threads.rows, one.rows);
    assert.equal(threads.result.key, `sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    assert.deepEqual(one.result.rejectsByReason, {
      'invalid-json': 1,
      'invalid-utf8': 1,
      // A NUL sends its whole piece of lines down the byte-by-byte path, where control bytes reject a line.
      binary: 2,
      'line-too-long': 1,
    });
    assert.ok(one.result.accepted > 4000);
  });

  it('reads a gzip file as a stream, with the same answer', async () => {
    const { gzipSync } = await import('node:zlib');
    const gzPath = join(tempDir(), 'tricky.ndjson.gz');
    writeFileSync(gzPath, gzipSync(bytes));
    const plain = await ingestInto(readFileChunks(path), 2);
    const gzip = await ingestInto(readFileChunks(gzPath), 2);
    assert.equal(gzip.result.gzip, true);
    assert.deepEqual({ ...summary(gzip.result), key: '' }, { ...summary(plain.result), key: '' });
    assert.deepEqual(gzip.rows, plain.rows);
  });
});
