import { sampleOf } from './detectors.js';
import { DETECT_ORDER, PARSERS, type ParserOptions } from './registry.js';

export { isShaped } from './detectors.js';

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

/**
 * Picks the format of an input from its first lines: each registered format's detector,
 * in the registry's detection order (`DETECT_ORDER`), the first that recognizes the
 * lines wins. Throws an Error naming what was tried when nothing fits.
 */
export function detectFormat(lines: string[], options: ParserOptions): Detected {
  const sample = sampleOf(lines);
  if (sample.lines.length === 0) {
    throw new UndetectedFormatError(`cannot detect the format of an empty input: ${NAME_IT}`);
  }
  const tried: string[] = [];
  for (const format of DETECT_ORDER) {
    const match = PARSERS[format].detect.detector(sample, options);
    if (match.reason) return { format, reason: match.reason };
    if (match.tried) tried.push(match.tried);
  }
  throw new UndetectedFormatError(
    `cannot detect the format: of the first ${sample.lines.length} lines, ${sample.json.length} are JSON objects, ${tried.join(', ')}; ${NAME_IT}`,
  );
}
