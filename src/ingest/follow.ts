import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileIdentity, headOf, readLines } from '../sources/tail.js';
import { type Store, StoreUnavailableError } from '../stores/store.js';
import { IdempotencyConflictError, type IngestOptions, type IngestResult, ingest } from './pipeline.js';

/** Bytes of a file's head that, with its device and inode, tell one file apart from a later one. */
const HEAD_BYTES = 256;
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
export type FollowIngestOptions = Omit<IngestOptions, 'key' | 'hint' | 'source'>;

/** One followed path: the file it names now (rotation replaces it) and how far it was read. */
interface Tail {
  path: string;
  handle?: FileHandle;
  dev: number;
  ino: number;
  /** `${headLength}:${sha256 of the head}`: set once the file has bytes. */
  head?: string;
  offset: number;
  /** The last W3C `#Fields:` line seen, for batches that start after it. */
  w3cFields?: string;
  /** The format the first batch was read as (`auto` decides once per file, not per batch). */
  format?: string;
  missing: boolean;
}

/**
 * Follows growing log files like `tail -F` and ingests their new complete lines in
 * batches, each committed under the key `follow:<dev>:<inode>:<head>:<start>-<end>`.
 * Those records are the only state: after a restart each file resumes after the last
 * batch committed for it, so a crash at any point neither loses nor double counts lines.
 * Survives rotation (the old file is read to its end, then the new one from its start)
 * and truncation (read again from the start). Resolves when `signal` aborts.
 */
export async function follow(
  store: Store,
  files: string[],
  ingestOptions: FollowIngestOptions,
  options: FollowOptions = {},
): Promise<void> {
  const interval = options.intervalMs ?? 1000;
  const tails: Tail[] = files.map((path) => ({ path, dev: 0, ino: 0, offset: 0, missing: false }));
  const run: Run = { store, ingestOptions, options, buffer: Buffer.allocUnsafe(options.batchBytes ?? 8 * 1024 * 1024) };
  try {
    while (!options.signal?.aborted) {
      let more = false;
      for (const tail of tails) {
        if (options.signal?.aborted) break;
        try {
          more = (await step(tail, run)) || more;
        } catch (err) {
          // The batch was not committed and the offset did not move: the same bytes go again, under the same key.
          if (!(err instanceof StoreUnavailableError)) throw err;
          options.onEvent?.(tail.path, `${err.message}; trying again`);
          await sleep(Math.max(interval, STORE_RETRY_MS), undefined, { signal: options.signal }).catch(() => {});
        }
      }
      if (!more) await sleep(interval, undefined, { signal: options.signal }).catch(() => {});
    }
  } finally {
    await Promise.all(tails.map((tail) => tail.handle?.close()));
  }
}

interface Run {
  store: Store;
  ingestOptions: FollowIngestOptions;
  options: FollowOptions;
  /** Read buffer shared by all files: a batch is committed before the next is read. */
  buffer: Buffer;
}

/** Reads and commits at most one batch of a file; true when more is waiting. */
async function step(tail: Tail, run: Run): Promise<boolean> {
  const current = await fileIdentity(tail.path);
  if (!current) {
    if (!tail.missing && !tail.handle) run.options.onEvent?.(tail.path, 'waiting for the file to appear');
    tail.missing = true;
  }
  if (tail.handle && current && (current.dev !== tail.dev || current.ino !== tail.ino)) {
    // Rotated: finish the old file (the writer has moved on), then switch.
    if (await readBatch(tail, run, true)) return true;
    await tail.handle.close();
    tail.handle = undefined;
    run.options.onEvent?.(tail.path, 'rotated: following the new file');
  }
  if (!tail.handle) {
    if (!current) return false;
    await attach(tail, run);
  }
  const { size } = await tail.handle!.stat();
  if (size < tail.offset) {
    run.options.onEvent?.(tail.path, `truncated to ${size} bytes: reading from the start`);
    tail.offset = 0;
    tail.head = undefined;
  }
  return readBatch(tail, run, false);
}

/** Opens the file a path names now and resumes after its last committed batch. */
async function attach(tail: Tail, run: Run): Promise<void> {
  const handle = await open(tail.path, 'r');
  const { dev, ino, size } = await handle.stat();
  Object.assign(tail, { handle, dev, ino, offset: 0, head: undefined, w3cFields: undefined, format: undefined });
  tail.missing = false;
  let resumeAt = 0;
  for (const record of await run.store.ingestRecordsByHint(hintOf(tail))) {
    const m = /^follow:\d+:\d+:(\d+):([0-9a-f]+):(\d+)-(\d+)$/.exec(record.key);
    if (!m) continue;
    const head = `${m[1]}:${m[2]}`;
    // The same inode with another head is a later file that reused it.
    if (Number(m[4]) > size || (await headOf(handle, Number(m[1]))) !== head) continue;
    tail.head = head;
    resumeAt = Math.max(resumeAt, Number(m[4]));
  }
  tail.offset = resumeAt;
  if (resumeAt > 0) {
    tail.w3cFields = await fieldsHeader(handle, resumeAt);
    run.options.onEvent?.(tail.path, `resuming at byte ${resumeAt}`);
  }
}

const hintOf = (tail: Tail) => `follow:${tail.dev}:${tail.ino}`;

/** The last W3C `#Fields:` line in the first 64 KiB before `end` (CloudFront writes it at the top). */
async function fieldsHeader(handle: FileHandle, end: number): Promise<string | undefined> {
  const head = Buffer.alloc(Math.min(end, 64 * 1024));
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  return lastFieldsLine(head.toString('utf8', 0, bytesRead));
}

function lastFieldsLine(text: string): string | undefined {
  const matches = text.match(/^#Fields:.*$/gm);
  return matches ? matches[matches.length - 1].replace(/\r$/, '') : undefined;
}

/**
 * Reads the complete lines after the offset (all of the rest when `toEnd`, for a
 * rotated file) up to the batch limits and commits them; true when it hit a limit.
 */
async function readBatch(tail: Tail, run: Run, toEnd: boolean): Promise<boolean> {
  const handle = tail.handle!;
  const read = await readLines(handle, tail.path, run.buffer, tail.offset, run.options.batchLines ?? 100_000, toEnd);
  if (!read) return false;
  const { bytes } = read;
  const length = bytes.length;
  if (tail.head === undefined) tail.head = await headOf(handle, Math.min(HEAD_BYTES, tail.offset + length));
  const start = tail.offset;
  const end = start + length;
  const fields = lastFieldsLine(bytes.toString('utf8', 0, Math.min(length, 64 * 1024)));
  const parser = run.ingestOptions.parser ?? {};
  const options: IngestOptions = {
    ...run.ingestOptions,
    format: tail.format ?? run.ingestOptions.format,
    // A batch that starts after the W3C header reads its fields from the header before it.
    parser: { ...parser, w3cFields: fields ?? tail.w3cFields ?? parser.w3cFields },
    key: `${hintOf(tail)}:${tail.head}:${start}-${end}`,
    hint: hintOf(tail),
    source: tail.path,
  };
  const commit = (key: string) =>
    ingest(
      run.store,
      (async function* () {
        yield bytes;
      })(),
      { ...options, key },
    );
  let result: IngestResult;
  try {
    result = await commit(options.key!);
  } catch (err) {
    if (!(err instanceof IdempotencyConflictError)) throw err;
    // The file was written again in place with the same head, and this range was committed
    // with other bytes: these are new lines, kept under a key of their own.
    run.options.onEvent?.(
      tail.path,
      `bytes ${start}-${end} were committed before with other content (written again in place): counting them as new lines`,
    );
    result = await commit(`${options.key}:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`);
  }
  if (fields) tail.w3cFields = fields;
  tail.format = result.format;
  tail.offset = end;
  run.options.onBatch?.({ file: tail.path, start, end, result });
  return read.more;
}
