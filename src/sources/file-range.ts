import { readSync } from 'node:fs';
import type { LineHandler, LineSplitter } from './lines.js';

const NEWLINE = 0x0a;
/** Bytes read at a time past a range's end to finish its last line. */
const READ_AHEAD = 64 * 1024;

/** Where a range's raw bytes are in the buffer it was read into: what the reader hands back to be hashed. */
export interface RangeBytes {
  buffer: ArrayBuffer;
  offset: number;
  length: number;
}

/**
 * Reads the bytes `[start, end)` of a plain file and splits the lines that START in them, so
 * that ranges can be read and parsed on several threads at once and every line is split by
 * exactly one: the line a range starts in the middle of belongs to the range before, and a
 * range reads on past its end to finish its last line. A line longer than `maxLineBytes` is
 * skipped over in pieces, never held. `buffer` is reused when large enough; the range's raw
 * bytes come back in the buffer used.
 */
export function splitFileRange(
  fd: number,
  fileSize: number,
  start: number,
  end: number,
  buffer: ArrayBuffer | undefined,
  splitter: LineSplitter,
  handler: LineHandler,
  maxLineBytes: number,
): RangeBytes {
  // One byte before the range tells whether it starts at a line's start.
  const lead = start > 0 ? 1 : 0;
  const rangeBytes = end - start;
  let bytes = sized(buffer, lead + rangeBytes + READ_AHEAD);
  readFully(fd, bytes, 0, lead + rangeBytes, start - lead);
  const done = (): RangeBytes => ({ buffer: bytes.buffer as ArrayBuffer, offset: lead, length: rangeBytes });
  const filled = lead + rangeBytes;
  let first = 0;
  if (lead === 1) {
    const nl = bytes.indexOf(NEWLINE);
    // No newline at all: the range is the middle of a line that an earlier range splits.
    if (nl === -1 || nl >= filled) return done();
    first = nl + 1;
  }
  const lastNl = bytes.lastIndexOf(NEWLINE, filled - 1);
  if (lastNl >= first) splitter.push(bytes.subarray(first, lastNl + 1));
  const tailStart = Math.max(first, lastNl + 1);
  if (tailStart >= filled) return done();
  // The last line starts here and ends in a later range (or with the file): read on to its newline.
  let length = filled;
  let position = end;
  for (;;) {
    if (position >= fileSize) {
      splitter.push(bytes.subarray(tailStart, length));
      splitter.end();
      return done();
    }
    // Two bytes of slack: a line's limit is counted without its `\r\n`.
    if (length - tailStart > maxLineBytes + 2) {
      skipOverlong(fd, fileSize, position, bytes.subarray(tailStart, length), splitter, handler, maxLineBytes);
      return done();
    }
    const want = Math.min(READ_AHEAD, fileSize - position);
    if (length + want > bytes.length) {
      const grown = sized(undefined, Math.max(bytes.length * 2, length + want));
      grown.set(bytes.subarray(0, length));
      bytes = grown;
    }
    readFully(fd, bytes, length, want, position);
    const nl = bytes.subarray(length, length + want).indexOf(NEWLINE);
    if (nl !== -1) {
      splitter.push(bytes.subarray(tailStart, length + nl + 1));
      return done();
    }
    length += want;
    position += want;
  }
}

/** Reads past a line over the limit up to its newline, in pieces, and reports it as too long. */
function skipOverlong(
  fd: number,
  fileSize: number,
  position: number,
  head: Buffer,
  splitter: LineSplitter,
  handler: LineHandler,
  maxLineBytes: number,
): void {
  const scratch = Buffer.allocUnsafe(READ_AHEAD);
  while (position < fileSize) {
    const want = Math.min(READ_AHEAD, fileSize - position);
    readFully(fd, scratch, 0, want, position);
    position += want;
    if (scratch.subarray(0, want).indexOf(NEWLINE) !== -1) break;
  }
  splitter.lineNo++;
  handler.bad(
    splitter.lineNo,
    'line-too-long',
    `line longer than ${maxLineBytes} bytes`,
    head.toString('utf8', 0, 200),
  );
}

function sized(buffer: ArrayBuffer | undefined, bytes: number): Buffer {
  return buffer && buffer.byteLength >= bytes ? Buffer.from(buffer) : Buffer.from(new ArrayBuffer(bytes));
}

function readFully(fd: number, into: Buffer, offset: number, length: number, position: number): void {
  while (length > 0) {
    const read = readSync(fd, into, offset, length, position);
    if (read === 0) throw new Error(`the file ended at byte ${position}: it shrank while being read`);
    offset += read;
    length -= read;
    position += read;
  }
}
