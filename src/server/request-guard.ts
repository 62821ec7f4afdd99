import { isIPv4 } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Auth } from './auth.js';
import { ApiError } from './errors.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** True for a Host header that names this machine: `localhost`, `127.x.y.z` or `[::1]`, with an optional port. */
export function isLoopbackHost(host: string | undefined): boolean {
  const match = /^(\[::1\]|[^:[\]]+)(:\d{1,5})?$/.exec((host ?? '').toLowerCase());
  if (!match) return false;
  const name = match[1];
  return name === 'localhost' || name === '[::1]' || (isIPv4(name) && name.startsWith('127.'));
}

/**
 * Why a request comes from a web page of another site, or undefined. The browser's own
 * `Sec-Fetch-Site` decides when present (a page cannot forge it); older browsers send only
 * `Origin`, which must then name the host the request was sent to. Requests with neither
 * (curl, log shippers) are not from a web page.
 */
export function crossSiteReason(headers: FastifyRequest['headers']): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) {
    // same-site is refused too: a page on another port of the same host (localhost:3000) is same-site.
    return site === 'same-origin' || site === 'none' ? undefined : `Sec-Fetch-Site: ${site}`;
  }
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  return sameHost(origin, headers.host) ? undefined : `Origin: ${origin}`;
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    const from = new URL(origin);
    if (from.protocol !== 'http:' && from.protocol !== 'https:') return false;
    // Parsed with the origin's scheme, so that a default port compares equal with or without it.
    return host !== undefined && new URL(`${from.protocol}//${host}`).host === from.host;
  } catch {
    // `Origin: null` (sandboxed frames, file: pages) and anything unparsable.
    return false;
  }
}

/**
 * Refuses what a hostile web page could make a browser send: state-changing requests from
 * other sites (in every mode, so a page cannot write into a local server), and, while the
 * server runs open, requests addressed to any name but a loopback one (DNS rebinding: an
 * attacker's name that resolves to 127.0.0.1 would otherwise read and write as a local client).
 */
export function installRequestGuard(app: FastifyInstance, auth: Auth): void {
  app.addHook('onRequest', async (request) => {
    if (STATE_CHANGING.has(request.method)) {
      const reason = crossSiteReason(request.headers);
      if (reason) {
        throw new ApiError(
          'cross_site',
          `${request.method} from a web page of another site refused (${reason.slice(0, 200)}); clients that are not browsers send no Origin`,
        );
      }
    }
    const host = request.headers.host;
    if (!isLoopbackHost(host) && (await auth.isOpen())) {
      throw new ApiError(
        'forbidden_host',
        `Host "${(host ?? '').slice(0, 200)}" is not a loopback name: a server without tokens answers only requests to localhost, 127.0.0.1 or [::1]; create a token to serve other names`,
      );
    }
  });
}
