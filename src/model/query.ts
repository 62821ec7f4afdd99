import { GROUPS, type Group } from '../classify/rules.js';
import type { RequestSource } from './request-source.js';

/** Bucket sizes in seconds. */
export const BUCKETS = { '1m': 60, '5m': 300, '15m': 900, '1h': 3600, '1d': 86400 } as const;
export type BucketName = keyof typeof BUCKETS;
export const BUCKET_NAMES = Object.keys(BUCKETS) as BucketName[];

/** Dimensions a query can group by; `status` is the display status. */
export const DIMENSIONS = ['status', 'group', 'colo', 'host', 'source', 'requestSource'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** A validated status-codes query, shared by the CLI, the API and both stores. */
export interface StatusQuery {
  zone: string;
  /** Inclusive start, epoch ms. */
  from: number;
  /** Exclusive end, epoch ms. */
  to: number;
  bucket: BucketName;
  by: Dimension[];
  colos?: string[];
  statuses?: number[];
  groups?: Group[];
  host?: string;
  /** Only requests of these sources; absent for all. Parameters give visitors (`eyeball`) unless told otherwise. */
  requestSources?: RequestSource[];
}

/** One row of a query answer. Dimension values appear under their own names. */
export interface QueryRow {
  /** Bucket start, ISO 8601 UTC. */
  t: string;
  status?: number;
  group?: Group;
  colo?: string;
  host?: string;
  source?: string;
  requestSource?: RequestSource;
  requests: number;
  bytes: number;
  /** Share (%) of all requests of the bucket within zone, host, colo and request-source filters, over all statuses and groups. */
  percent: number;
}

export interface QueryAnswer {
  zone: string;
  from: string;
  to: string;
  bucket: BucketName;
  by: Dimension[];
  rows: QueryRow[];
  /** Present (true) when the answer holds only the first `limit` rows (after them: an answer streams). */
  truncated?: true;
  limit?: number;
}

export { GROUPS };
