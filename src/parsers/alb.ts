import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { byteCount, checkTime } from './fields.js';
import type { Parser, ParserFactory } from './parser.js';

const Q = '"((?:[^"\\\\]|\\\\.)*)"';
/**
 * An ALB access log entry: type time elb client:port target:port request_processing_time
 * target_processing_time response_processing_time elb_status_code target_status_code
 * received_bytes sent_bytes "request" "user_agent" ssl_cipher ssl_protocol target_group_arn
 * "trace_id" "domain_name" "chosen_cert_arn", then (newer logs) matched_rule_priority
 * request_creation_time "actions_executed" "redirect_url" "error_reason" and more.
 */
const ENTRY = new RegExp(
  `^(https?|h2|grpcs|wss?) (\\S+) \\S+ \\S+ (\\S+) \\S+ \\S+ \\S+ (\\S+) (\\S+) \\S+ (\\S+) ${Q} ${Q} \\S+ \\S+ (\\S+) ${Q} ${Q} ${Q}(?: \\S+ (\\S+) ${Q} ${Q} ${Q})?`,
);
const REQUEST_HOST = /^\S+ [A-Za-z][A-Za-z0-9+.-]*:\/\/(\[[^\]]+\]|[^/:?\s]+)/;
const ARN_REGION = /^arn:aws[a-z-]*:[a-z0-9-]+:([a-z]{2}(?:-[a-z]+)+-\d+):/;

/** ALB statuses that have another name in every other log: 460 (client closed first) is nginx's 499; 000 (ALB closed the connection without a response) is 444. */
export const ALB_STATUS_ALIASES: Readonly<Record<string, number>> = { '460': 499, '000': 444 };

/**
 * Whether the ALB tried a target: `target:port` names one, or the target is a Lambda
 * function (logged as `-`, but its errors are `Lambda…` error reasons). `-` otherwise:
 * the request never reached a target (redirect, fixed response, authentication, WAF, no
 * registered or healthy target, a request the ALB could not dispatch).
 */
export function albTriedTarget(target: string, errorReason: string): boolean {
  return target !== '-' || errorReason.startsWith('Lambda');
}

/**
 * The origin's status and the 52x cause of one ALB entry: a target status means the
 * target answered; without one, and only when a target was tried, the ALB's 502 is 522
 * when it could not connect (`TargetConnectionError`) and 520 otherwise, its 504 is 522
 * when it could not connect and 524 when the target did not answer in time. A 502/503/504
 * without a target tried is the ALB's own (excluded), with no cause.
 */
export function albOutcome(
  elbStatus: number,
  targetStatus: string,
  errorReason: string,
  target: string,
): { originStatus: number; cause: number } {
  if (/^\d{3}$/.test(targetStatus)) return { originStatus: Number(targetStatus), cause: 0 };
  if (!albTriedTarget(target, errorReason)) return { originStatus: 0, cause: 0 };
  const connect = errorReason === 'TargetConnectionError';
  if (elbStatus === 502) return { originStatus: 0, cause: connect ? 522 : 520 };
  if (elbStatus === 504) return { originStatus: 0, cause: connect ? 522 : 524 };
  return { originStatus: 0, cause: 0 };
}

/** AWS Application Load Balancer access logs (one entry per line, as delivered to S3). */
export const albParser: ParserFactory = (options) => {
  const coloOption = options.colo?.toUpperCase();
  const parser: Parser = {
    format: 'alb',
    parse(line, out) {
      const m = ENTRY.exec(line);
      if (!m) return reject('format-mismatch', 'line does not match the ALB access log entry format');
      const [, , time, target, elbText, targetText, sentText, request, , targetGroup, , domain, cert, created] = m;
      const errorReason = m[16] ?? '-';

      // The normalized time is when the edge received the request: request_creation_time when the log has it.
      const when = created && created !== '-' ? created : time;
      const ts = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(when) ? Date.parse(when) : Number.NaN;
      const badTime = checkTime(ts, created && created !== '-' ? 'request_creation_time' : 'time', when);
      if (badTime) return badTime;
      out.ts = Math.floor(ts);

      const status = ALB_STATUS_ALIASES[elbText] ?? (/^\d{3}$/.test(elbText) ? Number(elbText) : Number.NaN);
      if (!(status >= 100 && status <= 599)) {
        return reject('bad-status', `elb_status_code ${JSON.stringify(elbText)} is not an HTTP status (100-599)`);
      }
      out.edgeStatus = status;
      if (targetText !== '-' && !/^\d{3}$/.test(targetText)) {
        return reject('bad-status', `target_status_code ${JSON.stringify(targetText)} is not an HTTP status or -`);
      }
      const outcome = albOutcome(status, targetText, errorReason, target);
      out.originStatus = outcome.originStatus;
      out.cause = outcome.cause;

      const host = REQUEST_HOST.exec(request)?.[1] ?? (domain !== '-' ? domain : '');
      out.host = host.toLowerCase();
      const zone = options.zone ?? out.host;
      if (!zone) return reject('missing-zone', 'no --zone given and the request has no host');
      out.zone = zone;

      const region = ARN_REGION.exec(targetGroup)?.[1] ?? ARN_REGION.exec(cert)?.[1];
      out.colo = coloOption ?? region?.toUpperCase() ?? UNKNOWN_COLO;

      const bytes = byteCount(sentText);
      if (Number.isNaN(bytes)) return reject('wrong-type', `sent_bytes ${JSON.stringify(sentText)} is not a number`);
      out.bytes = bytes;
      return null;
    },
  };
  return parser;
};
