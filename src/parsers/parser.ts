import type { Rejection } from '../model/rejection.js';
import type { NormalizedRequest } from '../model/request.js';

/**
 * Options every parser reads. A format with options of its own declares them in a type
 * extending this one, beside its parser; `ParserOptions` in `registry.ts` is all of them.
 */
export interface CommonParserOptions {
  /** Zone for lines that do not carry one (`--zone`). */
  zone?: string;
  /** Data center for lines that do not carry one (`--colo`). */
  colo?: string;
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

export type ParserFactory<O extends CommonParserOptions = CommonParserOptions> = (options: O) => Parser;
