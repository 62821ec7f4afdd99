import { GROUPS, type Group, type Source } from '../classify/rules.js';
import type { StatusQuery } from '../model/query.js';
import type { RollupReader } from '../stores/store.js';
import { percentOf } from './run.js';

/** A count and its share (%) of all requests of the range. */
export interface Share {
  requests: number;
  percent: number;
}

/** Totals of a range per group and per source (edge, origin). */
export interface SummaryAnswer {
  zone: string;
  from: string;
  to: string;
  requests: number;
  bytes: number;
  groups: Record<Group, Share>;
  sources: Record<Source, Share>;
}

/** Sums a range per group and source in one store query; bucket and group-by of the query are ignored. */
export async function runSummary(store: RollupReader, query: StatusQuery): Promise<SummaryAnswer> {
  const rows = await store.aggregate({ ...query, by: ['group', 'source'], bucketSeconds: 0 });
  const groups = zeroGroups();
  const sources: Record<Source, number> = { edge: 0, origin: 0 };
  let requests = 0;
  let bytes = 0;
  for (const r of rows) {
    groups[r.group!] += r.requests;
    sources[r.source!] += r.requests;
    requests += r.requests;
    bytes += r.bytes;
  }
  const share = (n: number): Share => ({ requests: n, percent: percentOf(n, requests) });
  return {
    zone: query.zone,
    from: iso(query.from),
    to: iso(query.to),
    requests,
    bytes,
    groups: Object.fromEntries(GROUPS.map((g) => [g, share(groups[g])])) as Record<Group, Share>,
    sources: { edge: share(sources.edge), origin: share(sources.origin) },
  };
}

/** Every group at 0: an answer names all of them, seen or not. */
export const zeroGroups = () => Object.fromEntries(GROUPS.map((g) => [g, 0])) as Record<Group, number>;

export const iso = (ms: number) => new Date(ms).toISOString();
