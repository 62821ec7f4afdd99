import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rejection } from '../model/rejection.js';
import type { NormalizedRequest } from '../model/request.js';
import { caddyParser } from './caddy.js';
import { SKIP } from './parser.js';
import { fixtureLines, parseOne } from './testing.js';

describe('Caddy JSON access logs', () => {
  const lines = fixtureLines('caddy', 'access.log');
  const results = lines.map((line) => parseOne(caddyParser({ colo: 'ams' }), line));
  const at = (i: number) => results[i] as NormalizedRequest;

  it('reads the documented example: ts in seconds, request.host, status, size; --colo', () => {
    assert.deepEqual(
      [at(0).ts, at(0).host, at(0).zone, at(0).edgeStatus, at(0).originStatus, at(0).bytes, at(0).colo],
      [1646861401524, 'localhost', 'localhost', 200, 200, 10900, 'AMS'],
    );
  });

  it('skips Caddy’s other log lines (not http.log.access) in the same stream', () => {
    assert.equal(results[1], SKIP);
  });

  it('drops the port from request.host and takes --zone over the host', () => {
    assert.equal(at(2).host, 'shop.example.com');
    assert.equal((parseOne(caddyParser({ zone: 'example.com' }), lines[2]) as NormalizedRequest).zone, 'example.com');
  });

  // [line, status the client got, origin status, 52x cause, what it shows]
  const rows: Array<[number, number, number, number, string]> = [
    [2, 200, 200, 0, 'no err_trace: the upstream’s 200 passed on'],
    [3, 404, 404, 0, 'no err_trace: the upstream’s 404, an origin error'],
    [4, 404, 0, 0, 'err_trace from the file server: Caddy’s own 404'],
    [5, 502, 0, 520, 'reverse_proxy 502 (dial or response failure) → 520'],
    [6, 504, 0, 524, 'reverse_proxy 504 (timeout) → 524'],
    [7, 503, 0, 0, 'reverse_proxy 503 (no upstream available): excluded'],
    [8, 499, 0, 0, 'reverse_proxy 499 (client closed first): edge'],
    [9, 503, 503, 0, 'the upstream’s 503 passed on: the 503 group'],
    [10, 502, 502, 0, 'the upstream’s 502 passed on: an origin error'],
  ];
  for (const [i, status, origin, cause, name] of rows) {
    it(name, () => assert.deepEqual([at(i).edgeStatus, at(i).originStatus, at(i).cause], [status, origin, cause]));
  }

  it('rejects broken JSON, non-objects, missing and mistyped fields, naming them', () => {
    const bad = fixtureLines('caddy', 'bad.log').map((line) => parseOne(caddyParser({}), line) as Rejection);
    assert.deepEqual(
      bad.map((r) => r.reason),
      [
        'invalid-json',
        'not-an-object',
        'missing-field',
        'bad-timestamp',
        'bad-status',
        'wrong-type',
        'wrong-type',
        'missing-zone',
      ],
    );
    assert.match(bad[2].detail, /ts is missing/);
    assert.match(bad[5].detail, /request "GET \/" should be an object/);
  });
});
