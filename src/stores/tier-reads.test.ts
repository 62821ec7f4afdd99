import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { TIER_MS, type Tier, tierReads } from './plan.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

test('a range on day boundaries with 1 d buckets reads only the day tier', () => {
  const reads = tierReads({ bucketSeconds: 86_400, range: { from: T0, to: T0 + 30 * DAY } }, ['minute', 'hour', 'day']);
  assert.deepEqual(reads, [{ tier: 'day', from: T0, to: T0 + 30 * DAY }]);
});

test('1 h buckets never read the day tier; the running hour is read per minute', () => {
  const to = T0 + 5 * DAY + 3 * HOUR + 17 * MINUTE;
  const reads = tierReads({ bucketSeconds: 3600, range: { from: T0, to } }, ['minute', 'hour', 'day']);
  assert.deepEqual(reads, [
    { tier: 'hour', from: T0, to: T0 + 5 * DAY + 3 * HOUR },
    { tier: 'minute', from: T0 + 5 * DAY + 3 * HOUR, to },
  ]);
});

test('one bucket over unaligned ends combines minutes, hours and days', () => {
  const from = T0 + 22 * HOUR + 30 * MINUTE;
  const to = T0 + 3 * DAY + 2 * HOUR + 5 * MINUTE;
  const reads = tierReads({ bucketSeconds: 0, range: { from, to } }, ['minute', 'hour', 'day']);
  assert.deepEqual(reads, [
    { tier: 'day', from: T0 + DAY, to: T0 + 3 * DAY },
    { tier: 'hour', from: T0 + 23 * HOUR, to: T0 + DAY },
    { tier: 'minute', from, to: T0 + 23 * HOUR },
    { tier: 'hour', from: T0 + 3 * DAY, to: T0 + 3 * DAY + 2 * HOUR },
    { tier: 'minute', from: T0 + 3 * DAY + 2 * HOUR, to },
  ]);
});

test('5 m buckets and a store with minutes only read minutes', () => {
  const range = { from: T0, to: T0 + 7 * DAY };
  assert.deepEqual(tierReads({ bucketSeconds: 300, range }, ['minute', 'hour', 'day']), [{ tier: 'minute', ...range }]);
  assert.deepEqual(tierReads({ bucketSeconds: 0, range }, ['minute']), [{ tier: 'minute', ...range }]);
});

test('reads cover the range exactly once, each on its tier grid and inside one bucket', () => {
  const tierSets: Tier[][] = [['minute'], ['minute', 'hour'], ['minute', 'hour', 'day']];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 60 * 24 * 90 }),
      fc.integer({ min: 1, max: 60 * 24 * 90 }),
      fc.constantFrom(0, 60, 300, 900, 3600, 86_400),
      fc.constantFrom(...tierSets),
      (startMinute, minutes, bucketSeconds, tiers) => {
        const from = T0 + startMinute * MINUTE;
        const to = from + minutes * MINUTE;
        const reads = [...tierReads({ bucketSeconds, range: { from, to } }, tiers)].sort((a, b) => a.from - b.from);
        let at = from;
        for (const r of reads) {
          assert.equal(r.from, at, 'no gap and no overlap');
          assert.ok(r.to > r.from);
          assert.ok(tiers.includes(r.tier));
          const width = TIER_MS[r.tier];
          assert.equal(r.from % width, 0);
          assert.equal(r.to % width, 0);
          if (bucketSeconds > 0) assert.equal((bucketSeconds * 1000) % width, 0, 'a tier row never spans two buckets');
          at = r.to;
        }
        assert.equal(at, to);
      },
    ),
  );
});
