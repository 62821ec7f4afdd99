import { type RequestSource, VISITOR } from '../../model/request-source.js';
import {
  type AggregatePlan,
  COLUMNS,
  type Dialect,
  limitClause,
  planAggregate,
  planDistinct,
  type Tier,
  tierReads,
  whereClauses,
} from '../plan.js';
import type { AggregateQuery, DistinctQuery } from '../store.js';

/**
 * ClickHouse 18.16 has no query parameters (they came in 19.x), so values reach SQL as
 * literals made here and nowhere else: strings quoted with every quote and backslash escaped
 * (ClickHouse's own literal rules), numbers only when they are finite integers. Identifiers
 * come from the plan's whitelist.
 */
export function str(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

export function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
  return String(value);
}

/**
 * Visitors are stored as '' here: the column was added to the sort key of existing tables, which
 * 18.16 allows only without a default, so rows from before it read '' and must sum with new ones.
 */
export const storedRequestSource = (source: RequestSource): string => (source === VISITOR ? '' : source);
const REQUEST_SOURCE_NAME = `if(request_source = '', ${str(VISITOR)}, request_source)`;

/** Values as escaped literals (request sources as stored), time as `minute` (UInt32 epoch seconds). */
const dialect: Dialect = {
  value: (v, column) =>
    typeof v === 'number'
      ? int(v)
      : str(column === COLUMNS.requestSource ? storedRequestSource(v as RequestSource) : v),
  time: ({ from, to }) => [
    ...(from === undefined ? [] : [`minute >= ${int(Math.ceil(from / 1000))}`]),
    ...(to === undefined ? [] : [`toUInt64(minute) * 1000 < ${int(to)}`]),
  ],
};

/** The table of each tier: this store keeps them all. */
export const TABLES: Record<Tier, string> = { minute: 'rollup_minute', hour: 'rollup_hour', day: 'rollup_day' };
const STORED_TIERS = Object.keys(TABLES) as Tier[];

/** The rows a plan reads: per tier (see `tierReads`), as one UNION ALL of `columns`. */
function rowsOf(plan: AggregatePlan, columns: string): string {
  return tierReads(plan, STORED_TIERS)
    .map(
      (read) => `SELECT ${columns} FROM ${TABLES[read.tier]} WHERE ${whereClauses(plan, read, dialect).join(' AND ')}`,
    )
    .join(' UNION ALL ');
}

function bucket(plan: AggregatePlan): string {
  if (plan.bucketSeconds === 0) return `toUInt64(${int(plan.range.from)})`;
  return `toUInt64(intDiv(minute, ${int(plan.bucketSeconds)}) * ${int(plan.bucketSeconds)}) * 1000`;
}

/** `group` is a keyword in ClickHouse: quoted as an alias. */
const alias = (d: string) => (d === 'group' ? '`group`' : d);

/** Requests and bytes per bucket and the query's dimensions, ordered by them. */
export function aggregateSql(q: AggregateQuery): { sql: string; plan: AggregatePlan } {
  const plan = planAggregate(q, true);
  const dims = plan.dimensions.map((d) => `${d === 'requestSource' ? REQUEST_SOURCE_NAME : COLUMNS[d]} AS ${alias(d)}`);
  const columns = ['minute', ...new Set(plan.dimensions.map((d) => COLUMNS[d])), 'requests', 'bytes'].join(', ');
  const keys = ['t', ...plan.dimensions.map(alias)].join(', ');
  const sql = `SELECT ${[`${bucket(plan)} AS t`, ...dims].join(', ')}, sum(requests) AS requests, sum(bytes) AS bytes
    FROM (${rowsOf(plan, columns)}) GROUP BY ${keys} ORDER BY ${keys}${limitClause(plan.limit)}`;
  return { sql, plan };
}

/** All requests per bucket within the zone, host and colo filters. */
export function bucketTotalsSql(q: AggregateQuery): string {
  const plan = planAggregate(q, false);
  return `SELECT ${bucket(plan)} AS t, sum(requests) AS requests
    FROM (${rowsOf(plan, 'minute, requests')}) GROUP BY t`;
}

/**
 * Distinct values by requests, as `value` and `r`. Over a range, the same split of daily, hourly
 * and per-minute rows as an aggregation into one bucket; over all time, every tier, each value
 * with the largest of its sums (they are equal while every tier holds it, and coarser ones live longer).
 */
export function distinctSql(q: DistinctQuery): string {
  const plan = planDistinct(q);
  const tail = `ORDER BY r DESC, value${limitClause(plan.limit)}`;
  if (q.dimension !== 'zone' && q.zone === undefined) throw new Error(`distinct ${q.dimension} needs a zone`);
  const { from, to } = plan.range;
  if (q.zone !== undefined && from !== undefined && to !== undefined) {
    const range = { ...plan, zone: q.zone, bucketSeconds: 0, dimensions: [], range: { from, to } };
    return `SELECT ${plan.column} AS value, sum(requests) AS r FROM (${rowsOf(range, `minute, ${plan.column}, requests`)})
      GROUP BY value ${tail}`;
  }
  const where = ["zone != ''", ...whereClauses(plan, plan.range, dialect)].join(' AND ');
  const per = (table: string) =>
    `SELECT ${plan.column} AS value, sum(requests) AS s FROM ${table} WHERE ${where} GROUP BY value`;
  return `SELECT value, max(s) AS r FROM (${Object.values(TABLES).map(per).join(' UNION ALL ')}) GROUP BY value ${tail}`;
}
