import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { byteCount, checkTime } from './fields.js';
import type { Parser, ParserFactory } from './parser.js';
import { TimeLocal } from './time-local.js';

/**
 * `option httplog`, after an optional syslog prefix: client:port [accept_date] frontend
 * backend/server TR/Tw/Tc/Tr/Ta status bytes_read req_cookie res_cookie termination_state
 * actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue {captured request headers} ...
 */
const HTTPLOG =
  /^(?:.*?\]: )?\S+ \[(\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2})(?:\.(\d{3}))?\] \S+ [^/\s]+\/(\S+) \+?-?\d+\/\+?-?\d+\/\+?-?\d+\/\+?(-?\d+)\/\+?-?\d+ (-?\d+) \+?(\d+) \S+ \S+ ([A-Za-z-]{4}) \S+ \S+(?: \{([^}]*)\})?/;

/** The status a request is counted with when HAProxy sent none (-1): 499 when the client left, else 444. */
function noResponse(who: string): number {
  return who === 'C' || who === 'c' ? 499 : 444;
}

/**
 * The first two characters of the termination state (who ended the session, and in which
 * phase) that name a 52x cause. `SC`/`sC`: the connection to the server was refused or timed
 * out; `sH`: no response header before the server timeout; `SH`: the server aborted or sent
 * an invalid header; `PH`: HAProxy blocked an invalid response.
 */
export const HAPROXY_CAUSES: Readonly<Record<string, number>> = { SC: 522, sC: 522, sH: 524, SH: 520, PH: 520 };

/**
 * Whether HAProxy tried a server: it named one (not `<NOSRV>`), and the session did not
 * end before a connection was attempted (phase R: waiting for the request, Q: in the
 * queue, T: tarpitted).
 */
export function haproxyTriedServer(server: string, termination: string): boolean {
  return server !== '<NOSRV>' && !'RQT'.includes(termination[1]);
}

/**
 * The status counted, the origin's status and the 52x cause of one HAProxy entry.
 * Without a server tried (`<NOSRV>`: no server available) a 502/503/504 is HAProxy's own
 * (excluded), whatever the termination state says.
 */
export function haproxyOutcome(
  status: number,
  termination: string,
  server: string,
  responseTime: number,
): { edgeStatus: number; originStatus: number; cause: number } {
  const edgeStatus = status === -1 ? noResponse(termination[0]) : status;
  if (status === -1) return { edgeStatus, originStatus: 0, cause: 0 };
  if (!haproxyTriedServer(server, termination)) return { edgeStatus, originStatus: 0, cause: 0 };
  const cause = HAPROXY_CAUSES[termination.slice(0, 2)] ?? 0;
  if (cause > 0) return { edgeStatus, originStatus: 0, cause };
  // Tr >= 0: the server's response header came back, and this is its status (HAProxy denies are P/R).
  const fromServer = responseTime >= 0 && termination[0] !== 'P' && termination[0] !== 'R';
  return { edgeStatus, originStatus: fromServer ? status : 0, cause: 0 };
}

/**
 * HAProxy HTTP logs (`option httplog`). HAProxy writes the accept date in its local time
 * without an offset: read as UTC (run HAProxy with TZ=UTC). The host is the first captured
 * request header (`capture request header Host len 64`, declared first).
 */
export const haproxyParser: ParserFactory = (options) => {
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  // Its accept_date is $time_local's shape without the offset.
  const timeLocal = new TimeLocal();
  const parser: Parser = {
    format: 'haproxy',
    parse(line, out) {
      const m = HTTPLOG.exec(line);
      if (!m) return reject('format-mismatch', 'line does not match the HAProxy httplog format');
      const [, date, millis, server, tr, statusText, bytesText, termination, captured] = m;

      const ts = timeLocal.parse(`${date} +0000`) + (millis ? Number(millis) : 0);
      const badTime = checkTime(ts, 'accept_date', date);
      if (badTime) return badTime;
      out.ts = ts;

      const status = Number(statusText);
      if (status !== -1 && !(status >= 100 && status <= 599)) {
        return reject('bad-status', `status_code ${JSON.stringify(statusText)} is not an HTTP status (100-599, or -1)`);
      }
      const outcome = haproxyOutcome(status, termination, server, Number(tr));
      out.edgeStatus = outcome.edgeStatus;
      out.originStatus = outcome.originStatus;
      out.cause = outcome.cause;

      const host = captured ? captured.split('|')[0].replace(/:\d+$/, '') : '';
      out.host = host.toLowerCase();
      const zone = options.zone ?? out.host;
      if (!zone) return reject('missing-zone', 'no --zone given and no Host captured (capture request header Host)');
      out.zone = zone;
      out.colo = defaultColo;
      const bytes = byteCount(bytesText);
      if (Number.isNaN(bytes))
        return reject('wrong-type', `bytes_read ${JSON.stringify(bytesText.slice(0, 40))} is not a byte count`);
      out.bytes = bytes;
      return null;
    },
  };
  return parser;
};
