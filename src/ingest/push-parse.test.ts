import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { RollupRow } from '../rollup/rollup.js';
import { decodeBody } from '../server/body.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { fixture } from '../testing/paths.js';
import { CardinalityGuard } from './cardinality.js';
import { type IngestResult, ingest } from './pipeline.js';
import { type PushJob, type PushParsed, parsePush } from './push-parse.js';
import { PushParsers } from './push-pool.js';

const MAX_LINE = 64 * 1024;

/** Rows in one order, to compare two ways of producing them. */
const sorted = (rows: RollupRow[]) => rows.map((r) => JSON.stringify(r)).sort();

function job(body: Buffer, encoding: PushJob['encoding'] = 'identity', more: Partial<PushJob> = {}): PushJob {
  return {
    body: new Uint8Array(body),
    encoding,
    format: 'auto',
    parser: {},
    maxLineBytes: MAX_LINE,
    maxInputBytes: 64 * 1024 * 1024,
    ...more,
  };
}

describe('parsing a pushed body whole (parsing thread)', () => {
  let store: DuckDBStore;
  before(async () => {
    store = await DuckDBStore.open(':memory:');
  });
  after(() => store.close());

  /** The streaming pipeline's answer and rows for the same body: what the whole-body parse must equal. */
  async function streamed(j: PushJob): Promise<{ result: IngestResult; rows: RollupRow[] }> {
    const rows: RollupRow[] = [];
    const batches = {
      openBatch: async () => ({
        append: async (some: RollupRow[]) => void rows.push(...some),
        commit: async () => 'committed' as const,
        abort: async () => {},
      }),
    };
    const result = await ingest(store, decodeBody([Buffer.from(j.body)], j.encoding), {
      format: j.format,
      parser: j.parser,
      input: 'http',
      maxLineBytes: j.maxLineBytes,
      maxInputBytes: j.maxInputBytes,
      strictInput: true,
      cardinality: new CardinalityGuard(store),
      batches,
    });
    return { result, rows };
  }

  function assertSame(parsed: PushParsed, expected: { result: IngestResult; rows: RollupRow[] }, what: string): void {
    const { result } = expected;
    assert.deepEqual(sorted(parsed.rows), sorted(expected.rows), what);
    assert.deepEqual(
      {
        format: parsed.format,
        detectedBy: parsed.detectedBy,
        contentHash: parsed.contentHash,
        key: parsed.rawHash,
        lines: parsed.lines,
        accepted: parsed.tally.accepted,
        rejected: parsed.tally.rejected,
        skipped: parsed.tally.skipped,
        rejectsByReason: parsed.tally.rejectsByReason,
        samples: parsed.tally.samples,
        setAside: parsed.tally.setAside,
        rawBytes: parsed.rawBytes,
        bytes: parsed.bytes,
        gzip: parsed.gzip,
        notices: parsed.notices,
      },
      {
        format: result.format,
        detectedBy: result.detectedBy,
        contentHash: result.contentHash,
        key: result.key,
        lines: result.lines,
        accepted: result.accepted,
        rejected: result.rejected,
        skipped: result.skipped,
        rejectsByReason: result.rejectsByReason,
        samples: result.samples,
        setAside: result.setAside,
        rawBytes: result.rawBytes,
        bytes: result.bytes,
        gzip: result.gzip,
        notices: result.notices,
      },
      what,
    );
  }

  const files = [
    ['cloudflare', 'http_requests.ndjson'],
    ['nginx', 'combined.log'],
    ['cloudfront', 'standard.log'],
    ['alb', 'bad.log'],
    ['haproxy', 'httplog.log'],
    ['envoy', 'bad.log'],
    ['caddy', 'access.log'],
  ];
  const encodings: Array<[string, (b: Buffer) => Buffer, PushJob['encoding']]> = [
    ['plain', (b) => b, 'identity'],
    ['gzip', (b) => gzipSync(b), 'identity'],
    // Two gzip members, as a client that appends compressed pieces sends them.
    ['gzip members', (b) => Buffer.concat([gzipSync(b.subarray(0, 100)), gzipSync(b.subarray(100))]), 'identity'],
    ['deflate', (b) => deflateSync(b), 'deflate'],
    ['br of gzip', (b) => brotliCompressSync(gzipSync(b)), 'br'],
  ];

  it('gives the rows, counts, rejections, hashes and format the streaming ingest gives, for every format and encoding', async () => {
    for (const [format, file] of files) {
      const plain = readFileSync(fixture(format, file));
      for (const [name, encode, encoding] of encodings) {
        const j = job(encode(plain), encoding);
        const expected = await streamed(j);
        const parsed = await parsePush(j);
        assert.ok(parsed, `${format}/${file} ${name} is parsed whole`);
        assertSame(parsed, expected, `${format}/${file} ${name}`);
        assert.ok(parsed.lines > 0 && parsed.tally.accepted + parsed.tally.rejected > 0, `${format}/${file} has lines`);
      }
    }
  });

  it('parses a named format with its options, an empty body and a body of rejected lines alike', async () => {
    const nginx = readFileSync(fixture('nginx', 'edge.log'));
    const logFormat = readFileSync(fixture('nginx', 'edge.format'), 'utf8').trim();
    const cases: PushJob[] = [
      job(gzipSync(nginx), 'identity', { format: 'nginx', parser: { zone: 'edge.test', nginxLogFormat: logFormat } }),
      job(Buffer.alloc(0)),
      job(gzipSync(Buffer.alloc(0))),
      job(Buffer.from(`${'x'.repeat(MAX_LINE + 10)}\n`)),
    ];
    for (const [i, j] of cases.entries()) {
      const parsed = await parsePush(j);
      assert.ok(parsed, `case ${i} is parsed whole`);
      assertSame(parsed, await streamed(j), `case ${i}`);
    }
  });

  it('gives back what only the streaming ingest can answer: broken, over its allowance, no format to choose', async () => {
    const plain = readFileSync(fixture('cloudflare', 'http_requests.ndjson'));
    const gz = gzipSync(plain);
    const cases: Array<[string, PushJob]> = [
      ['truncated gzip', job(gz.subarray(0, gz.length - 40))],
      ['corrupt deflate', job(Buffer.from('not deflate at all'), 'deflate')],
      ['corrupt br', job(Buffer.from('not brotli'), 'br')],
      ['decompresses past its allowance', job(gz, 'identity', { maxInputBytes: plain.length - 1 })],
      ['plain past its allowance', job(plain, 'identity', { maxInputBytes: 10 })],
      ['unknown format', job(plain, 'identity', { format: 'no-such-format' })],
      ['no format detected', job(Buffer.from('just some words\nand more words\n'))],
    ];
    for (const [name, j] of cases) {
      assert.equal(await parsePush(j), undefined, name);
      // The streaming ingest refuses each of them: its error is the push's answer.
      await assert.rejects(streamed(j), name);
    }
  });

  it('runs on persistent threads: the same answer as on this thread, bodies given back intact, jobs of closed threads fail, later ones start new threads', async () => {
    const parsers = new PushParsers(2);
    try {
      const plain = readFileSync(fixture('cloudflare', 'http_requests.ndjson'));
      const here = await parsePush(job(gzipSync(plain)));
      const answers = await Promise.all(Array.from({ length: 6 }, () => parsers.parse(job(gzipSync(plain)))));
      for (const answer of answers) assert.deepEqual(answer, here);

      const broken = gzipSync(plain).subarray(0, 50);
      const back = await parsers.parse(job(broken));
      assert.ok(back instanceof Uint8Array);
      assert.equal(createHash('sha256').update(back).digest('hex'), createHash('sha256').update(broken).digest('hex'));

      // Closed with a job under way: it fails, and the next job runs on a new thread.
      const lost = assert.rejects(parsers.parse(job(gzipSync(plain))), /closed/);
      await parsers.close();
      await lost;
      assert.deepEqual(await parsers.parse(job(gzipSync(plain))), here);
    } finally {
      await parsers.close();
    }
  });
});
