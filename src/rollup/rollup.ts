import { classify } from '../classify/classify.js';
import type { Group, Source } from '../classify/rules.js';
import type { NormalizedRequest } from '../model/request.js';

export const MINUTE_MS = 60_000;

/** One per-minute rollup row: requests and bytes for one combination of dimensions. */
export interface RollupRow {
  /** Start of the minute, UTC epoch milliseconds. */
  minute: number;
  zone: string;
  host: string;
  colo: string;
  /** Status the client got. */
  edgeStatus: number;
  /** Display status (see classify). */
  status: number;
  originStatus: number;
  group: Group;
  source: Source;
  requests: number;
  bytes: number;
}

/**
 * Accumulates classified requests into per-minute rollup rows in memory.
 * Memory is bounded by distinct keys, not lines: callers `drain()` when
 * `size` passes their limit and hand the rows to a store.
 */
export class Rollup {
  private rows = new Map<string, RollupRow>();
  requests = 0;

  get size(): number {
    return this.rows.size;
  }

  add(req: NormalizedRequest): void {
    const minute = req.ts - (req.ts % MINUTE_MS);
    const key = `${minute}\u0000${req.zone}\u0000${req.host}\u0000${req.colo}\u0000${req.edgeStatus}\u0000${req.originStatus}\u0000${req.edgeErrorCode}\u0000${req.cause}\u0000${req.wsRateLimited ? 1 : 0}`;
    this.requests++;
    const row = this.rows.get(key);
    if (row) {
      row.requests++;
      row.bytes += req.bytes;
      return;
    }
    const c = classify(req);
    this.rows.set(key, {
      minute,
      zone: req.zone,
      host: req.host,
      colo: req.colo,
      edgeStatus: req.edgeStatus,
      status: c.status,
      originStatus: req.originStatus,
      group: c.group,
      source: c.source,
      requests: 1,
      bytes: req.bytes,
    });
  }

  /** Returns the accumulated rows and empties the rollup. */
  drain(): RollupRow[] {
    const out = [...this.rows.values()];
    this.rows.clear();
    return out;
  }
}
