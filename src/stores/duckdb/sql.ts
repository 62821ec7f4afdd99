import type { DuckDBValue } from '@duckdb/node-api';
import type { Dimension } from '../../query/spec.js';
import type { AggregateQuery, CappedDimension, DistinctQuery } from '../store.js';

/** Whitelisted columns per dimension: the only identifiers a query ever puts into SQL. */
const COLUMNS: Record<Dimension, string> = {
  status: 'status',
  group: 'grp',
  colo: 'colo',
  host: 'host',
  source: 'source',
  requestSource: 'request_source',
};

interface Sql {
  sql: string;
  params: DuckDBValue[];
}

function bucketExpr(q: AggregateQuery, params: DuckDBValue[]): string {
  if (q.bucketSeconds === 0) {
    params.push(BigInt(q.from));
    return `$${params.length}`;
  }
  // The width goes in as a literal: a parameter here makes DuckDB group four times slower.
  // It is a number from the bucket table, checked to be an integer, never user text.
  const width = q.bucketSeconds * 1000;
  if (!Number.isSafeInteger(width) || width <= 0)
    throw new Error(`bucket width must be a positive integer, got ${q.bucketSeconds}`);
  return `(minute_ms // ${width}) * ${width}`;
}

/** WHERE clause for zone, time range and the scope filters (host, colo, request source); status and group only with `withStatus`. */
function where(q: AggregateQuery, params: DuckDBValue[], withStatus: boolean): string {
  const add = (value: DuckDBValue) => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses = [`zone = ${add(q.zone)}`, `minute_ms >= ${add(BigInt(q.from))}`, `minute_ms < ${add(BigInt(q.to))}`];
  if (q.host !== undefined) clauses.push(`host = ${add(q.host)}`);
  if (q.colos?.length) clauses.push(`colo IN (${q.colos.map(add).join(', ')})`);
  // A scope like host and colo: percentages are shares of the requests of the same sources.
  if (q.requestSources) clauses.push(`request_source IN (${q.requestSources.map(add).join(', ')})`);
  if (withStatus && q.statuses?.length) clauses.push(`status IN (${q.statuses.map(add).join(', ')})`);
  if (withStatus && q.groups?.length) clauses.push(`grp IN (${q.groups.map(add).join(', ')})`);
  return clauses.join(' AND ');
}

export function aggregateSql(q: AggregateQuery): Sql {
  const params: DuckDBValue[] = [];
  const t = bucketExpr(q, params);
  const dims = q.by.map((d) => `${COLUMNS[d]} AS "${d}"`);
  const groupBy = ['1', ...q.by.map((_, i) => String(i + 2))];
  const sql = `SELECT ${[`${t} AS t`, ...dims].join(', ')}, sum(requests)::DOUBLE AS requests, sum(bytes)::DOUBLE AS bytes
    FROM rollup_minute WHERE ${where(q, params, true)}
    GROUP BY ${groupBy.join(', ')} ORDER BY ${groupBy.join(', ')}${limitClause(q.limit)}`;
  return { sql, params };
}

export function bucketTotalsSql(q: AggregateQuery): Sql {
  const params: DuckDBValue[] = [];
  const t = bucketExpr(q, params);
  const sql = `SELECT ${t} AS t, sum(requests)::DOUBLE AS requests
    FROM rollup_minute WHERE ${where(q, params, false)} GROUP BY 1`;
  return { sql, params };
}

/** A LIMIT from a number the code chose (a configured cap), never user text. */
function limitClause(limit: number | undefined): string {
  if (limit === undefined) return '';
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`limit must be a whole number, got ${limit}`);
  return ` LIMIT ${limit}`;
}

const CAPPED_COLUMNS: Record<CappedDimension, string> = { zone: 'zone', colo: 'colo', host: 'host' };

/** Distinct values by requests: the top-N is kept while scanning, so a million values never leave DuckDB. */
export function distinctSql(q: DistinctQuery): Sql {
  const params: DuckDBValue[] = [];
  const add = (value: DuckDBValue) => {
    params.push(value);
    return `$${params.length}`;
  };
  const clauses: string[] = [];
  if (q.zone !== undefined) clauses.push(`zone = ${add(q.zone)}`);
  if (q.from !== undefined) clauses.push(`minute_ms >= ${add(BigInt(q.from))}`);
  if (q.to !== undefined) clauses.push(`minute_ms < ${add(BigInt(q.to))}`);
  const sql = `SELECT ${CAPPED_COLUMNS[q.dimension]} AS value FROM rollup_minute
    ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
    GROUP BY 1 ORDER BY sum(requests) DESC, 1${limitClause(q.limit)}`;
  return { sql, params };
}
