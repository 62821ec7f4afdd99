import { createHash } from 'node:crypto';
import { type FileHandle, stat } from 'node:fs/promises';

/** Bytes of growing files for follow mode: which file a path names, its head, and its complete lines. */

const NEWLINE = 0x0a;

/** The device and inode a path names now; undefined when it does not exist. */
export async function fileIdentity(path: string): Promise<{ dev: number; ino: number } | undefined> {
  try {
    const { dev, ino } = await stat(path);
    return { dev, ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** `${length}:${sha256 prefix}` of a file's first `length` bytes: with dev and inode, tells one file from a later one. */
export async function headOf(handle: FileHandle, length: number): Promise<string> {
  const head = Buffer.alloc(length);
  const { bytesRead } = await handle.read(head, 0, length, 0);
  return `${bytesRead}:${createHash('sha256').update(head.subarray(0, bytesRead)).digest('hex').slice(0, 16)}`;
}

/** Complete lines read from a growing file: `bytes` to hand on, and whether more is waiting. */
export interface LinesRead {
  bytes: Buffer;
  /** More is waiting: the buffer filled up, or the line limit stopped before another complete line. */
  more: boolean;
}

/**
 * Reads the complete lines after `offset` into `buffer` (all of the rest when `toEnd`, for
 * a rotated file the writer has left), at most `maxLines`; undefined when there is none yet.
 */
export async function readLines(
  handle: FileHandle,
  path: string,
  buffer: Buffer,
  offset: number,
  maxLines: number,
  toEnd: boolean,
): Promise<LinesRead | undefined> {
  const maxBytes = buffer.length;
  const { bytesRead } = await handle.read(buffer, 0, maxBytes, offset);
  if (bytesRead === 0) return undefined;
  // Checked before looking for a newline: compressed bytes may have none, and would wait forever.
  if (offset === 0 && bytesRead >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) {
    throw new Error(`${path} is gzip: --follow reads plain-text logs; ingest it without --follow`);
  }
  let length = cutAfterLines(buffer.subarray(0, bytesRead), maxLines);
  const full = bytesRead === maxBytes;
  if (length === 0) {
    // No newline yet: a line still being written, unless it fills a whole batch or the file is done.
    if (!full && !toEnd) return undefined;
    length = bytesRead;
  } else if (toEnd && !full && length < bytesRead && cutAfterLines(buffer.subarray(length, bytesRead), 1) === 0) {
    length = bytesRead;
  }
  const more = full || (length < bytesRead && cutAfterLines(buffer.subarray(length, bytesRead), 1) > 0);
  return { bytes: buffer.subarray(0, length), more };
}

/** Length of the bytes up to and including the `maxLines`-th newline, or the last one; 0 when none. */
export function cutAfterLines(bytes: Buffer, maxLines: number): number {
  let at = -1;
  for (let lines = 0; lines < maxLines; lines++) {
    const next = bytes.indexOf(NEWLINE, at + 1);
    if (next === -1) break;
    at = next;
  }
  return at + 1;
}
