import type { Group, Source } from '../classify/rules.js';
import type { RequestSource } from '../model/request-source.js';
import type { Dimension, StatusQuery } from '../query/spec.js';
import type { RollupRow } from '../rollup/rollup.js';

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
  source: string;
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

export const PLANS = ['free', 'pro', 'business', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];
/** A zone nobody set a plan for: a self-hosted operator owns every feature until they say otherwise. */
export const DEFAULT_PLAN: Plan = 'enterprise';

export interface ZoneInfo {
  zone: string;
  plan: Plan;
  requests: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

export const SCOPES = ['analytics:read', 'logs:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export interface TokenRecord {
  id: string;
  name: string;
  /** sha256 of the secret, hex. The secret itself is never stored. */
  hash: string;
  scopes: Scope[];
  /** Zones the token is for; ['*'] for all. */
  zones: string[];
  createdAt: number;
  revokedAt: number | null;
}

/** A rollup store. DuckDB and ClickHouse implement it and pass one conformance suite. */
export interface Store {
  readonly kind: 'duckdb' | 'clickhouse';
  /** Creates or migrates the schema. Idempotent. */
  migrate(): Promise<void>;
  openBatch(): Promise<BatchWriter>;
  ingestRecord(key: string): Promise<IngestRecord | undefined>;
  ingestRecordsByHint(hint: string): Promise<IngestRecord[]>;
  aggregate(q: AggregateQuery): Promise<AggregateRow[]>;
  /** Total requests per bucket within zone, host, colo and request-source filters (status and group filters ignored). */
  bucketTotals(q: AggregateQuery): Promise<Map<number, number>>;
  distinctValues(q: DistinctQuery): Promise<string[]>;
  zones(): Promise<ZoneInfo[]>;
  zonePlan(zone: string): Promise<Plan>;
  setZonePlan(zone: string, plan: Plan): Promise<void>;
  createToken(token: TokenRecord): Promise<void>;
  tokens(): Promise<TokenRecord[]>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  revokeToken(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The store cannot be reached or did not answer in time: nothing of the batch was acknowledged; retry later. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
