import { type RequestSource, VISITOR } from './request-source.js';

/**
 * The normalized request: what every parser turns one log line into.
 * See docs/architecture.md, "Data flow". Parsers fill a reused instance
 * (see `emptyRequest`) so the per-line hot path allocates nothing.
 */
export interface NormalizedRequest {
  /** When the edge received the request, UTC epoch milliseconds. */
  ts: number;
  /** The site/tenant the request belongs to. */
  zone: string;
  /** Request host. */
  host: string;
  /** Data center code (e.g. `FRA`), upper case; `unknown` when the log has none. */
  colo: string;
  /** Status the edge sent the client (0 if none was sent). */
  edgeStatus: number;
  /** Status the origin returned (0 if not contacted or no valid response). */
  originStatus: number;
  /** The edge's own 1xxx error code, 0 when the log has none. */
  edgeErrorCode: number;
  /**
   * The edge-side cause of an origin failure as a 52x code (520..527), or 0.
   * Logs without 52x codes (nginx, CloudFront, ALB) derive it from their own
   * fields; the client still got `edgeStatus` (e.g. 502 or 504).
   */
  cause: number;
  /** True for a 503 the edge sent because of a WebSocket rate limit. */
  wsRateLimited: boolean;
  /** Response bytes sent to the client. */
  bytes: number;
  /** Who made the request: a visitor (`eyeball`, every format but Cloudflare's) or the edge on someone's behalf. */
  requestSource: RequestSource;
}

export const UNKNOWN_COLO = 'unknown';

export function emptyRequest(): NormalizedRequest {
  return {
    ts: 0,
    zone: '',
    host: '',
    colo: UNKNOWN_COLO,
    edgeStatus: 0,
    originStatus: 0,
    edgeErrorCode: 0,
    cause: 0,
    wsRateLimited: false,
    bytes: 0,
    requestSource: VISITOR,
  };
}

/** Resets a reused request to its empty state before a parser fills it. */
export function resetRequest(req: NormalizedRequest): void {
  req.ts = 0;
  req.zone = '';
  req.host = '';
  req.colo = UNKNOWN_COLO;
  req.edgeStatus = 0;
  req.originStatus = 0;
  req.edgeErrorCode = 0;
  req.cause = 0;
  req.wsRateLimited = false;
  req.bytes = 0;
  req.requestSource = VISITOR;
}
