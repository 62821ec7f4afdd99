import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rejection } from '../model/rejection.js';
import type { NormalizedRequest } from '../model/request.js';
import { CLOUDFRONT_FIELDS, cloudfrontOutcome, cloudfrontParser, edgeColo } from './cloudfront.js';
import { SKIP } from './parser.js';
import { fixtureLines, parseOne } from './testing.js';

describe('CloudFront standard logs', () => {
  const lines = fixtureLines('cloudfront', 'standard.log');
  const parser = cloudfrontParser({});
  const results = lines.map((line) => parseOne(parser, line));
  const requests = results.slice(2) as NormalizedRequest[];

  it('skips the #Version and #Fields header lines', () => {
    assert.deepEqual(results.slice(0, 2), [SKIP, SKIP]);
  });

  it('reads the documented example: time, edge location, host header, bytes', () => {
    const r = requests[0];
    assert.deepEqual(
      [r.ts, r.colo, r.host, r.zone, r.edgeStatus, r.originStatus, r.bytes],
      [
        Date.UTC(2019, 11, 4, 21, 2, 31),
        'LAX',
        'd111111abcdef8.cloudfront.net',
        'd111111abcdef8.cloudfront.net',
        200,
        200,
        392,
      ],
    );
    assert.deepEqual([requests[2].host, requests[2].colo, requests[2].cause], ['www.example.com', 'SEA', 523]);
  });

  // [line after the header, status the client got, origin status, 52x cause, what it shows]
  const rows: Array<[number, number, number, number, string]> = [
    [0, 200, 200, 0, 'Hit: the cached origin answer'],
    [2, 502, 0, 523, 'Error/OriginDnsError (documented example) → 523'],
    [4, 200, 200, 0, 'Miss: the origin answered'],
    [5, 404, 404, 0, 'Error/Error with a 404: the origin’s 404 passed on'],
    [6, 502, 0, 522, 'Error/OriginConnectError → 522'],
    [7, 504, 0, 524, 'Error/OriginReadTimeout → 524'],
    [8, 502, 0, 520, 'Error/OriginCommError → 520'],
    [9, 502, 0, 520, 'Error/OriginError → 520'],
    [10, 499, 0, 0, 'sc-status 000 (ClientCommError: the viewer left) → 499'],
    [11, 403, 0, 0, 'Error/ClientGeoBlocked: CloudFront’s own 403'],
    [12, 503, 0, 0, 'LimitExceeded: CloudFront’s own 503 (excluded)'],
    [13, 301, 0, 0, 'Redirect: CloudFront’s own redirect'],
    [14, 503, 0, 0, 'Error/OriginError with 503: CloudFront’s 503, no cause'],
    [15, 304, 304, 0, 'RefreshHit: the origin revalidated'],
    [16, 500, 500, 0, 'Error/OriginError with a 500: the origin’s 500 passed on'],
    [17, 502, 0, 520, 'Error/OriginInvalidResponseError → 520'],
  ];
  for (const [i, status, origin, cause, name] of rows) {
    it(`${name}`, () => {
      const r = requests[i];
      assert.deepEqual([r.edgeStatus, r.originStatus, r.cause], [status, origin, cause]);
    });
  }

  it('maps each documented origin failure on a 502 or 504 to its 52x cause', () => {
    // CloudFront's documented x-edge-detailed-result-type values for origin failures, with the
    // cause each one means: connect refused or timed out 522, DNS 523, read timeout 524, the rest 520.
    const documented: [string, number][] = [
      ['OriginConnectError', 522],
      ['OriginDnsError', 523],
      ['OriginReadTimeout', 524],
      ['OriginReadError', 524],
      ['OriginCommError', 520],
      ['OriginError', 520],
      ['OriginInvalidResponseError', 520],
      ['OriginHeaderTooBigError', 520],
      ['OriginZeroSizeObjectError', 520],
      ['OriginContentRangeLengthError', 520],
      ['OriginWriteError', 520],
      ['AbortedOrigin', 520],
      ['OriginSomethingNew', 520],
    ];
    for (const status of [502, 504]) {
      for (const [detail, cause] of documented) {
        assert.deepEqual(cloudfrontOutcome(status, 'Error', detail), { originStatus: 0, cause }, `${status} ${detail}`);
      }
    }
  });

  it('takes the airport code of an edge location as the data center', () => {
    assert.deepEqual(['FRA56-P4', 'IAD89-C3', 'sfo5-c1', 'X1'].map(edgeColo), ['FRA', 'IAD', 'SFO', 'X1']);
  });

  it('uses --zone over the host, and the default field order without a header', () => {
    const headerless = cloudfrontParser({ zone: 'example.com' });
    const r = parseOne(headerless, lines[8]) as NormalizedRequest;
    assert.deepEqual([r.zone, r.host, r.edgeStatus, r.cause], ['example.com', 'www.example.com', 502, 522]);
    assert.equal(CLOUDFRONT_FIELDS.length, lines[2].split('\t').length);
  });

  it('learns field positions from a #Fields line with its own selection and order', () => {
    const own = fixtureLines('cloudfront', 'selected-fields.log');
    const p = cloudfrontParser({});
    const [a, b, c, d] = own.map((line) => parseOne(p, line));
    assert.deepEqual([a, b], [SKIP, SKIP]);
    const failed = c as NormalizedRequest;
    assert.deepEqual(
      [failed.ts, failed.edgeStatus, failed.cause, failed.colo, failed.zone, failed.bytes],
      [Date.UTC(2019, 11, 13, 22, 40, 2), 502, 522, 'IAD', 'shop.example.com', 900],
    );
    assert.equal((d as NormalizedRequest).originStatus, 200);
    // A worker that starts mid-file gets the header through the options.
    const worker = cloudfrontParser({ w3cFields: own[1] });
    assert.equal((parseOne(worker, own[2]) as NormalizedRequest).cause, 522);
  });

  it('rejects lines of another shape, bad dates, statuses and byte counts, naming the field', () => {
    const bad = fixtureLines('cloudfront', 'bad.log').map((line) => parseOne(parser, line) as Rejection);
    assert.deepEqual(
      bad.map((r) => r.reason),
      ['format-mismatch', 'bad-timestamp', 'bad-status', 'wrong-type'],
    );
    assert.match(bad[0].detail, /4 tab-separated fields where the #Fields header names 33/);
    assert.match(bad[2].detail, /sc-status "2x0"/);
  });

  it('says which required field a #Fields header lacks', () => {
    const p = cloudfrontParser({});
    assert.equal(p.parse('#Fields: date x-edge-location', { ...requests[0] }), SKIP);
    assert.deepEqual(parseOne(p, '2019-12-13\tFRA2'), {
      reason: 'missing-field',
      detail: 'the #Fields header lacks time, sc-status',
    });
  });
});
