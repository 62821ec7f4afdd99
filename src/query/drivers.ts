import type { StatusQuery } from '../model/query.js';
import type { AggregateQuery, RollupReader } from '../stores/store.js';

/** The dimensions a change can be driven by. */
export const DRIVER_DIMENSIONS = ['colo', 'host'] as const;
export type DriverDimension = (typeof DRIVER_DIMENSIONS)[number];

/** Values listed per dimension at most: the ones that added most. */
export const MAX_DRIVERS = 20;

/** One data center or host and what it added to the chosen codes over its own baseline. */
export interface Driver {
  value: string;
  /** Requests of the chosen codes in the range. */
  requests: number;
  /** The same in the baseline (the period of equal length just before). */
  baseline: number;
  /** requests - baseline: how much this value added (negative: it fell). */
  added: number;
  /** Share (%) of this value's own requests that had the chosen codes, in the range and in the baseline. */
  percent: number;
  baselinePercent: number;
}

export interface DriversAnswer {
  zone: string;
  from: string;
  to: string;
  baselineFrom: string;
  /** Requests of the chosen codes in the range and in the baseline, all values together. */
  requests: number;
  baseline: number;
  drivers: Partial<Record<DriverDimension, Driver[]>>;
}

const percent = (part: number, total: number) => (total > 0 ? Math.round((part / total) * 1_000_000) / 10_000 : 0);

/**
 * What drives a change: for the codes or groups the query selects, the data centers and hosts
 * ranked by how many more of them they had than in the period of equal length before (their own
 * baseline), so that "52x went up" answers with the data center and host behind it.
 */
export async function findDrivers(
  store: RollupReader,
  query: StatusQuery,
  dimensions: readonly DriverDimension[],
): Promise<DriversAnswer> {
  const span = query.to - query.from;
  const current: AggregateQuery = { ...query, by: [], bucketSeconds: 0 };
  const before: AggregateQuery = { ...current, from: query.from - span, to: query.from };
  const everything = { statuses: undefined, groups: undefined };
  const sums = async (q: AggregateQuery, by: DriverDimension) => {
    const sum = new Map<string, number>();
    for (const row of await store.aggregate({ ...q, by: [by] })) sum.set(row[by] ?? '', row.requests);
    return sum;
  };
  const total = async (q: AggregateQuery) => (await store.aggregate(q)).reduce((n, r) => n + r.requests, 0);
  const drivers: DriversAnswer['drivers'] = {};
  for (const dimension of dimensions) {
    const [now, then, allNow, allThen] = await Promise.all([
      sums(current, dimension),
      sums(before, dimension),
      sums({ ...current, ...everything }, dimension),
      sums({ ...before, ...everything }, dimension),
    ]);
    const values = new Set([...now.keys(), ...then.keys()]);
    drivers[dimension] = [...values]
      .map((value) => {
        const requests = now.get(value) ?? 0;
        const baseline = then.get(value) ?? 0;
        return {
          value,
          requests,
          baseline,
          added: requests - baseline,
          percent: percent(requests, allNow.get(value) ?? 0),
          baselinePercent: percent(baseline, allThen.get(value) ?? 0),
        };
      })
      .sort((a, b) => b.added - a.added || b.requests - a.requests || a.value.localeCompare(b.value))
      .slice(0, MAX_DRIVERS);
  }
  const [requests, baseline] = await Promise.all([total(current), total(before)]);
  return {
    zone: query.zone,
    from: new Date(query.from).toISOString(),
    to: new Date(query.to).toISOString(),
    baselineFrom: new Date(query.from - span).toISOString(),
    requests,
    baseline,
    drivers,
  };
}
