/**
 * Who made a request, as the edge's own analytics tell them apart: visitors (`eyeball`), or the
 * edge itself on someone's behalf (purges, health checks, Worker subrequests, Early Hints...).
 */
export const REQUEST_SOURCES = [
  'eyeball',
  'purge',
  'alwaysOnline',
  'healthcheck',
  'edgeWorkerFetch',
  'edgeWorkerCacheAPI',
  'edgeWorkerKV',
  'imageResizing',
  'orangeToOrange',
  'sslDetector',
  'earlyHintsCache',
  'inBrowserChallenge',
  // Documented as "should never happen": kept apart from visitors so it stays visible.
  'unknown',
  // Any value this version does not know: one bounded bucket, never the log's own text.
  'other',
] as const;
export type RequestSource = (typeof REQUEST_SOURCES)[number];

/** Visitor requests: the only ones the status-code views count unless asked otherwise. */
export const VISITOR: RequestSource = 'eyeball';

const KNOWN = new Set<string>(REQUEST_SOURCES);

/** True for one of REQUEST_SOURCES (query parameters, stored values). */
export function isRequestSource(value: string): value is RequestSource {
  return KNOWN.has(value);
}
