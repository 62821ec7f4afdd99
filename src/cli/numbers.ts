/**
 * Parsers for numeric CLI options, for commander's `.option(flags, description, parser, default)`.
 * A value that is not a number within bounds stops the command (exit 2) with a message naming the
 * option, instead of turning into NaN that quietly disables a limit.
 */

interface Bounds {
  min: number;
  max?: number;
}

function parse(flag: string, text: string, bounds: Bounds, integer: boolean): number {
  const trimmed = text.trim();
  const value = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed) ? Number(trimmed) : Number.NaN;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < bounds.min || value > max) {
    const kind = integer ? 'a whole number' : 'a number';
    const range = bounds.max === undefined ? `${bounds.min} or more` : `from ${bounds.min} to ${bounds.max}`;
    const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    throw new Error(`${flag} must be ${kind} ${range}, got ${shown}`);
  }
  return value;
}

/** A whole-number option within bounds. */
export function integerOption(flag: string, bounds: Bounds): (text: string) => number {
  return (text) => parse(flag, text, bounds, true);
}

/** A number option (fractions allowed) within bounds. */
export function numberOption(flag: string, bounds: Bounds): (text: string) => number {
  return (text) => parse(flag, text, bounds, false);
}

/** Ports a server may listen on; 0 picks a free one. */
export const PORT: Bounds = { min: 0, max: 65535 };
