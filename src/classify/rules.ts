/**
 * The classification rules (docs/architecture.md) as one table of data.
 * `classify.ts` walks it top to bottom; the first row that matches decides the
 * group. Every row is covered by a test in `classify.test.ts`.
 */

export type Source = 'edge' | 'origin';
export type Group = 'success' | 'edge' | 'origin' | '503' | '52x' | 'excluded';

export const GROUPS: readonly Group[] = ['success', 'edge', 'origin', '503', '52x', 'excluded'];

/** What the dashboard and README say about each group (from the product page). */
export const GROUP_INFO: Record<Group, { title: string; explanation: string }> = {
  success: { title: 'Success', explanation: 'Responses below 400: informational, success and redirects.' },
  edge: {
    title: 'Edge network errors',
    explanation:
      'Errors the edge itself generated: bad requests, security rules, DNS errors, upload limits, closed connections.',
  },
  origin: {
    title: 'Origin errors',
    explanation: '4xx and 5xx responses that your origin returned and the edge passed through (except 503).',
  },
  '503': {
    title: '503 errors',
    explanation: 'A 503 from your origin passed through by the edge, or a WebSocket rate-limit error.',
  },
  '52x': {
    title: '52x errors',
    explanation:
      'The edge could not get a valid response from your origin: connection refused or timed out, unreachable, or an unexpected answer.',
  },
  excluded: {
    title: 'Edge 502/503/504',
    explanation: 'Errors from the edge itself (502, 503, 504): not part of error analytics, but counted in the total.',
  },
};

/** 1xxx edge error codes shown as 409: DNS resolution errors. Every other 1xxx shows as 403. */
export const DNS_EDGE_ERROR_CODES: ReadonlySet<number> = new Set([1000, 1001, 1002, 1003, 1004, 1014, 1016, 1018]);

/** Status codes nginx logs although the client never got a response: counted, and marked so in the dashboard. */
export const NOT_RETURNED_STATUSES: ReadonlySet<number> = new Set([444, 499]);

/** The facts a rule looks at, derived once per request by `classify`. */
export interface Facts {
  /** The status the views show (after 1xxx and 52x-cause mapping). */
  status: number;
  source: Source;
  wsRateLimited: boolean;
}

export interface Rule {
  /** Stable name used by the tests and the README table. */
  name: string;
  source?: Source;
  /** Inclusive status range. */
  from: number;
  to: number;
  /** Only when the edge sent the 503 for a WebSocket rate limit. */
  wsRateLimited?: boolean;
  group: Group;
  note: string;
}

export const RULES: readonly Rule[] = [
  { name: 'below-400', from: 100, to: 399, group: 'success', note: 'informational, success and redirects' },
  {
    name: 'origin-503',
    source: 'origin',
    from: 503,
    to: 503,
    group: '503',
    note: 'a 503 the origin returned, passed through',
  },
  {
    name: 'origin-4xx-5xx',
    source: 'origin',
    from: 400,
    to: 599,
    group: 'origin',
    note: 'origin 400, 404, other 4xx and 50x',
  },
  {
    name: 'edge-52x',
    source: 'edge',
    from: 520,
    to: 527,
    group: '52x',
    note: '520-527: the edge could not get a valid origin response',
  },
  {
    name: 'edge-503-websocket',
    source: 'edge',
    from: 503,
    to: 503,
    wsRateLimited: true,
    group: '503',
    note: 'a 503 the edge sent for a WebSocket rate limit',
  },
  {
    name: 'edge-502-504',
    source: 'edge',
    from: 502,
    to: 504,
    group: 'excluded',
    note: 'the edge’s own 502, 503, 504: not error analytics',
  },
  {
    name: 'edge-4xx',
    source: 'edge',
    from: 400,
    to: 499,
    group: 'edge',
    note: 'edge-generated 400, 403, 409, 413, 429, 444, 499, ...',
  },
  {
    name: 'edge-other-5xx',
    source: 'edge',
    from: 500,
    to: 599,
    group: 'edge',
    note: 'other edge-generated 5xx (e.g. 500)',
  },
];
