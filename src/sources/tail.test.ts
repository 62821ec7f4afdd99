import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cutAfterLines } from './tail.js';

describe('cutAfterLines', () => {
  it('cuts after the n-th newline, or the last one', () => {
    const bytes = Buffer.from('a\nbb\nccc\ndd');
    assert.deepEqual(
      [1, 2, 3, 9].map((n) => cutAfterLines(bytes, n)),
      [2, 5, 9, 9],
    );
    assert.equal(cutAfterLines(Buffer.from('no newline'), 5), 0);
  });
});
