import { type Rejection, reject } from '../model/rejection.js';

/** Earliest plausible request time: anything before is a unit or clock error. */
export const EARLIEST_MS = Date.UTC(2000, 0, 1);
/** Clocks drift and logs arrive late, but not from more than a day ahead. */
export const FUTURE_SLACK_MS = 24 * 3_600_000;

const show = (value: unknown) => {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

/**
 * Epoch ms from a number or numeric string in seconds, milliseconds, microseconds or
 * nanoseconds (told apart by magnitude), or from an RFC 3339 / ISO 8601 string.
 * Returns NaN when it cannot be read.
 */
export function epochMs(value: unknown): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const cached = sameMinuteUtc(value);
    if (!Number.isNaN(cached)) return cached;
    if (/^\d+(\.\d+)?$/.test(value)) n = Number(value);
    else return /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(value) ? parseDate(value) : Number.NaN;
  } else return Number.NaN;
  if (!Number.isFinite(n) || n < 0) return Number.NaN;
  if (n < 1e11) return n * 1000; // seconds
  if (n < 1e14) return n; // milliseconds
  if (n < 1e17) return n / 1000; // microseconds
  return n / 1e6; // nanoseconds
}

// Logs come in time order: most RFC 3339 UTC times share the minute of the one before
// (`2026-11-24T10:05:`), so that minute is kept and only the seconds are read.
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d(\.\d{1,9})?Z$/;
let utcMinutePrefix = '';
let utcMinuteMs = Number.NaN;

/**
 * Date.parse, remembering the minute of a plain UTC time it read for the lines that follow. Not
 * of hour 24, which Date.parse takes only as 24:00:00: every time of a remembered minute reads
 * as Date.parse reads it, whichever line came first.
 */
function parseDate(value: string): number {
  const ms = Date.parse(value);
  if (Number.isFinite(ms) && RFC3339_UTC.test(value) && value.slice(11, 13) < '24') {
    const minute = Date.parse(`${value.slice(0, 17)}00Z`);
    if (Number.isFinite(minute)) {
      utcMinutePrefix = value.slice(0, 17);
      utcMinuteMs = minute;
    }
  }
  return ms;
}

/** What Date.parse gives for `<the remembered minute>SS[.fraction]Z`, or NaN for anything else. */
function sameMinuteUtc(value: string): number {
  const length = value.length;
  if (length < 20 || length > 30 || utcMinutePrefix === '' || value.charCodeAt(length - 1) !== 90 /* Z */) {
    return Number.NaN;
  }
  if (!value.startsWith(utcMinutePrefix)) return Number.NaN;
  const tens = value.charCodeAt(17) - 48;
  const ones = value.charCodeAt(18) - 48;
  if (!(tens >= 0 && tens <= 5 && ones >= 0 && ones <= 9)) return Number.NaN;
  let ms = 0;
  if (length > 21) {
    if (value.charCodeAt(19) !== 46 /* . */) return Number.NaN;
    // Date.parse keeps milliseconds: the first three digits of the fraction, the rest cut off.
    let scale = 100;
    for (let i = 20; i < length - 1; i++) {
      const digit = value.charCodeAt(i) - 48;
      if (!(digit >= 0 && digit <= 9)) return Number.NaN;
      ms += digit * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  } else if (length !== 20) return Number.NaN;
  return utcMinuteMs + (tens * 10 + ones) * 1000 + ms;
}

/** Largest epoch ms a Date holds: beyond it toISOString throws, and a hostile timestamp must not crash a parser. */
const MAX_DATE_MS = 8.64e15;
const isoOrFar = (ms: number) => (Math.abs(ms) <= MAX_DATE_MS ? new Date(ms).toISOString() : 'beyond any date');

/** A plausible request time in epoch ms, or a rejection naming the field and value. */
export function checkTime(ms: number, field: string, raw: unknown, now: number = Date.now()): Rejection | null {
  if (Number.isNaN(ms)) {
    return reject('bad-timestamp', `${field} ${show(raw)} is not a timestamp (RFC 3339, unix s, ms or ns)`);
  }
  if (ms < EARLIEST_MS || ms > now + FUTURE_SLACK_MS) {
    return reject('bad-timestamp', `${field} ${show(raw)} is ${isoOrFar(ms)}, outside 2000-01-01 .. now + 1 day`);
  }
  return null;
}

/** An HTTP status 100-599 (0 too when `zeroAllowed`), from a number or numeric string; NaN when not. */
export function statusCode(value: unknown, zeroAllowed: boolean): number {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) return Number.NaN;
  if (n === 0 && zeroAllowed) return 0;
  return n >= 100 && n <= 599 ? n : Number.NaN;
}

export function badStatus(field: string, value: unknown, zeroAllowed: boolean): Rejection {
  const kind = typeof value === 'number' || typeof value === 'string' ? 'bad-status' : 'wrong-type';
  return reject(kind, `${field} ${show(value)} is not an HTTP status (100-599${zeroAllowed ? ', or 0' : ''})`);
}

export function wrongType(field: string, value: unknown, expected: string): Rejection {
  return reject('wrong-type', `${field} ${show(value)} should be ${expected}`);
}

/**
 * Largest byte count of one response: 1 TiB, more than any real response. Hostile values above it
 * would make a batch's sums inexact or overflow the stores' 64-bit columns.
 */
const MAX_RESPONSE_BYTES = 2 ** 40;

/** A byte count: a non-negative integer number or numeric string up to 1 TiB; NaN when not. */
export function byteCount(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= MAX_RESPONSE_BYTES ? n : Number.NaN;
}

/** Why a line is not a JSON object; a class so that no parsed object can be mistaken for it. */
export class NotAnObject {
  constructor(readonly rejection: Rejection) {}
}

/** Parses one JSON line into an object, or says why it is not one (invalid JSON, not an object). */
export function jsonObject(line: string): Record<string, unknown> | NotAnObject {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return new NotAnObject(reject('invalid-json', `not valid JSON: ${(err as Error).message.slice(0, 100)}`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return new NotAnObject(reject('not-an-object', `the line is ${kind}, not a JSON object`));
  }
  return value as Record<string, unknown>;
}
