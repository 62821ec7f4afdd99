import type { Group, Source } from '../classify/rules.js';
import type { Dimension } from '../model/query.js';
import type { RequestSource } from '../model/request-source.js';
import type { AggregateQuery, AggregateRow, CappedDimension, DistinctQuery } from './store.js';

/**
 * One query plan for every store: which columns a query groups by, which filters it applies,
 * its buckets, the rollup tiers it reads and its row limit. Each store's `sql.ts` renders a
 * plan in its dialect (bound parameters for DuckDB, escaped literals for ClickHouse 18.16), so
 * the whitelist, the filters and the row mapping are written once.
 */

/** Whitelisted columns per dimension: the only identifiers a query ever puts into SQL. */
export const COLUMNS: Record<Dimension, string> = {
  status: 'status',
  group: 'grp',
  colo: 'colo',
  host: 'host',
  source: 'source',
  requestSource: 'request_source',
};

/** Columns of the dimensions whose distinct values are asked for. */
export const CAPPED_COLUMNS: Record<CappedDimension, string> = { zone: 'zone', colo: 'colo', host: 'host' };

/** A filter on a whitelisted column: equal to one value, or one of several. */
export type Filter =
  | { kind: 'eq'; column: string; value: string }
  | { kind: 'in'; column: string; values: readonly (string | number)[] };

/** Minutes in [from, to), epoch ms; an open end is undefined. */
export interface TimeRange {
  from?: number;
  to?: number;
}

/** The aggregation of a query: buckets, dimensions, filters, range and row limit. */
export interface AggregatePlan {
  zone: string;
  /** Bucket width in seconds; 0 means one bucket for the whole range, starting at `range.from`. */
  bucketSeconds: number;
  dimensions: readonly Dimension[];
  filters: readonly Filter[];
  range: { from: number; to: number };
  limit?: number;
}

/**
 * The plan of `aggregate` (`withStatus`) or of `bucketTotals` (no status or group filter, no
 * dimension, no limit: every request of each bucket within the zone, host and colo filters).
 */
export function planAggregate(q: AggregateQuery, withStatus: boolean): AggregatePlan {
  const filters: Filter[] = [];
  if (q.host !== undefined) filters.push({ kind: 'eq', column: COLUMNS.host, value: q.host });
  if (q.colos?.length) filters.push({ kind: 'in', column: COLUMNS.colo, values: q.colos });
  // A scope like host and colo: percentages are shares of the requests of the same sources.
  if (q.requestSources) filters.push({ kind: 'in', column: COLUMNS.requestSource, values: q.requestSources });
  if (withStatus && q.statuses?.length) filters.push({ kind: 'in', column: COLUMNS.status, values: q.statuses });
  if (withStatus && q.groups?.length) filters.push({ kind: 'in', column: COLUMNS.group, values: q.groups });
  return {
    zone: q.zone,
    bucketSeconds: q.bucketSeconds,
    dimensions: withStatus ? q.by : [],
    filters,
    range: { from: q.from, to: q.to },
    limit: withStatus ? q.limit : undefined,
  };
}

/** The plan of `distinctValues`: one column, the zone filter and an optional range, busiest first. */
export interface DistinctPlan {
  column: string;
  /** The zone whose values are asked for; all zones' when undefined. */
  zone?: string;
  filters: readonly Filter[];
  range: TimeRange;
  limit: number;
}

export function planDistinct(q: DistinctQuery): DistinctPlan {
  return {
    column: CAPPED_COLUMNS[q.dimension],
    zone: q.zone,
    filters: [],
    range: { from: q.from, to: q.to },
    limit: q.limit,
  };
}

/** How a dialect writes values and the time column. */
export interface Dialect {
  /** A value of `column` as SQL: a bound parameter's placeholder, or an escaped literal. */
  value(v: string | number, column: string): string;
  /** Clauses keeping rows whose minute is in the range. */
  time(range: TimeRange): string[];
}

/**
 * The WHERE conditions of a plan, to be joined by AND: zone, time, then the other filters, the
 * order of the tables' sort keys.
 */
export function whereClauses(
  plan: { zone?: string; filters: readonly Filter[] },
  range: TimeRange,
  dialect: Dialect,
): string[] {
  const clauses = plan.zone === undefined ? [] : [`zone = ${dialect.value(plan.zone, 'zone')}`];
  clauses.push(...dialect.time(range));
  for (const f of plan.filters) {
    clauses.push(
      f.kind === 'eq'
        ? `${f.column} = ${dialect.value(f.value, f.column)}`
        : `${f.column} IN (${f.values.map((v) => dialect.value(v, f.column)).join(', ')})`,
    );
  }
  return clauses;
}

/** A LIMIT from a number the code chose (a configured cap), never user text; '' without one. */
export function limitClause(limit: number | undefined): string {
  if (limit === undefined) return '';
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`limit must be a whole number, got ${limit}`);
  return ` LIMIT ${limit}`;
}

/** Rollup tiers: per-minute rows, and the same counts per hour (kept longer, read faster). */
export type Tier = 'minute' | 'hour';

/** One read of a plan: a tier over part of the range. */
export interface TierRead {
  tier: Tier;
  from: number;
  to: number;
}

const HOUR_MS = 3_600_000;

/**
 * The tiers a range is read from: whole hours from the hourly tier when the store has one, the
 * buckets are whole hours and the range starts on one; the rest (the hour still running, or
 * everything) per minute. Both tiers hold the same counts, so the answer does not depend on it.
 */
export function tierReads(plan: Pick<AggregatePlan, 'bucketSeconds' | 'range'>, hasHourly: boolean): TierRead[] {
  const { from, to } = plan.range;
  const hourly = hasHourly && plan.bucketSeconds % 3600 === 0 && from % HOUR_MS === 0;
  const split = hourly ? Math.max(from, to - (to % HOUR_MS)) : from;
  const reads: TierRead[] = [];
  if (split > from) reads.push({ tier: 'hour', from, to: split });
  reads.push({ tier: 'minute', from: split, to });
  return reads;
}

/** A store's answer row as an AggregateRow: the bucket, the plan's dimensions and the sums, as numbers and strings. */
export function toAggregateRow(r: Record<string, unknown>, dimensions: readonly Dimension[]): AggregateRow {
  const row: AggregateRow = { t: Number(r.t), requests: Number(r.requests), bytes: Number(r.bytes) };
  for (const d of dimensions) {
    const value = r[d];
    if (d === 'status') row.status = Number(value);
    else if (d === 'group') row.group = value as Group;
    else if (d === 'source') row.source = value as Source;
    else if (d === 'requestSource') row.requestSource = value as RequestSource;
    else row[d] = String(value);
  }
  return row;
}
