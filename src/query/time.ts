import { BUCKET_NAMES, BUCKETS, type BucketName } from '../model/query.js';
import { quoted } from '../model/quoted.js';

const RELATIVE = /^-(\d+)(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Times a query may name: what a four-digit ISO year can state from the unix epoch on. */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * Parses a time argument: ISO 8601 (`2026-11-24T10:00:00Z`, a date alone is UTC midnight),
 * `now`, a relative form (`-30m`, `-24h`, `-7d`), or unix seconds/milliseconds.
 * Returns epoch ms, or throws an Error that says what is allowed.
 */
export function parseTime(text: string, now: number = Date.now()): number {
  const ms = readTime(text.trim(), now);
  if (ms === undefined) {
    throw new Error(
      `cannot read time ${quoted(text)}: use ISO 8601 (2026-11-24T10:00:00Z), now, -30m, -24h, -7d or unix seconds`,
    );
  }
  // Huge relative or unix times overflow into Infinity or dates no ISO string can show: refused, not a crash.
  if (!(ms >= MIN_TIME_MS && ms <= MAX_TIME_MS)) {
    throw new Error(`time ${quoted(text)} is out of range: it must fall within 1970-01-01 .. 9999-12-31 (UTC)`);
  }
  return ms;
}

function readTime(value: string, now: number): number | undefined {
  if (value === 'now') return now;
  const relative = RELATIVE.exec(value);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]];
  if (/^\d{9,10}$/.test(value)) return Number(value) * 1000;
  if (/^\d{12,13}$/.test(value)) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) || value.length === 10 ? value : `${value}Z`;
    const ms = Date.parse(iso);
    if (!Number.isNaN(ms)) return ms;
  }
  return undefined;
}

/** Smallest bucket that gives at most 1,500 buckets over the range (so about 60 to 1,500). */
export function autoBucket(from: number, to: number): BucketName {
  const span = Math.max(0, to - from);
  for (const name of BUCKET_NAMES) if (span / (BUCKETS[name] * 1000) <= 1500) return name;
  return '1d';
}

/** Floors epoch ms to the start of its bucket (UTC). */
export function bucketStart(ms: number, bucket: BucketName): number {
  const size = BUCKETS[bucket] * 1000;
  return Math.floor(ms / size) * size;
}
