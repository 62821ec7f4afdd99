import { type Rejection, reject } from '../model/rejection.js';
import { type NormalizedRequest, UNKNOWN_COLO } from '../model/request.js';
import { EDGE_BLOCK_ERROR_CODE, EDGE_DNS_ERROR_CODE, type Verdict, whoAnswered } from './cloudflare-pathing.js';
import { cloudflareRequestSource } from './cloudflare-request-source.js';
import { badStatus, byteCount, checkTime, epochMs, jsonObject, NotAnObject, statusCode, wrongType } from './fields.js';
import { JsonLineScanner } from './json-scan.js';
import type { ParserFactory } from './parser.js';

/** A time `utcMillis` can read once its minute is known. */
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d(\.\d{1,9})?Z$/;

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/** The members a Logpush line is read for, in the order of the `F` indexes below; every other member is skipped. */
const FIELDS = [
  'EdgeStartTimestamp',
  'EdgeResponseStatus',
  'OriginResponseStatus',
  'ZoneName',
  'ClientRequestHost',
  'EdgeColoCode',
  'EdgeResponseBytes',
  'ClientRequestSource',
  'WorkerSubrequest',
  'ParentRayID',
  'EdgePathingSrc',
  'EdgePathingOp',
  'EdgePathingStatus',
  'SecurityAction',
] as const;
enum F {
  Timestamp,
  Status,
  Origin,
  Zone,
  Host,
  Colo,
  Bytes,
  RequestSource,
  WorkerSubrequest,
  ParentRayId,
  PathingSrc,
  PathingOp,
  PathingStatus,
  SecurityAction,
}
/** The members the scanner leaves as bytes until asked: the time, read from the bytes when it can be. */
const SCANNED_LATER = [F.Timestamp];

/**
 * Cloudflare Logpush `http_requests` NDJSON. Reads EdgeStartTimestamp, EdgeResponseStatus,
 * OriginResponseStatus, EdgeColoCode, ClientRequestHost, EdgeResponseBytes, ZoneName, and
 * the pathing fields and SecurityAction that tell the edge's own answers (see
 * cloudflare-pathing.ts), and ClientRequestSource, WorkerSubrequest and ParentRayID that tell
 * visitors from the edge's own requests (see cloudflare-request-source.ts); every other field
 * is ignored, the subrequests a merged line nests included (they are not visitor requests).
 * Lines as bytes go through a validating scanner (json-scan.ts) that reads these members
 * alone; a line it does not accept is parsed as text with JSON.parse, which then says why.
 */
export const cloudflareParser: ParserFactory = (options) => {
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  // Most lines repeat the pathing of the line before (`macro`/`wl`/`nr`): decide each combination once.
  let lastSrc = '';
  let lastOp = '';
  let lastPathingStatus = '';
  let lastAction = '';
  let lastVerdict: Verdict = whoAnswered('', '', '', '');
  const scanner = new JsonLineScanner(FIELDS, SCANNED_LATER);
  const parsed: unknown[] = FIELDS.map(() => undefined);

  /**
   * Fills `out` from the members read (by `F` index), or says why the line is not a request.
   * `knownTs` is the time when the scanner read it from the bytes, else NaN.
   */
  function fill(v: readonly unknown[], out: NormalizedRequest, knownTs: number): Rejection | null {
    const rawTs = v[F.Timestamp];
    let ts = knownTs;
    if (Number.isNaN(ts)) {
      if (rawTs === undefined) return reject('missing-field', 'EdgeStartTimestamp is missing');
      ts = epochMs(rawTs);
    }
    const badTime = checkTime(ts, 'EdgeStartTimestamp', rawTs);
    if (badTime) return badTime;
    out.ts = Math.floor(ts);

    const rawStatus = v[F.Status];
    if (rawStatus === undefined) return reject('missing-field', 'EdgeResponseStatus is missing');
    const edgeStatus = statusCode(rawStatus, false);
    if (Number.isNaN(edgeStatus)) return badStatus('EdgeResponseStatus', rawStatus, false);
    out.edgeStatus = edgeStatus;

    const rawOrigin = v[F.Origin];
    if (rawOrigin !== undefined && rawOrigin !== null) {
      const originStatus = statusCode(rawOrigin, true);
      if (Number.isNaN(originStatus)) return badStatus('OriginResponseStatus', rawOrigin, true);
      out.originStatus = originStatus;
    }

    const zone = v[F.Zone] ?? options.zone;
    if (zone === undefined || zone === '') return reject('missing-zone', 'no ZoneName in the line and no --zone given');
    if (typeof zone !== 'string') return wrongType('ZoneName', zone, 'a string');
    out.zone = zone;

    const host = v[F.Host];
    if (host !== undefined && host !== null) {
      if (typeof host !== 'string') return wrongType('ClientRequestHost', host, 'a string');
      out.host = lowerCase(host);
    }

    const colo = v[F.Colo];
    if (colo !== undefined && colo !== null && colo !== '') {
      if (typeof colo !== 'string') return wrongType('EdgeColoCode', colo, 'a string');
      out.colo = upperCase(colo);
    } else out.colo = defaultColo;

    const rawBytes = v[F.Bytes];
    if (rawBytes !== undefined && rawBytes !== null) {
      const bytes = byteCount(rawBytes);
      if (Number.isNaN(bytes)) return wrongType('EdgeResponseBytes', rawBytes, 'a non-negative integer');
      out.bytes = bytes;
    }

    out.requestSource = cloudflareRequestSource(v[F.RequestSource], v[F.WorkerSubrequest], v[F.ParentRayId]);

    const src = text(v[F.PathingSrc]);
    const op = text(v[F.PathingOp]);
    const pathingStatus = text(v[F.PathingStatus]);
    const action = text(v[F.SecurityAction]);
    if (src !== lastSrc || op !== lastOp || pathingStatus !== lastPathingStatus || action !== lastAction) {
      lastSrc = src;
      lastOp = op;
      lastPathingStatus = pathingStatus;
      lastAction = action;
      lastVerdict = whoAnswered(src, op, pathingStatus, action);
    }
    if (lastVerdict !== 'onward') {
      // The edge answered itself: whatever the origin said did not reach the client.
      out.originStatus = 0;
      const dns = lastVerdict === 'dns' || (lastVerdict === 'host' && edgeStatus === 409);
      if (dns) out.edgeErrorCode = EDGE_DNS_ERROR_CODE;
      else if (lastVerdict === 'block' || lastVerdict === 'host') out.edgeErrorCode = EDGE_BLOCK_ERROR_CODE;
    }
    return null;
  }

  /**
   * Lines come in time order: once a UTC time is read as text, its minute is kept so that the
   * next times of that minute are read from the bytes (hours 00-23 only: Date.parse takes 24:00
   * alone).
   */
  function learnMinute(raw: unknown): void {
    if (typeof raw !== 'string' || !RFC3339_UTC.test(raw) || raw.slice(11, 13) >= '24') return;
    const minute = Date.parse(`${raw.slice(0, 17)}00Z`);
    if (Number.isFinite(minute) && Number.isFinite(Date.parse(raw))) scanner.rememberMinute(F.Timestamp, minute);
  }

  // Hosts and colos repeat line after line: their case is changed once per distinct value.
  let lastHost = '';
  let lastLowerHost = '';
  let lastColo = '';
  let lastUpperColo = '';
  const lowerCase = (host: string) => {
    if (host !== lastHost) {
      lastHost = host;
      lastLowerHost = host.toLowerCase();
    }
    return lastLowerHost;
  };
  const upperCase = (colo: string) => {
    if (colo !== lastColo) {
      lastColo = colo;
      lastUpperColo = colo.toUpperCase();
    }
    return lastUpperColo;
  };

  return {
    format: 'cloudflare',
    parse(line, out) {
      const o = jsonObject(line);
      if (o instanceof NotAnObject) return o.rejection;
      for (let i = 0; i < FIELDS.length; i++) parsed[i] = o[FIELDS[i]];
      return fill(parsed, out, Number.NaN);
    },
    scan(bytes, from, limit, out) {
      const end = scanner.scan(bytes, from, limit);
      if (end === -1) return -1;
      const known = scanner.utcMillis(F.Timestamp);
      const values = scanner.values;
      if (Number.isNaN(known)) {
        values[F.Timestamp] = scanner.value(F.Timestamp);
        learnMinute(values[F.Timestamp]);
      }
      return fill(values, out, known) === null ? end : -1;
    },
  };
};
