import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const HEAD_BYTES = 64 * 1024;

/** Cheap fingerprint of a file: its size and the sha256 of its first 64 KiB. */
export async function fileHint(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, HEAD_BYTES));
    await handle.read(head, 0, head.length, 0);
    return `${size}:${createHash('sha256').update(head).digest('hex')}`;
  } finally {
    await handle.close();
  }
}

/** The ingest key of a whole file: the sha256 of its raw bytes, as the pipeline computes it. */
export async function fileKey(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest('hex')}`;
}

/** A file's bytes in large chunks; its path lets a parallel ingest read ranges of it on each thread instead. */
export class FileChunks implements AsyncIterable<Uint8Array> {
  constructor(readonly path: string) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    // Fewer, bigger chunks keep the per-chunk work of the splitter small.
    return createReadStream(this.path, { highWaterMark: 256 * 1024 })[Symbol.asyncIterator]();
  }
}

/** Reads a file in large chunks. */
export function readFileChunks(path: string): AsyncIterable<Uint8Array> {
  return new FileChunks(path);
}
