import { pipeline, Readable } from 'node:stream';
import { createBrotliDecompress, createInflate } from 'node:zlib';
import type { BodyHold } from './body-budget.js';
import { ApiError } from './errors.js';

/** The body passed its size limit while streaming in (no or a false Content-Length). */
export class BodyTooLargeError extends ApiError {
  constructor(limit: number) {
    super('body_too_large', `request body larger than ${limit} bytes (limits.bodyBytes)`);
  }
}

/** A request's Content-Encoding, checked before its body is read: 415 for one this server cannot decode. */
export type BodyEncoding = 'identity' | 'deflate' | 'br';

export function bodyEncoding(contentEncoding: string | undefined): BodyEncoding {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  // gzip stays as it is: the pipeline detects it by content and limits what it inflates.
  if (encoding === 'identity' || encoding === 'gzip' || encoding === 'x-gzip' || encoding === '') return 'identity';
  if (encoding === 'deflate' || encoding === 'br') return encoding;
  throw new ApiError(
    'unsupported_encoding',
    `Content-Encoding "${contentEncoding}" is not supported: use gzip, deflate, br or none`,
  );
}

/**
 * Reads a whole request body into memory as sent (compressed), stopped at `limit` bytes,
 * every byte accounted in `hold`. Receiving first means a slow client holds only its own
 * memory, never an ingest slot or a store transaction.
 */
export async function receiveBody(body: Readable, limit: number, hold: BodyHold): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  // Stopping early (a limit) must leave the request open so that the client still gets its answer.
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    bytes += chunk.length;
    if (bytes > limit) throw new BodyTooLargeError(limit);
    hold.reserve(bytes);
    chunks.push(chunk);
  }
  return chunks;
}

/** A received body as raw bytes for the pipeline: deflate and br are decompressed here, as it reads. */
export function decodeBody(chunks: Buffer[], encoding: BodyEncoding): AsyncIterable<Buffer> {
  const raw = Readable.from(chunks);
  if (encoding === 'identity') return raw;
  const decoder = encoding === 'deflate' ? createInflate() : createBrotliDecompress();
  // pipeline() destroys the decoder with the source's error, so the iteration below sees it.
  pipeline(raw, decoder, () => {});
  // The consumer sees a decode error through iteration (also one raised before it starts);
  // zlib may raise it once more during teardown, after pipeline() has let go: not a crash.
  decoder.on('error', () => {});
  return decoder;
}
