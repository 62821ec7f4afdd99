import type { DuckDBValue } from '@duckdb/node-api';
import {
  type AggregatePlan,
  COLUMNS,
  type Dialect,
  type Filter,
  limitClause,
  planAggregate,
  planDistinct,
  TIERS,
  type TierRead,
  tierReads,
  whereClauses,
} from '../plan.js';
import type { AggregateQuery, DistinctQuery } from '../store.js';
import { TIER_TABLES } from './tiers.js';

/** A plan rendered for DuckDB: SQL with `$n` placeholders and their values. */
export interface Sql {
  sql: string;
  params: DuckDBValue[];
}

/** Values as bound parameters, time as `minute_ms` (epoch ms). */
function dialect(params: DuckDBValue[]): Dialect {
  const add = (value: DuckDBValue) => {
    params.push(value);
    return `$${params.length}`;
  };
  return {
    value: (v) => add(v),
    time: ({ from, to }) => [
      ...(from === undefined ? [] : [`minute_ms >= ${add(BigInt(from))}`]),
      ...(to === undefined ? [] : [`minute_ms < ${add(BigInt(to))}`]),
    ],
  };
}

/**
 * All time, as a range tierReads can split: day-aligned ends before and after any row, so it
 * is read from the day tier alone (every tier holds every committed batch, and the day tier
 * keeps longest).
 */
const ALL_TIME = { from: 0, to: Date.UTC(9999, 0, 1) };

/** The rows of the tiers' reads, as one UNION ALL of `columns`. */
function rowsOf(
  plan: { zone?: string; filters: readonly Filter[] },
  reads: readonly TierRead[],
  columns: string,
  params: DuckDBValue[],
): string {
  return reads
    .map(
      (read) =>
        `SELECT ${columns} FROM ${TIER_TABLES[read.tier]} WHERE ${whereClauses(plan, read, dialect(params)).join(' AND ')}`,
    )
    .join(' UNION ALL ');
}

function bucketExpr(plan: AggregatePlan, params: DuckDBValue[]): string {
  if (plan.bucketSeconds === 0) {
    params.push(BigInt(plan.range.from));
    return `$${params.length}`;
  }
  // The width goes in as a literal: a parameter here makes DuckDB group four times slower.
  // It is a number from the bucket table, checked to be an integer, never user text.
  const width = plan.bucketSeconds * 1000;
  if (!Number.isSafeInteger(width) || width <= 0)
    throw new Error(`bucket width must be a positive integer, got ${plan.bucketSeconds}`);
  return `(minute_ms // ${width}) * ${width}`;
}

export function aggregateSql(q: AggregateQuery): Sql & { plan: AggregatePlan } {
  const plan = planAggregate(q, true);
  const params: DuckDBValue[] = [];
  const t = bucketExpr(plan, params);
  const dims = plan.dimensions.map((d) => `${COLUMNS[d]} AS "${d}"`);
  const columns = ['minute_ms', ...new Set(plan.dimensions.map((d) => COLUMNS[d])), 'requests', 'bytes'].join(', ');
  const groupBy = ['1', ...plan.dimensions.map((_, i) => String(i + 2))];
  const sql = `SELECT ${[`${t} AS t`, ...dims].join(', ')}, sum(requests)::DOUBLE AS requests, sum(bytes)::DOUBLE AS bytes
    FROM (${rowsOf(plan, tierReads(plan, TIERS), columns, params)})
    GROUP BY ${groupBy.join(', ')} ORDER BY ${groupBy.join(', ')}${limitClause(plan.limit)}`;
  return { sql, params, plan };
}

export function bucketTotalsSql(q: AggregateQuery): Sql {
  const plan = planAggregate(q, false);
  const params: DuckDBValue[] = [];
  const t = bucketExpr(plan, params);
  const sql = `SELECT ${t} AS t, sum(requests)::DOUBLE AS requests
    FROM (${rowsOf(plan, tierReads(plan, TIERS), 'minute_ms, requests', params)}) GROUP BY 1`;
  return { sql, params };
}

/** Distinct values by requests: the top-N is kept while scanning, so a million values never leave DuckDB. */
export function distinctSql(q: DistinctQuery): Sql {
  const plan = planDistinct(q);
  const params: DuckDBValue[] = [];
  const range = { from: plan.range.from ?? ALL_TIME.from, to: plan.range.to ?? ALL_TIME.to };
  const reads = tierReads({ bucketSeconds: 0, range }, TIERS);
  const sql = `SELECT ${plan.column} AS value FROM (${rowsOf(plan, reads, `${plan.column}, requests`, params)})
    GROUP BY 1 ORDER BY sum(requests) DESC, 1${limitClause(plan.limit)}`;
  return { sql, params };
}

/** Requests per zone over all time. */
export function zoneTotalsSql(): Sql {
  const params: DuckDBValue[] = [];
  const reads = tierReads({ bucketSeconds: 0, range: ALL_TIME }, TIERS);
  const sql = `SELECT zone, sum(requests)::DOUBLE AS requests FROM (${rowsOf({ filters: [] }, reads, 'zone, requests', params)})
    GROUP BY zone`;
  return { sql, params };
}

/** Each zone's first and last row per tier (`tier`, `zone`, `first_ms`, `last_ms`). */
export const ZONE_SPANS_SQL = TIERS.map(
  (tier) =>
    `SELECT '${tier}' AS tier, zone, min(minute_ms) AS first_ms, max(minute_ms) AS last_ms FROM ${TIER_TABLES[tier]} GROUP BY zone`,
).join(' UNION ALL ');
