import type { RollupRow } from '../rollup/rollup.js';

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
