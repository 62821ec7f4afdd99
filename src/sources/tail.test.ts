import assert from 'node:assert/strict';
import { appendFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../testing/paths.js';
import { cutAfterLines, FileTail } from './tail.js';

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

describe('FileTail', () => {
  it('hands on complete lines, then after a truncation reads from the start, and after a rotation finishes the old file first', async () => {
    const path = join(tempDir(), 'app.log');
    const events: string[] = [];
    const opened: number[] = [];
    const tail = new FileTail(path, Buffer.alloc(1024), {
      attached: async (file) => {
        opened.push(file.size);
        return { offset: 0 };
      },
      onEvent: (event) => events.push(event),
    });
    const take = async () => {
      const chunk = await tail.next(100);
      if (chunk) tail.consumed(chunk);
      return chunk && [chunk.bytes.toString(), chunk.start, chunk.end];
    };
    assert.equal(await take(), undefined);
    assert.deepEqual(events, ['waiting for the file to appear']);
    writeFileSync(path, 'one\ntw');
    assert.deepEqual(await take(), ['one\n', 0, 4]);
    assert.equal(await take(), undefined); // `tw` is still being written
    appendFileSync(path, 'o\n');
    assert.deepEqual(await take(), ['two\n', 4, 8]);
    truncateSync(path, 0);
    appendFileSync(path, 'x\n');
    assert.deepEqual(await take(), ['x\n', 0, 2]);
    appendFileSync(path, 'last');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'new\n');
    // The rotated file's last line has no newline: it is handed on whole, then the new file.
    assert.deepEqual(await take(), ['last', 2, 6]);
    assert.deepEqual(await take(), ['new\n', 0, 4]);
    assert.deepEqual(events.slice(1), [
      'truncated to 2 bytes: reading from the start',
      'rotated: following the new file',
    ]);
    assert.deepEqual(opened, [6, 4]);
    await tail.close();
  });
});
