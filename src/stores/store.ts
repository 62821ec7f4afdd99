import type { Group, Source } from '../classify/rules.js';
import type { Plan } from '../model/plans.js';
import type { Dimension, StatusQuery } from '../model/query.js';
import type { RequestSource } from '../model/request-source.js';
import type { TokenRecord } from '../model/tokens.js';
import type { RollupRow } from '../rollup/rollup.js';
import type { Tier } from './plan.js';

/** One aggregated row from a store: bucket start (epoch ms), grouped dimensions, sums. */
export interface AggregateRow {
  t: number;
  status?: number;
  group?: Group;
  colo?: string;
  host?: string;
  source?: Source;
  requestSource?: RequestSource;
  requests: number;
  bytes: number;
}

/** The aggregation a store runs; `bucketSeconds` 0 means one bucket for the whole range (t = from). */
export interface AggregateQuery extends Omit<StatusQuery, 'bucket' | 'by'> {
  bucketSeconds: number;
  by: Dimension[];
  /** At most this many rows (the first in the answer's order): callers ask for one more to tell a cut answer. */
  limit?: number;
}

/** The dimensions whose distinct values are capped: the store's zones, and a zone's colos and hosts. */
export type CappedDimension = 'zone' | 'colo' | 'host';

/**
 * Distinct values of a dimension, most requests first (ties by value), at most `limit`:
 * the zones of the store (or only `zone`, to ask whether it has data), or the colos or
 * hosts of `zone`. `from`/`to` (epoch ms) narrow colos and hosts to a range.
 */
export interface DistinctQuery {
  dimension: CappedDimension;
  zone?: string;
  from?: number;
  to?: number;
  limit: number;
}

/** What was ingested under an idempotency key (a file's content hash, an HTTP batch key). */
export interface IngestRecord {
  key: string;
  /** Cheap pre-check for files: `${size}:${sha256 of the first 64 KiB}`; '' for other sources. */
  hint: string;
  /** Where the input came from: a file path, `stdin`, `http`, a followed file. */
  input: string;
  at: number;
  accepted: number;
  rejected: number;
  /** `sha256:<hex>` of the batch's decompressed content; '' when unknown (records from before it was kept). */
  contentHash: string;
}

/** What a commit records; without a content hash the key alone decides (no conflict can be told). */
export type CommitRecord = Omit<IngestRecord, 'at' | 'contentHash'> & { contentHash?: string };

export type CommitOutcome = 'committed' | 'duplicate';

/**
 * Rows of one ingest (a file, a stream, an HTTP batch), written as they come and made
 * visible and durable all at once by `commit`, or not at all. `commit` returns
 * 'duplicate' (and writes nothing) if the key was already committed with the same content,
 * and throws IdempotencyConflictError (writing nothing) if it was committed with other content.
 */
export interface BatchWriter {
  append(rows: RollupRow[]): Promise<void>;
  commit(record: CommitRecord): Promise<CommitOutcome>;
  abort(): Promise<void>;
}

/** One batch of a group commit: its rows, whole, and the record its commit writes. */
export interface GroupedBatch {
  rows: RollupRow[];
  record: CommitRecord;
}

/** One batch's answer in a group: its outcome, or the error that refused it alone (an IdempotencyConflictError). */
export type GroupOutcome = CommitOutcome | Error;

export interface ZoneInfo {
  zone: string;
  plan: Plan;
  requests: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

/**
 * Rollups: rows written through batches, read back as sums.
 *
 * - Exactly once: a batch commits all of its rows or none, and a key commits at most once (a
 *   retry with the same content is a `duplicate`, other content an IdempotencyConflictError),
 *   also when two processes commit the same key at the same moment.
 * - Visibility: nothing of a batch is visible before its `commit` starts, and all of it to every
 *   read that starts after `commit` resolves. A store that cannot write a batch atomically
 *   (ClickHouse 18.16 writes one day partition at a time) may show part of it while `commit`
 *   runs or after it broke off; its retry under the same key completes it without counting twice.
 * - Concurrency: any number of batches may be open at once and reads run beside them; answers
 *   are the same on every store (same order, same sums; percentages are computed by callers).
 */
export interface RollupStore {
  openBatch(): Promise<BatchWriter>;
  /**
   * Commits several whole batches at once, each with the guarantees of a batch's `commit`, and
   * answers per batch in their order: a key already committed (or committed earlier in the same
   * group) is a duplicate or a conflict for that batch alone. Resolves only once every
   * committed batch is durable. Throws (StoreUnavailableError...) when the group could not be
   * written; then a store that writes the group as one transaction (DuckDB) kept none of it.
   */
  commitGroup(batches: readonly GroupedBatch[]): Promise<GroupOutcome[]>;
  /** Sums per bucket and dimensions, ordered by bucket then dimensions, at most `limit` rows. */
  aggregate(q: AggregateQuery): Promise<AggregateRow[]>;
  /**
   * The same rows as `aggregate`, in chunks as the store reads them: memory holds a chunk, never
   * the whole answer. Stopping early (break, return) ends the read.
   */
  aggregateChunks(q: AggregateQuery): AsyncIterable<AggregateRow[]>;
  /** Total requests per bucket within zone, host, colo and request-source filters (status and group filters ignored). */
  bucketTotals(q: AggregateQuery): Promise<Map<number, number>>;
  /** Distinct values, busiest first, cut at `limit` in the store (never all of them in memory). */
  distinctValues(q: DistinctQuery): Promise<string[]>;
}

/** The read side of rollups: what query modules need. */
export type RollupReader = Pick<RollupStore, 'aggregate' | 'aggregateChunks' | 'bucketTotals' | 'distinctValues'>;

/**
 * What was committed under which key. A record is written by its batch's commit, together with
 * its rows (DuckDB: the same transaction; ClickHouse: after the rows, so a record means every row
 * landed), and is visible once that commit resolves. Records are never changed or deleted.
 */
export interface IngestRecords {
  ingestRecord(key: string): Promise<IngestRecord | undefined>;
  /** Records whose cheap pre-check `hint` matches (files not yet hashed), any order. */
  ingestRecordsByHint(hint: string): Promise<IngestRecord[]>;
}

/**
 * Zones and their plans. A zone exists once it has rows or a plan; a zone without a plan has
 * DEFAULT_PLAN. Setting a plan is visible to reads that start after it resolves; of two
 * concurrent settings one wins.
 */
export interface ZoneDirectory {
  /** Every zone with its plan, requests and first and last minute, by name. */
  zones(): Promise<ZoneInfo[]>;
  zonePlan(zone: string): Promise<Plan>;
  setZonePlan(zone: string, plan: Plan): Promise<void>;
}

/**
 * API tokens; only hashes of secrets are stored. A created or revoked token is visible to
 * reads that start after the call resolves; revoking is final (a revoked token stays listed).
 */
export interface TokenStore {
  createToken(token: TokenRecord): Promise<void>;
  /** All tokens, revoked ones too, oldest first. */
  tokens(): Promise<TokenRecord[]>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  /** False when no such token exists or it was revoked already. */
  revokeToken(id: string): Promise<boolean>;
}

/** What one rollup tier holds. */
export interface TierReport {
  tier: Tier;
  rows: number;
  /** The first and last row's time (epoch ms); null when the tier is empty. */
  from: number | null;
  to: number | null;
  /** Days the tier keeps; null keeps it for ever. */
  retentionDays: number | null;
}

/** What a store holds, tier by tier, and its size on disk (null when the store cannot tell). */
export interface StorageReport {
  tiers: TierReport[];
  bytes: number | null;
}

/**
 * A store: the four jobs on one database. DuckDB and ClickHouse implement it and run one
 * contract (`src/testing/store-contract.ts`); callers take the narrowest part they use. Any method may
 * throw StoreUnavailableError (nothing was acknowledged; retry later).
 */
export interface Store extends RollupStore, IngestRecords, ZoneDirectory, TokenStore {
  /** Which implementation: for messages and the benchmark, never for behaviour. */
  readonly kind: string;
  /** Rows per tier and bytes on disk, for `edgestat zone` and `serve` to report. */
  storageReport(): Promise<StorageReport>;
  /** Creates or migrates the schema. Idempotent. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** The store cannot be reached or did not answer in time: nothing of the batch was acknowledged; retry later. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
