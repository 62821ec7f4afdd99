import { BUCKETS } from '../../src/model/query.js';
import type { QueryAnswer } from './api.js';

/** A status code's count and share in one bucket. */
export interface Point {
  requests: number;
  percent: number;
}

/** One status code over the range. */
export interface StatusSeries {
  status: number;
  requests: number;
  points: Map<number, Point>;
}

/** A status-codes answer arranged for the chart, legend and table. */
export interface StatusView {
  bucketMs: number;
  /** Every bucket start of the range, including empty ones, so stacks show gaps as zero. */
  buckets: number[];
  /** Codes present in the answer, ascending. */
  series: StatusSeries[];
  /** Start of the last bucket when the range ends inside it (the current minute of a live view), else null. */
  partial: number | null;
}

/** Arranges an answer grouped by status into one series per code. */
export function toStatusView(answer: QueryAnswer): StatusView {
  const bucketMs = BUCKETS[answer.bucket] * 1000;
  const from = Date.parse(answer.from);
  const to = Date.parse(answer.to);
  const buckets: number[] = [];
  for (let t = from; t < to; t += bucketMs) buckets.push(t);
  const byStatus = new Map<number, StatusSeries>();
  for (const row of answer.rows) {
    const status = row.status ?? 0;
    let series = byStatus.get(status);
    if (!series) {
      series = { status, requests: 0, points: new Map() };
      byStatus.set(status, series);
    }
    series.requests += row.requests;
    series.points.set(Date.parse(row.t), { requests: row.requests, percent: row.percent });
  }
  const last = buckets.at(-1);
  // A range that ends now ends inside its last bucket: that bucket is still filling up.
  const partial = last !== undefined && last + bucketMs > to ? last : null;
  return { bucketMs, buckets, series: [...byStatus.values()].sort((a, b) => a.status - b.status), partial };
}

/** The view without the codes the user hid. */
export function visibleSeries(view: StatusView, hidden: readonly number[]): StatusSeries[] {
  return view.series.filter((s) => !hidden.includes(s.status));
}

/**
 * A live view brought up to date: `recent` (an answer from some bucket on to now) replaces the
 * buckets it covers, buckets before `windowStart` (the range's start, which slides with time) drop
 * out, and the range now ends where `recent` ends.
 */
export function mergeRecent(view: StatusView, recent: StatusView, windowStart: number): StatusView {
  const recentFrom = recent.buckets[0] ?? Number.POSITIVE_INFINITY;
  const end = (recent.buckets.at(-1) ?? view.buckets.at(-1) ?? windowStart) + view.bucketMs;
  const byStatus = new Map<number, StatusSeries>();
  const add = (status: number, t: number, point: Point) => {
    let series = byStatus.get(status);
    if (!series) {
      series = { status, requests: 0, points: new Map() };
      byStatus.set(status, series);
    }
    series.points.set(t, point);
    series.requests += point.requests;
  };
  for (const series of view.series) {
    for (const [t, point] of series.points) if (t >= windowStart && t < recentFrom) add(series.status, t, point);
  }
  for (const series of recent.series) for (const [t, point] of series.points) add(series.status, t, point);
  const buckets: number[] = [];
  for (let t = windowStart; t < end; t += view.bucketMs) buckets.push(t);
  return {
    bucketMs: view.bucketMs,
    buckets,
    series: [...byStatus.values()].sort((a, b) => a.status - b.status),
    partial: recent.partial,
  };
}
