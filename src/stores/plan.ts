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

/** Rollup tiers: the same counts per minute, per hour and per UTC day (coarser tiers are kept longer and read faster). */
export type Tier = 'minute' | 'hour' | 'day';

/** Every tier, finest first. */
export const TIERS: readonly Tier[] = ['minute', 'hour', 'day'];

/** The width of each tier's rows, ms. */
export const TIER_MS: Record<Tier, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** One read of a plan: a tier over part of the range. */
export interface TierRead {
  tier: Tier;
  from: number;
  to: number;
}

/**
 * The tiers a range is read from, coarsest first: a tier can serve a part of the range when its
 * rows fall whole inside one bucket (its width divides the bucket width, or there is one bucket
 * for the whole range). The coarsest such tier reads the whole units inside the range; the ends
 * left over go to finer tiers, down to minutes. Every tier holds the same counts, so the answer
 * does not depend on the split, only the rows read do. `tiers` are those the store has.
 */
export function tierReads(plan: Pick<AggregatePlan, 'bucketSeconds' | 'range'>, tiers: readonly Tier[]): TierRead[] {
  const usable = TIERS.filter(
    (t) =>
      t === 'minute' ||
      (tiers.includes(t) && (plan.bucketSeconds === 0 || (plan.bucketSeconds * 1000) % TIER_MS[t] === 0)),
  );
  const reads: TierRead[] = [];
  const split = (from: number, to: number, level: number): void => {
    if (from >= to) return;
    const tier = usable[level];
    if (level === 0) {
      reads.push({ tier, from, to });
      return;
    }
    const width = TIER_MS[tier];
    const start = Math.ceil(from / width) * width;
    const end = Math.floor(to / width) * width;
    if (start >= end) {
      split(from, to, level - 1);
      return;
    }
    reads.push({ tier, from: start, to: end });
    split(from, start, level - 1);
    split(end, to, level - 1);
  };
  split(plan.range.from, plan.range.to, usable.length - 1);
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
