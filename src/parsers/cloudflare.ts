import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { EDGE_BLOCK_ERROR_CODE, EDGE_DNS_ERROR_CODE, type Verdict, whoAnswered } from './cloudflare-pathing.js';
import { cloudflareRequestSource } from './cloudflare-request-source.js';
import { badStatus, byteCount, checkTime, epochMs, jsonObject, NotAnObject, statusCode, wrongType } from './fields.js';
import type { Parser, ParserFactory } from './parser.js';

const text = (value: unknown) => (typeof value === 'string' ? value : '');

/**
 * Cloudflare Logpush `http_requests` NDJSON. Reads EdgeStartTimestamp, EdgeResponseStatus,
 * OriginResponseStatus, EdgeColoCode, ClientRequestHost, EdgeResponseBytes, ZoneName, and
 * the pathing fields and SecurityAction that tell the edge's own answers (see
 * cloudflare-pathing.ts), and ClientRequestSource, WorkerSubrequest and ParentRayID that tell
 * visitors from the edge's own requests (see cloudflare-request-source.ts); every other field
 * is ignored, the subrequests a merged line nests included (they are not visitor requests).
 */
export const cloudflareParser: ParserFactory = (options) => {
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
  // Most lines repeat the pathing of the line before (`macro`/`wl`/`nr`): decide each combination once.
  let lastPathing = '';
  let lastVerdict: Verdict = 'onward';
  const parser: Parser = {
    format: 'cloudflare',
    parse(line, out) {
      const o = jsonObject(line);
      if (o instanceof NotAnObject) return o.rejection;

      const rawTs = o.EdgeStartTimestamp;
      if (rawTs === undefined) return reject('missing-field', 'EdgeStartTimestamp is missing');
      const ts = epochMs(rawTs);
      const badTime = checkTime(ts, 'EdgeStartTimestamp', rawTs);
      if (badTime) return badTime;
      out.ts = Math.floor(ts);

      const rawStatus = o.EdgeResponseStatus;
      if (rawStatus === undefined) return reject('missing-field', 'EdgeResponseStatus is missing');
      const edgeStatus = statusCode(rawStatus, false);
      if (Number.isNaN(edgeStatus)) return badStatus('EdgeResponseStatus', rawStatus, false);
      out.edgeStatus = edgeStatus;

      const rawOrigin = o.OriginResponseStatus;
      if (rawOrigin !== undefined && rawOrigin !== null) {
        const originStatus = statusCode(rawOrigin, true);
        if (Number.isNaN(originStatus)) return badStatus('OriginResponseStatus', rawOrigin, true);
        out.originStatus = originStatus;
      }

      const zone = o.ZoneName ?? options.zone;
      if (zone === undefined || zone === '')
        return reject('missing-zone', 'no ZoneName in the line and no --zone given');
      if (typeof zone !== 'string') return wrongType('ZoneName', zone, 'a string');
      out.zone = zone;

      const host = o.ClientRequestHost;
      if (host !== undefined && host !== null) {
        if (typeof host !== 'string') return wrongType('ClientRequestHost', host, 'a string');
        out.host = host.toLowerCase();
      }

      const colo = o.EdgeColoCode;
      if (colo !== undefined && colo !== null && colo !== '') {
        if (typeof colo !== 'string') return wrongType('EdgeColoCode', colo, 'a string');
        out.colo = colo.toUpperCase();
      } else out.colo = defaultColo;

      const rawBytes = o.EdgeResponseBytes;
      if (rawBytes !== undefined && rawBytes !== null) {
        const bytes = byteCount(rawBytes);
        if (Number.isNaN(bytes)) return wrongType('EdgeResponseBytes', rawBytes, 'a non-negative integer');
        out.bytes = bytes;
      }

      out.requestSource = cloudflareRequestSource(o.ClientRequestSource, o.WorkerSubrequest, o.ParentRayID);

      const src = text(o.EdgePathingSrc);
      const op = text(o.EdgePathingOp);
      const pathingStatus = text(o.EdgePathingStatus);
      const action = text(o.SecurityAction);
      const pathing = `${src}\u0000${op}\u0000${pathingStatus}\u0000${action}`;
      if (pathing !== lastPathing) {
        lastPathing = pathing;
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
    },
  };
  return parser;
};
