import { type RequestSource, VISITOR } from '../../model/request-source.js';
import type { Dimension } from '../../query/spec.js';
import type { AggregateQuery, CappedDimension, DistinctQuery } from '../store.js';

/**
 * ClickHouse 18.16 has no query parameters (they came in 19.x), so values reach SQL as
 * literals made here and nowhere else: strings quoted with every quote and backslash escaped
 * (ClickHouse's own literal rules), numbers only when they are finite integers. Identifiers
 * come from the whitelist below.
 */
export function str(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
  return String(value);
}

const COLUMNS: Record<Dimension, string> = {
  status: 'status',
  group: 'grp',
  colo: 'colo',
  host: 'host',
  source: 'source',
  requestSource: 'request_source',
};

/**
 * Visitors are stored as '' here: the column was added to the sort key of existing tables, which
 * 18.16 allows only without a default, so rows from before it read '' and must sum with new ones.
 */
export const storedRequestSource = (source: RequestSource): string => (source === VISITOR ? '' : source);
const REQUEST_SOURCE_NAME = `if(request_source = '', ${str(VISITOR)}, request_source)`;

const HOUR_MS = 3_600_000;

/** Filters of a query on one table and time range (ms), status and group only with `withStatus`. */
function where(q: AggregateQuery, from: number, to: number, withStatus: boolean): string {
  const clauses = [
    `zone = ${str(q.zone)}`,
    `minute >= ${int(Math.ceil(from / 1000))}`,
    `toUInt64(minute) * 1000 < ${int(to)}`,
  ];
  if (q.host !== undefined) clauses.push(`host = ${str(q.host)}`);
  if (q.colos?.length) clauses.push(`colo IN (${q.colos.map(str).join(', ')})`);
  // A scope like host and colo: percentages are shares of the requests of the same sources.
  if (q.requestSources) {
    clauses.push(`request_source IN (${q.requestSources.map((s) => str(storedRequestSource(s))).join(', ')})`);
  }
  if (withStatus && q.statuses?.length) clauses.push(`status IN (${q.statuses.map(int).join(', ')})`);
  if (withStatus && q.groups?.length) clauses.push(`grp IN (${q.groups.map(str).join(', ')})`);
  return clauses.join(' AND ');
}

/**
 * The rows a query reads: whole hours from the hourly table when the buckets are whole hours
 * and the range starts on one, the rest (the hour still running, or everything) per minute.
 * Both hold the same counts, so the answer does not depend on which one is read.
 */
function source(q: AggregateQuery, columns: string, withStatus: boolean): string {
  const hourly = q.bucketSeconds % 3600 === 0 && q.from % HOUR_MS === 0;
  const split = hourly ? Math.max(q.from, q.to - (q.to % HOUR_MS)) : q.from;
  const parts: string[] = [];
  if (split > q.from) parts.push(`SELECT ${columns} FROM rollup_hour WHERE ${where(q, q.from, split, withStatus)}`);
  parts.push(`SELECT ${columns} FROM rollup_minute WHERE ${where(q, split, q.to, withStatus)}`);
  return parts.join(' UNION ALL ');
}

function bucket(q: AggregateQuery): string {
  if (q.bucketSeconds === 0) return `toUInt64(${int(q.from)})`;
  return `toUInt64(intDiv(minute, ${int(q.bucketSeconds)}) * ${int(q.bucketSeconds)}) * 1000`;
}

/** Requests and bytes per bucket and the query's dimensions, ordered by them. */
export function aggregateSql(q: AggregateQuery): string {
  const dims = q.by.map(
    (d) => `${d === 'requestSource' ? REQUEST_SOURCE_NAME : COLUMNS[d]} AS ${d === 'group' ? '`group`' : d}`,
  );
  const columns = ['minute', ...new Set(q.by.map((d) => COLUMNS[d])), 'requests', 'bytes'].join(', ');
  const keys = ['t', ...q.by.map((d) => (d === 'group' ? '`group`' : d))].join(', ');
  return `SELECT ${[`${bucket(q)} AS t`, ...dims].join(', ')}, sum(requests) AS requests, sum(bytes) AS bytes
    FROM (${source(q, columns, true)}) GROUP BY ${keys} ORDER BY ${keys}${q.limit === undefined ? '' : ` LIMIT ${int(q.limit)}`}`;
}

/** All requests per bucket within the zone, host and colo filters. */
export function bucketTotalsSql(q: AggregateQuery): string {
  return `SELECT ${bucket(q)} AS t, sum(requests) AS requests
    FROM (${source(q, 'minute, requests', false)}) GROUP BY t`;
}

const CAPPED_COLUMNS: Record<CappedDimension, string> = { zone: 'zone', colo: 'colo', host: 'host' };

/**
 * Distinct values by requests, as `value` and `r`. Over a range, the same split of hourly and
 * per-minute rows as the aggregation; over all time, both tables, each value with the larger of
 * its two sums (they are equal while both hold it, and the hourly one lives longer).
 */
export function distinctSql(q: DistinctQuery): string {
  const column = CAPPED_COLUMNS[q.dimension];
  const tail = `ORDER BY r DESC, value LIMIT ${int(q.limit)}`;
  if (q.dimension !== 'zone' && q.zone === undefined) throw new Error(`distinct ${q.dimension} needs a zone`);
  if (q.zone !== undefined && q.from !== undefined && q.to !== undefined) {
    const range: AggregateQuery = { zone: q.zone, from: q.from, to: q.to, bucketSeconds: 3600, by: [] };
    return `SELECT ${column} AS value, sum(requests) AS r FROM (${source(range, `minute, ${column}, requests`, false)})
      GROUP BY value ${tail}`;
  }
  const clauses = ["zone != ''"];
  if (q.zone !== undefined) clauses.push(`zone = ${str(q.zone)}`);
  if (q.from !== undefined) clauses.push(`minute >= ${int(Math.ceil(q.from / 1000))}`);
  if (q.to !== undefined) clauses.push(`toUInt64(minute) * 1000 < ${int(q.to)}`);
  const per = (table: string) =>
    `SELECT ${column} AS value, sum(requests) AS s FROM ${table} WHERE ${clauses.join(' AND ')} GROUP BY value`;
  return `SELECT value, max(s) AS r FROM (${per('rollup_minute')} UNION ALL ${per('rollup_hour')}) GROUP BY value ${tail}`;
}
