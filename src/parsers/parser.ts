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
  /**
   * An optional fast way for lines of valid UTF-8 as bytes: fills `out` (already reset) from the
   * line that starts at `from` and returns the index of its end (its newline, or `limit`) when
   * `parse` would accept it with the same request; -1 when not, and the line goes to `parse` as
   * text, so that every rejection and every skipped line is `parse`'s own.
   */
  scan?(bytes: Buffer, from: number, limit: number, out: NormalizedRequest): number;
}

export type ParserFactory<O extends CommonParserOptions = CommonParserOptions> = (options: O) => Parser;
