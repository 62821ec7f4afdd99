import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { RejectReason } from '../model/rejection.js';
import type { RequestSource } from '../model/request-source.js';
import type { Parser } from '../parsers/parser.js';
import type { ParserOptions } from '../parsers/registry.js';
import type { RollupRow } from '../rollup/rollup.js';
import { lineBlocks } from '../sources/blocks.js';
import { type DecodeStats, decode, TruncatedInputError } from '../sources/decode.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from '../sources/lines.js';
import type { BatchWriter, CommitOutcome, Store } from '../stores/store.js';
import { CardinalityGuard, type CardinalitySession, type Folded } from './cardinality.js';
import { type ChosenParser, chooseParser } from './detect-step.js';
import { fileHead, OrderedHash, type PlainFile, plainFileOf } from './file-input.js';
import { LineRollup } from './line-rollup.js';
import { ParseWorkers } from './parallel.js';
import { type RejectSample, SAMPLE_REJECTS, Tally } from './tally.js';

export { UndetectedFormatError } from '../parsers/detect.js';
export { UnknownFormatError } from '../parsers/registry.js';
export { InputLimitError, TruncatedInputError } from '../sources/decode.js';
export { IdempotencyConflictError } from '../stores/idempotency.js';
export type { RejectSample } from './tally.js';

/** Rollup keys held in memory before they are appended to the batch: bounds memory, not lines. */
const FLUSH_KEYS = 100_000;
/**
 * Rollup keys a parsing thread holds before it sends them on: fewer than FLUSH_KEYS, so that
 * this thread writes rows to the store while the threads still parse, not all at the end.
 */
const THREAD_FLUSH_KEYS = 16_384;
const PROGRESS_MS = 250;
/** Bytes of whole lines handed to a parsing thread at a time. */
const BLOCK_BYTES = 1024 * 1024;

export interface IngestOptions {
  /** `auto` or a registered format name. */
  format: string;
  /** What the parser is given (zone, colo and the format's own options), whichever format is chosen. */
  parser?: ParserOptions;
  /** Idempotency key; default the sha256 of the raw input bytes. */
  key?: string;
  /** Cheap pre-check hint stored with the record (files: size and head hash). */
  hint?: string;
  /** Where the input came from: a file path, `stdin`, `http`. */
  input: string;
  maxLineBytes?: number;
  /** Limit on decompressed bytes; passing it throws InputLimitError and commits nothing. */
  maxInputBytes?: number;
  /** Parsing threads; 1 parses on the calling thread (best for small inputs such as HTTP batches). */
  workers?: number;
  onProgress?: (progress: IngestProgress) => void;
  /** Sees every rollup row the batch writes (before commit): for live views and metrics. */
  onRows?: (rows: RollupRow[]) => void;
  /** Rejected share of lines (0..1) above which the batch is aborted with RejectRatioError. */
  maxRejectRatio?: number;
  /** Caps distinct zones, colos and hosts; default one guard per store with the default caps. */
  cardinality?: CardinalityGuard;
  /** Where the batch is written; default a batch of the store itself (HTTP push: a group committer). */
  batches?: Pick<Store, 'openBatch'>;
  /** A truncated or corrupt gzip stream fails the batch (TruncatedInputError) instead of keeping the lines before the break: for HTTP, where the client retries. */
  strictInput?: boolean;
}

export interface IngestProgress {
  lines: number;
  accepted: number;
  rejected: number;
  /** Raw (possibly compressed) bytes read. */
  rawBytes: number;
  elapsedMs: number;
}

export interface IngestResult {
  format: string;
  /** How `auto` chose the format. */
  detectedBy?: string;
  key: string;
  /** `sha256:<hex>` of the decompressed content: what binds the key to this batch. */
  contentHash: string;
  lines: number;
  accepted: number;
  rejected: number;
  /** Lines of the format that are not requests (W3C `#` headers): neither accepted nor rejected. */
  skipped?: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  samples: RejectSample[];
  /**
   * Accepted lines that are not visitor requests (Cloudflare purges, Worker subrequests, Early
   * Hints...), by request source: stored, but left out of the status-code views by default.
   */
  setAside: Partial<Record<RequestSource, number>>;
  /** Raw bytes read (compressed size for gzip). */
  rawBytes: number;
  /** Decompressed bytes. */
  bytes: number;
  gzip: boolean;
  /** The input broke off (truncated gzip): every line before the break is kept. */
  inputError?: string;
  /** Requests whose colo or host was over its cap and stored as OVERFLOW_VALUE. */
  folded: Folded;
  /** What the format, as configured, cannot tell (e.g. nginx `combined`: origin from edge errors), with the fix. */
  notices?: string[];
  durationMs: number;
  outcome: CommitOutcome;
}

/** Too many lines were rejected: the batch was aborted and nothing was committed. */
export class RejectRatioError extends Error {
  constructor(readonly result: IngestResult) {
    super(`${result.rejected} of ${result.lines} lines rejected, over the allowed ratio: nothing was committed`);
  }
}

/** What both ways of parsing (this thread, or a pool of threads) report back. */
interface Parsed {
  lines: number;
  tally: Tally;
  /** The chosen parser's notices (empty until a format is chosen). */
  notices?: readonly string[];
}

/**
 * Reads raw bytes (plain or gzip), parses, classifies and rolls up every line and
 * commits the whole input as ONE batch: durable and visible when this resolves,
 * or not at all. A key committed before gives outcome 'duplicate' and counts nothing.
 */
export async function ingest(
  store: Store,
  input: AsyncIterable<Uint8Array>,
  options: IngestOptions,
): Promise<IngestResult> {
  const started = performance.now();
  const hash = createHash('sha256');
  let rawBytes = 0;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      hash.update(chunk);
      rawBytes += chunk.length;
      yield chunk;
    }
  }
  const stats: DecodeStats = { gzip: false, bytes: 0 };
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let inputError: string | undefined;
  let lastProgress = started;
  let ordered: OrderedHash | undefined;
  const progress = (parsed: Parsed) => {
    if (!options.onProgress || performance.now() - lastProgress < PROGRESS_MS) return;
    lastProgress = performance.now();
    const { accepted, rejected } = parsed.tally;
    const read = ordered?.bytes ?? rawBytes;
    options.onProgress({ lines: parsed.lines, accepted, rejected, rawBytes: read, elapsedMs: lastProgress - started });
  };

  const guard = options.cardinality ?? defaultGuard(store);
  const cardinality = guard.session();
  const batch = await (options.batches ?? store).openBatch();
  const contentHash = createHash('sha256');
  try {
    const write = async (parsed: RollupRow[]) => {
      const rows = parsed.length === 0 ? parsed : await cardinality.admit(parsed);
      if (rows.length === 0) return;
      options.onRows?.(rows);
      await batch.append(rows);
    };
    const workers = options.workers ?? 1;
    const file = workers > 1 && options.maxInputBytes === undefined ? await plainFileOf(input) : undefined;
    let parsed: Parsed | undefined;
    let chosen: ChosenParser | undefined;
    if (file) {
      // A plain file: each thread reads its own ranges, and this thread only hashes them in order.
      const head = fileHead(file.path);
      try {
        chosen = await chooseParser(head, options.format, options.parser ?? {}, maxLineBytes);
      } finally {
        await head.return(undefined);
      }
      if (chosen.parser) {
        ordered = new OrderedHash(hash);
        parsed = await parseInThreads({ file, ordered }, { ...chosen, workers, maxLineBytes }, write, progress);
        rawBytes = stats.bytes = file.size;
      }
    }
    // The key is bound to the decompressed content, not to the bytes sent: the same lines
    // compressed again (another level, another client) are the same batch. Plain input is
    // hashed once, as it comes.
    async function* contentHashed(): AsyncGenerator<Buffer> {
      for await (const chunk of decode(hashed(), stats, options.maxInputBytes)) {
        if (stats.gzip) contentHash.update(chunk);
        yield chunk;
      }
    }
    if (!parsed) {
      const plain = contentHashed();
      const guarded = async function* () {
        try {
          yield* plain;
        } catch (err) {
          if (!(err instanceof TruncatedInputError) || options.strictInput) throw err;
          inputError = err.message;
        }
      };
      // One decision for both ways of parsing: the peeked lines are replayed to the one chosen.
      chosen = await chooseParser(guarded(), options.format, options.parser ?? {}, maxLineBytes);
      parsed =
        workers > 1 && chosen.parser
          ? await parseInThreads(chosen.input, { ...chosen, workers, maxLineBytes }, write, progress)
          : await parseHere(chosen.input, chosen.parser, maxLineBytes, write, progress);
    }
    chosen = chosen!;

    const rawHash = `sha256:${hash.digest('hex')}`;
    const result: IngestResult = {
      format: chosen.format,
      detectedBy: chosen.detectedBy,
      key: options.key || rawHash,
      contentHash: stats.gzip ? `sha256:${contentHash.digest('hex')}` : rawHash,
      lines: parsed.lines,
      accepted: parsed.tally.accepted,
      rejected: parsed.tally.rejected,
      skipped: parsed.tally.skipped,
      rejectsByReason: parsed.tally.rejectsByReason,
      samples: parsed.tally.samples,
      setAside: parsed.tally.setAside,
      rawBytes,
      bytes: stats.bytes,
      gzip: stats.gzip,
      inputError,
      folded: cardinality.folded,
      notices: [...(parsed.notices ?? [])],
      durationMs: 0,
      outcome: 'committed',
    };
    return await commitIngest(batch, result, cardinality, guard.limits.zones, options, started);
  } catch (err) {
    await batch.abort();
    throw err;
  }
}

const guards = new WeakMap<Store, CardinalityGuard>();

/** The guard of ingests that bring none: one per store, so its caps hold across them. */
function defaultGuard(store: Store): CardinalityGuard {
  let guard = guards.get(store);
  if (!guard) {
    guard = new CardinalityGuard(store);
    guards.set(store, guard);
  }
  return guard;
}

/** Lines of zones the zone cap refused count as rejected, with a sample per refused zone. */
/**
 * The end of every ingest, streamed or parsed on a push thread: lines of refused zones become
 * rejections, the reject ratio is checked, the batch commits under its key, and only a committed
 * batch's new values count against the caps. Returns `result`, completed.
 */
export async function commitIngest(
  batch: BatchWriter,
  result: IngestResult,
  cardinality: CardinalitySession,
  zoneCap: number,
  options: Pick<IngestOptions, 'hint' | 'input' | 'maxRejectRatio'>,
  started: number,
): Promise<IngestResult> {
  refuseZones(result, cardinality.refused, zoneCap);
  const judged = result.accepted + result.rejected;
  if (options.maxRejectRatio !== undefined && judged > 0 && result.rejected / judged > options.maxRejectRatio) {
    throw new RejectRatioError(result);
  }
  result.outcome = await batch.commit({
    key: result.key,
    hint: options.hint ?? '',
    input: options.input,
    accepted: result.accepted,
    rejected: result.rejected,
    contentHash: result.contentHash,
  });
  if (result.outcome === 'committed') cardinality.commit();
  result.durationMs = performance.now() - started;
  return result;
}

function refuseZones(result: IngestResult, refused: { requests: number; examples: string[] }, cap: number): void {
  if (refused.requests === 0) return;
  result.accepted -= refused.requests;
  result.rejected += refused.requests;
  result.rejectsByReason['too-many-zones'] = (result.rejectsByReason['too-many-zones'] ?? 0) + refused.requests;
  for (const zone of refused.examples) {
    if (result.samples.length >= SAMPLE_REJECTS) break;
    result.samples.push({
      line: 0,
      reason: 'too-many-zones',
      detail: `zone ${JSON.stringify(zone.slice(0, 100))} is new and the store holds ${cap} zones already (limits.zones): its lines were not stored`,
      text: '',
    });
  }
}

type Write = (rows: RollupRow[]) => Promise<void>;

/** A parser for input without a single line: never asked, it only gives the splitter's rejections a tally. */
const NO_LINES: Parser = {
  format: 'auto',
  parse: () => ({ reason: 'format-mismatch', detail: 'no format was chosen' }),
};

/** Parses on this thread: the way for small inputs (HTTP batches). */
export async function parseHere(
  input: AsyncIterable<Buffer>,
  parser: Parser | undefined,
  maxLineBytes: number,
  write: Write,
  progress: (parsed: Parsed) => void,
): Promise<Parsed> {
  const handler = new LineRollup(parser ?? NO_LINES);
  const splitter = new LineSplitter(handler, maxLineBytes);
  for await (const chunk of input) {
    splitter.push(chunk);
    if (handler.rollup.size >= FLUSH_KEYS) await write(handler.rollup.drain());
    progress({ lines: splitter.lineNo, tally: handler.tally });
  }
  splitter.end();
  await write(handler.rollup.drain());
  return { lines: splitter.lineNo, tally: handler.tally, notices: parser?.notices };
}

/**
 * Parses blocks of whole lines on a pool of threads, each with a parser of the chosen format:
 * blocks cut from the input here, or ranges of a plain file that each thread reads itself
 * (their bytes come back to be hashed in order).
 */
async function parseInThreads(
  input: AsyncIterable<Buffer> | { file: PlainFile; ordered: OrderedHash },
  chosen: { format: string; parser?: Parser; midInput: ParserOptions; workers: number; maxLineBytes: number },
  write: Write,
  progress: (parsed: Parsed) => void,
): Promise<Parsed> {
  const { maxLineBytes } = chosen;
  const total: Parsed = { lines: 0, tally: new Tally() };
  // Blocks finish out of order: line numbers are fixed up once all earlier blocks are counted.
  const blockLines: number[] = [];
  const reports: Array<{ seq: number; tally: Tally }> = [];
  let writes = Promise.resolve();
  let workers: ParseWorkers | undefined;
  let seq = 0;
  const file = 'file' in input ? input : undefined;
  const pool = () =>
    new ParseWorkers(
      chosen.workers,
      { format: chosen.format, options: chosen.midInput, maxLineBytes, flushKeys: THREAD_FLUSH_KEYS, file: file?.file },
      (report) => {
        blockLines[report.seq] = report.lines;
        reports.push({ seq: report.seq, tally: report.tally });
        total.lines += report.lines;
        total.tally.accepted += report.tally.accepted;
        total.tally.rejected += report.tally.rejected;
        if (report.raw) file?.ordered.add(report.seq, report.raw);
        const rows = report.rows;
        if (rows) writes = writes.then(() => write(rows));
        progress(total);
      },
    );
  try {
    if (file) {
      const { size } = file.file;
      workers = pool();
      for (let start = 0; start < size; start += BLOCK_BYTES) {
        await workers.submitRange(seq++, start, Math.min(size, start + BLOCK_BYTES), file.ordered.free.pop());
        await writes;
      }
    }
    for await (const block of file ? [] : lineBlocks(input as AsyncIterable<Buffer>, BLOCK_BYTES, maxLineBytes)) {
      const mySeq = seq++;
      if (block.kind === 'overlong') {
        blockLines[mySeq] = 1;
        const tally = new Tally();
        tally.reject(1, { reason: 'line-too-long', detail: `line longer than ${maxLineBytes} bytes` }, block.head);
        reports.push({ seq: mySeq, tally });
        continue;
      }
      // Started with the first block of lines, so that an input of overlong lines alone starts none.
      workers ??= pool();
      await workers.submit(mySeq, block.bytes);
      await writes;
    }
    if (workers) {
      const rows = await workers.finish();
      await writes;
      await write(rows);
    }
  } finally {
    await workers?.close();
  }
  const merged = new Tally();
  const offsets: number[] = [];
  let lines = 0;
  for (let i = 0; i < seq; i++) {
    offsets[i] = lines;
    lines += blockLines[i] ?? 0;
  }
  for (const report of reports.sort((a, b) => a.seq - b.seq)) merged.merge(report.tally, offsets[report.seq]);
  // The parser on this thread was made from the same options: it says the same notices as the workers'.
  return { lines, tally: merged, notices: chosen.parser?.notices };
}
