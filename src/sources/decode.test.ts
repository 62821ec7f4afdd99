import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type DecodeStats, decode, InputLimitError, TruncatedInputError } from './decode.js';

async function* chunks(bytes: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(input: AsyncIterable<Uint8Array>, max?: number): Promise<{ text: string; stats: DecodeStats }> {
  const stats: DecodeStats = { gzip: false, bytes: 0 };
  const parts: Buffer[] = [];
  for await (const chunk of decode(input, stats, max)) parts.push(chunk);
  return { text: Buffer.concat(parts).toString(), stats };
}

describe('decode', () => {
  const plain = Buffer.from('line one\nline two\n'.repeat(100));

  it('passes plain text through', async () => {
    const { text, stats } = await collect(chunks(plain, 1));
    assert.equal(text, plain.toString());
    assert.deepEqual(stats, { gzip: false, bytes: plain.length });
  });

  it('detects gzip by content and inflates every member', async () => {
    const twoMembers = Buffer.concat([gzipSync(plain), gzipSync(Buffer.from('third\n'))]);
    const { text, stats } = await collect(chunks(twoMembers, 1));
    assert.equal(text, `${plain.toString()}third\n`);
    assert.equal(stats.gzip, true);
  });

  it('stops a gzip bomb at the limit without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024, 'a'));
    const before = process.memoryUsage().rss;
    await assert.rejects(collect(chunks(bomb, 65536), 1024 * 1024), InputLimitError);
    assert.ok(process.memoryUsage().rss - before < 100 * 1024 * 1024, 'memory stayed bounded');
  });

  it('reports a truncated gzip stream after yielding what it could', async () => {
    const zipped = gzipSync(plain);
    const stats: DecodeStats = { gzip: false, bytes: 0 };
    const got: Buffer[] = [];
    await assert.rejects(async () => {
      for await (const chunk of decode(chunks(zipped.subarray(0, zipped.length - 10), 64), stats)) got.push(chunk);
    }, TruncatedInputError);
    assert.ok(plain.toString().startsWith(Buffer.concat(got).toString()));
  });

  it('yields nothing for empty input', async () => {
    const { text } = await collect(chunks(Buffer.alloc(0), 1));
    assert.equal(text, '');
  });
});
