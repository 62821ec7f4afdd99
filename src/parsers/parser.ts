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
  /**
   * W3C logs (CloudFront): the `#Fields:` line of the input, for a parser that starts
   * mid-file (a parallel worker) and so never sees the header itself.
   */
  w3cFields?: string;
}

/**
 * What `parse` returns for a line that is not a request but belongs to the format
 * (a W3C `#Fields:` header): counted as skipped, neither accepted nor rejected.
 */
export const SKIP: unique symbol = Symbol('skip');
export type Skip = typeof SKIP;

/**
 * A log format. `parse` fills `out` (already reset) from one line and returns
 * null, or returns a Rejection, or SKIP for a header line. It never throws on bad input.
 */
export interface Parser {
  readonly format: string;
  /**
   * What this parser, as configured, cannot tell (e.g. origin from edge errors), with
   * what to change: passed on once per ingest in its summary and push answer.
   */
  readonly notices?: readonly string[];
  parse(line: string, out: NormalizedRequest): Rejection | Skip | null;
}

export type ParserFactory = (options: ParserOptions) => Parser;
