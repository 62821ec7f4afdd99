import { BUCKETS, type QueryAnswer, type QueryRow, type StatusQuery } from '../model/query.js';
import type { AggregateQuery, AggregateRow, RollupReader } from '../stores/store.js';
import { bucketStart } from './time.js';

/** Rows in one status-codes answer at most (by=host or by=colo over a long range can hold millions): the first ones in bucket order, flagged `truncated`. */
export const MAX_ANSWER_ROWS = 100_000;

/** Percent with 4 decimals: enough to tell 0.0001 % apart, and identical on every store. */
export function percentOf(part: number, total: number): number {
  return total > 0 ? Math.round((part / total) * 1_000_000) / 10_000 : 0;
}

/** A status-codes answer as it streams: its head, its rows chunk by chunk, and at the end whether it was cut. */
export interface AnswerStream {
  head: Omit<QueryAnswer, 'rows' | 'truncated' | 'limit'>;
  rows: AsyncIterable<QueryRow[]>;
  /** Read once `rows` is done: set when the answer holds only the first `limit` rows. */
  cut(): { truncated: true; limit: number } | undefined;
}

/**
 * Answers a status-codes query as a stream: rows leave as the store reads them, so memory holds
 * one bucket, not the answer. Both stores return integer sums; the percentages are computed
 * here, once, so every store gives the same answer. Without status or group filters a bucket's
 * rows hold all its requests, so its total is their sum; with them, or when the answer is cut
 * inside a bucket, totals come from the store.
 */
export function streamQuery(store: RollupReader, query: StatusQuery, maxRows: number = MAX_ANSWER_ROWS): AnswerStream {
  // Ranges start on a bucket boundary so that the first bucket is whole.
  const q = { ...query, from: bucketStart(query.from, query.bucket) };
  const bucketMs = BUCKETS[q.bucket] * 1000;
  const aggregate: AggregateQuery = { ...q, bucketSeconds: BUCKETS[q.bucket] };
  const filtered = Boolean(q.statuses?.length || q.groups?.length);
  let truncated = false;
  // Rows come ordered by bucket: one ISO string per bucket, not per row.
  let lastT = Number.NaN;
  let lastIso = '';
  const toRow = (r: AggregateRow, total: number): QueryRow => {
    if (r.t !== lastT) {
      lastT = r.t;
      lastIso = new Date(r.t).toISOString();
    }
    const row: QueryRow = { t: lastIso } as QueryRow;
    for (const d of q.by) (row as unknown as Record<string, unknown>)[d] = r[d];
    row.requests = r.requests;
    row.bytes = r.bytes;
    row.percent = percentOf(r.requests, total);
    return row;
  };
  async function* rows(): AsyncGenerator<QueryRow[]> {
    const totals = filtered ? await store.bucketTotals(aggregate) : undefined;
    // Unfiltered: the rows of the bucket being read, until the next bucket (or the end) says it is whole.
    let bucket: AggregateRow[] = [];
    const finish = (rows: AggregateRow[]) => {
      const total = rows.reduce((n, r) => n + r.requests, 0);
      return rows.map((r) => toRow(r, total));
    };
    let count = 0;
    let nextT: number | undefined;
    chunks: for await (const chunk of store.aggregateChunks({ ...aggregate, limit: maxRows + 1 })) {
      const out: QueryRow[] = [];
      for (const r of chunk) {
        if (count === maxRows) {
          truncated = true;
          nextT = r.t;
          if (out.length) yield out;
          break chunks;
        }
        count++;
        if (totals) out.push(toRow(r, totals.get(r.t) ?? 0));
        else {
          if (bucket.length && bucket[0].t !== r.t) {
            out.push(...finish(bucket));
            bucket = [];
          }
          bucket.push(r);
        }
      }
      if (out.length) yield out;
    }
    if (!bucket.length) return;
    const t = bucket[0].t;
    if (truncated && nextT === t) {
      // Cut inside this bucket: its total is the store's.
      const total = (await store.bucketTotals({ ...aggregate, from: t, to: t + bucketMs })).get(t) ?? 0;
      yield bucket.map((r) => toRow(r, total));
    } else yield finish(bucket);
  }
  return {
    head: {
      zone: q.zone,
      from: new Date(q.from).toISOString(),
      to: new Date(q.to).toISOString(),
      bucket: q.bucket,
      by: q.by,
    },
    rows: rows(),
    cut: () => (truncated ? { truncated: true, limit: maxRows } : undefined),
  };
}

/** A whole status-codes answer in memory (for callers in this process: tests, the benchmark, small answers). */
export async function runQuery(
  store: RollupReader,
  query: StatusQuery,
  maxRows: number = MAX_ANSWER_ROWS,
): Promise<QueryAnswer> {
  const stream = streamQuery(store, query, maxRows);
  const rows: QueryRow[] = [];
  for await (const chunk of stream.rows) for (const row of chunk) rows.push(row);
  return { ...stream.head, rows, ...stream.cut() };
}

/** An answer as JSON text, chunk by chunk: the same bytes as JSON.stringify of the whole answer. */
export async function* answerJson(stream: AnswerStream): AsyncGenerator<string> {
  yield `${JSON.stringify(stream.head).slice(0, -1)},"rows":[`;
  let first = true;
  for await (const chunk of stream.rows) {
    if (!chunk.length) continue;
    // One stringify per chunk (its brackets cut off), not one per row.
    const text = JSON.stringify(chunk).slice(1, -1);
    yield first ? text : `,${text}`;
    first = false;
  }
  const cut = stream.cut();
  yield cut ? `],"truncated":true,"limit":${cut.limit}}` : ']}';
}
