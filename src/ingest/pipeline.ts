import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Rejection, RejectReason } from '../model/rejection.js';
import { emptyRequest, resetRequest } from '../model/request.js';
import { detectFormat } from '../parsers/detect.js';
import type { Parser, ParserOptions } from '../parsers/parser.js';
import { createParser } from '../parsers/registry.js';
import { Rollup, type RollupRow } from '../rollup/rollup.js';
import { type DecodeStats, decode, TruncatedInputError } from '../sources/decode.js';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from '../sources/lines.js';
import type { CommitOutcome, Store } from '../stores/store.js';

export { UnknownFormatError } from '../parsers/registry.js';
export { InputLimitError } from '../sources/decode.js';

/** Rollup keys held in memory before they are appended to the batch: bounds memory, not lines. */
const FLUSH_KEYS = 100_000;
/** Lines `auto` looks at before it decides. */
const DETECT_LINES = 20;
const SAMPLE_REJECTS = 10;
const PROGRESS_MS = 250;

export interface IngestOptions extends ParserOptions {
  /** `auto` or a registered format name. */
  format: string;
  /** Idempotency key; default the sha256 of the raw input bytes. */
  key?: string;
  /** Cheap pre-check hint stored with the record (files: size and head hash). */
  hint?: string;
  /** Where the input came from: a file path, `stdin`, `http`. */
  source: string;
  maxLineBytes?: number;
  /** Limit on decompressed bytes; passing it throws InputLimitError and commits nothing. */
  maxInputBytes?: number;
  onProgress?: (progress: IngestProgress) => void;
  /** Sees every rollup row the batch writes (before commit): for live views and metrics. */
  onRows?: (rows: RollupRow[]) => void;
  /** Rejected share of lines (0..1) above which the batch is aborted with RejectRatioError. */
  maxRejectRatio?: number;
}

/** Too many lines were rejected: the batch was aborted and nothing was committed. */
export class RejectRatioError extends Error {
  constructor(readonly result: IngestResult) {
    super(`${result.rejected} of ${result.lines} lines rejected, over the allowed ratio: nothing was committed`);
  }
}

export interface IngestProgress {
  lines: number;
  accepted: number;
  rejected: number;
  /** Raw (possibly compressed) bytes read. */
  rawBytes: number;
  elapsedMs: number;
}

export interface RejectSample {
  line: number;
  reason: RejectReason;
  detail: string;
  text: string;
}

export interface IngestResult {
  format: string;
  /** How `auto` chose the format. */
  detectedBy?: string;
  key: string;
  lines: number;
  accepted: number;
  rejected: number;
  rejectsByReason: Partial<Record<RejectReason, number>>;
  samples: RejectSample[];
  /** Raw bytes read (compressed size for gzip). */
  rawBytes: number;
  /** Decompressed bytes. */
  bytes: number;
  gzip: boolean;
  /** The input broke off (truncated gzip): every line before the break is kept. */
  inputError?: string;
  durationMs: number;
  outcome: CommitOutcome;
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
  const result: IngestResult = {
    format: options.format,
    key: options.key ?? '',
    lines: 0,
    accepted: 0,
    rejected: 0,
    rejectsByReason: {},
    samples: [],
    rawBytes: 0,
    bytes: 0,
    gzip: false,
    durationMs: 0,
    outcome: 'committed',
  };
  const rollup = new Rollup();
  const request = emptyRequest();
  let parser: Parser | undefined = options.format === 'auto' ? undefined : createParser(options.format, options);
  const pending: Array<[string, number]> = [];

  const rejectLine = (lineNo: number, rejection: Rejection, text: string) => {
    result.rejected++;
    result.rejectsByReason[rejection.reason] = (result.rejectsByReason[rejection.reason] ?? 0) + 1;
    if (result.samples.length < SAMPLE_REJECTS) {
      result.samples.push({
        line: lineNo,
        reason: rejection.reason,
        detail: rejection.detail,
        text: text.slice(0, 200),
      });
    }
  };
  const parseLine = (p: Parser, text: string, lineNo: number) => {
    resetRequest(request);
    const rejection = p.parse(text, request);
    if (rejection) rejectLine(lineNo, rejection, text);
    else {
      result.accepted++;
      rollup.add(request);
    }
  };
  const decide = () => {
    const detected = detectFormat(
      pending.map(([text]) => text),
      options,
    );
    result.format = detected.format;
    result.detectedBy = detected.reason;
    const chosen = createParser(detected.format, options);
    parser = chosen;
    for (const [text, lineNo] of pending) parseLine(chosen, text, lineNo);
    pending.length = 0;
  };
  const splitter = new LineSplitter(
    {
      line(text, lineNo) {
        if (parser) parseLine(parser, text, lineNo);
        else {
          pending.push([text, lineNo]);
          if (pending.length >= DETECT_LINES) decide();
        }
      },
      bad(lineNo, reason, detail, text) {
        rejectLine(lineNo, { reason, detail }, text);
      },
    },
    options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
  );

  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of input) {
      hash.update(chunk);
      result.rawBytes += chunk.length;
      yield chunk;
    }
  }

  const batch = await store.openBatch();
  try {
    const flush = async () => {
      const rows = rollup.drain();
      options.onRows?.(rows);
      await batch.append(rows);
    };
    const stats: DecodeStats = { gzip: false, bytes: 0 };
    let lastProgress = started;
    try {
      for await (const chunk of decode(hashed(), stats, options.maxInputBytes)) {
        splitter.push(chunk);
        if (rollup.size >= FLUSH_KEYS) await flush();
        if (options.onProgress && performance.now() - lastProgress >= PROGRESS_MS) {
          lastProgress = performance.now();
          options.onProgress(progressOf(result, splitter.lineNo, started));
        }
      }
    } catch (err) {
      if (!(err instanceof TruncatedInputError)) throw err;
      result.inputError = err.message;
    }
    splitter.end();
    if (!parser && pending.length > 0) decide();
    await flush();
    result.lines = splitter.lineNo;
    result.bytes = stats.bytes;
    result.gzip = stats.gzip;
    result.key ||= `sha256:${hash.digest('hex')}`;
    const parsed = result.accepted + result.rejected;
    if (options.maxRejectRatio !== undefined && parsed > 0 && result.rejected / parsed > options.maxRejectRatio) {
      throw new RejectRatioError(result);
    }
    result.outcome = await batch.commit({
      key: result.key,
      hint: options.hint ?? '',
      source: options.source,
      accepted: result.accepted,
      rejected: result.rejected,
    });
  } catch (err) {
    await batch.abort();
    throw err;
  }
  result.durationMs = performance.now() - started;
  return result;
}

function progressOf(result: IngestResult, lines: number, started: number): IngestProgress {
  return {
    lines,
    accepted: result.accepted,
    rejected: result.rejected,
    rawBytes: result.rawBytes,
    elapsedMs: performance.now() - started,
  };
}
