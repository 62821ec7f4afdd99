import { albParser } from './alb.js';
import { caddyParser } from './caddy.js';
import { cloudflareParser } from './cloudflare.js';
import { cloudfrontParser } from './cloudfront.js';
import {
  anyJsonDetector,
  caddyDetector,
  cloudflareDetector,
  type Detector,
  nginxDetector,
  shapeDetector,
} from './detectors.js';
import { envoyParser } from './envoy.js';
import { haproxyParser } from './haproxy.js';
import { ndjsonParser } from './ndjson.js';
import { nginxParser } from './nginx.js';
import type { CommonParserOptions, Parser, ParserFactory } from './parser.js';

/** One log format: everything edgestat knows about it, in one place. */
export interface FormatEntry<O extends CommonParserOptions = CommonParserOptions> {
  /** Builds a parser from the options of its type `O` (the common ones and the format's own). */
  factory: ParserFactory<O>;
  /** One line for `--format` help and the API's documentation. */
  description: string;
  /**
   * How `--format auto` recognizes it: detectors run in ascending `rank` and the first
   * with a reason wins (the formats with a shape of their own first, the catch-alls last).
   */
  detect: { rank: number; detector: Detector };
}

/** Keeps each entry's option type while the table is typed as a whole. */
const format = <O extends CommonParserOptions>(entry: FormatEntry<O>) => entry;

/** Every log format edgestat reads: a new format is one entry here and one module beside it. */
export const PARSERS = {
  cloudflare: format({
    factory: cloudflareParser,
    description: 'Cloudflare Logpush http_requests NDJSON',
    detect: { rank: 10, detector: cloudflareDetector },
  }),
  nginx: format({
    factory: nginxParser,
    description: 'nginx access log in your log_format (default combined)',
    detect: { rank: 100, detector: nginxDetector },
  }),
  ndjson: format({
    factory: ndjsonParser,
    description: 'any NDJSON, with a field mapping (--map)',
    detect: { rank: 30, detector: anyJsonDetector },
  }),
  cloudfront: format({
    factory: cloudfrontParser,
    description: 'AWS CloudFront standard logs (W3C, tab-separated)',
    detect: { rank: 40, detector: shapeDetector('cloudfront', cloudfrontParser) },
  }),
  alb: format({
    factory: albParser,
    description: 'AWS Application Load Balancer access logs',
    detect: { rank: 50, detector: shapeDetector('alb', albParser) },
  }),
  caddy: format({
    factory: caddyParser,
    description: 'Caddy JSON access logs',
    detect: { rank: 20, detector: caddyDetector },
  }),
  haproxy: format({
    factory: haproxyParser,
    description: 'HAProxy HTTP logs (option httplog)',
    detect: { rank: 60, detector: shapeDetector('haproxy', haproxyParser) },
  }),
  envoy: format({
    factory: envoyParser,
    description: "Envoy access logs in Envoy's default format",
    detect: { rank: 70, detector: shapeDetector('envoy', envoyParser) },
  }),
};

export type FormatName = keyof typeof PARSERS;

type OptionsOf<E> = E extends FormatEntry<infer O> ? O : never;
type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The options of every format together: what an ingest carries to whichever parser it picks. */
export type ParserOptions = CommonParserOptions & Intersection<OptionsOf<(typeof PARSERS)[FormatName]>>;

/** Registered format names, in registry order. */
export const FORMAT_NAMES = Object.keys(PARSERS) as FormatName[];

/** `auto, cloudflare, nginx, ...`: the values `--format` and `format=` take. */
export const FORMAT_CHOICES = `auto, ${FORMAT_NAMES.join(', ')}`;

/** One line per format, `  name  description`, for help texts. */
export function formatDescriptions(): string {
  const width = Math.max(...FORMAT_NAMES.map((name) => name.length));
  return FORMAT_NAMES.map((name) => `  ${name.padEnd(width)}  ${PARSERS[name].description}`).join('\n');
}

/** Formats in the order `auto` tries them. */
export const DETECT_ORDER: readonly FormatName[] = [...FORMAT_NAMES].sort(
  (a, b) => PARSERS[a].detect.rank - PARSERS[b].detect.rank,
);

export class UnknownFormatError extends Error {
  constructor(readonly format: string) {
    super(`unknown format "${format}": use auto or one of ${FORMAT_NAMES.join(', ')}`);
  }
}

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(PARSERS, name);
}

/** The parser of a format; throws UnknownFormatError, or an Error for options the format cannot use. */
export function createParser(format: string, options: ParserOptions): Parser {
  if (!isFormatName(format)) throw new UnknownFormatError(format);
  const entry: FormatEntry<ParserOptions> = PARSERS[format];
  return entry.factory(options);
}
