import { reject } from '../model/rejection.js';
import { UNKNOWN_COLO } from '../model/request.js';
import { badStatus, byteCount, checkTime, epochMs, jsonObject, NotAnObject, statusCode, wrongType } from './fields.js';
import type { Parser, ParserFactory } from './parser.js';

/**
 * Cloudflare Logpush `http_requests` NDJSON. Reads EdgeStartTimestamp, EdgeResponseStatus,
 * OriginResponseStatus, EdgeColoCode, ClientRequestHost, EdgeResponseBytes, ZoneName and
 * the pathing fields that tell a DNS error; every other field is ignored.
 */
export const cloudflareParser: ParserFactory = (options) => {
  const defaultColo = options.colo?.toUpperCase() ?? UNKNOWN_COLO;
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

      // Cloudflare's pathing fields say when the edge answered with a host (DNS) error:
      // EdgePathingOp "errHost" with a DNS status. Those are the 1000/1001 errors the page shows as 409.
      if (
        o.EdgePathingOp === 'errHost' &&
        typeof o.EdgePathingStatus === 'string' &&
        /dns/i.test(o.EdgePathingStatus)
      ) {
        out.edgeErrorCode = 1000;
      }
      return null;
    },
  };
  return parser;
};
