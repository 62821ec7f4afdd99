import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Block, lineBlocks } from './blocks.js';

async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(text: string, chunkSize: number, blockBytes: number, maxLineBytes: number): Promise<Block[]> {
  const blocks: Block[] = [];
  for await (const block of lineBlocks(chunks(text, chunkSize), blockBytes, maxLineBytes)) blocks.push(block);
  return blocks;
}

/** The lines the blocks hold, in order, with an over-long line as `<overlong>`. */
function linesOf(blocks: Block[]): string[] {
  return blocks.flatMap((b) =>
    b.kind === 'overlong' ? ['<overlong>'] : b.bytes.toString().replace(/\n$/, '').split('\n'),
  );
}

describe('lineBlocks', () => {
  const lines = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`);
  const text = `${lines.join('\n')}\n`;

  for (const [chunkSize, blockBytes] of [
    [7, 100],
    [64, 1000],
    [4096, 256],
    [100_000, 1000],
  ]) {
    it(`cuts only at newlines and keeps every line in order (chunks ${chunkSize}, blocks ${blockBytes})`, async () => {
      const blocks = await collect(text, chunkSize, blockBytes, 10_000);
      assert.deepEqual(linesOf(blocks), lines);
      for (const b of blocks) if (b.kind === 'lines') assert.equal(b.bytes.at(-1), 0x0a);
    });
  }

  it('keeps a last line without a newline', async () => {
    assert.deepEqual(linesOf(await collect('a\nb\nlast', 2, 3, 100)), ['a', 'b', 'last']);
  });

  it('turns a line over the limit into one overlong block without holding it', async () => {
    const long = 'y'.repeat(50_000);
    const blocks = await collect(`first\n${long}\nafter\n`, 1000, 100, 2000);
    assert.deepEqual(linesOf(blocks), ['first', '<overlong>', 'after']);
    const overlong = blocks.find((b) => b.kind === 'overlong');
    assert.equal(overlong?.kind === 'overlong' && overlong.head, 'y'.repeat(200));
  });
});
