import type { Rejection } from '../model/rejection.js';
import { emptyRequest, resetRequest } from '../model/request.js';
import { type ParserOptions, SKIP, type Skip } from './parser.js';
import { createParser } from './registry.js';

/** No format fits the first lines of an input: the message says what was tried. Bad input, not a fault. */
export class UndetectedFormatError extends Error {
  override readonly name = 'UndetectedFormatError';
}

export interface Detected {
  format: string;
  reason: string;
}

/** How to get past a failed detection, from the CLI or over HTTP. */
const NAME_IT = 'pass --format (format= over HTTP)';
/** Share of sample lines a format must parse to be chosen. */
const ENOUGH = 0.5;

/** Text formats tried in order; each has a shape the others do not share (nginx last: its format is the operator's). */
const TEXT_FORMATS = ['cloudfront', 'alb', 'haproxy', 'envoy'] as const;

/** A line of the format's shape: parsed, skipped as a header, or rejected for its content (a missing zone, say). */
export function isShaped(result: Rejection | Skip | null): boolean {
  return result === SKIP || result?.reason !== 'format-mismatch';
}

/**
 * Picks the format of an input from its first lines: JSON objects with
 * EdgeStartTimestamp and EdgeResponseStatus are Cloudflare Logpush, with a `request`
 * object and a `status` Caddy, other JSON objects generic NDJSON; text lines are the
 * first of CloudFront (W3C header or tab-separated fields), ALB, HAProxy, Envoy and
 * nginx (given or `combined`) whose parser reads them. Throws an Error naming what was
 * tried when nothing fits.
 */
export function detectFormat(sample: string[], options: ParserOptions): Detected {
  const lines = sample.filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new UndetectedFormatError(`cannot detect the format of an empty input: ${NAME_IT}`);
  const objects = lines.map((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  });
  const json = objects.filter((o) => o !== null);
  if (json.length >= lines.length * ENOUGH) {
    const cloudflare = json.filter((o) => 'EdgeStartTimestamp' in o && 'EdgeResponseStatus' in o).length;
    if (cloudflare >= json.length * ENOUGH) {
      return {
        format: 'cloudflare',
        reason: `${cloudflare} of ${lines.length} lines are JSON with EdgeStartTimestamp and EdgeResponseStatus`,
      };
    }
    const caddy = json.filter((o) => typeof o.request === 'object' && o.request !== null && 'status' in o).length;
    // Caddy's own log lines (startup, TLS) come first in its output: they count for Caddy too.
    const caddyOther = json.filter(
      (o) => typeof o.logger === 'string' && typeof o.msg === 'string' && !o.request,
    ).length;
    if (caddy > 0 && caddy + caddyOther >= json.length * ENOUGH) {
      return { format: 'caddy', reason: `${caddy} of ${lines.length} lines are JSON with a request object and status` };
    }
    return {
      format: 'ndjson',
      reason: `${json.length} of ${lines.length} lines are JSON objects without Cloudflare or Caddy fields`,
    };
  }
  const request = emptyRequest();
  const shapedBy = (format: string) => {
    const parser = createParser(format, options);
    return lines.filter((line) => {
      resetRequest(request);
      return isShaped(parser.parse(line, request));
    }).length;
  };
  for (const format of TEXT_FORMATS) {
    const shaped = shapedBy(format);
    if (shaped >= lines.length * ENOUGH) {
      return { format, reason: `${shaped} of ${lines.length} lines have the shape of ${format} log lines` };
    }
  }
  const parsed = shapedBy('nginx');
  if (parsed >= lines.length * ENOUGH) {
    const which = options.nginxLogFormat ? 'your --nginx-log-format' : "nginx's combined format";
    return { format: 'nginx', reason: `${parsed} of ${lines.length} lines parse as ${which}` };
  }
  throw new UndetectedFormatError(
    `cannot detect the format: of the first ${lines.length} lines, none parse as ${TEXT_FORMATS.join(', ')}, ${json.length} are JSON objects and ${parsed} parse as nginx ${options.nginxLogFormat ? '(your log format)' : 'combined'}; ${NAME_IT}`,
  );
}
