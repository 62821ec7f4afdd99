import { performance } from 'node:perf_hooks';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/lines.js';
import type { BatchWriter, Store } from '../stores/store.js';
import type { CardinalityGuard } from './cardinality.js';
import { commitIngest, type IngestOptions, type IngestResult, ingest } from './pipeline.js';
import type { PushJob, PushParsed } from './push-parse.js';
import type { PushParsers } from './push-pool.js';

/**
 * Largest body (as sent) parsed whole on a parsing thread (agents send well under it); a larger one streams through the
 * pipeline on the main thread, its memory bounded by chunks instead of by its size.
 */
export const PUSH_BODY_BYTES = 1024 * 1024;

/** What a push ingest is given beyond the pipeline's options. */
export interface PushIngestOptions extends Omit<IngestOptions, 'maxRejectRatio' | 'onProgress' | 'workers'> {
  /** The body's Content-Encoding (gzip is detected by content). */
  encoding: PushJob['encoding'];
  /** The parsing threads small bodies go to. */
  parsers: PushParsers;
  /** The body as the streaming pipeline reads it (Content-Encoding undone), for the bodies not parsed whole. */
  stream: (body: Buffer[]) => AsyncIterable<Uint8Array>;
  /** Where the batch is written: for pushes, the group committer. */
  batches: NonNullable<IngestOptions['batches']>;
  cardinality: CardinalityGuard;
}

/**
 * One pushed batch, the same as `ingest` would do it (same answer, same rows, same errors) but
 * parsed on a parsing thread when it is small: the main thread then only admits its rollup rows
 * (cardinality), hands them to the group commit and answers. A body the thread gives back (it
 * does not decompress, is over its allowance, names no format that can be chosen) and a large
 * body go through `ingest` itself, whose errors are the answer.
 */
export async function pushIngest(store: Store, body: Buffer[], options: PushIngestOptions): Promise<IngestResult> {
  const bytes = body.reduce((sum, chunk) => sum + chunk.length, 0);
  if (bytes > PUSH_BODY_BYTES) return ingest(store, options.stream(body), options);
  const started = performance.now();
  // The batch holds its parsing slot while the thread works: slots bound the bodies decompressed at once.
  const batch = await options.batches.openBatch();
  let given: Buffer;
  try {
    // The thread is given a copy it owns (a received chunk may share its memory with others).
    const whole = new Uint8Array(bytes);
    let at = 0;
    for (const chunk of body) {
      whole.set(chunk, at);
      at += chunk.length;
    }
    const job: PushJob = {
      body: whole,
      encoding: options.encoding,
      format: options.format,
      parser: options.parser ?? {},
      maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
      maxInputBytes: options.maxInputBytes ?? Number.POSITIVE_INFINITY,
    };
    const answer = await options.parsers.parse(job);
    if (!(answer instanceof Uint8Array)) return await commitParsed(batch, answer, options, started);
    given = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength);
  } catch (err) {
    await batch.abort();
    throw err;
  }
  await batch.abort();
  return ingest(store, options.stream([given]), options);
}

/** The main thread's share: admit the rows, build the answer as `ingest` does, commit. */
async function commitParsed(
  batch: BatchWriter,
  parsed: PushParsed,
  options: PushIngestOptions,
  started: number,
): Promise<IngestResult> {
  const cardinality = options.cardinality.session();
  if (parsed.rows.length > 0) {
    const rows = await cardinality.admit(parsed.rows);
    if (rows.length > 0) {
      options.onRows?.(rows);
      await batch.append(rows);
    }
  }
  const { tally } = parsed;
  const result: IngestResult = {
    format: parsed.format,
    detectedBy: parsed.detectedBy,
    key: options.key || parsed.rawHash,
    contentHash: parsed.contentHash,
    lines: parsed.lines,
    accepted: tally.accepted,
    rejected: tally.rejected,
    skipped: tally.skipped,
    rejectsByReason: tally.rejectsByReason,
    samples: tally.samples,
    setAside: tally.setAside,
    rawBytes: parsed.rawBytes,
    bytes: parsed.bytes,
    gzip: parsed.gzip,
    // A body parsed whole decompressed to its end: nothing broke off.
    inputError: undefined,
    folded: cardinality.folded,
    notices: parsed.notices,
    durationMs: 0,
    outcome: 'committed',
  };
  return commitIngest(batch, result, cardinality, options.cardinality.limits.zones, options, started);
}
