import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { ParserOptions } from '../parsers/registry.js';
import type { RollupRow } from '../rollup/rollup.js';
import { chooseParser } from './detect-step.js';
import { parseHere } from './pipeline.js';
import type { Tally } from './tally.js';

/**
 * Most bytes a pushed body may decompress to and still be parsed in one piece off the main
 * thread: it bounds the memory of each batch being parsed (limits.concurrentIngests of them).
 * A body that decompresses to more takes the streaming ingest instead.
 */
export const PUSH_PLAIN_BYTES = 16 * 1024 * 1024;

/** One pushed body as received, and how to read it: what a parsing thread is given. */
export interface PushJob {
  /** The whole body as sent; transferred to the thread and, when it gives the batch back, returned. */
  body: Uint8Array;
  /** Content-Encoding the body still carries (gzip is detected by content, as in every ingest). */
  encoding: 'identity' | 'deflate' | 'br';
  format: string;
  parser: ParserOptions;
  maxLineBytes: number;
  /** Decompressed bytes allowed: past it the batch is given back (the streaming ingest then refuses it). */
  maxInputBytes: number;
}

/** A body decoded, hashed, parsed, classified and rolled up: everything but the store. */
export interface PushParsed {
  format: string;
  detectedBy?: string;
  /** `sha256:<hex>` of the bytes once Content-Encoding is undone: the default key. */
  rawHash: string;
  /** `sha256:<hex>` of the decompressed content. */
  contentHash: string;
  rawBytes: number;
  bytes: number;
  gzip: boolean;
  lines: number;
  /** A Tally's fields (it crosses threads as a plain object). */
  tally: Pick<Tally, 'accepted' | 'rejected' | 'skipped' | 'rejectsByReason' | 'samples' | 'setAside'>;
  notices: string[];
  rows: RollupRow[];
}

/**
 * Parses a pushed body whole, in memory, the way the streaming ingest would; undefined when it
 * cannot say so cheaply (a body that does not decompress, or decompresses past its allowance,
 * or a format that cannot be chosen): the caller then runs the streaming ingest, whose errors
 * are the answer.
 */
export async function parsePush(job: PushJob): Promise<PushParsed | undefined> {
  const raw = unencoded(job);
  if (!raw) return undefined;
  const gzip = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  const plain = gzip ? inflated(() => gunzipSync(raw, { maxOutputLength: plainAllowance(job) })) : raw;
  if (!plain || plain.length > job.maxInputBytes) return undefined;
  let chosen: Awaited<ReturnType<typeof chooseParser>>;
  try {
    chosen = await chooseParser(single(plain), job.format, job.parser, job.maxLineBytes);
  } catch {
    return undefined;
  }
  const rows: RollupRow[] = [];
  const parsed = await parseHere(
    chosen.input,
    chosen.parser,
    job.maxLineBytes,
    async (some) => {
      for (const row of some) rows.push(row);
    },
    () => {},
  );
  const rawHash = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const { accepted, rejected, skipped, rejectsByReason, samples, setAside } = parsed.tally;
  return {
    format: chosen.format,
    detectedBy: chosen.detectedBy,
    rawHash,
    contentHash: gzip ? `sha256:${createHash('sha256').update(plain).digest('hex')}` : rawHash,
    rawBytes: raw.length,
    bytes: plain.length,
    gzip,
    lines: parsed.lines,
    tally: { accepted, rejected, skipped, rejectsByReason, samples, setAside },
    notices: [...(parsed.notices ?? [])],
    rows,
  };
}

/** The body with its Content-Encoding undone, within the allowance; undefined when it cannot be. */
function unencoded(job: PushJob): Buffer | undefined {
  const body = Buffer.from(job.body.buffer, job.body.byteOffset, job.body.byteLength);
  if (job.encoding === 'identity') return body;
  const maxOutputLength = plainAllowance(job);
  return inflated(() =>
    job.encoding === 'deflate'
      ? inflateSync(body, { maxOutputLength })
      : brotliDecompressSync(body, { maxOutputLength }),
  );
}

/** At most this many bytes come out of one decompression: the batch's allowance, within the in-memory bound. */
function plainAllowance(job: PushJob): number {
  return Math.min(job.maxInputBytes, PUSH_PLAIN_BYTES);
}

/** A decompression's output, or undefined for a broken stream or one past its allowance. */
function inflated(run: () => Buffer): Buffer | undefined {
  try {
    return run();
  } catch {
    return undefined;
  }
}

async function* single(chunk: Buffer): AsyncGenerator<Buffer> {
  yield chunk;
}
