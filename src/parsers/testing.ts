import { readFileSync } from 'node:fs';
import type { Rejection } from '../model/rejection.js';
import { emptyRequest, type NormalizedRequest } from '../model/request.js';
import { fixture } from '../testing/paths.js';
import type { Parser, Skip } from './parser.js';

/** Parses one line into a fresh request: the request, the rejection, or SKIP for a header line. */
export function parseOne(parser: Parser, line: string): NormalizedRequest | Rejection | Skip {
  const out = emptyRequest();
  return parser.parse(line, out) ?? out;
}

/** The non-empty lines of a fixture file. */
export function fixtureLines(...path: string[]): string[] {
  return readFileSync(fixture(...path), 'utf8')
    .split('\n')
    .filter(Boolean);
}
