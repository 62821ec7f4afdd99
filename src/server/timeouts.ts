import type { Limits } from '../config/config.js';

const ms = (seconds: number) => Math.max(1, Math.round(seconds * 1000));

/**
 * Fastify and Node server options that close connections of clients too slow to send
 * their request, and connections left idle, so that they cannot hold the server's sockets,
 * memory and push slots for as long as they like.
 */
export function connectionTimeouts(limits: Limits) {
  const requestTimeout = ms(limits.requestSeconds);
  // Node refuses a headers timeout above the request timeout: the whole request includes its headers.
  const headersTimeout = Math.min(ms(limits.headersSeconds), requestTimeout);
  return {
    requestTimeout,
    keepAliveTimeout: ms(limits.keepAliveSeconds),
    connectionTimeout: ms(limits.socketIdleSeconds),
    http: {
      headersTimeout,
      requestTimeout,
      // Node looks for expired requests on this period (30 s by default): check often enough
      // that a timeout of a few seconds is enforced within a fraction of itself.
      connectionsCheckingInterval: Math.min(1000, Math.ceil(headersTimeout / 4)),
    },
  };
}
