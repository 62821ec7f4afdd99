import { cloudflareParser } from './cloudflare.js';
import { ndjsonParser } from './ndjson.js';
import { nginxParser } from './nginx.js';
import type { Parser, ParserFactory, ParserOptions } from './parser.js';

/** Every log format edgestat reads: a new format is one entry here and one module beside it. */
export const PARSERS: Record<string, { factory: ParserFactory; description: string }> = {
  cloudflare: { factory: cloudflareParser, description: 'Cloudflare Logpush http_requests NDJSON' },
  nginx: { factory: nginxParser, description: 'nginx access log in your log_format (default combined)' },
  ndjson: { factory: ndjsonParser, description: 'any NDJSON, with a field mapping (--map)' },
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
