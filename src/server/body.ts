import { pipeline, Readable } from 'node:stream';
import { createBrotliDecompress, createInflate } from 'node:zlib';
import { ApiError } from './errors.js';

/** The body passed its size limit while streaming in (no or a false Content-Length). */
export class BodyTooLargeError extends ApiError {
  constructor(limit: number) {
    super('body_too_large', `request body larger than ${limit} bytes (limits.bodyBytes)`);
  }
}

async function* counted(body: Readable, limit: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  // Stopping early (a limit, a bad line zone) must leave the request open so that the client still gets its answer.
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    bytes += chunk.length;
    if (bytes > limit) throw new BodyTooLargeError(limit);
    yield chunk;
  }
}

/**
 * The request body as raw bytes for the pipeline, stopped at `limit` bytes as sent.
 * gzip stays as it is (the pipeline detects it by content and limits what it inflates);
 * deflate and br are decompressed here. Other encodings are refused with 415.
 */
export function bodyBytes(body: Readable, contentEncoding: string | undefined, limit: number) {
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  const raw = counted(body, limit);
  if (encoding === 'identity' || encoding === 'gzip' || encoding === 'x-gzip' || encoding === '') return raw;
  const decoder = encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : undefined;
  if (!decoder) {
    throw new ApiError(
      'unsupported_encoding',
      `Content-Encoding "${contentEncoding}" is not supported: use gzip, deflate, br or none`,
    );
  }
  // pipeline() destroys the decoder with the source's error, so the iteration below sees it.
  pipeline(Readable.from(raw), decoder, () => {});
  // The consumer sees a decode error through iteration (also one raised before it starts);
  // zlib may raise it once more during teardown, after pipeline() has let go: not a crash.
  decoder.on('error', () => {});
  return decoder as AsyncIterable<Buffer>;
}
