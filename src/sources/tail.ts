import { createHash } from 'node:crypto';
import { type FileHandle, open, stat } from 'node:fs/promises';

/** Bytes of growing files for follow mode: which file a path names, its head, and its complete lines. */

const NEWLINE = 0x0a;

/** The device and inode a path names now; undefined when it does not exist. */
async function fileIdentity(path: string): Promise<{ dev: number; ino: number } | undefined> {
  try {
    const { dev, ino } = await stat(path);
    return { dev, ino };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** `${length}:${sha256 prefix}` of a file's first `length` bytes: with dev and inode, tells one file from a later one. */
async function headOf(handle: FileHandle, length: number): Promise<string> {
  const head = Buffer.alloc(length);
  const { bytesRead } = await handle.read(head, 0, length, 0);
  return `${bytesRead}:${createHash('sha256').update(head.subarray(0, bytesRead)).digest('hex').slice(0, 16)}`;
}

/** Bytes of a file's head that, with its device and inode, tell one file apart from a later one. */
const HEAD_BYTES = 256;

/** A file just opened at a followed path, for its reader to say where to resume. */
export interface OpenedFile {
  dev: number;
  ino: number;
  size: number;
  /** `${length}:${sha256 prefix}` of its first `length` bytes. */
  headOf(length: number): Promise<string>;
  /** Its first `length` bytes (fewer when it is shorter). */
  readStart(length: number): Promise<Buffer>;
}

export interface TailHooks {
  /**
   * A file was opened at the path (at the start, after a rotation, once it appeared): where
   * to resume in it, with its head when the resume point came from a record of that head.
   */
  attached(file: OpenedFile): Promise<{ offset: number; head?: string }>;
  /** The path is missing, was rotated or truncated. */
  onEvent?(event: string): void;
}

/** Complete lines of a followed file, from `start` to `end`. */
export interface TailChunk {
  bytes: Buffer;
  start: number;
  end: number;
  dev: number;
  ino: number;
  /** The file's head (see `headOf`): with dev and inode, names this file and no later one. */
  head: string;
  /** More is waiting: the buffer filled up, or the line limit stopped before another complete line. */
  more: boolean;
}

/**
 * One path followed like `tail -F`: the file it names now, and how far it was consumed.
 * Survives rotation (the old file is read to its end, then the new one from its start)
 * and truncation (read again from the start). Knows no log format and no store.
 */
export class FileTail {
  private handle?: FileHandle;
  private dev = 0;
  private ino = 0;
  private head?: string;
  private offset = 0;
  private missing = false;

  /** `buffer` bounds the bytes of one chunk; it may be shared by tails whose chunks are consumed in turn. */
  constructor(
    readonly path: string,
    private readonly buffer: Buffer,
    private readonly hooks: TailHooks,
  ) {}

  /** The next complete lines (at most `maxLines`), or undefined when none are waiting. Valid until the next call. */
  async next(maxLines: number): Promise<TailChunk | undefined> {
    const current = await fileIdentity(this.path);
    if (!current) {
      if (!this.missing && !this.handle) this.hooks.onEvent?.('waiting for the file to appear');
      this.missing = true;
    }
    if (this.handle && current && (current.dev !== this.dev || current.ino !== this.ino)) {
      // Rotated: finish the old file (the writer has moved on), then switch.
      const rest = await this.read(maxLines, true);
      if (rest) return rest;
      await this.handle.close();
      this.handle = undefined;
      this.hooks.onEvent?.('rotated: following the new file');
    }
    if (!this.handle) {
      if (!current) return undefined;
      await this.attach();
    }
    const { size } = await this.handle!.stat();
    if (size < this.offset) {
      this.hooks.onEvent?.(`truncated to ${size} bytes: reading from the start`);
      this.offset = 0;
      this.head = undefined;
    }
    return this.read(maxLines, false);
  }

  /** The chunk was handed on for good (committed): the next one starts after it. */
  consumed(chunk: TailChunk): void {
    this.offset = chunk.end;
  }

  async close(): Promise<void> {
    await this.handle?.close();
  }

  private async attach(): Promise<void> {
    const handle = await open(this.path, 'r');
    const { dev, ino, size } = await handle.stat();
    Object.assign(this, { handle, dev, ino, offset: 0, head: undefined, missing: false });
    const resume = await this.hooks.attached({
      dev,
      ino,
      size,
      headOf: (length) => headOf(handle, length),
      readStart: async (length) => {
        const start = Buffer.alloc(length);
        const { bytesRead } = await handle.read(start, 0, length, 0);
        return start.subarray(0, bytesRead);
      },
    });
    this.offset = resume.offset;
    this.head = resume.head;
  }

  private async read(maxLines: number, toEnd: boolean): Promise<TailChunk | undefined> {
    const handle = this.handle!;
    const read = await readLines(handle, this.path, this.buffer, this.offset, maxLines, toEnd);
    if (!read) return undefined;
    const start = this.offset;
    const end = start + read.bytes.length;
    this.head ??= await headOf(handle, Math.min(HEAD_BYTES, end));
    return { ...read, start, end, dev: this.dev, ino: this.ino, head: this.head };
  }
}

/** Complete lines read from a growing file: `bytes` to hand on, and whether more is waiting. */
interface LinesRead {
  bytes: Buffer;
  more: boolean;
}

/**
 * Reads the complete lines after `offset` into `buffer` (all of the rest when `toEnd`, for
 * a rotated file the writer has left), at most `maxLines`; undefined when there is none yet.
 */
async function readLines(
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
