import type { AggregateQuery, AggregateRow, RollupReader } from '../stores/store.js';
import { BUCKETS, type QueryAnswer, type QueryRow, type StatusQuery } from './spec.js';
import { bucketStart } from './time.js';

/** Rows in one status-codes answer at most (by=host or by=colo over a long range can hold millions): the first ones in bucket order, flagged `truncated`. */
export const MAX_ANSWER_ROWS = 100_000;

/** Percent with 4 decimals: enough to tell 0.0001 % apart, and identical on every store. */
export function percentOf(part: number, total: number): number {
  return total > 0 ? Math.round((part / total) * 1_000_000) / 10_000 : 0;
}

/**
 * Answers a status-codes query. Both stores return integer sums; the percentages
 * are computed here, once, so every store gives the same answer.
 */
export async function runQuery(
  store: RollupReader,
  query: StatusQuery,
  maxRows: number = MAX_ANSWER_ROWS,
): Promise<QueryAnswer> {
  // Ranges start on a bucket boundary so that the first bucket is whole.
  const q = { ...query, from: bucketStart(query.from, query.bucket) };
  const aggregate: AggregateQuery = { ...q, bucketSeconds: BUCKETS[q.bucket] };
  // Without status or group filters the rows hold every request of each bucket: their sums are the totals.
  const filtered = Boolean(q.statuses?.length || q.groups?.length);
  const [rows, totals] = await Promise.all([
    store.aggregate({ ...aggregate, limit: maxRows + 1 }),
    filtered ? store.bucketTotals(aggregate) : undefined,
  ]);
  // One row more than allowed says the answer is cut; the last bucket is then partial, so totals come from the store.
  const truncated = rows.length > maxRows;
  if (truncated) rows.length = maxRows;
  const bucketTotals = totals ?? (truncated ? await store.bucketTotals(aggregate) : sumsPerBucket(rows));
  let lastT = Number.NaN;
  let lastIso = '';
  const iso = (t: number) => {
    if (t !== lastT) {
      lastT = t;
      lastIso = new Date(t).toISOString();
    }
    return lastIso;
  };
  return {
    zone: q.zone,
    from: new Date(q.from).toISOString(),
    to: new Date(q.to).toISOString(),
    bucket: q.bucket,
    by: q.by,
    ...(truncated ? { truncated: true as const, limit: maxRows } : {}),
    // Rows come ordered by bucket: one ISO string per bucket, not per row.
    rows: rows.map((r) => {
      const row: QueryRow = { t: iso(r.t) } as QueryRow;
      for (const d of q.by) (row as unknown as Record<string, unknown>)[d] = r[d];
      row.requests = r.requests;
      row.bytes = r.bytes;
      row.percent = percentOf(r.requests, bucketTotals.get(r.t) ?? 0);
      return row;
    }),
  };
}

function sumsPerBucket(rows: AggregateRow[]): Map<number, number> {
  const totals = new Map<number, number>();
  for (const r of rows) totals.set(r.t, (totals.get(r.t) ?? 0) + r.requests);
  return totals;
}
