import { classify } from '../classify/classify.js';
import type { Group, Source } from '../classify/rules.js';
import type { NormalizedRequest } from '../model/request.js';
import type { RequestSource } from '../model/request-source.js';

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
  /** Who made the requests; absent means visitors (`eyeball`), as in rows made before it was kept. */
  requestSource?: RequestSource;
  requests: number;
  bytes: number;
}

/**
 * Accumulates classified requests into per-minute rollup rows in memory.
 * Memory is bounded by distinct keys, not lines: callers `drain()` when
 * `size` passes their limit and hand the rows to a store.
 */
export class Rollup {
  /** Rows by place (minute, zone, host, colo, request source), then by the request's status fields packed in a number. */
  private places = new Map<string, Map<number | string, RollupRow>>();
  private rowCount = 0;
  requests = 0;
  // Consecutive lines often share their place: the last one is kept to skip building its key.
  private lastMinute = Number.NaN;
  private lastZone = '';
  private lastHost = '';
  private lastColo = '';
  private lastSource = '';
  private lastPlace: Map<number | string, RollupRow> | undefined;

  get size(): number {
    return this.rowCount;
  }

  add(req: NormalizedRequest): void {
    const minute = req.ts - (req.ts % MINUTE_MS);
    this.requests++;
    let place = this.lastPlace;
    if (
      place === undefined ||
      minute !== this.lastMinute ||
      req.colo !== this.lastColo ||
      req.host !== this.lastHost ||
      req.zone !== this.lastZone ||
      req.requestSource !== this.lastSource
    ) {
      const key = `${minute}\u0000${req.zone}\u0000${req.host}\u0000${req.colo}\u0000${req.requestSource}`;
      place = this.places.get(key);
      if (!place) {
        place = new Map();
        this.places.set(key, place);
      }
      this.lastMinute = minute;
      this.lastZone = req.zone;
      this.lastHost = req.host;
      this.lastColo = req.colo;
      this.lastSource = req.requestSource;
      this.lastPlace = place;
    }
    const code = statusKey(req);
    const row = place.get(code);
    if (row) {
      row.requests++;
      row.bytes += req.bytes;
      return;
    }
    const c = classify(req);
    this.rowCount++;
    place.set(code, {
      minute,
      zone: req.zone,
      host: req.host,
      colo: req.colo,
      edgeStatus: req.edgeStatus,
      status: c.status,
      originStatus: req.originStatus,
      group: c.group,
      source: c.source,
      requestSource: req.requestSource,
      requests: 1,
      bytes: req.bytes,
    });
  }

  /** Returns the accumulated rows and empties the rollup. */
  drain(): RollupRow[] {
    const out: RollupRow[] = [];
    for (const place of this.places.values()) for (const row of place.values()) out.push(row);
    this.places.clear();
    this.rowCount = 0;
    this.lastPlace = undefined;
    return out;
  }
}

/**
 * The fields that decide a request's classification, as one number (hashed far faster than a
 * string); a string for values outside the ranges the number holds, which parsers never give.
 */
function statusKey(req: NormalizedRequest): number | string {
  const { edgeStatus, originStatus, cause, edgeErrorCode } = req;
  const ws = req.wsRateLimited ? 1 : 0;
  if (small(edgeStatus, 1000) && small(originStatus, 1000) && small(cause, 1000) && small(edgeErrorCode, 100_000)) {
    return (((edgeStatus * 1000 + originStatus) * 1000 + cause) * 100_000 + edgeErrorCode) * 2 + ws;
  }
  return `${edgeStatus}:${originStatus}:${cause}:${edgeErrorCode}:${ws}`;
}

/** A whole number in [0, max): what the packed key can hold without two values colliding. */
const small = (value: number, max: number) => value >= 0 && value < max && (value | 0) === value;
