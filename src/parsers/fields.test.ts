import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epochMs } from './fields.js';

describe('epochMs', () => {
  it('reads unix seconds, milliseconds, microseconds and nanoseconds by magnitude', () => {
    const ms = Date.UTC(2026, 10, 24, 10, 5, 36, 123);
    assert.equal(epochMs(ms / 1000), ms);
    assert.equal(epochMs(ms), ms);
    assert.equal(epochMs(ms * 1000), ms);
    assert.equal(epochMs(String(ms * 1_000_000)), ms);
    assert.ok(Number.isNaN(epochMs(-5)));
    assert.ok(Number.isNaN(epochMs(true)));
  });

  it('reads RFC 3339 times as Date.parse does, also the ones that share the minute of the time before', () => {
    const times = [
      '2026-11-24T10:05:36Z',
      '2026-11-24T10:05:37.5Z',
      '2026-11-24T10:05:37.05Z',
      '2026-11-24T10:05:38.123Z',
      '2026-11-24T10:05:38.123456789Z',
      '2026-11-24T10:05:59.999999Z',
      '2026-11-24T10:05:60Z',
      '2026-11-24T10:05:3xZ',
      '2026-11-24T10:05:38.Z',
      '2026-11-24T10:05:38.1234567891Z',
      '2026-11-24T10:05:38+02:00',
      '2026-11-24T10:05:38.250+00:00',
      '2026-11-24T10:06:00Z',
      '2026-11-24T10:05:01Z',
      '2026-11-24 10:05:38Z',
      '2026-02-30T10:05:38Z',
      '2026-02-30T10:05:39Z',
    ];
    for (const time of times) {
      const want = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(time) ? Date.parse(time) : Number.NaN;
      assert.deepEqual(epochMs(time), want, time);
    }
  });
});
