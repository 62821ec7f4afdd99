import type { Group } from '../classify/rules.js';
import type { StatusQuery } from '../model/query.js';
import type { RollupReader } from '../stores/store.js';
import { iso, zeroGroups } from './summary.js';

/**
 * Data centers in one colos answer at most: those with the most requests, flagged `truncated`.
 * Twice the default ingest cap, so that a day's colos and "(Other)" always fit.
 */
export const MAX_COLOS = 2000;

/** One data center of a range: its totals and its requests per group. */
export interface ColoTotals {
  colo: string;
  requests: number;
  bytes: number;
  groups: Record<Group, number>;
}

export interface ColosAnswer {
  zone: string;
  from: string;
  to: string;
  /** Present (true) when there were more data centers than `limit`: the busiest are given. */
  truncated?: boolean;
  limit?: number;
  colos: ColoTotals[];
}

/** The data centers of a range, busiest first, with their totals per group; bucket and group-by are ignored. */
export async function runColos(store: RollupReader, query: StatusQuery, maxColos = MAX_COLOS): Promise<ColosAnswer> {
  // The top colos are chosen in the store (never all of them in memory); one more than allowed tells a cut answer.
  const top = await store.distinctValues({
    dimension: 'colo',
    zone: query.zone,
    from: query.from,
    to: query.to,
    limit: maxColos + 1,
  });
  const truncated = top.length > maxColos;
  const rows = await store.aggregate({
    ...query,
    ...(truncated ? { colos: top.slice(0, maxColos) } : {}),
    by: ['colo', 'group'],
    bucketSeconds: 0,
  });
  const colos = new Map<string, ColoTotals>();
  for (const r of rows) {
    let colo = colos.get(r.colo!);
    if (!colo) {
      colo = { colo: r.colo!, requests: 0, bytes: 0, groups: zeroGroups() };
      colos.set(r.colo!, colo);
    }
    colo.requests += r.requests;
    colo.bytes += r.bytes;
    colo.groups[r.group!] += r.requests;
  }
  const sorted = [...colos.values()].sort((a, b) => b.requests - a.requests || a.colo.localeCompare(b.colo));
  // Colos ingested between the two queries could add a few: the answer keeps its bound.
  sorted.length = Math.min(sorted.length, maxColos);
  const cut = truncated ? { truncated: true, limit: maxColos } : {};
  return { zone: query.zone, from: iso(query.from), to: iso(query.to), ...cut, colos: sorted };
}
