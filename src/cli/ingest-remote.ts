import { gzipSync } from 'node:zlib';
import type { IngestResult } from '../ingest/pipeline.js';
import type { RejectReason } from '../model/rejection.js';
import type { RequestSource } from '../model/request-source.js';
import { type PushAnswer, PushRejectedError, pushBatch } from '../server/push-client.js';
import { lineBlocks } from '../sources/blocks.js';
import { type DecodeStats, decode } from '../sources/decode.js';
import { DEFAULT_MAX_LINE_BYTES } from '../sources/lines.js';

/** Lines per pushed batch, by size: well under the server's body limit once gzipped. */
const BATCH_BYTES = 4 * 1024 * 1024;

export interface RemoteOptions {
  server: string;
  token?: string;
  zone: string;
  format: string;
  colo?: string;
  map?: string;
  /** Identifies the input; each batch's Idempotency-Key is `${key}:${n}`, so a rerun counts nothing twice. */
  key: string;
  source: string;
}

/**
 * Ingests an input through a running `edgestat serve` (which holds the DuckDB file):
 * whole lines in gzip batches of about 4 MiB, each acknowledged once durable.
 */
export async function ingestRemote(input: AsyncIterable<Uint8Array>, options: RemoteOptions): Promise<IngestResult> {
  const started = performance.now();
  const stats: DecodeStats = { gzip: false, bytes: 0 };
  const result: IngestResult = {
    format: options.format,
    key: options.key,
    // Each batch is bound to its own content on the server; the input as a whole has no one hash.
    contentHash: '',
    lines: 0,
    accepted: 0,
    rejected: 0,
    rejectsByReason: {},
    samples: [],
    setAside: {},
    rawBytes: 0,
    bytes: 0,
    gzip: false,
    folded: { colo: 0, host: 0 },
    durationMs: 0,
    outcome: 'duplicate',
  };
  let n = 0;
  for await (const block of lineBlocks(decode(input, stats), BATCH_BYTES, DEFAULT_MAX_LINE_BYTES)) {
    if (block.kind === 'overlong') {
      result.lines++;
      result.rejected++;
      result.rejectsByReason['line-too-long'] = (result.rejectsByReason['line-too-long'] ?? 0) + 1;
      continue;
    }
    const key = `${options.key}:${n++}`;
    let answer: PushAnswer;
    try {
      answer = await pushBatch({
        server: options.server,
        token: options.token,
        zone: options.zone,
        format: options.format,
        colo: options.colo,
        map: options.map,
        key,
        body: gzipSync(block.bytes),
      });
    } catch (err) {
      if (err instanceof PushRejectedError && err.code === 'idempotency_conflict') {
        throw new Error(
          `batch ${n} (key "${key}") was pushed before with other lines, so the server refused it (409 idempotency_conflict) ` +
            `and kept the earlier one. The ${result.lines} lines before it are in the store, this batch and the rest of the input are not. ` +
            'The earlier push cut this input into batches differently (another edgestat version?).',
        );
      }
      throw err;
    }
    // The server answers a few sample rejects per batch; counts by reason stay on the server (/metrics).
    for (const r of answer.rejects) {
      if (result.samples.length < 10)
        result.samples.push({
          line: result.lines + r.line,
          reason: r.reason as RejectReason,
          detail: r.detail,
          text: '',
        });
    }
    result.lines += answer.lines;
    result.accepted += answer.accepted;
    result.rejected += answer.rejected;
    result.format = answer.format;
    result.folded.colo += answer.folded?.colo ?? 0;
    result.folded.host += answer.folded?.host ?? 0;
    for (const [source, count] of Object.entries(answer.setAside ?? {}) as Array<[RequestSource, number]>) {
      result.setAside[source] = (result.setAside[source] ?? 0) + count;
    }
    for (const notice of answer.notices ?? []) {
      result.notices ??= [];
      if (!result.notices.includes(notice)) result.notices.push(notice);
    }
    if (!answer.duplicate) result.outcome = 'committed';
  }
  result.bytes = stats.bytes;
  result.gzip = stats.gzip;
  result.durationMs = performance.now() - started;
  return result;
}
