import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/**
 * Query parameter names that carry credentials: log shippers put them in URLs (Logpush sends
 * `?header_Authorization=Bearer%20...`), and some clients send `?token=` or `?access_token=`.
 */
const SECRET_PARAM = /authorization|token|secret|password|api[-_]?key/i;
export const REDACTED = '[REDACTED]';

/** `url` with the value of every credential-bearing query parameter replaced, for logs. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const pairs = url.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < pairs.length; i++) {
    const eq = pairs[i].indexOf('=');
    const name = eq < 0 ? pairs[i] : pairs[i].slice(0, eq);
    if (SECRET_PARAM.test(decoded(name))) {
      pairs[i] = `${name}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${pairs.join('&')}` : url;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/** Fastify's request log fields, with the URL redacted. */
function requestFields(request: FastifyRequest) {
  return {
    method: request.method,
    url: redactUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

/** A Fastify logger option whose request lines never carry credentials from the URL. */
export function redactingLogger(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return logger;
  const options = logger === true ? {} : logger;
  return { ...options, serializers: { ...options.serializers, req: requestFields } };
}
