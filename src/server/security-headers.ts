import type { FastifyInstance } from 'fastify';

/**
 * What a browser may do with the dashboard: load scripts, styles, images and API calls from this
 * server only, and nothing else. No inline script, no eval and no inline style attribute (the
 * dashboard builds its pages with DOM calls and sets styles through the CSSOM), no plugins, no
 * `<base>` that would move relative URLs, no framing by another site, forms posted here only.
 * So even a log value that slipped into the page as markup could neither run nor load anything.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** The headers every answer carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  // A JSON or CSV answer holding log text is never read as HTML or script, whatever it looks like.
  'x-content-type-options': 'nosniff',
  // Dashboard URLs name zones and data centers: they stay out of other sites' logs.
  'referrer-policy': 'no-referrer',
};

/**
 * Adds SECURITY_HEADERS to every answer: API, dashboard files, not-found and error answers alike.
 * On the raw response as the request arrives, so that streams that write their own head (the
 * live view) keep them; again before sending, for answers given before that hook ran (an earlier
 * hook's refusal, Fastify's own errors).
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_request, reply) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(name, value);
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}
