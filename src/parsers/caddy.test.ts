import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../classify/classify.js';
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

  describe('with log_append upstream {http.reverse_proxy.upstream.hostport}: an empty upstream is Caddy’s own', () => {
    const entry = (status: number, upstream: string | null, errTrace?: string) =>
      parseOne(
        caddyParser({}),
        JSON.stringify({
          logger: 'http.log.access.log0',
          ts: 1795514400.5,
          request: { host: 'shop.example.com' },
          status,
          size: 10,
          upstream,
          ...(errTrace ? { err_trace: errTrace } : {}),
        }),
      ) as NormalizedRequest;
    // [what happened, status, upstream, err_trace, origin status, cause, group]
    const table: Array<[string, number, string | null, string | undefined, number, number, string]> = [
      ['the upstream’s 404', 404, '10.0.0.5:8080', undefined, 404, 0, 'origin'],
      ['the upstream’s own 502 passed on', 502, '10.0.0.5:8080', undefined, 502, 0, 'origin'],
      ['respond 502 without an upstream', 502, '', undefined, 0, 0, 'excluded'],
      ['respond 403 without an upstream', 403, '', undefined, 0, 0, 'edge'],
      [
        'dial failure to 10.0.0.5:8080',
        502,
        '10.0.0.5:8080',
        'reverseproxy.statusError (reverseproxy.go:1269)',
        0,
        520,
        '52x',
      ],
      [
        'timeout from 10.0.0.5:8080',
        504,
        '10.0.0.5:8080',
        'reverseproxy.statusError (reverseproxy.go:1269)',
        0,
        524,
        '52x',
      ],
      [
        'a reverse_proxy 502 without an upstream',
        502,
        '',
        'reverseproxy.statusError (reverseproxy.go:1269)',
        0,
        0,
        'excluded',
      ],
      [
        'no upstream available (503)',
        503,
        '',
        'reverseproxy.(*Handler).proxyLoopIteration (reverseproxy.go:486)',
        0,
        0,
        'excluded',
      ],
      ['the field null: as without it', 404, null, undefined, 404, 0, 'origin'],
    ];
    for (const [name, status, upstream, errTrace, origin, cause, group] of table) {
      it(`${name} → origin ${origin}, cause ${cause || 'none'}, ${group}`, () => {
        const r = entry(status, upstream, errTrace);
        assert.deepEqual([r.edgeStatus, r.originStatus, r.cause, classify(r).group], [status, origin, cause, group]);
      });
    }

    it('rejects an upstream that is not a string', () => {
      const r = parseOne(
        caddyParser({}),
        JSON.stringify({ ts: 1795514400, request: { host: 'a.example' }, status: 200, upstream: 5 }),
      );
      assert.deepEqual((r as Rejection).reason, 'wrong-type');
    });
  });
});
