import type { Rejection } from '../model/rejection.js';
import { emptyRequest, resetRequest } from '../model/request.js';
import { type NginxOptions, nginxParser } from './nginx.js';
import { type CommonParserOptions, type ParserFactory, SKIP, type Skip } from './parser.js';

/** How `--format auto` recognizes each format: the detectors the registry entries name. */

/** Share of sample lines a format must fit to be chosen. */
const ENOUGH = 0.5;

/** The first lines of an input, read once for every detector. */
export interface Sample {
  /** The non-empty lines. */
  lines: string[];
  /** Those of them that are JSON objects. */
  json: Array<Record<string, unknown>>;
}

/** A detector's answer: why the sample is its format (`reason`), else what it found (`tried`, for the error). */
export interface Match {
  reason?: string;
  tried?: string;
}

export type Detector = (sample: Sample, options: CommonParserOptions) => Match;

export function sampleOf(lines: string[]): Sample {
  const nonEmpty = lines.filter((line) => line.trim() !== '');
  const json: Array<Record<string, unknown>> = [];
  for (const line of nonEmpty) {
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
        json.push(value as Record<string, unknown>);
      }
    } catch {
      // Not JSON: a text format's line, or no format's.
    }
  }
  return { lines: nonEmpty, json };
}

/** JSON formats apply only when most lines are JSON objects; text formats are tried otherwise. */
const mostlyJson = (sample: Sample) => sample.json.length >= sample.lines.length * ENOUGH;

/** Cloudflare Logpush: JSON objects with EdgeStartTimestamp and EdgeResponseStatus. */
export const cloudflareDetector: Detector = ({ lines, json }) => {
  if (!mostlyJson({ lines, json })) return {};
  const count = json.filter((o) => 'EdgeStartTimestamp' in o && 'EdgeResponseStatus' in o).length;
  if (count < json.length * ENOUGH) return {};
  return { reason: `${count} of ${lines.length} lines are JSON with EdgeStartTimestamp and EdgeResponseStatus` };
};

/** Caddy: JSON objects with a `request` object and `status`. */
export const caddyDetector: Detector = ({ lines, json }) => {
  if (!mostlyJson({ lines, json })) return {};
  const caddy = json.filter((o) => typeof o.request === 'object' && o.request !== null && 'status' in o).length;
  // Caddy's own log lines (startup, TLS) come first in its output: they count for Caddy too.
  const caddyOther = json.filter((o) => typeof o.logger === 'string' && typeof o.msg === 'string' && !o.request).length;
  if (caddy === 0 || caddy + caddyOther < json.length * ENOUGH) return {};
  return { reason: `${caddy} of ${lines.length} lines are JSON with a request object and status` };
};

/** Generic NDJSON: any other input of mostly JSON objects (ranked after the JSON formats with fields of their own). */
export const anyJsonDetector: Detector = ({ lines, json }) =>
  mostlyJson({ lines, json })
    ? { reason: `${json.length} of ${lines.length} lines are JSON objects without Cloudflare or Caddy fields` }
    : {};

/** A line of the format's shape: parsed, skipped as a header, or rejected for its content (a missing zone, say). */
export function isShaped(result: Rejection | Skip | null): boolean {
  return result === SKIP || result?.reason !== 'format-mismatch';
}

/** How many sample lines the format's parser reads as its own shape. */
export function shapedCount<O extends CommonParserOptions>(
  factory: ParserFactory<O>,
  lines: string[],
  options: O,
): number {
  const parser = factory(options);
  const request = emptyRequest();
  return lines.filter((line) => {
    resetRequest(request);
    return isShaped(parser.parse(line, request));
  }).length;
}

/** A text format with a shape the others do not share: chosen when most lines have it. */
export function shapeDetector<O extends CommonParserOptions>(format: string, factory: ParserFactory<O>): Detector {
  return (sample, options) => {
    const shaped = shapedCount(factory, sample.lines, options as O);
    return shaped >= sample.lines.length * ENOUGH
      ? { reason: `${shaped} of ${sample.lines.length} lines have the shape of ${format} log lines` }
      : { tried: `${shaped} have the shape of ${format}` };
  };
}

/** nginx, tried last: its format is the operator's (given, or `combined`), so it fits what the others leave. */
export const nginxDetector: Detector = (sample, options: NginxOptions) => {
  const parsed = shapedCount(nginxParser, sample.lines, options);
  if (parsed >= sample.lines.length * ENOUGH) {
    const which = options.nginxLogFormat ? 'your --nginx-log-format' : "nginx's combined format";
    return { reason: `${parsed} of ${sample.lines.length} lines parse as ${which}` };
  }
  return { tried: `${parsed} parse as nginx ${options.nginxLogFormat ? '(your log format)' : 'combined'}` };
};
