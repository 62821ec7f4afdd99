import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { byteCount, checkTime } from './fields.js';
import { type Parser, type ParserFactory, SKIP } from './parser.js';
import { W3cFields, type W3cOptions } from './w3c.js';

/** The fields of a CloudFront standard log (legacy), in the documented order. */
export const CLOUDFRONT_FIELDS = [
  'date',
  'time',
  'x-edge-location',
  'sc-bytes',
  'c-ip',
  'cs-method',
  'cs(Host)',
  'cs-uri-stem',
  'sc-status',
  'cs(Referer)',
  'cs(User-Agent)',
  'cs-uri-query',
  'cs(Cookie)',
  'x-edge-result-type',
  'x-edge-request-id',
  'x-host-header',
  'cs-protocol',
  'cs-bytes',
  'time-taken',
  'x-forwarded-for',
  'ssl-protocol',
  'ssl-cipher',
  'x-edge-response-result-type',
  'cs-protocol-version',
  'fle-status',
  'fle-encrypted-fields',
  'c-port',
  'time-to-first-byte',
  'x-edge-detailed-result-type',
  'sc-content-type',
  'sc-content-len',
  'sc-range-start',
  'sc-range-end',
] as const;

/**
 * `x-edge-detailed-result-type` of a 502/504 CloudFront sent because of the origin,
 * as the 52x cause (docs/architecture.md, "Classification as implemented"). Any other Origin* type on such a status counts as 520.
 */
export const CLOUDFRONT_CAUSES: Readonly<Record<string, number>> = {
  OriginConnectError: 522,
  OriginDnsError: 523,
  OriginReadTimeout: 524,
  OriginReadError: 524,
  OriginCommError: 520,
  OriginError: 520,
  OriginInvalidResponseError: 520,
  OriginHeaderTooBigError: 520,
  OriginZeroSizeObjectError: 520,
  OriginContentRangeLengthError: 520,
  OriginWriteError: 520,
  AbortedOrigin: 520,
};

/** `x-edge-result-type` values whose status is the origin's (fresh from it, or cached from it). */
const FROM_ORIGIN = new Set(['Hit', 'RefreshHit', 'Miss', 'OriginShieldHit']);

/** The status a client that got no response is counted with (CloudFront logs `000`; nginx says 499). */
export const NO_RESPONSE_STATUS = 499;

/** Airport code of an edge location: `FRA56-P4` → `FRA`. */
export function edgeColo(location: string): string {
  const m = /^[A-Za-z]{3}/.exec(location);
  return (m ? m[0] : location).toUpperCase();
}

/**
 * How CloudFront's result fields map onto the normalized request: the origin's status
 * (0 when the status is CloudFront's own) and the 52x cause. Exported for the docs table tests.
 */
export function cloudfrontOutcome(
  status: number,
  resultType: string,
  detailed: string,
): { originStatus: number; cause: number } {
  if (FROM_ORIGIN.has(resultType)) return { originStatus: status, cause: 0 };
  if (resultType !== 'Error') return { originStatus: 0, cause: 0 };
  const detail = detailed === '-' || detailed === '' ? 'Error' : detailed;
  if (status === 502 || status === 504) {
    const cause = CLOUDFRONT_CAUSES[detail] ?? (detail.startsWith('Origin') ? 520 : 0);
    return { originStatus: 0, cause };
  }
  // An error status CloudFront passed on from the origin has no named edge cause.
  if (status !== 503 && (detail === 'Error' || detail.startsWith('Origin'))) return { originStatus: status, cause: 0 };
  return { originStatus: 0, cause: 0 };
}

/**
 * AWS CloudFront standard logs (W3C, tab-separated). Field positions come from the
 * `#Fields:` header when the input has one, else from the documented default order.
 */
export const cloudfrontParser: ParserFactory<W3cOptions> = (options) => {
  const fields = new W3cFields(CLOUDFRONT_FIELDS, READ);
  if (options.w3cFields) fields.header(options.w3cFields);
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  let missing = missingOf(fields);
  const v: string[] = [];
  let lastDate = '';
  let lastTime = '';
  let lastMs = Number.NaN;

  const parser: Parser = {
    format: 'cloudfront',
    parse(line, out) {
      if (fields.header(line)) {
        missing = missingOf(fields);
        return SKIP;
      }
      if (missing) return reject('missing-field', `the #Fields header lacks ${missing}`);
      const count = fields.read(line, v);
      if (count !== fields.count) {
        return reject(
          'format-mismatch',
          `${count} tab-separated fields where the #Fields header names ${fields.count}`,
        );
      }

      const date = v[DATE];
      const time = v[TIME];
      if (date !== lastDate || time !== lastTime) {
        lastDate = date;
        lastTime = time;
        lastMs =
          /^\d{4}-\d{2}-\d{2}$/.test(date) && /^\d{2}:\d{2}:\d{2}$/.test(time)
            ? Date.parse(`${date}T${time}Z`)
            : Number.NaN;
      }
      const badTime = checkTime(lastMs, 'date time', `${date} ${time}`);
      if (badTime) return badTime;
      out.ts = lastMs;

      const statusText = v[STATUS];
      const status =
        statusText === '000' ? NO_RESPONSE_STATUS : /^\d{3}$/.test(statusText) ? Number(statusText) : Number.NaN;
      if (!(status >= 100 && status <= 599)) {
        return reject('bad-status', `sc-status ${JSON.stringify(statusText)} is not an HTTP status (100-599, or 000)`);
      }
      out.edgeStatus = status;

      const hostHeader = v[HOST_HEADER];
      const host = hostHeader !== '-' && hostHeader !== '' ? hostHeader : v[CS_HOST];
      out.host = host === '-' ? '' : host.toLowerCase();
      const zone = options.zone ?? out.host;
      if (!zone) return reject('missing-zone', 'no --zone given and the line has no x-host-header or cs(Host)');
      out.zone = zone;

      const location = v[LOCATION];
      out.colo = location !== '-' && location !== '' ? edgeColo(location) : defaultColo;

      if (v[BYTES] !== '-') {
        const bytes = byteCount(v[BYTES]);
        if (Number.isNaN(bytes)) return reject('wrong-type', `sc-bytes ${JSON.stringify(v[BYTES])} is not a number`);
        out.bytes = bytes;
      }

      if (statusText !== '000') {
        const outcome = cloudfrontOutcome(status, v[RESULT], v[DETAILED]);
        out.originStatus = outcome.originStatus;
        out.cause = outcome.cause;
      }
      return null;
    },
  };
  return parser;
};

/** The fields the parser reads, and their slots in what `W3cFields.read` returns. */
const READ = [
  'date',
  'time',
  'sc-status',
  'x-edge-location',
  'sc-bytes',
  'cs(Host)',
  'x-host-header',
  'x-edge-result-type',
  'x-edge-detailed-result-type',
];
const [DATE, TIME, STATUS, LOCATION, BYTES, CS_HOST, HOST_HEADER, RESULT, DETAILED] = READ.keys();
const REQUIRED = ['date', 'time', 'sc-status'];

function missingOf(fields: W3cFields): string {
  return REQUIRED.filter((name) => fields.at(name) === -1).join(', ');
}
