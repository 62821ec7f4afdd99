import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudflareParser } from './cloudflare.js';
import { fixtureLines, parseOne } from './testing.js';

const lines = fixtureLines('cloudflare', 'http_requests.ndjson');
const parser = cloudflareParser({});

describe('cloudflare parser', () => {
  it('reads the documented fields of a Logpush line and ignores the rest', () => {
    assert.deepEqual(parseOne(parser, lines[0]), {
      ts: Date.UTC(2026, 10, 24, 10, 0, 1),
      zone: 'example.com',
      host: 'www.example.com',
      colo: 'FRA',
      edgeStatus: 200,
      originStatus: 200,
      edgeErrorCode: 0,
      cause: 0,
      wsRateLimited: false,
      bytes: 1895,
      requestSource: 'eyeball',
    });
  });

  it('reads EdgeStartTimestamp as RFC 3339, unix seconds, unix nanoseconds (number or string)', () => {
    const times = [0, 1, 2, 3, 4].map((i) => (parseOne(parser, lines[i]) as { ts: number }).ts);
    assert.deepEqual(times, [
      Date.UTC(2026, 10, 24, 10, 0, 1),
      Date.UTC(2026, 10, 24, 10, 0, 10),
      Date.UTC(2026, 10, 24, 10, 1, 10),
      Date.UTC(2026, 10, 24, 10, 1, 15),
      Date.UTC(2026, 10, 24, 10, 1, 20, 250),
    ]);
  });

  it('keeps 52x and origin statuses as logged', () => {
    assert.deepEqual(
      [2, 3].map((i) => {
        const r = parseOne(parser, lines[i]) as {
          edgeStatus: number;
          originStatus: number;
          colo: string;
          bytes: number;
        };
        return [r.edgeStatus, r.originStatus, r.colo, r.bytes];
      }),
      [
        [522, 0, 'AMS', 0],
        [503, 503, 'AMS', 230],
      ],
    );
  });

  it('tells a firewall block (403) and a DNS error (409) from the pathing fields', () => {
    assert.equal((parseOne(parser, lines[4]) as { edgeErrorCode: number }).edgeErrorCode, 1020);
    assert.equal((parseOne(parser, lines[5]) as { edgeErrorCode: number }).edgeErrorCode, 1001);
    assert.equal((parseOne(parser, lines[0]) as { edgeErrorCode: number }).edgeErrorCode, 0);
  });

  it('lower-cases hosts, upper-cases colos and ignores unknown nested fields', () => {
    const r = parseOne(parser, lines[15]) as { host: string; colo: string; edgeStatus: number };
    assert.deepEqual([r.host, r.colo, r.edgeStatus], ['www.example.com', 'LHR', 301]);
  });

  const rejected: Array<[number, string, RegExp]> = [
    [7, 'invalid-json', /not valid JSON/],
    [8, 'not-an-object', /array/],
    [9, 'bad-status', /EdgeResponseStatus "OK"/],
    [10, 'bad-status', /EdgeResponseStatus 999/],
    [11, 'bad-timestamp', /1970-01-01T00:00:00\.000Z, outside/],
    [12, 'missing-field', /EdgeStartTimestamp/],
    [13, 'missing-zone', /--zone/],
    [14, 'wrong-type', /EdgeResponseBytes "lots"/],
  ];
  for (const [index, reason, detail] of rejected) {
    it(`rejects line ${index + 1} as ${reason} with a detail naming field and value`, () => {
      const r = parseOne(parser, lines[index]) as { reason: string; detail: string };
      assert.equal(r.reason, reason);
      assert.match(r.detail, detail);
    });
  }

  it('takes the zone and data center from options when the line has none', () => {
    const r = parseOne(cloudflareParser({ zone: 'fallback.example', colo: 'cdg' }), lines[13]) as {
      zone: string;
      colo: string;
    };
    assert.deepEqual([r.zone, r.colo], ['fallback.example', 'CDG']);
  });

  it('rejects a timestamp more than a day in the future', () => {
    const future = JSON.stringify({
      EdgeStartTimestamp: Date.now() / 1000 + 3 * 86400,
      EdgeResponseStatus: 200,
      ZoneName: 'z',
    });
    assert.equal((parseOne(parser, future) as { reason: string }).reason, 'bad-timestamp');
  });
});
