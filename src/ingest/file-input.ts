import type { Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { RangeBytes } from '../sources/file-range.js';
import { FileChunks } from '../sources/files.js';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const HEAD_CHUNK = 64 * 1024;

/** A plain (not gzip) file that parsing threads can read ranges of: its path and size now. */
export interface PlainFile {
  path: string;
  size: number;
}

/** The plain file an input reads, or undefined for any other input (a stream, a gzip file, an empty file). */
export async function plainFileOf(input: AsyncIterable<Uint8Array>): Promise<PlainFile | undefined> {
  if (!(input instanceof FileChunks)) return undefined;
  const handle = await open(input.path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(2);
    await handle.read(head, 0, 2, 0);
    const gzip = head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
    return size >= 2 && !gzip ? { path: input.path, size } : undefined;
  } finally {
    await handle.close();
  }
}

/** The first bytes of a file, as far as a reader takes them; the file is closed when the reader returns. */
export async function* fileHead(path: string): AsyncGenerator<Buffer> {
  const handle = await open(path, 'r');
  try {
    for (let position = 0; ; ) {
      const chunk = Buffer.allocUnsafe(HEAD_CHUNK);
      const { bytesRead } = await handle.read(chunk, 0, HEAD_CHUNK, position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield chunk.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/**
 * Hashes ranges of a file that come back from the threads in any order, in file order; each
 * range's buffer is free again once hashed.
 */
export class OrderedHash {
  private next = 0;
  private readonly waiting = new Map<number, RangeBytes>();
  /** Bytes hashed so far: the file read up to there. */
  bytes = 0;
  /** Buffers hashed and free to read the next ranges into. */
  readonly free: ArrayBuffer[] = [];

  constructor(private readonly hash: Hash) {}

  add(seq: number, raw: RangeBytes): void {
    this.waiting.set(seq, raw);
    for (let ready = this.waiting.get(this.next); ready; ready = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      this.hash.update(new Uint8Array(ready.buffer, ready.offset, ready.length));
      this.bytes += ready.length;
      this.free.push(ready.buffer);
    }
  }
}
