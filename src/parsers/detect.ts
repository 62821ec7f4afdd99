import { emptyRequest } from '../model/request.js';
import type { ParserOptions } from './parser.js';
import { createParser } from './registry.js';

export interface Detected {
  format: string;
  reason: string;
}

/** Share of sample lines a format must parse to be chosen. */
const ENOUGH = 0.5;

/**
 * Picks the format of an input from its first lines: JSON objects with
 * EdgeStartTimestamp and EdgeResponseStatus are Cloudflare Logpush; other JSON
 * objects are generic NDJSON; lines the nginx format (given or `combined`) parses
 * are nginx. Throws an Error naming what was tried when nothing fits.
 */
export function detectFormat(sample: string[], options: ParserOptions): Detected {
  const lines = sample.filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error('cannot detect the format of an empty input: pass --format');
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
    return {
      format: 'ndjson',
      reason: `${json.length} of ${lines.length} lines are JSON objects without Cloudflare fields`,
    };
  }
  const nginx = createParser('nginx', options);
  const request = emptyRequest();
  // A line of the right shape counts even when it is rejected for its content (a missing zone, say).
  const parsed = lines.filter((line) => nginx.parse(line, request)?.reason !== 'format-mismatch').length;
  if (parsed >= lines.length * ENOUGH) {
    const which = options.nginxLogFormat ? 'your --nginx-log-format' : "nginx's combined format";
    return { format: 'nginx', reason: `${parsed} of ${lines.length} lines parse as ${which}` };
  }
  throw new Error(
    `cannot detect the format: of the first ${lines.length} lines, ${json.length} are JSON objects and ${parsed} parse as nginx ${options.nginxLogFormat ? '(your log format)' : 'combined'}; pass --format`,
  );
}
