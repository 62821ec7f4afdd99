import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeBody } from '../server/body.js';
import { DuckDBStore } from '../stores/duckdb/duckdb-store.js';
import { tempDir } from '../testing/paths.js';
import { CardinalityGuard } from './cardinality.js';
import { GroupCommitter } from './group-commit.js';
import { type IngestOptions, type IngestResult, ingest, TruncatedInputError } from './pipeline.js';
import { PUSH_BODY_BYTES, pushIngest } from './push-ingest.js';
import { PushParsers } from './push-pool.js';

const MINUTE = Date.UTC(2026, 10, 24, 10, 0);
const LIMITS = { colosPerZoneDay: 3, hostsPerZoneDay: 2, zones: 2 };

/** Cloudflare lines over zones, colos and hosts enough to pass the caps above, with a bad line every 50. */
function lines(count: number, seed: number): Buffer {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 50 === 49) {
      out.push('{"EdgeStartTimestamp": broken');
      continue;
    }
    out.push(
      JSON.stringify({
        EdgeStartTimestamp: (MINUTE + ((i * 7919 + seed) % 180_000)) * 1_000_000,
        ZoneName: `z${(i + seed) % 3}.example`,
        ClientRequestHost: `h${i % 4}.example`,
        EdgeColoCode: ['FRA', 'AMS', 'SJC', 'IAD', 'SIN'][(i + seed) % 5],
        EdgeResponseStatus: [200, 404, 522, 503][i % 4],
        OriginResponseStatus: [200, 404, 0, 503][i % 4],
        EdgeResponseBytes: 100 + i,
        ClientRequestURI: `/p/${'x'.repeat(i % 300)}`,
      }),
    );
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

/** One store written as the push route writes it: a guard and a group committer of its own. */
async function pushStore(name: string) {
  const store = await DuckDBStore.open(join(tempDir(), `${name}.duckdb`));
  return { store, cardinality: new CardinalityGuard(store, LIMITS), committer: new GroupCommitter(store, limits) };
}
const limits = { concurrentIngests: 2, groupRows: 100_000 };

function options(target: Awaited<ReturnType<typeof pushStore>>, key: string): IngestOptions {
  return {
    format: 'cloudflare',
    key,
    input: 'http',
    maxLineBytes: 1024 * 1024,
    maxInputBytes: 64 * 1024 * 1024,
    strictInput: true,
    cardinality: target.cardinality,
    batches: target.committer,
  };
}

const answer = (r: IngestResult) => ({ ...r, durationMs: 0 });

describe('push ingest on parsing threads', () => {
  const parsers = new PushParsers(2);
  let threads: Awaited<ReturnType<typeof pushStore>>;
  let streaming: Awaited<ReturnType<typeof pushStore>>;
  before(async () => {
    threads = await pushStore('threads');
    streaming = await pushStore('streaming');
  });
  after(async () => {
    await parsers.close();
    await threads.store.close();
    await streaming.store.close();
  });

  const push = (body: Buffer, key: string) =>
    // In pieces, as a body arrives.
    pushIngest(threads.store, [body.subarray(0, 1000), body.subarray(1000, 1001), body.subarray(1001)], {
      ...options(threads, key),
      encoding: 'identity',
      parsers,
      stream: (chunks) => decodeBody(chunks, 'identity'),
      cardinality: threads.cardinality,
      batches: threads.committer,
    });

  it('answers and stores what the streaming ingest does: folds, refused zones, rejections, duplicates, small and large bodies', async () => {
    const bodies = [
      gzipSync(lines(200, 1)),
      lines(300, 2),
      gzipSync(lines(150, 3)),
      // Over PUSH_BODY_BYTES: streamed on this thread, as before.
      lines(6000, 4),
    ];
    assert.ok(bodies[3].length > PUSH_BODY_BYTES && bodies[1].length < PUSH_BODY_BYTES);
    // One after the other on both sides: which batch takes the last room under a cap is then the same.
    const keys = ['a', 'b', 'c', 'd', 'a'];
    const pushed: IngestResult[] = [];
    const streamed: IngestResult[] = [];
    for (const [i, key] of keys.entries()) {
      pushed.push(await push(bodies[i % bodies.length], key));
      streamed.push(
        await ingest(streaming.store, decodeBody([bodies[i % bodies.length]], 'identity'), options(streaming, key)),
      );
    }
    assert.deepEqual(pushed.map(answer), streamed.map(answer));
    assert.deepEqual(
      pushed.map((r) => r.outcome),
      ['committed', 'committed', 'committed', 'committed', 'duplicate'],
    );
    // The caps did their work on both ways alike: values folded, a zone refused, lines rejected.
    assert.ok(pushed.some((r) => r.folded.colo > 0 && r.folded.host > 0));
    assert.ok(pushed.some((r) => (r.rejectsByReason['too-many-zones'] ?? 0) > 0));
    assert.ok(pushed.every((r) => (r.rejectsByReason['invalid-json'] ?? 0) > 0));

    for (const zone of ['z0.example', 'z1.example', 'z2.example']) {
      const query = {
        zone,
        from: MINUTE,
        to: MINUTE + 3 * 60_000,
        bucketSeconds: 60,
        by: ['colo', 'host', 'status'] as const,
      };
      const q = { ...query, by: [...query.by] };
      const [a, b] = await Promise.all([threads.store.aggregate(q), streaming.store.aggregate(q)]);
      assert.deepEqual(a, b, zone);
    }
  });

  it('commits concurrent pushes, each once', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `burst-${i}`);
    const pushed = await Promise.all(keys.map((key, i) => push(gzipSync(lines(100, i)), key)));
    const again = await Promise.all(keys.map((key, i) => push(gzipSync(lines(100, i)), key)));
    assert.ok(pushed.every((r) => r.outcome === 'committed'));
    assert.ok(again.every((r) => r.outcome === 'duplicate'));
    for (const key of keys) assert.ok(await threads.store.ingestRecord(key), key);
  });

  it('fails as the streaming ingest does for a body it cannot parse whole, committing nothing', async () => {
    const broken = gzipSync(lines(100, 5)).subarray(0, 200);
    await assert.rejects(push(broken, 'broken'), TruncatedInputError);
    assert.equal(await threads.store.ingestRecord('broken'), undefined);
  });
});
