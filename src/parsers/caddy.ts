import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { badStatus, byteCount, checkTime, epochMs, jsonObject, NotAnObject, statusCode, wrongType } from './fields.js';
import { type Parser, type ParserFactory, SKIP } from './parser.js';

/**
 * The 52x cause of a response Caddy's reverse_proxy generated (its access log then has
 * an `err_trace` starting `reverseproxy.`): 502 is any proxy failure → 520; 504 a timeout
 * (dial or response header) → 524. Its 503 (no upstream available) and 499 (client left) have none.
 */
export const CADDY_PROXY_CAUSES: Readonly<Record<number, number>> = { 502: 520, 504: 524 };

/**
 * The origin's status and 52x cause of one Caddy access log entry: without `err_trace` the
 * response came through Caddy's handlers (the upstream's answer, passed on); with one,
 * Caddy made the response itself. A reverse_proxy 502/504 always follows a dial of a chosen
 * upstream (with none available Caddy answers 503). `upstream` is the optional field
 * `log_append upstream {http.reverse_proxy.upstream.hostport}` adds: when the entry has
 * it, an empty value says no upstream was tried, so the response is Caddy's own (a
 * `respond` or `redir`, say) and a 502/504 gets no cause.
 */
export function caddyOutcome(
  status: number,
  errTrace: string | undefined,
  upstream?: string,
): { originStatus: number; cause: number } {
  const tried = upstream === undefined || (upstream !== '' && upstream !== '-');
  if (!tried) return { originStatus: 0, cause: 0 };
  if (errTrace === undefined) return { originStatus: status, cause: 0 };
  const proxy = errTrace.startsWith('reverseproxy.');
  return { originStatus: 0, cause: proxy ? (CADDY_PROXY_CAUSES[status] ?? 0) : 0 };
}

/** Caddy JSON access logs (`http.log.access`); other Caddy log lines in the stream are skipped. */
export const caddyParser: ParserFactory = (options) => {
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  const parser: Parser = {
    format: 'caddy',
    parse(line, out) {
      const o = jsonObject(line);
      if (o instanceof NotAnObject) return o.rejection;
      // Caddy writes its other logs (startup, TLS, errors) to the same output by default.
      if (typeof o.logger === 'string' && !o.logger.startsWith('http.log.access')) return SKIP;

      const rawTs = o.ts;
      if (rawTs === undefined) return reject('missing-field', 'ts is missing');
      const ts = epochMs(rawTs);
      const badTime = checkTime(ts, 'ts', rawTs);
      if (badTime) return badTime;
      out.ts = Math.floor(ts);

      const rawStatus = o.status;
      if (rawStatus === undefined) return reject('missing-field', 'status is missing');
      const status = statusCode(rawStatus, false);
      if (Number.isNaN(status)) return badStatus('status', rawStatus, false);
      out.edgeStatus = status;

      const request = o.request;
      if (request === undefined) return reject('missing-field', 'request is missing');
      if (request === null || typeof request !== 'object' || Array.isArray(request)) {
        return wrongType('request', request, 'an object');
      }
      const host = (request as Record<string, unknown>).host;
      if (host !== undefined && typeof host !== 'string') return wrongType('request.host', host, 'a string');
      // request.host keeps the port when the client sent one.
      out.host = host ? host.replace(/:\d+$/, '').toLowerCase() : '';
      const zone = options.zone ?? out.host;
      if (!zone) return reject('missing-zone', 'no --zone given and the entry has no request.host');
      out.zone = zone;
      out.colo = defaultColo;

      const rawSize = o.size;
      if (rawSize !== undefined) {
        const bytes = byteCount(rawSize);
        if (Number.isNaN(bytes)) return wrongType('size', rawSize, 'a non-negative integer');
        out.bytes = bytes;
      }

      const errTrace = o.err_trace;
      if (errTrace !== undefined && typeof errTrace !== 'string') return wrongType('err_trace', errTrace, 'a string');
      const upstream = o.upstream;
      if (upstream !== undefined && upstream !== null && typeof upstream !== 'string') {
        return wrongType('upstream', upstream, 'a string');
      }
      const outcome = caddyOutcome(status, errTrace, upstream ?? undefined);
      out.originStatus = outcome.originStatus;
      out.cause = outcome.cause;
      return null;
    },
  };
  return parser;
};
