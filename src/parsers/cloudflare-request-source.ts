import { isRequestSource, type RequestSource, VISITOR } from '../model/request-source.js';

/**
 * Cloudflare's `ClientRequestSource` values in Cloudflare's own numbering (0 unknown, 1 eyeball,
 * ... 12 inBrowserChallenge): Logpush sends either the name or this number.
 */
const BY_NUMBER: readonly RequestSource[] = [
  'unknown',
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
];

/**
 * The request source of a Logpush `http_requests` line from `ClientRequestSource`,
 * `WorkerSubrequest` and `ParentRayID`. A line without them is a visitor's (older jobs do not
 * send the field); a Worker subrequest is never one, whatever else it says; a value this
 * version does not know is `other`, so that no log text becomes a dimension value.
 */
export function cloudflareRequestSource(
  source: unknown,
  workerSubrequest: unknown,
  parentRayId: unknown,
): RequestSource {
  const subrequest =
    workerSubrequest === true ||
    workerSubrequest === 'true' ||
    (typeof parentRayId === 'string' && parentRayId !== '' && parentRayId !== '00');
  const named = fromField(source);
  if (subrequest && (named === VISITOR || source === undefined || source === null)) return 'edgeWorkerFetch';
  return named;
}

function fromField(source: unknown): RequestSource {
  if (source === undefined || source === null || source === '') return VISITOR;
  if (typeof source === 'number') return Number.isInteger(source) ? (BY_NUMBER[source] ?? 'other') : 'other';
  if (typeof source !== 'string') return 'other';
  if (/^\d{1,2}$/.test(source)) return BY_NUMBER[Number(source)] ?? 'other';
  return isRequestSource(source) && source !== 'other' ? source : 'other';
}
