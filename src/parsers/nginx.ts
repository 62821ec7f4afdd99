import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { byteCount, checkTime } from './fields.js';
import { compileLogFormat, NGINX_COMBINED } from './nginx-format.js';
import type { Parser, ParserFactory } from './parser.js';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const TIME_LOCAL = /^(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;

// Lines come in time order: most share the minute (`10/Oct/2026:13:55`) and offset of the one before.
let minutePrefix = '';
let offsetSuffix = '';
let minuteMs = Number.NaN;

/** `10/Oct/2026:13:55:36 +0200` to epoch ms; NaN when it is not that shape. */
export function parseTimeLocal(text: string): number {
  if (text.length === 26 && minutePrefix !== '' && text.startsWith(minutePrefix) && text.endsWith(offsetSuffix)) {
    const tens = text.charCodeAt(18) - 48;
    const ones = text.charCodeAt(19) - 48;
    if (text.charCodeAt(17) === 58 && tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9) {
      return minuteMs + (tens * 10 + ones) * 1000;
    }
  }
  const m = TIME_LOCAL.exec(text);
  if (!m || MONTHS[m[2]] === undefined) return Number.NaN;
  const offset = (m[7] === '-' ? -1 : 1) * (Number(m[8]) * 60 + Number(m[9])) * 60_000;
  const ms = Date.UTC(+m[3], MONTHS[m[2]], +m[1], +m[4], +m[5], +m[6]) - offset;
  minutePrefix = text.slice(0, 17);
  offsetSuffix = text.slice(20);
  minuteMs = ms - Number(m[6]) * 1000;
  return ms;
}

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
 * The 52x cause of a 502/504 that nginx generated, from the last upstream tried
 * (DESIGN.md): connect never completed → 522; connected, no response header before
 * nginx gave up with 504 → 524; connected, no valid header, 502 → 520. 0 when the
 * fields do not say (or the status is not 502/504).
 */
export function derivedCause(status: number, connectTime: string | undefined, headerTime: string | undefined): number {
  if ((status !== 502 && status !== 504) || connectTime === undefined) return 0;
  if (!isTime(connectTime)) return 522;
  if (headerTime !== undefined && isTime(headerTime)) return 0;
  return status === 504 ? 524 : 520;
}

const TIME_VARIABLES = ['time_local', 'time_iso8601', 'msec'];
const HOST_VARIABLES = ['host', 'http_host', 'server_name'];
const BYTE_VARIABLES = ['body_bytes_sent', 'bytes_sent'];

/** nginx access logs in the operator's own `log_format` (default `combined`). */
export const nginxParser: ParserFactory = (options) => {
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
  const connectAt = index('upstream_connect_time');
  const headerAt = index('upstream_header_time');
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  // Consecutive lines mostly share their second: parse each distinct time text once.
  let lastTimeText = '';
  let lastTimeMs = Number.NaN;

  const parser: Parser = {
    format: 'nginx',
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
            ? parseTimeLocal(timeText)
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

      const connect = connectAt === -1 ? undefined : last(m[connectAt]);
      const header = headerAt === -1 ? undefined : last(m[headerAt]);
      out.cause = derivedCause(status, connect, header);
      if (upstreamStatusAt !== -1) {
        const upstream = last(m[upstreamStatusAt]);
        const answered = upstream !== undefined && /^\d{3}$/.test(upstream);
        // A status only counts as the origin's when a response header really came back.
        const headerCame = header === undefined ? out.cause === 0 : isTime(header);
        if (answered && headerCame) out.originStatus = Number(upstream);
      }
      return null;
    },
  };
  return parser;
};
