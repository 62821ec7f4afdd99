import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { codeForStatus, ERROR_STATUS, type ErrorCode, errorBody } from './errors.js';

/** Longest path parameter the router takes: room for the longest zone name. */
const MAX_PARAM = 300;
/** The request line alone over this many bytes is answered 414 rather than 431. */
const LONG_REQUEST_LINE = 8 * 1024;

/** What Node hands a `clientError` listener; `rawPacket` holds the bytes being parsed. */
type ClientError = Error & { code?: string; rawPacket?: unknown };

/**
 * Fastify options that answer the framework's own refusals in the API's `{ error: { code, message } }`
 * shape: a URL that cannot be decoded, a path parameter over the router's limit, and what Node's HTTP
 * parser rejects before Fastify sees a request (oversized headers, a request line that is not HTTP).
 */
export function frameworkErrorOptions(): Pick<
  FastifyServerOptions,
  'frameworkErrors' | 'clientErrorHandler' | 'routerOptions'
> {
  return {
    // Room for the longest zone name: the router refuses longer path parameters (its default is 100).
    routerOptions: { maxParamLength: MAX_PARAM },
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      if (error.code === 'FST_ERR_BAD_URL') {
        return reply.code(400).send(errorBody('bad_url', 'the URL is not valid: broken percent-encoding'));
      }
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
        return reply.code(414).send(errorBody('uri_too_long', `a path segment is over ${MAX_PARAM} characters`));
      }
      const code = codeForStatus(error.statusCode ?? 400);
      return reply.code(ERROR_STATUS[code]).send(errorBody(code, error.message));
    },
    clientErrorHandler: answerClientError,
  };
}

/** Node's parser refused the bytes on a connection: answer in our shape (as Node would, with its status), then close. */
function answerClientError(err: ClientError, socket: Socket): void {
  // A connection reset or an already closed socket: nobody is there to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] = clientErrorAnswer(err);
  const body = JSON.stringify(errorBody(code, message));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

function clientErrorAnswer(err: ClientError): [number, ErrorCode, string] {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return longRequestLine(Buffer.isBuffer(err.rawPacket) ? err.rawPacket : undefined)
        ? [414, 'uri_too_long', 'the request line (method and URL) is too long']
        : [431, 'headers_too_large', 'the request line and headers are over the size limit (16 KiB)'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'request_timeout', 'the request was not received in time'];
    case 'HPE_INVALID_METHOD':
      return [405, 'method_not_allowed', 'unsupported HTTP method'];
    default:
      return [400, 'bad_request', `the request is not valid HTTP (${err.code ?? 'parse error'})`];
  }
}

/** True when the bytes that overflowed start a request whose first line alone is long: a long URL, not many headers. */
function longRequestLine(raw: Buffer | undefined): boolean {
  if (!raw || !/^[A-Z]+ /.test(raw.subarray(0, 16).toString('latin1'))) return false;
  const end = raw.indexOf('\r\n');
  return end < 0 || end > LONG_REQUEST_LINE;
}
