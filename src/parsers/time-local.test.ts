import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NormalizedRequest } from '../model/request.js';
import { nginxParser } from './nginx.js';
import { parseOne } from './testing.js';
import { TimeLocal } from './time-local.js';

describe('TimeLocal', () => {
  it('reads $time_local with its offset', () => {
    const time = new TimeLocal();
    assert.equal(time.parse('10/Oct/2026:13:55:36 -0700'), Date.UTC(2026, 9, 10, 20, 55, 36));
    assert.ok(Number.isNaN(time.parse('10/Okt/2026:13:55:36 -0700')));
  });

  it('reads lines of the same minute as the one before the same way as on their own', () => {
    const times = [
      ['10/Oct/2026:13:55:36 -0700', Date.UTC(2026, 9, 10, 20, 55, 36)],
      ['10/Oct/2026:13:55:59 -0700', Date.UTC(2026, 9, 10, 20, 55, 59)],
      ['10/Oct/2026:13:55:07 +0200', Date.UTC(2026, 9, 10, 11, 55, 7)],
      ['10/Oct/2026:13:55:08 +0200', Date.UTC(2026, 9, 10, 11, 55, 8)],
      ['10/Oct/2026:13:56:00 +0200', Date.UTC(2026, 9, 10, 11, 56, 0)],
      ['10/Oct/2026:13:56:0x +0200', Number.NaN],
      ['10/Oct/2026:13:56:01 +0200', Date.UTC(2026, 9, 10, 11, 56, 1)],
      ['10/Oct/2026:13:56:01+0200', Number.NaN],
    ] as const;
    const time = new TimeLocal();
    for (const [text, ms] of times) assert.deepEqual(time.parse(text), ms, text);
  });

  it('keeps a cache per parser: two nginx parsers reading interleaved minutes each get their own times', () => {
    const line = (time: string) => `203.0.113.7 - - [${time}] "GET / HTTP/1.1" 200 12 "-" "curl"`;
    const a = nginxParser({ zone: 'a.example' });
    const b = nginxParser({ zone: 'b.example' });
    // Same minute text, other offsets: a shared cache would hand b the minute a read last.
    const aTimes = ['10/Oct/2026:13:55:36 -0700', '10/Oct/2026:13:55:37 -0700'];
    const bTimes = ['10/Oct/2026:13:55:38 +0000', '10/Oct/2026:13:55:39 +0000'];
    const ts = (parser: ReturnType<typeof nginxParser>, time: string) =>
      (parseOne(parser, line(time)) as NormalizedRequest).ts;
    assert.equal(ts(a, aTimes[0]), Date.UTC(2026, 9, 10, 20, 55, 36));
    assert.equal(ts(b, bTimes[0]), Date.UTC(2026, 9, 10, 13, 55, 38));
    assert.equal(ts(a, aTimes[1]), Date.UTC(2026, 9, 10, 20, 55, 37));
    assert.equal(ts(b, bTimes[1]), Date.UTC(2026, 9, 10, 13, 55, 39));
  });
});
