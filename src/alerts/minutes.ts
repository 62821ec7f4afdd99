import { type AlertRule, ruleStatuses } from '../model/alerts.js';
import { VISITOR } from '../model/request-source.js';
import { MINUTE_MS } from '../rollup/rollup.js';
import type { AggregateQuery, RollupReader } from '../stores/store.js';
import { LONG_WINDOW_MS, SHORT_WINDOW_MS, type WindowCounts } from './burn.js';

/**
 * One rule's requests and errors per minute over the last hour, kept between ticks so that a tick
 * reads only what changed: the whole hour the first time, then the short window again (rows of
 * its minutes may still arrive late) plus the minutes since the last read. At most an hour of
 * minutes is held.
 */
export class RuleMinutes {
  private readonly counts = new Map<number, WindowCounts>();
  private readTo: number | undefined;

  constructor(private readonly rule: AlertRule) {}

  /** Reads the minutes before `end` (a minute boundary) that may have changed, and forgets those older than the hour. */
  async refresh(reader: RollupReader, end: number): Promise<{ from: number; to: number }> {
    const from = Math.max(end - LONG_WINDOW_MS, Math.min(this.readTo ?? 0, end - SHORT_WINDOW_MS));
    if (from < end) {
      const q = this.query(from, end);
      const [totals, errors] = await Promise.all([reader.bucketTotals(q), reader.aggregate(q)]);
      for (let t = from; t < end; t += MINUTE_MS) this.counts.set(t, { requests: totals.get(t) ?? 0, errors: 0 });
      for (const row of errors) {
        const minute = this.counts.get(row.t);
        if (minute) minute.errors = row.requests;
      }
    }
    for (const t of this.counts.keys()) if (t < end - LONG_WINDOW_MS || t >= end) this.counts.delete(t);
    this.readTo = end;
    return { from, to: end };
  }

  /** Sums over the minutes of [end - windowMs, end). */
  window(end: number, windowMs: number): WindowCounts {
    const sum = { requests: 0, errors: 0 };
    for (const [t, c] of this.counts) {
      if (t >= end - windowMs && t < end) {
        sum.requests += c.requests;
        sum.errors += c.errors;
      }
    }
    return sum;
  }

  /** Per minute, visitor requests within the rule's colo and host; the rule's errors as a status or group filter. */
  private query(from: number, to: number): AggregateQuery {
    const { rule } = this;
    const statuses = ruleStatuses(rule.errors);
    return {
      zone: rule.zone,
      from,
      to,
      bucketSeconds: 60,
      by: [],
      requestSources: [VISITOR],
      ...(rule.colo === undefined ? {} : { colos: [rule.colo] }),
      ...(rule.host === undefined ? {} : { host: rule.host }),
      ...(statuses ? { statuses } : {}),
      ...('group' in rule.errors ? { groups: [rule.errors.group] } : {}),
    };
  }
}
