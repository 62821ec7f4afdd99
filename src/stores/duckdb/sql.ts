import type { DuckDBValue } from '@duckdb/node-api';
import {
  type AggregatePlan,
  COLUMNS,
  type Dialect,
  limitClause,
  planAggregate,
  planDistinct,
  whereClauses,
} from '../plan.js';
import type { AggregateQuery, DistinctQuery } from '../store.js';

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
  const groupBy = ['1', ...plan.dimensions.map((_, i) => String(i + 2))];
  const sql = `SELECT ${[`${t} AS t`, ...dims].join(', ')}, sum(requests)::DOUBLE AS requests, sum(bytes)::DOUBLE AS bytes
    FROM rollup_minute WHERE ${whereClauses(plan, plan.range, dialect(params)).join(' AND ')}
    GROUP BY ${groupBy.join(', ')} ORDER BY ${groupBy.join(', ')}${limitClause(plan.limit)}`;
  return { sql, params, plan };
}

export function bucketTotalsSql(q: AggregateQuery): Sql {
  const plan = planAggregate(q, false);
  const params: DuckDBValue[] = [];
  const t = bucketExpr(plan, params);
  const sql = `SELECT ${t} AS t, sum(requests)::DOUBLE AS requests
    FROM rollup_minute WHERE ${whereClauses(plan, plan.range, dialect(params)).join(' AND ')} GROUP BY 1`;
  return { sql, params };
}

/** Distinct values by requests: the top-N is kept while scanning, so a million values never leave DuckDB. */
export function distinctSql(q: DistinctQuery): Sql {
  const plan = planDistinct(q);
  const params: DuckDBValue[] = [];
  const clauses = whereClauses(plan, plan.range, dialect(params));
  const sql = `SELECT ${plan.column} AS value FROM rollup_minute
    ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
    GROUP BY 1 ORDER BY sum(requests) DESC, 1${limitClause(plan.limit)}`;
  return { sql, params };
}
