import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAMPLE_REJECTS, Tally } from './tally.js';

describe('Tally', () => {
  it('counts rejections by reason and keeps the first samples', () => {
    const tally = new Tally();
    for (let line = 1; line <= 15; line++) tally.reject(line, { reason: 'invalid-json', detail: 'x' }, `line ${line}`);
    tally.reject(16, { reason: 'bad-status', detail: 'status 999' }, 'line 16');
    assert.equal(tally.rejected, 16);
    assert.deepEqual(tally.rejectsByReason, { 'invalid-json': 15, 'bad-status': 1 });
    assert.deepEqual(
      tally.samples.map((s) => s.line),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
  });

  it('merges tallies of later blocks with their line offsets, keeping the earliest samples', () => {
    const total = new Tally();
    const second = new Tally();
    second.accepted = 5;
    second.reject(2, { reason: 'bad-timestamp', detail: 'year 1970' }, 'b');
    const first = new Tally();
    first.accepted = 7;
    for (let line = 1; line <= SAMPLE_REJECTS; line++) first.reject(line, { reason: 'invalid-json', detail: 'x' }, 'a');
    total.merge(second, 100);
    total.merge(first, 0);
    assert.equal(total.accepted, 12);
    assert.equal(total.rejected, SAMPLE_REJECTS + 1);
    assert.deepEqual(total.rejectsByReason, { 'bad-timestamp': 1, 'invalid-json': SAMPLE_REJECTS });
    assert.equal(total.samples.length, SAMPLE_REJECTS);
    assert.ok(total.samples.every((s) => s.line <= SAMPLE_REJECTS));
  });
});
