import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../classify/classify.js';
import type { Rejection } from '../model/rejection.js';
import type { NormalizedRequest } from '../model/request.js';
import { albOutcome, albParser } from './alb.js';
import { fixtureLines, parseOne } from './testing.js';

describe('AWS ALB access logs', () => {
  const lines = fixtureLines('alb', 'access.log');
  const requests = lines.map((line) => parseOne(albParser({}), line) as NormalizedRequest);

  it('reads the documented example: request time, host from the request, region as data center, sent bytes', () => {
    const r = requests[0];
    assert.deepEqual(
      [r.ts, r.host, r.zone, r.colo, r.edgeStatus, r.originStatus, r.cause, r.bytes],
      [Date.UTC(2018, 6, 2, 22, 22, 48, 364), 'www.example.com', 'www.example.com', 'US-EAST-2', 200, 200, 0, 366],
    );
  });

  it('takes the region from the certificate when there is no target group (redirect), and --colo over both', () => {
    assert.equal(requests[2].colo, 'unknown');
    const noTarget = lines[2].replace('"-" "-" 0 2018', `"-" "arn:aws:acm:eu-central-1:1:certificate/x" 0 2018`);
    assert.equal((parseOne(albParser({}), noTarget) as NormalizedRequest).colo, 'EU-CENTRAL-1');
    assert.equal((parseOne(albParser({ colo: 'fra' }), lines[0]) as NormalizedRequest).colo, 'FRA');
  });

  it('falls back to the time field in entries from before request_creation_time', () => {
    const r = requests[14];
    assert.deepEqual([r.ts, r.host, r.edgeStatus], [Date.UTC(2016, 7, 10, 22, 8, 42, 945), 'shop.example.com', 200]);
  });

  // [entry, status the client got, origin status, 52x cause, what it shows]
  const rows: Array<[number, number, number, number, string]> = [
    [0, 200, 200, 0, 'target 200 passed through'],
    [2, 301, 0, 0, 'the ALB’s own redirect (target -)'],
    [3, 404, 404, 0, 'target 404 passed through: an origin 404'],
    [4, 502, 0, 522, 'ALB 502, no target response, TargetConnectionError → 522'],
    [5, 502, 0, 520, 'ALB 502, no target response, TargetResponseError → 520'],
    [6, 502, 0, 520, 'ALB 502, no target response, no error reason → 520'],
    [7, 504, 0, 522, 'ALB 504, target_processing_time -1, TargetConnectionError → 522'],
    [8, 504, 0, 524, 'ALB 504, target_processing_time -1, connected but no answer → 524'],
    [9, 503, 0, 0, 'ALB 503, no healthy target: excluded 503'],
    [10, 499, 0, 0, 'ALB 460 (client closed first) → 499'],
    [11, 444, 0, 0, 'ALB 000 (closed without a response) → 444'],
    [12, 502, 502, 0, 'target 502 passed through: an origin 50x'],
    [13, 503, 503, 0, 'target 503 passed through: the 503 group'],
  ];
  for (const [i, status, origin, cause, name] of rows) {
    it(name, () => {
      const r = requests[i];
      assert.deepEqual([r.edgeStatus, r.originStatus, r.cause], [status, origin, cause]);
    });
  }

  it('maps outcomes independently of the line syntax', () => {
    assert.deepEqual(albOutcome(504, '-', 'TargetConnectionError', '10.0.0.1:80'), { originStatus: 0, cause: 522 });
    assert.deepEqual(albOutcome(500, '-', '-', '10.0.0.1:80'), { originStatus: 0, cause: 0 });
    assert.deepEqual(albOutcome(502, '-', 'TargetConnectionError', '-'), { originStatus: 0, cause: 0 });
  });

  it('rejects other shapes, bad times, statuses, byte counts and a missing host, naming the field', () => {
    const bad = fixtureLines('alb', 'bad.log').map((line) => parseOne(albParser({}), line) as Rejection);
    assert.deepEqual(
      bad.map((r) => r.reason),
      ['format-mismatch', 'bad-timestamp', 'bad-status', 'bad-status', 'wrong-type', 'missing-zone'],
    );
    assert.match(bad[2].detail, /elb_status_code "OK"/);
    assert.match(bad[3].detail, /target_status_code "2000"/);
    const zoned = parseOne(albParser({ zone: 'example.com' }), fixtureLines('alb', 'bad.log')[5]) as NormalizedRequest;
    assert.deepEqual([zoned.zone, zoned.host], ['example.com', '']);
  });

  describe('a 502/504 is the target’s only when the ALB tried one (target:port)', () => {
    /** Entry `i` of the fixture with another target:port and error_reason. */
    const entry = (i: number, target: string, reason: string) =>
      parseOne(
        albParser({}),
        lines[i]
          .replace(' 10.0.0.1:80 0.086', ` ${target} 0.086`)
          .replace(/"(TargetConnectionError|TargetResponseError|-)" "10\.0\.0\.1:80"/, `"${reason}" "-"`),
      ) as NormalizedRequest;
    // [what happened, fixture entry, target:port, error_reason, status, cause, group]
    const table: Array<[string, number, string, string, number, number, string]> = [
      ['502, no target tried (target:port -)', 4, '-', 'TargetConnectionError', 502, 0, 'excluded'],
      ['502, no target tried, no error reason', 6, '-', '-', 502, 0, 'excluded'],
      ['504, no target tried', 7, '-', '-', 504, 0, 'excluded'],
      ['503, no target tried (no healthy target)', 9, '-', '-', 503, 0, 'excluded'],
      ['502 from a Lambda target (target:port -, Lambda… reason)', 4, '-', 'LambdaInvalidResponse', 502, 520, '52x'],
      ['502, target 10.0.0.2:8080 refused', 4, '10.0.0.2:8080', 'TargetConnectionError', 502, 522, '52x'],
      ['504, target 10.0.0.2:8080 did not answer in time', 8, '10.0.0.2:8080', '-', 504, 524, '52x'],
    ];
    for (const [name, i, target, reason, status, cause, group] of table) {
      it(`${name} → cause ${cause || 'none'}, ${group}`, () => {
        const r = entry(i, target, reason);
        assert.deepEqual([r.edgeStatus, r.originStatus, r.cause, classify(r).group], [status, 0, cause, group]);
      });
    }
  });
});
