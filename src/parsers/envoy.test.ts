import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../classify/classify.js';
import type { Rejection } from '../model/rejection.js';
import type { NormalizedRequest } from '../model/request.js';
import { envoyOutcome, envoyParser } from './envoy.js';
import { fixtureLines, parseOne } from './testing.js';

describe('Envoy access logs (default format)', () => {
  const lines = fixtureLines('envoy', 'access.log');
  const at = (i: number) => parseOne(envoyParser({ colo: 'nrt' }), lines[i]) as NormalizedRequest;

  it('reads the documented example: start time, :authority as host, bytes sent', () => {
    const r = at(0);
    assert.deepEqual(
      [r.ts, r.host, r.zone, r.edgeStatus, r.originStatus, r.bytes, r.colo],
      [Date.UTC(2016, 3, 15, 20, 17, 0, 310), 'locations', 'locations', 204, 204, 0, 'NRT'],
    );
    assert.deepEqual([at(1).host, at(1).bytes], ['shop.example.com', 512]);
  });

  // [line, status counted, origin status, 52x cause, what it shows]
  const rows: Array<[number, number, number, number, string]> = [
    [0, 204, 204, 0, 'no flags, upstream service time: the upstream’s answer (documented)'],
    [1, 200, 200, 0, 'no flags: the upstream’s 200'],
    [2, 404, 404, 0, 'no flags: the upstream’s 404, an origin error'],
    [3, 503, 0, 522, 'UF (upstream connection failure) → 522'],
    [4, 504, 0, 524, 'UT (upstream request timeout) → 524'],
    [5, 503, 0, 520, 'UC (upstream connection termination) → 520'],
    [6, 503, 0, 520, 'UR (upstream remote reset) → 520'],
    [7, 503, 0, 520, 'URX without an upstream answer → 520'],
    [8, 503, 0, 522, 'UF,URX: the connect failure decides → 522'],
    [9, 503, 0, 0, 'UH (no healthy upstream): Envoy’s 503, excluded'],
    [10, 503, 0, 0, 'UO (circuit breaker overflow): Envoy’s 503, excluded'],
    [11, 404, 0, 0, 'NR (no route): Envoy’s 404, an edge error'],
    [12, 499, 0, 0, 'code 0 with DC (client went away) → 499'],
    [13, 429, 0, 0, 'RL (rate limited): Envoy’s 429'],
    [14, 503, 503, 0, 'URX with an upstream answer: the upstream’s 503 after retries'],
    [15, 502, 0, 520, 'UPE (upstream protocol error) → 520'],
    [16, 503, 503, 0, 'no flags: the upstream’s 503, the 503 group'],
  ];
  for (const [i, status, origin, cause, name] of rows) {
    it(name, () => assert.deepEqual([at(i).edgeStatus, at(i).originStatus, at(i).cause], [status, origin, cause]));
  }

  it('gives each documented upstream failure flag its cause on an Envoy 5xx, and none on a 4xx', () => {
    // Envoy's documented %RESPONSE_FLAGS%, as Envoy writes them (alone or comma-separated).
    const documented: [string, number][] = [
      ['UF', 522],
      ['UF,URX', 522],
      ['UT', 524],
      ['UMSDR', 524],
      ['UPE', 520],
      ['UC', 520],
      ['UR', 520],
      ['URX', 520],
      ['UH', 0],
      ['UO', 0],
      ['NR', 0],
      ['RL', 0],
    ];
    for (const [flags, cause] of documented) {
      assert.equal(envoyOutcome(503, flags, false, '10.0.2.1:80').cause, cause, flags);
    }
    assert.deepEqual(envoyOutcome(0, 'UC', false, '10.0.2.1:80'), { edgeStatus: 444, originStatus: 0, cause: 0 });
    assert.deepEqual(envoyOutcome(408, 'UT', false, '10.0.2.1:80').cause, 0);
  });

  it('rejects other shapes, other time forms, statuses and a missing host, naming the field', () => {
    const bad = fixtureLines('envoy', 'bad.log').map((line) => parseOne(envoyParser({}), line) as Rejection);
    assert.deepEqual(
      bad.map((r) => r.reason),
      ['format-mismatch', 'bad-timestamp', 'bad-status', 'missing-zone'],
    );
    assert.match(bad[2].detail, /RESPONSE_CODE "999"/);
    assert.match(bad[1].detail, /START_TIME/);
  });

  describe('a 52x needs an upstream host: %UPSTREAM_HOST% - is Envoy’s own answer', () => {
    /** Fixture line `i` with another upstream host. */
    const withHost = (i: number, host: string) =>
      parseOne(envoyParser({}), lines[i].replace(/"[^"]*"$/, `"${host}"`)) as NormalizedRequest;
    // [what happened, fixture line, upstream host, status, cause, group]
    const table: Array<[string, number, string, number, number, string]> = [
      ['UF with an upstream host: connect failed', 3, '10.0.2.1:80', 503, 522, '52x'],
      ['UF without an upstream host', 3, '-', 503, 0, 'excluded'],
      ['UT without an upstream host', 4, '-', 504, 0, 'excluded'],
      ['UPE without an upstream host', 15, '-', 502, 0, 'excluded'],
      ['URX without an upstream host', 7, '-', 503, 0, 'excluded'],
      ['UH: no healthy upstream, no host', 9, '-', 503, 0, 'excluded'],
      ['NR: no route, no host', 11, '-', 404, 0, 'edge'],
      ['an upstream’s 404 with its host', 2, '10.0.2.1:80', 404, 0, 'origin'],
    ];
    for (const [name, i, host, status, cause, group] of table) {
      it(`${name} → cause ${cause || 'none'}, ${group}`, () => {
        const r = withHost(i, host);
        assert.deepEqual([r.edgeStatus, r.cause, classify(r).group], [status, cause, group]);
      });
    }
  });
});
