import { albParser } from './alb.js';
import { caddyParser } from './caddy.js';
import { cloudflareParser } from './cloudflare.js';
import { cloudfrontParser } from './cloudfront.js';
import { envoyParser } from './envoy.js';
import { haproxyParser } from './haproxy.js';
import { ndjsonParser } from './ndjson.js';
import { nginxParser } from './nginx.js';
import type { Parser, ParserFactory, ParserOptions } from './parser.js';

/** Every log format edgestat reads: a new format is one entry here and one module beside it. */
export const PARSERS: Record<string, { factory: ParserFactory; description: string }> = {
  cloudflare: { factory: cloudflareParser, description: 'Cloudflare Logpush http_requests NDJSON' },
  nginx: { factory: nginxParser, description: 'nginx access log in your log_format (default combined)' },
  ndjson: { factory: ndjsonParser, description: 'any NDJSON, with a field mapping (--map)' },
  cloudfront: { factory: cloudfrontParser, description: 'AWS CloudFront standard logs (W3C, tab-separated)' },
  alb: { factory: albParser, description: 'AWS Application Load Balancer access logs' },
  caddy: { factory: caddyParser, description: 'Caddy JSON access logs' },
  haproxy: { factory: haproxyParser, description: 'HAProxy HTTP logs (option httplog)' },
  envoy: { factory: envoyParser, description: "Envoy access logs in Envoy's default format" },
};

export class UnknownFormatError extends Error {
  constructor(readonly format: string) {
    super(`unknown format "${format}": use auto or one of ${Object.keys(PARSERS).join(', ')}`);
  }
}

/** The parser of a format; throws UnknownFormatError, or an Error for options the format cannot use. */
export function createParser(format: string, options: ParserOptions): Parser {
  const entry = Object.hasOwn(PARSERS, format) ? PARSERS[format] : undefined;
  if (!entry) throw new UnknownFormatError(format);
  return entry.factory(options);
}
