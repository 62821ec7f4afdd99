import { statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CardinalityGuard } from '../ingest/cardinality.js';
import type { FollowIngestOptions } from '../ingest/follow.js';
import { warmParseWorkers } from '../ingest/parallel.js';
import { type IngestOptions, type IngestResult, ingest, RejectRatioError } from '../ingest/pipeline.js';
import { checkZoneName } from '../model/zone-name.js';
import { parseFieldMap } from '../parsers/ndjson.js';
import type { ParserOptions } from '../parsers/registry.js';
import { fileHint, fileKey, readFileChunks } from '../sources/files.js';
import { type Store, StoreUnavailableError } from '../stores/store.js';
import { followFiles } from './ingest-follow.js';
import { ingestRemote } from './ingest-remote.js';
import { type FileOutcome, printSummary } from './ingest-summary.js';
import { clearProgress, terminalProgress } from './progress.js';
import { type StoreOptions, storeFrom } from './store-options.js';

const PARALLEL_FROM_BYTES = 8 * 1024 * 1024;
const MAX_WORKERS = 4;

export interface IngestFlags extends StoreOptions {
  format: string;
  zone?: string;
  colo?: string;
  nginxLogFormat?: string;
  coloVar?: string;
  map?: string;
  force?: boolean;
  maxRejectRatio?: number;
  maxLineBytes: number;
  json?: boolean;
  follow?: boolean;
  server?: string;
  token?: string;
  followInterval: number;
  batchLines: number;
  maxColosPerDay: number;
  maxHostsPerDay: number;
  maxZones: number;
}

/** `edgestat ingest`: what it does once its options are read (loaded only when the command runs). */
export async function runIngest(files: string[], flags: IngestFlags): Promise<void> {
  if (flags.zone !== undefined) checkZoneName(flags.zone, '--zone');
  if (flags.server) {
    await ingestThroughServer(files, flags);
    return;
  }
  const limits = cardinalityLimits(flags);
  // Parsing threads load their modules while the store opens.
  if (!flags.follow && files.some(parallel)) warmParseWorkers(Math.min(availableParallelism(), MAX_WORKERS));
  const store = await storeFrom(flags);
  const cardinality = new CardinalityGuard(store, limits);
  try {
    if (flags.follow) {
      if (files.includes('-')) throw new Error('--follow reads files, not stdin (-)');
      await followFiles(
        store,
        files,
        { ...followOptions(flags), cardinality },
        {
          intervalMs: flags.followInterval,
          batchLines: flags.batchLines,
          json: Boolean(flags.json),
        },
      );
      return;
    }
    const outcomes: FileOutcome[] = [];
    for (const file of files) outcomes.push(await ingestOne(store, file, flags, cardinality));
    printSummary(outcomes, Boolean(flags.json));
    const anyRead = outcomes.some((o) => o.result || o.skipped);
    const failed = outcomes.some((o) => o.failedRatio);
    process.exitCode = !anyRead || failed ? 1 : 0;
  } finally {
    await store.close();
  }
}

function followOptions(flags: IngestFlags): FollowIngestOptions {
  return { format: flags.format, parser: parserOptions(flags), maxLineBytes: flags.maxLineBytes };
}

/** What the parser is given, from the flags of every format. */
function parserOptions(flags: IngestFlags): ParserOptions {
  return {
    zone: flags.zone,
    colo: flags.colo,
    nginxLogFormat: flags.nginxLogFormat,
    coloVar: flags.coloVar,
    fieldMap: flags.map ? parseFieldMap(flags.map) : undefined,
  };
}

/** `--server`: every input in batches to the server's push API, each acknowledged once durable. */
async function ingestThroughServer(files: string[], flags: IngestFlags): Promise<void> {
  if (!flags.zone) throw new Error('--server needs --zone: the push API takes the logs of one zone');
  if (flags.follow || flags.nginxLogFormat || flags.force) {
    throw new Error('--server does not take --follow, --nginx-log-format or --force');
  }
  const outcomes: FileOutcome[] = [];
  for (const file of files) {
    const isStdin = file === '-';
    try {
      const result = await ingestRemote(isStdin ? process.stdin : readFileChunks(file), {
        server: flags.server!,
        token: flags.token ?? process.env.EDGESTAT_TOKEN,
        zone: flags.zone,
        format: flags.format,
        colo: flags.colo,
        map: flags.map,
        // The content hash keys a file's batches, so pushing it again counts nothing twice.
        key: isStdin ? `stdin:${Date.now()}` : await fileKey(file),
        source: isStdin ? 'stdin' : file,
      });
      outcomes.push(
        result.outcome === 'duplicate' ? { file, skipped: 'already ingested (same content)' } : { file, result },
      );
    } catch (err) {
      outcomes.push({ file, error: `${file}: ${(err as Error).message}` });
    }
  }
  printSummary(outcomes, Boolean(flags.json));
  process.exitCode = outcomes.some((o) => o.result || o.skipped) ? 0 : 1;
}

/** The caps of --max-colos-per-day, --max-hosts-per-day and --max-zones. */
function cardinalityLimits(flags: IngestFlags) {
  return { colosPerZoneDay: flags.maxColosPerDay, hostsPerZoneDay: flags.maxHostsPerDay, zones: flags.maxZones };
}

async function ingestOne(
  store: Store,
  file: string,
  flags: IngestFlags,
  cardinality: CardinalityGuard,
): Promise<FileOutcome> {
  const isStdin = file === '-';
  const options: IngestOptions = {
    cardinality,
    format: flags.format,
    parser: parserOptions(flags),
    input: isStdin ? 'stdin' : file,
    maxRejectRatio: flags.maxRejectRatio,
    maxLineBytes: flags.maxLineBytes,
  };
  let size: number | undefined;
  if (!isStdin) {
    try {
      size = (await stat(file)).size;
      options.hint = await fileHint(file);
    } catch (err) {
      return { file, error: `cannot read ${file}: ${(err as Error).message}` };
    }
    const previous = await previousIngest(store, file, options.hint);
    if (previous && !flags.force) {
      return {
        file,
        skipped: `already ingested on ${new Date(previous.at).toISOString()} (${previous.accepted} lines); --force to ingest it again`,
      };
    }
    if (previous) {
      process.stderr.write(`warning: ${file} was ingested before; --force counts its requests again\n`);
      options.key = `${previous.key}:force:${Date.now()}`;
    }
  } else if (flags.force) {
    options.key = `stdin:force:${Date.now()}`;
  }
  options.onProgress = terminalProgress(isStdin ? 'stdin' : file, size);
  // Threads pay off once there is more to parse than it takes to start them.
  if (parallel(file)) options.workers = Math.min(availableParallelism(), MAX_WORKERS);
  try {
    const result = await ingestWithRetries(store, file, isStdin, options);
    clearProgress();
    if (result.outcome === 'duplicate') {
      return { file, skipped: 'already ingested (same content); --force to ingest it again' };
    }
    return { file, result };
  } catch (err) {
    clearProgress();
    if (err instanceof RejectRatioError) return { file, result: err.result, failedRatio: err.message };
    return { file, error: `${file}: ${(err as Error).message}` };
  }
}

/** Whether an input is parsed on several threads: stdin, or a file over PARALLEL_FROM_BYTES. */
function parallel(file: string): boolean {
  return file === '-' || (statSync(file, { throwIfNoEntry: false })?.size ?? 0) > PARALLEL_FROM_BYTES;
}

/** Waits before each new attempt while the store is unavailable: about half a minute in all. */
const STORE_RETRY_SECONDS = [2, 4, 8, 16];

/**
 * Ingests one input; while the store is unavailable (ClickHouse down or slow) a file is read
 * and sent again after a pause, under the same key, so it still counts once. Stdin cannot be
 * read twice: its batch fails, and nothing of it was committed.
 */
async function ingestWithRetries(
  store: Store,
  file: string,
  isStdin: boolean,
  options: IngestOptions,
): Promise<IngestResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await ingest(store, isStdin ? process.stdin : readFileChunks(file), options);
    } catch (err) {
      const wait = STORE_RETRY_SECONDS[attempt];
      if (!(err instanceof StoreUnavailableError) || isStdin || wait === undefined) throw err;
      clearProgress();
      process.stderr.write(`${file}: ${err.message}; trying again in ${wait} s\n`);
      await sleep(wait * 1000);
    }
  }
}

/** A file counts as ingested before when a record with its size and head hash also has its full content hash. */
async function previousIngest(store: Store, file: string, hint: string) {
  const candidates = await store.ingestRecordsByHint(hint);
  if (candidates.length === 0) return undefined;
  const key = await fileKey(file);
  return candidates.find((record) => record.key === key);
}
