import type { Rejection } from '../model/rejection.js';
import type { NormalizedRequest } from '../model/request.js';

/** Options every parser may use; each format documents which it reads. */
export interface ParserOptions {
  /** Zone for lines that do not carry one (`--zone`). */
  zone?: string;
  /** Data center for lines that do not carry one (`--colo`). */
  colo?: string;
  /** nginx: the operator's `log_format` string, verbatim. */
  nginxLogFormat?: string;
  /** nginx: the variable in the format that holds the data center (default `colo`). */
  coloVar?: string;
  /** ndjson: field mapping, normalized field name -> source field name. */
  fieldMap?: Record<string, string>;
}

/**
 * A log format. `parse` fills `out` (already reset) from one line and returns
 * null, or returns a Rejection. It never throws on bad input.
 */
export interface Parser {
  readonly format: string;
  parse(line: string, out: NormalizedRequest): Rejection | null;
}

export type ParserFactory = (options: ParserOptions) => Parser;
