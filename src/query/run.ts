import type { AggregateQuery, Store } from '../stores/store.js';
import { BUCKETS, type QueryAnswer, type QueryRow, type StatusQuery } from './spec.js';
import { bucketStart } from './time.js';

/** Percent with 4 decimals: enough to tell 0.0001 % apart, and identical on every store. */
export function percentOf(part: number, total: number): number {
  return total > 0 ? Math.round((part / total) * 1_000_000) / 10_000 : 0;
}

/**
 * Answers a status-codes query. Both stores return integer sums; the percentages
 * are computed here, once, so every store gives the same answer.
 */
export async function runQuery(store: Store, query: StatusQuery): Promise<QueryAnswer> {
  // Ranges start on a bucket boundary so that the first bucket is whole.
  const q = { ...query, from: bucketStart(query.from, query.bucket) };
  const aggregate: AggregateQuery = { ...q, bucketSeconds: BUCKETS[q.bucket] };
  const [rows, totals] = await Promise.all([store.aggregate(aggregate), store.bucketTotals(aggregate)]);
  return {
    zone: q.zone,
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    bucket: q.bucket,
    by: q.by,
    rows: rows.map((r) => {
      const row: QueryRow = { t: new Date(r.t).toISOString() } as QueryRow;
      for (const d of q.by) (row as unknown as Record<string, unknown>)[d] = r[d];
      row.requests = r.requests;
      row.bytes = r.bytes;
      row.percent = percentOf(r.requests, totals.get(r.t) ?? 0);
      return row;
    }),
  };
}
