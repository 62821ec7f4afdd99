import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** The decompressed input passed its limit: nothing of it may be committed. */
export class InputLimitError extends Error {
  constructor(readonly limitBytes: number) {
    super(`input larger than ${limitBytes} bytes once decompressed`);
  }
}

/** The input ended in the middle of its gzip stream or is corrupt: what came before is still good. */
export class TruncatedInputError extends Error {}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

export interface DecodeStats {
  gzip: boolean;
  /** Decompressed bytes produced so far. */
  bytes: number;
}

/**
 * Yields the plain bytes of an input that is plain text or gzip (one or more
 * members), detected by content, not by name. Throws InputLimitError once the
 * plain bytes pass `maxBytes`, and TruncatedInputError for a broken gzip stream.
 */
export async function* decode(
  input: AsyncIterable<Uint8Array>,
  stats: DecodeStats,
  maxBytes: number = Number.POSITIVE_INFINITY,
): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  let first = await iterator.next();
  // A first chunk of one byte cannot tell gzip apart; wait for a second byte.
  while (!first.done && first.value.length < 2) {
    const next = await iterator.next();
    if (next.done) break;
    first = { done: false, value: Buffer.concat([first.value, next.value]) };
  }
  if (first.done) return;
  const head = Buffer.from(first.value.buffer, first.value.byteOffset, first.value.byteLength);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  }
  stats.gzip = head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
  const plain = stats.gzip ? gunzip(all()) : all();
  for await (const chunk of plain) {
    stats.bytes += chunk.length;
    if (stats.bytes > maxBytes) throw new InputLimitError(maxBytes);
    yield chunk;
  }
}

async function* gunzip(compressed: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  const source = Readable.from(compressed);
  const inflater = createGunzip({ chunkSize: 64 * 1024 });
  source.on('error', (err) => inflater.destroy(err));
  // The iteration below reports inflate errors; zlib can raise a second one while the
  // stream is torn down, after the iterator has let go, which must not crash the process.
  inflater.on('error', () => {});
  source.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') {
      throw new TruncatedInputError(`gzip stream is truncated or corrupt (${(err as Error).message})`);
    }
    throw err;
  } finally {
    inflater.destroy();
    source.destroy();
  }
}
