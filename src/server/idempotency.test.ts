import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { cfLine, type TestApp, testApp } from './testing.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0);
const ZONE = 'shop.example';
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';

/** `n` lines, one per second from T0 + offset, every one with `status`. */
function lines(n: number, offset: number, status = 200): string {
  return `${Array.from({ length: n }, (_, i) => cfLine({ ts: T0 + offset + i * 1000, status })).join('\n')}\n`;
}

describe('Idempotency-Key bound to its content', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.destroy());

  const push = (key: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/zones/${ZONE}/logs?format=cloudflare`,
      payload: body,
      headers: { 'idempotency-key': key, ...headers },
    });
  const total = async () => (await t.app.inject(`/api/v1/zones/${ZONE}/summary?${RANGE}`)).json().requests as number;
  const conflicts = async () => {
    const metrics = (await t.app.inject('/metrics')).body;
    return Number(/edgestat_ingest_batches_total\{outcome="idempotency_conflict"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  };

  it('answers 409 idempotency_conflict to the same key with another body, and writes nothing of it', async () => {
    const first = await push('k-1', lines(5, 0));
    assert.equal(first.statusCode, 200);
    assert.equal(first.json().duplicate, false);
    const same = await push('k-1', lines(5, 0));
    assert.equal(same.statusCode, 200);
    assert.equal(same.json().duplicate, true);

    const other = await push('k-1', lines(8, 0, 503));
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().error.code, 'idempotency_conflict');
    assert.match(
      other.json().error.message,
      /^key "http:shop.example:k-1" was committed on .* with other content \(5 lines accepted\): nothing of this batch was written/,
    );
    assert.equal(await total(), 5);
    assert.equal(await conflicts(), 1);
    // Telling the lines apart is the content's job, not the line count's: one changed status is another body.
    const oneChanged = lines(5, 0).replace('"EdgeResponseStatus":200', '"EdgeResponseStatus":201');
    assert.notEqual(oneChanged, lines(5, 0));
    assert.equal((await push('k-1', oneChanged)).statusCode, 409);
    assert.equal(await total(), 5);
  });

  it('treats the same lines plain, gzip and gzip recompressed as the same batch (the hash is of the decompressed content)', async () => {
    const body = lines(7, 60_000);
    const plain = await push('k-2', body);
    assert.equal(plain.json().duplicate, false);
    const fast = gzipSync(body, { level: 1 });
    const best = gzipSync(body, { level: 9 });
    assert.notDeepEqual(fast, best);
    for (const compressed of [fast, best]) {
      const again = await push('k-2', compressed, { 'content-encoding': 'gzip' });
      assert.equal(again.statusCode, 200);
      assert.equal(again.json().duplicate, true);
      // Detected by content too, without a Content-Encoding header.
      assert.equal((await push('k-2', compressed)).json().duplicate, true);
    }
    const otherGzip = await push('k-2', gzipSync(lines(7, 120_000)), { 'content-encoding': 'gzip' });
    assert.equal(otherGzip.statusCode, 409);
    assert.equal(otherGzip.json().error.code, 'idempotency_conflict');
    assert.equal(await total(), 5 + 7);
  });

  it('keeps the first body when a gzip batch comes first, and refuses another body sent plain', async () => {
    const body = lines(3, 180_000);
    assert.equal((await push('k-3', gzipSync(body))).json().duplicate, false);
    assert.equal((await push('k-3', body)).json().duplicate, true);
    assert.equal((await push('k-3', lines(4, 180_000))).statusCode, 409);
    assert.equal(await total(), 5 + 7 + 3);
  });
});
