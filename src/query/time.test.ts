import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUCKETS } from '../model/query.js';
import { autoBucket, bucketStart, parseTime } from './time.js';

const NOW = Date.UTC(2026, 10, 24, 12, 30, 15);
const HOUR = 3_600_000;

describe('parseTime', () => {
  it('reads ISO 8601 with and without zone, and a date alone as UTC midnight', () => {
    assert.equal(parseTime('2026-11-24T10:00:00Z'), Date.UTC(2026, 10, 24, 10));
    assert.equal(parseTime('2026-11-24T10:00:00+02:00'), Date.UTC(2026, 10, 24, 8));
    assert.equal(parseTime('2026-11-24T10:00'), Date.UTC(2026, 10, 24, 10));
    assert.equal(parseTime('2026-11-24'), Date.UTC(2026, 10, 24));
  });
  it('reads now and relative forms against now', () => {
    assert.equal(parseTime('now', NOW), NOW);
    assert.equal(parseTime('-30m', NOW), NOW - 30 * 60_000);
    assert.equal(parseTime('-24h', NOW), NOW - 24 * HOUR);
    assert.equal(parseTime('-7d', NOW), NOW - 7 * 24 * HOUR);
  });
  it('reads unix seconds and milliseconds', () => {
    assert.equal(parseTime('1764000000'), 1_764_000_000_000);
    assert.equal(parseTime('1764000000123'), 1_764_000_000_123);
  });
  it('refuses times that overflow or fall outside 1970 .. 9999, whatever the form', () => {
    for (const text of [
      '-99999999999w',
      `-${'9'.repeat(400)}s`,

      '1969-12-31',
      '0000-01-01',
    ]) {
      assert.throws(() => parseTime(text, NOW), /out of range.*1970-01-01 \.\. 9999-12-31/, text);
    }
    assert.throws(() => parseTime('99999-01-01', NOW), /cannot read time/);
    assert.equal(parseTime('9999-12-31T23:59:59Z', NOW), Date.UTC(9999, 11, 31, 23, 59, 59));
    assert.equal(parseTime('1970-01-01', NOW), 0);
  });
  it('says what is allowed for anything else', () => {
    assert.throws(() => parseTime('yesterday'), /ISO 8601.*-24h/);
    assert.throws(() => parseTime('2026-13-45T99:00:00Z'), /cannot read time/);
  });
});

describe('autoBucket', () => {
  const cases: Array<[string, number, string]> = [
    ['30 minutes', 0.5 * HOUR, '1m'],
    ['6 hours', 6 * HOUR, '1m'],
    ['24 hours', 24 * HOUR, '1m'],
    ['7 days', 7 * 24 * HOUR, '15m'],
    ['30 days', 30 * 24 * HOUR, '1h'],
    ['a year', 365 * 24 * HOUR, '1d'],
  ];
  for (const [name, span, bucket] of cases) {
    it(`picks ${bucket} for ${name}`, () => assert.equal(autoBucket(NOW - span, NOW), bucket));
  }
  it('keeps the bucket count at most 1,500 and, for ranges of an hour or more, at least 60', () => {
    for (let span = HOUR; span <= 400 * 24 * HOUR; span *= 1.37) {
      const count = span / (BUCKETS[autoBucket(0, span)] * 1000);
      assert.ok(count <= 1500 && count >= 60, `${span / HOUR} h gives ${count} buckets`);
    }
  });
});

describe('bucketStart', () => {
  it('floors to UTC bucket boundaries', () => {
    assert.equal(bucketStart(NOW, '5m'), Date.UTC(2026, 10, 24, 12, 30));
    assert.equal(bucketStart(NOW, '1d'), Date.UTC(2026, 10, 24));
  });
});
