import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RejectReason } from '../model/rejection.js';
import { LineSplitter } from './lines.js';

interface Seen {
  lines: Array<[number, string]>;
  bad: Array<[number, RejectReason]>;
}

/** Feeds the bytes in chunks of `size` and records what comes out. */
function split(bytes: Buffer, size: number, maxLineBytes?: number): Seen {
  const seen: Seen = { lines: [], bad: [] };
  const splitter = new LineSplitter(
    {
      line: (text, n) => seen.lines.push([n, text]),
      bad: (n, reason) => seen.bad.push([n, reason]),
    },
    maxLineBytes,
  );
  for (let i = 0; i < bytes.length; i += size) splitter.push(bytes.subarray(i, i + size));
  splitter.end();
  return seen;
}

describe('LineSplitter', () => {
  const text = 'alpha\nbeta\r\n\ngamma δ\nlast';
  for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
    it(`gives the same lines and line numbers for chunks of ${size} bytes`, () => {
      const seen = split(Buffer.from(text), size);
      assert.deepEqual(seen.lines, [
        [1, 'alpha'],
        [2, 'beta'],
        [4, 'gamma δ'],
        [5, 'last'],
      ]);
      assert.deepEqual(seen.bad, []);
    });
  }

  it('rejects a line with invalid UTF-8 and keeps its neighbours', () => {
    const bytes = Buffer.concat([
      Buffer.from('good one\nbad '),
      Buffer.from([0xc3, 0x28, 0xff]),
      Buffer.from('\ngood two\n'),
    ]);
    for (const size of [1, 5, 4096]) {
      const seen = split(bytes, size);
      assert.deepEqual(seen.lines, [
        [1, 'good one'],
        [3, 'good two'],
      ]);
      assert.deepEqual(seen.bad, [[2, 'invalid-utf8']]);
    }
  });

  it('rejects binary junk (NUL and control bytes) line by line', () => {
    const bytes = Buffer.concat([Buffer.from('a\n'), Buffer.from([0, 1, 2, 3, 0x41]), Buffer.from('\nb\tc\n')]);
    const seen = split(bytes, 3);
    assert.deepEqual(seen.lines, [
      [1, 'a'],
      [3, 'b\tc'],
    ]);
    assert.deepEqual(seen.bad, [[2, 'binary']]);
  });

  it('rejects a line over the limit without holding it in memory, and keeps the next one', () => {
    const long = 'x'.repeat(5000);
    const bytes = Buffer.from(`short\n${long}\nafter\n${'y'.repeat(100)}`);
    for (const size of [10, 1000, 100_000]) {
      const seen = split(bytes, size, 1024);
      assert.deepEqual(
        seen.lines.map(([n, t]) => [n, t.length]),
        [
          [1, 5],
          [3, 5],
          [4, 100],
        ],
      );
      assert.deepEqual(seen.bad, [[2, 'line-too-long']]);
    }
  });

  it('counts multi-byte characters in bytes for the line limit', () => {
    const seen = split(Buffer.from(`${'é'.repeat(600)}\nok\n`), 64, 1000);
    assert.deepEqual(seen.bad, [[1, 'line-too-long']]);
    assert.deepEqual(seen.lines, [[2, 'ok']]);
  });

  it('rejects an over-long last line without a newline', () => {
    const seen = split(Buffer.from(`ok\n${'z'.repeat(3000)}`), 100, 1024);
    assert.deepEqual(seen.lines, [[1, 'ok']]);
    assert.deepEqual(seen.bad, [[2, 'line-too-long']]);
  });
});
