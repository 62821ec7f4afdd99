/**
 * The one rule for zone names, shared by the API's path schema, query parameters, tokens, the CLI
 * and ingest: a name stored from a log line must be one the API can reach.
 */

/** Longest zone name: the longest DNS name. */
export const ZONE_NAME_MAX = 255;
/** The rule as a regular expression source, for JSON schemas. */
export const ZONE_NAME_PATTERN = `^[A-Za-z0-9_.:-]{1,${ZONE_NAME_MAX}}$`;
/** The rule in words, for error messages. */
export const ZONE_NAME_RULE = `1 to ${ZONE_NAME_MAX} characters: letters, digits, and . _ : -`;

import { quoted } from './quoted.js';

const ZONE_NAME = new RegExp(ZONE_NAME_PATTERN);

/** True when `name` is a valid zone name. */
export function isZoneName(name: string): boolean {
  return ZONE_NAME.test(name);
}

/** Returns `name` if it is a valid zone name; throws an Error that names `what` and the rule otherwise. */
export function checkZoneName(name: string, what = 'zone'): string {
  if (!isZoneName(name)) throw new Error(`${what} must be ${ZONE_NAME_RULE}; got ${quoted(name)}`);
  return name;
}
