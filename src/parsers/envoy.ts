import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { byteCount, checkTime } from './fields.js';
import type { Parser, ParserFactory } from './parser.js';

/**
 * Envoy's default access log format: [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
 * %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
 * %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
 * "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" (fields an operator appends are ignored).
 */
const DEFAULT_FORMAT =
  /^\[([^\]]+)\] "[^"]*" (\d+) (\S+) \d+ (\d+) \S+ (\S+) "[^"]*" "(?:[^"\\]|\\.)*" "[^"]*" "([^"]*)" "([^"]*)"/;

/**
 * %RESPONSE_FLAGS% that name a 52x cause, in the order they decide: UF upstream connection
 * failure → 522; UT upstream request timeout and UMSDR max stream duration → 524; UPE
 * upstream protocol error, UC upstream connection termination, UR upstream reset and URX
 * retries exhausted without an upstream answer → 520. UH (no healthy upstream) and UO
 * (circuit breaker) are Envoy's own 503s: excluded, no cause.
 */
export const ENVOY_CAUSES: ReadonlyArray<readonly [string, number]> = [
  ['UF', 522],
  ['UT', 524],
  ['UMSDR', 524],
  ['UPE', 520],
  ['UC', 520],
  ['UR', 520],
  ['URX', 520],
];

/**
 * The status counted, the origin's status and the 52x cause of one Envoy entry. Code 0
 * (no response sent) counts as 499 when the client went away (DC), else 444. Without an
 * upstream host (`-`) no upstream was tried: the response is Envoy's own, with no cause.
 */
export function envoyOutcome(
  code: number,
  flags: string,
  upstreamAnswered: boolean,
  upstreamHost: string,
): { edgeStatus: number; originStatus: number; cause: number } {
  const list = flags === '-' ? [] : flags.split(',');
  if (code === 0) return { edgeStatus: list.includes('DC') ? 499 : 444, originStatus: 0, cause: 0 };
  // %UPSTREAM_HOST% `-`: Envoy picked no upstream host, so whatever it answered is its own.
  if (upstreamHost === '-') return { edgeStatus: code, originStatus: 0, cause: 0 };
  // With an upstream answer (service time logged) the status is the upstream's, also after exhausted retries.
  if (upstreamAnswered && list.every((flag) => flag === 'URX' || flag === 'DC')) {
    return { edgeStatus: code, originStatus: code, cause: 0 };
  }
  const cause = code >= 500 ? (ENVOY_CAUSES.find(([flag]) => list.includes(flag))?.[1] ?? 0) : 0;
  return { edgeStatus: code, originStatus: 0, cause };
}

/** Envoy access logs in the default format; the host is `:authority` without its port. */
export const envoyParser: ParserFactory = (options) => {
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  const parser: Parser = {
    format: 'envoy',
    parse(line, out) {
      const m = DEFAULT_FORMAT.exec(line);
      if (!m) return reject('format-mismatch', "line does not match Envoy's default access log format");
      const [, start, codeText, flags, bytesText, serviceTime, authority, upstreamHost] = m;

      const ts = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(start)
        ? Date.parse(start)
        : Number.NaN;
      const badTime = checkTime(ts, 'START_TIME', start);
      if (badTime) return badTime;
      out.ts = ts;

      const code = Number(codeText);
      if (code !== 0 && !(code >= 100 && code <= 599)) {
        return reject('bad-status', `RESPONSE_CODE ${JSON.stringify(codeText)} is not an HTTP status (100-599, or 0)`);
      }
      const outcome = envoyOutcome(code, flags, /^\d+$/.test(serviceTime), upstreamHost);
      out.edgeStatus = outcome.edgeStatus;
      out.originStatus = outcome.originStatus;
      out.cause = outcome.cause;

      const host = authority === '-' ? '' : authority.replace(/:\d+$/, '').toLowerCase();
      out.host = host;
      const zone = options.zone ?? host;
      if (!zone) return reject('missing-zone', 'no --zone given and the entry has no :authority');
      out.zone = zone;
      out.colo = defaultColo;
      const bytes = byteCount(bytesText);
      if (Number.isNaN(bytes))
        return reject('wrong-type', `BYTES_SENT ${JSON.stringify(bytesText.slice(0, 40))} is not a byte count`);
      out.bytes = bytes;
      return null;
    },
  };
  return parser;
};
