import { VISITOR } from '../model/request-source.js';
import type { RollupRow } from '../rollup/rollup.js';
import { TIER_MS, type Tier } from '../stores/plan.js';

/**
 * `count` rollup rows of one zone and host, each with its own colo (`${prefix}${i}`), 200s from
 * the edge: what a store written before the cardinality caps can hold.
 */
export function distinctColoRows(
  zone: string,
  count: number,
  prefix: string,
  minuteOf: (i: number) => number,
  requestsOf: (i: number) => number,
): RollupRow[] {
  return Array.from({ length: count }, (_, i) => ({
    minute: minuteOf(i),
    zone,
    host: zone,
    colo: `${prefix}${i}`,
    edgeStatus: 200,
    status: 200,
    originStatus: 200,
    group: 'success',
    source: 'edge',
    requests: requestsOf(i),
    bytes: 1,
  }));
}

/**
 * `batches` batches of `rowsPerBatch` rollup rows of one zone over `hours` hours from `t0`, from
 * a fixed seed: a few hosts, colos and outcomes, so keys repeat across batches (and within one)
 * as they do when a fleet pushes small batches.
 */
export function pushedBatches(
  zone: string,
  t0: number,
  hours: number,
  batches: number,
  rowsPerBatch: number,
  seed = 1,
): RollupRow[][] {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % n;
  };
  const outcomes = [
    { edgeStatus: 200, status: 200, originStatus: 200, group: 'success', source: 'origin' },
    { edgeStatus: 404, status: 404, originStatus: 404, group: 'origin', source: 'origin' },
    { edgeStatus: 502, status: 522, originStatus: 0, group: '52x', source: 'edge' },
    { edgeStatus: 503, status: 503, originStatus: 0, group: 'excluded', source: 'edge' },
  ] as const;
  return Array.from({ length: batches }, () =>
    Array.from({ length: rowsPerBatch }, () => ({
      minute: t0 + next(hours * 60) * 60_000,
      zone,
      host: `h${next(3)}.${zone}`,
      colo: ['AMS', 'FRA', 'IAD', 'NRT', 'SJC'][next(5)],
      ...outcomes[next(outcomes.length)],
      requestSource: next(8) === 0 ? ('edgeWorkerFetch' as const) : undefined,
      requests: 1 + next(50),
      bytes: next(10_000),
    })),
  );
}

/** Distinct keys per unit of a tier among `rows`: the rows that tier holds once compacted. */
export function distinctKeys(rows: readonly RollupRow[], tier: Tier): number {
  const width = TIER_MS[tier];
  return new Set(
    rows.map(
      (r) =>
        `${Math.floor(r.minute / width)}|${r.zone}|${r.host}|${r.colo}|${r.edgeStatus}|${r.status}|${r.originStatus}|${r.group}|${r.source}|${r.requestSource ?? VISITOR}`,
    ),
  ).size;
}
