import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileTail, type OpenedFile, type TailChunk } from '../sources/tail.js';
import { type Store, StoreUnavailableError } from '../stores/store.js';
import { IdempotencyConflictError, type IngestOptions, type IngestResult, ingest } from './pipeline.js';

/** Pause before sending a batch again while the store is unavailable. */
const STORE_RETRY_MS = 5000;

export interface FollowOptions {
  /** Longest wait between two looks at the files (a batch is committed at least this often). */
  intervalMs?: number;
  /** Most lines in one batch: a backlog is committed in batches of this many lines. */
  batchLines?: number;
  /** Most bytes read for one batch. */
  batchBytes?: number;
  /** Stops following: the batch in flight is committed first. */
  signal?: AbortSignal;
  /** Called after each committed batch. */
  onBatch?: (batch: FollowBatch) => void;
  /** Called when a file is missing, rotated or truncated. */
  onEvent?: (file: string, event: string) => void;
}

export interface FollowBatch {
  file: string;
  start: number;
  end: number;
  result: IngestResult;
}

/** Ingest options for followed files: the key and source are set per batch. */
export type FollowIngestOptions = Omit<IngestOptions, 'key' | 'hint' | 'input'>;

/** What follow keeps per path: the file's reader and what its batches carry from one to the next. */
interface Followed {
  tail: FileTail;
  /** The last W3C `#Fields:` line seen in the file, for batches that start after it. */
  w3cFields?: string;
  /** The format the file's first batch was read as (`auto` decides once per file, not per batch). */
  format?: string;
}

/**
 * Follows growing log files like `tail -F` and ingests their new complete lines in
 * batches, each committed under the key `follow:<dev>:<inode>:<head>:<start>-<end>`.
 * Those records are the only state: after a restart each file resumes after the last
 * batch committed for it, so a crash at any point neither loses nor double counts lines.
 * The files are read by `FileTail` (rotation, truncation); this is the ingest loop above
 * it. Resolves when `signal` aborts.
 */
export async function follow(
  store: Store,
  files: string[],
  ingestOptions: FollowIngestOptions,
  options: FollowOptions = {},
): Promise<void> {
  const interval = options.intervalMs ?? 1000;
  // One read buffer for all files: a batch is committed before the next is read.
  const buffer = Buffer.allocUnsafe(options.batchBytes ?? 8 * 1024 * 1024);
  const followed: Followed[] = files.map((path) => {
    const file: Followed = {
      tail: new FileTail(path, buffer, {
        attached: (opened) => resume(store, file, opened, options),
        onEvent: (event) => options.onEvent?.(path, event),
      }),
    };
    return file;
  });
  try {
    while (!options.signal?.aborted) {
      let more = false;
      for (const file of followed) {
        if (options.signal?.aborted) break;
        try {
          more = (await step(store, file, ingestOptions, options)) || more;
        } catch (err) {
          // The batch was not committed and the offset did not move: the same bytes go again, under the same key.
          if (!(err instanceof StoreUnavailableError)) throw err;
          options.onEvent?.(file.tail.path, `${err.message}; trying again`);
          await sleep(Math.max(interval, STORE_RETRY_MS), undefined, { signal: options.signal }).catch(() => {});
        }
      }
      if (!more) await sleep(interval, undefined, { signal: options.signal }).catch(() => {});
    }
  } finally {
    await Promise.all(followed.map((file) => file.tail.close()));
  }
}

const hintOf = (file: { dev: number; ino: number }) => `follow:${file.dev}:${file.ino}`;

/** A file was opened at a followed path: it resumes after its last committed batch. */
async function resume(
  store: Store,
  file: Followed,
  opened: OpenedFile,
  options: FollowOptions,
): Promise<{ offset: number; head?: string }> {
  file.w3cFields = undefined;
  file.format = undefined;
  let offset = 0;
  let head: string | undefined;
  for (const record of await store.ingestRecordsByHint(hintOf(opened))) {
    const m = /^follow:\d+:\d+:(\d+):([0-9a-f]+):(\d+)-(\d+)$/.exec(record.key);
    if (!m) continue;
    const recorded = `${m[1]}:${m[2]}`;
    // The same inode with another head is a later file that reused it.
    if (Number(m[4]) > opened.size || (await opened.headOf(Number(m[1]))) !== recorded) continue;
    head = recorded;
    offset = Math.max(offset, Number(m[4]));
  }
  if (offset > 0) {
    // CloudFront writes its header at the top: the last one in the first 64 KiB before the resume point.
    const start = await opened.readStart(Math.min(offset, 64 * 1024));
    file.w3cFields = lastFieldsLine(start.toString('utf8'));
    options.onEvent?.(file.tail.path, `resuming at byte ${offset}`);
  }
  return { offset, head };
}

function lastFieldsLine(text: string): string | undefined {
  const matches = text.match(/^#Fields:.*$/gm);
  return matches ? matches[matches.length - 1].replace(/\r$/, '') : undefined;
}

/** Reads and commits at most one batch of a file; true when more is waiting. */
async function step(
  store: Store,
  file: Followed,
  ingestOptions: FollowIngestOptions,
  options: FollowOptions,
): Promise<boolean> {
  const chunk = await file.tail.next(options.batchLines ?? 100_000);
  if (!chunk) return false;
  const result = await commitChunk(store, file, chunk, ingestOptions, options);
  file.tail.consumed(chunk);
  options.onBatch?.({ file: file.tail.path, start: chunk.start, end: chunk.end, result });
  return chunk.more;
}

/** Commits one chunk of a file as one batch under the key of its byte range. */
async function commitChunk(
  store: Store,
  file: Followed,
  chunk: TailChunk,
  ingestOptions: FollowIngestOptions,
  options: FollowOptions,
): Promise<IngestResult> {
  const { bytes, start, end } = chunk;
  const path = file.tail.path;
  const fields = lastFieldsLine(bytes.toString('utf8', 0, Math.min(bytes.length, 64 * 1024)));
  const parser = ingestOptions.parser ?? {};
  const key = `${hintOf(chunk)}:${chunk.head}:${start}-${end}`;
  const commit = (key: string) =>
    ingest(
      store,
      (async function* () {
        yield bytes;
      })(),
      {
        ...ingestOptions,
        format: file.format ?? ingestOptions.format,
        // A batch that starts after the W3C header reads its fields from the header before it.
        parser: { ...parser, w3cFields: fields ?? file.w3cFields ?? parser.w3cFields },
        key,
        hint: hintOf(chunk),
        input: path,
      },
    );
  let result: IngestResult;
  try {
    result = await commit(key);
  } catch (err) {
    if (!(err instanceof IdempotencyConflictError)) throw err;
    // The file was written again in place with the same head, and this range was committed
    // with other bytes: these are new lines, kept under a key of their own.
    options.onEvent?.(
      path,
      `bytes ${start}-${end} were committed before with other content (written again in place): counting them as new lines`,
    );
    result = await commit(`${key}:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`);
  }
  if (fields) file.w3cFields = fields;
  file.format = result.format;
  return result;
}
