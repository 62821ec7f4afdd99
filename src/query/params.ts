import { GROUPS, type Group } from '../classify/rules.js';
import {
  BUCKET_NAMES,
  BUCKETS,
  type BucketName,
  DIMENSIONS,
  type Dimension,
  type StatusQuery,
} from '../model/query.js';
import { quoted } from '../model/quoted.js';
import { REQUEST_SOURCES, type RequestSource, VISITOR } from '../model/request-source.js';
import { isZoneName, ZONE_NAME_RULE } from '../model/zone-name.js';
import { autoBucket, bucketStart, parseTime } from './time.js';

/** A query parameter that cannot be read: names the parameter and says what is allowed. */
export class QueryParamError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
    this.name = 'QueryParamError';
  }
}

/** A list parameter: one comma-separated string, or several (repeated query parameters, CLI flags). */
export type ListParam = string | string[] | undefined;

/** Raw status-codes query parameters as the CLI and the HTTP API receive them. */
export interface RawStatusQuery {
  zone: string;
  from?: string;
  to?: string;
  bucket?: string;
  by?: ListParam;
  colo?: ListParam;
  status?: ListParam;
  group?: ListParam;
  host?: string;
  /** `all`, or request sources; default visitors only (`eyeball`), as the edge's own analytics count. */
  requestSource?: ListParam;
}

export const DEFAULT_FROM = '-24h';
export const DEFAULT_TO = 'now';
export const DEFAULT_BY: Dimension[] = ['status'];
/** More buckets than this in one answer is a mistake (1m over a year), not a chart. */
export const MAX_BUCKETS = 10_000;
const MAX_NAME = 255;

/**
 * Turns raw query parameters into a validated StatusQuery. Defaults: the last 24 hours,
 * an automatic bucket, grouped by status, visitor requests only. `by=` (empty) groups by bucket only.
 * `status` takes codes (404) and classes (5xx). Throws QueryParamError.
 */
export function toStatusQuery(raw: RawStatusQuery, now: number = Date.now()): StatusQuery {
  const zone = zoneParam(raw.zone);
  const from = timeParam('from', raw.from ?? DEFAULT_FROM, now);
  const to = timeParam('to', raw.to ?? DEFAULT_TO, now);
  if (to <= from) {
    throw new QueryParamError(
      'to',
      `must be after from (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`,
    );
  }
  const bucket = bucketParam(raw.bucket, from, to);
  // Every answer (status codes, summary, data centers) starts on a bucket boundary, so that its
  // first bucket is whole and the totals of one range agree across answers.
  const query: StatusQuery = { zone, from: bucketStart(from, bucket), to, bucket, by: byParam(raw.by) };
  const colos = listParam(raw.colo).map((colo) => nameParam('colo', colo));
  if (colos.length) query.colos = colos;
  const statuses = listParam(raw.status).flatMap(statusParam);
  if (statuses.length) query.statuses = [...new Set(statuses)];
  const groups = listParam(raw.group).map(groupParam);
  if (groups.length) query.groups = [...new Set(groups)];
  if (raw.host !== undefined && raw.host !== '') query.host = nameParam('host', raw.host);
  const sources = requestSourceParam(raw.requestSource, query.by);
  if (sources) query.requestSources = sources;
  return query;
}

/** Splits a list parameter on commas, trims, and drops empty items. */
export function listParam(value: ListParam): string[] {
  if (value === undefined) return [];
  const parts = Array.isArray(value) ? value : [value];
  return parts.flatMap((part) => part.split(',')).flatMap((item) => (item.trim() ? [item.trim()] : []));
}

function nameParam(param: string, value: string | undefined): string {
  const name = value?.trim() ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (!name || name.length > MAX_NAME || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new QueryParamError(
      param,
      `must be a non-empty name of at most ${MAX_NAME} printable characters, got ${quoted(value ?? '')}`,
    );
  }
  return name;
}

function zoneParam(value: string | undefined): string {
  const zone = value?.trim() ?? '';
  if (!isZoneName(zone)) throw new QueryParamError('zone', `must be ${ZONE_NAME_RULE}; got ${quoted(value ?? '')}`);
  return zone;
}

function timeParam(param: string, value: string, now: number): number {
  try {
    return parseTime(value, now);
  } catch (err) {
    throw new QueryParamError(param, (err as Error).message);
  }
}

function bucketParam(value: string | undefined, from: number, to: number): BucketName {
  const name = value?.trim() || 'auto';
  if (name === 'auto') return autoBucket(from, to);
  if (!(BUCKET_NAMES as string[]).includes(name)) {
    throw new QueryParamError('bucket', `must be one of auto, ${BUCKET_NAMES.join(', ')}; got ${quoted(value ?? '')}`);
  }
  const bucket = name as BucketName;
  const count = Math.ceil((to - from) / (BUCKETS[bucket] * 1000));
  if (count > MAX_BUCKETS) {
    throw new QueryParamError(
      'bucket',
      `${bucket} gives ${count} buckets over this range, more than ${MAX_BUCKETS}: choose a larger bucket or auto`,
    );
  }
  return bucket;
}

function byParam(value: ListParam): Dimension[] {
  if (value === undefined) return [...DEFAULT_BY];
  const by: Dimension[] = [];
  for (const item of listParam(value)) {
    if (!(DIMENSIONS as readonly string[]).includes(item)) {
      throw new QueryParamError(
        'by',
        `must be a comma-separated list of ${DIMENSIONS.join(', ')}; got ${quoted(item)}`,
      );
    }
    if (!by.includes(item as Dimension)) by.push(item as Dimension);
  }
  return by;
}

function statusParam(item: string): number[] {
  const range = /^([1-5])xx$/i.exec(item);
  if (range) {
    const start = Number(range[1]) * 100;
    return Array.from({ length: 100 }, (_, i) => start + i);
  }
  const code = /^\d{3}$/.test(item) ? Number(item) : Number.NaN;
  if (!(code >= 100 && code <= 599)) {
    throw new QueryParamError(
      'status',
      `must be a comma-separated list of status codes 100-599 or classes 1xx-5xx; got ${quoted(item)}`,
    );
  }
  return [code];
}

/**
 * Request sources to count: every source (undefined) for `all`; when absent, visitors only, as the
 * edge's own analytics count, unless the answer is grouped by request source (then all of them).
 */
function requestSourceParam(value: ListParam, by: Dimension[]): RequestSource[] | undefined {
  const items = listParam(value);
  if (items.length === 0) return by.includes('requestSource') ? undefined : [VISITOR];
  if (items.includes('all')) return undefined;
  const sources: RequestSource[] = [];
  for (const item of items) {
    if (!(REQUEST_SOURCES as readonly string[]).includes(item)) {
      throw new QueryParamError(
        'requestSource',
        `must be all or a comma-separated list of ${REQUEST_SOURCES.join(', ')}; got ${quoted(item)}`,
      );
    }
    if (!sources.includes(item as RequestSource)) sources.push(item as RequestSource);
  }
  return sources;
}

function groupParam(item: string): Group {
  if (!(GROUPS as readonly string[]).includes(item)) {
    throw new QueryParamError('group', `must be a comma-separated list of ${GROUPS.join(', ')}; got ${quoted(item)}`);
  }
  return item as Group;
}
