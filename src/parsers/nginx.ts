import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { byteCount, checkTime } from './fields.js';
import { compileLogFormat, NGINX_COMBINED } from './nginx-format.js';
import type { CommonParserOptions, Parser, ParserFactory } from './parser.js';
import { TimeLocal } from './time-local.js';

/** The entries of an upstream list: `502, 200` (upstreams tried) or `502 : 200` (upstream groups). */
export function upstreamEntries(value: string): string[] {
  return value.split(/\s*[,:]\s+|\s+:\s*/);
}

const last = (value: string | undefined) => {
  if (value === undefined) return undefined;
  const entries = upstreamEntries(value);
  return entries[entries.length - 1];
};
const isTime = (value: string | undefined) => value !== undefined && /^\d+(\.\d+)?$/.test(value);

/**
 * True when an `$upstream_addr` entry names a server nginx really tried: an address
 * (`IP:port`, `[IPv6]:port` or `unix:path`). `-` means no upstream was involved, and
 * when no live server was left nginx logs the upstream group's name instead of an address.
 */
export function isUpstreamAddress(entry: string | undefined): boolean {
  return entry !== undefined && /^(?:\d{1,3}(?:\.\d{1,3}){3}:\d+|\[[0-9A-Fa-f:.]+\]:\d+|unix:.+)$/.test(entry);
}

/**
 * The position of the upstream that counted in an `$upstream_addr` list: the last one
 * nginx really tried, or -1 when it tried none. A group name after an address (the next
 * try found no live server) is passed over: the address before it is the origin that failed.
 */
export function lastTriedAt(addrEntries: readonly string[]): number {
  for (let i = addrEntries.length - 1; i >= 0; i--) if (isUpstreamAddress(addrEntries[i])) return i;
  return -1;
}

/**
 * Without `$upstream_addr`, whether nginx tried an upstream: `$upstream_status` is not
 * `-`, else (neither in the format) `$upstream_connect_time` is a time (it connected).
 * Without any of them nginx's log cannot say: false.
 */
export function upstreamTried(upstreamStatus: string | undefined, connectTime: string | undefined): boolean {
  if (upstreamStatus !== undefined) return upstreamStatus !== '-' && upstreamStatus !== '';
  return isTime(connectTime);
}

/** Entry `i` of an upstream list when it has `count` entries (lists are written side by side), else its last. */
function entryAt(value: string, i: number, count: number): string {
  const entries = upstreamEntries(value);
  return entries.length === count ? entries[i] : entries[entries.length - 1];
}

/**
 * The 52x cause of a 502/504 that nginx generated after trying an upstream, from the
 * last upstream tried: connect never completed → 522; connected, no response header
 * before nginx gave up with 504 → 524; connected, no valid header, 502 → 520. 0 when
 * no upstream was tried (nginx's own 502/504: excluded), when the fields do not say,
 * or when the status is not 502/504.
 */
export function derivedCause(
  status: number,
  tried: boolean,
  connectTime: string | undefined,
  headerTime: string | undefined,
): number {
  if ((status !== 502 && status !== 504) || !tried || connectTime === undefined) return 0;
  if (!isTime(connectTime)) return 522;
  if (headerTime !== undefined && isTime(headerTime)) return 0;
  return status === 504 ? 524 : 520;
}

/** `combined` plus the host and the upstream variables that tell the origin's answers and 52x causes apart. */
export const NGINX_UPSTREAM_LOG_FORMAT =
  '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" ' +
  '$host us=$upstream_status ua=$upstream_addr uct=$upstream_connect_time uht=$upstream_header_time';

/**
 * What an nginx format without `$upstream_status` and `$upstream_addr` cannot tell, and
 * the log_format to use instead: said once per ingest (summary, push answer).
 */
export const NGINX_NO_UPSTREAM_NOTICE =
  'this nginx log format has no $upstream_status or $upstream_addr, so origin errors and 52x cannot be told from ' +
  "nginx's own errors: every status counts as the edge's own (an origin 404 as an edge 404, an origin failure as " +
  `an excluded 502/504). Log with log_format edgestat '${NGINX_UPSTREAM_LOG_FORMAT}'; and pass that format with --nginx-log-format.`;

const TIME_VARIABLES = ['time_local', 'time_iso8601', 'msec'];
const HOST_VARIABLES = ['host', 'http_host', 'server_name'];
const BYTE_VARIABLES = ['body_bytes_sent', 'bytes_sent'];

/** What the nginx parser reads besides the common options. */
export interface NginxOptions extends CommonParserOptions {
  /** The operator's `log_format` string, verbatim. */
  nginxLogFormat?: string;
  /** The variable in the format that holds the data center (default `colo`). */
  coloVar?: string;
}

/** nginx access logs in the operator's own `log_format` (default `combined`). */
export const nginxParser: ParserFactory<NginxOptions> = (options) => {
  const format = options.nginxLogFormat ?? NGINX_COMBINED;
  const { pattern, variables } = compileLogFormat(format);
  const index = (name: string) => {
    const i = variables.indexOf(name);
    return i === -1 ? -1 : i + 1;
  };
  const first = (names: string[]) => names.map(index).find((i) => i !== -1) ?? -1;
  const statusAt = index('status');
  if (statusAt === -1) throw new Error('the nginx log format has no $status');
  const timeVar = TIME_VARIABLES.find((name) => index(name) !== -1);
  if (!timeVar) throw new Error('the nginx log format has no time: add $time_local, $time_iso8601 or $msec');
  const timeAt = index(timeVar);
  const hostAt = first(HOST_VARIABLES);
  const bytesAt = first(BYTE_VARIABLES);
  const coloAt = index(options.coloVar ?? 'colo');
  const upstreamStatusAt = index('upstream_status');
  const upstreamAddrAt = index('upstream_addr');
  const connectAt = index('upstream_connect_time');
  const headerAt = index('upstream_header_time');
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  const timeLocal = new TimeLocal();
  // Consecutive lines mostly share their second: parse each distinct time text once.
  let lastTimeText = '';
  let lastTimeMs = Number.NaN;

  const parser: Parser = {
    format: 'nginx',
    notices: upstreamStatusAt === -1 && upstreamAddrAt === -1 ? [NGINX_NO_UPSTREAM_NOTICE] : [],
    parse(line, out) {
      const m = pattern.exec(line);
      if (!m)
        return reject(
          'format-mismatch',
          `line does not match the nginx log format ${JSON.stringify(format).slice(0, 120)}`,
        );

      const timeText = m[timeAt];
      if (timeText !== lastTimeText) {
        lastTimeText = timeText;
        lastTimeMs =
          timeVar === 'time_local'
            ? timeLocal.parse(timeText)
            : timeVar === 'msec'
              ? Number(timeText) * 1000
              : Date.parse(timeText);
      }
      const badTime = checkTime(lastTimeMs, `$${timeVar}`, timeText);
      if (badTime) return badTime;
      out.ts = Math.floor(lastTimeMs);

      const statusText = m[statusAt];
      const status = /^\d{3}$/.test(statusText) ? Number(statusText) : Number.NaN;
      if (!(status >= 100 && status <= 599)) {
        return reject('bad-status', `$status ${JSON.stringify(statusText)} is not an HTTP status (100-599)`);
      }
      out.edgeStatus = status;

      const host = hostAt === -1 ? '' : m[hostAt];
      out.host = host === '-' ? '' : host.toLowerCase();
      const zone = options.zone ?? out.host;
      if (!zone) return reject('missing-zone', 'no --zone given and the line has no $host');
      out.zone = zone;

      const colo = coloAt === -1 ? '' : m[coloAt];
      out.colo = colo && colo !== '-' ? colo.toUpperCase() : defaultColo;

      if (bytesAt !== -1) {
        const bytes = byteCount(m[bytesAt]);
        if (Number.isNaN(bytes))
          return reject('wrong-type', `byte count ${JSON.stringify(m[bytesAt])} is not a number`);
        out.bytes = bytes;
      }

      let connect: string | undefined;
      let header: string | undefined;
      let upstream: string | undefined;
      let tried: boolean;
      if (upstreamAddrAt !== -1) {
        // The upstream lists are read at the position of the last upstream really tried.
        const addrs = upstreamEntries(m[upstreamAddrAt]);
        const at = lastTriedAt(addrs);
        tried = at !== -1;
        const pick = (i: number) => (i === -1 ? undefined : entryAt(m[i], tried ? at : addrs.length - 1, addrs.length));
        connect = pick(connectAt);
        header = pick(headerAt);
        upstream = pick(upstreamStatusAt);
      } else {
        connect = connectAt === -1 ? undefined : last(m[connectAt]);
        header = headerAt === -1 ? undefined : last(m[headerAt]);
        upstream = upstreamStatusAt === -1 ? undefined : last(m[upstreamStatusAt]);
        tried = upstreamTried(upstream, connect);
      }
      out.cause = derivedCause(status, tried, connect, header);
      if (tried && upstream !== undefined && /^\d{3}$/.test(upstream)) {
        // A status only counts as the origin's when a response header really came back.
        const headerCame = header === undefined ? out.cause === 0 : isTime(header);
        if (headerCame) out.originStatus = Number(upstream);
      }
      return null;
    },
  };
  return parser;
};
