import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classify } from '../classify/classify.js';
import type { Rejection } from '../model/rejection.js';
import type { NormalizedRequest } from '../model/request.js';
import { HAPROXY_CAUSES, haproxyOutcome, haproxyParser } from './haproxy.js';
import { fixtureLines, parseOne } from './testing.js';

describe('HAProxy HTTP logs', () => {
  const lines = fixtureLines('haproxy', 'httplog.log');
  const at = (i: number) =>
    parseOne(haproxyParser({ zone: 'example.com', colo: 'par' }), lines[i]) as NormalizedRequest;

  it('reads the documented example behind a syslog prefix: accept date, captured Host, bytes', () => {
    const r = parseOne(haproxyParser({}), lines[0]) as NormalizedRequest;
    assert.deepEqual(
      [r.ts, r.host, r.zone, r.edgeStatus, r.originStatus, r.bytes, r.colo],
      [Date.UTC(2009, 1, 6, 12, 14, 14, 655), '1wt.eu', '1wt.eu', 200, 200, 2750, 'unknown'],
    );
  });

  // [line, status counted, origin status, 52x cause, what it shows]
  const rows: Array<[number, number, number, number, string]> = [
    [0, 200, 200, 0, '---- with a server response: passed through'],
    [1, 408, 0, 0, 'cR (client timeout before its request, documented): HAProxy’s 408'],
    [2, 503, 0, 522, 'SC (server refused the connection, documented) → 522'],
    [3, 499, 0, 0, 'CR with status -1 (client aborted, documented) → 499'],
    [4, 404, 404, 0, '---- 404 from the server: an origin 404'],
    [5, 503, 0, 522, 'sC (connect timeout) → 522'],
    [6, 504, 0, 524, 'sH (no response header before the server timeout) → 524'],
    [7, 502, 0, 520, 'SH (server aborted or sent a bad header) → 520'],
    [8, 502, 0, 520, 'PH (HAProxy blocked an invalid response) → 520'],
    [9, 200, 200, 0, 'SD (server broke off the body): the server’s status stands'],
    [10, 503, 0, 0, '<NOSRV> 503 (no server available): excluded'],
    [11, 503, 0, 0, 'sQ (queue timeout): HAProxy’s 503, excluded'],
    [12, 403, 0, 0, 'PR (denied by a rule): HAProxy’s 403'],
    [13, 200, 200, 0, 'CD (client aborted during the body): the server’s status stands'],
    [14, 499, 0, 0, 'cD with status -1 (client timeout) → 499'],
    [15, 444, 0, 0, 'SC with status -1 (nothing sent) → 444'],
    [16, 503, 503, 0, '---- 503 from the server: the 503 group'],
  ];
  for (const [i, status, origin, cause, name] of rows) {
    it(name, () => assert.deepEqual([at(i).edgeStatus, at(i).originStatus, at(i).cause], [status, origin, cause]));
  }

  it('has a cause for exactly the connect, header-timeout and bad-header states', () => {
    assert.deepEqual(HAPROXY_CAUSES, { SC: 522, sC: 522, sH: 524, SH: 520, PH: 520 });
    assert.deepEqual(haproxyOutcome(503, 'sC--', 'srv1', -1), { edgeStatus: 503, originStatus: 0, cause: 522 });
  });

  it('takes --zone and --colo for every line', () => {
    assert.deepEqual([at(4).zone, at(4).host, at(4).colo], ['example.com', 'shop.example.com', 'PAR']);
  });

  it('rejects other shapes, impossible dates, statuses and a missing host, naming the field', () => {
    const bad = fixtureLines('haproxy', 'bad.log').map((line) => parseOne(haproxyParser({}), line) as Rejection);
    assert.deepEqual(
      bad.map((r) => r.reason),
      ['format-mismatch', 'bad-timestamp', 'bad-status', 'missing-zone'],
    );
    assert.match(bad[2].detail, /status_code "999"/);
  });

  describe('a 52x needs a server tried: <NOSRV> and queue/request phases are HAProxy’s own', () => {
    /** Fixture line 3 (SC-- 503 from srv1) with another server, status and termination state. */
    const entry = (server: string, status: number, state: string) =>
      parseOne(
        haproxyParser({ zone: 'example.com' }),
        lines[2].replace('px-http/srv1', `px-http/${server}`).replace(' 503 0 - - SC-- ', ` ${status} 0 - - ${state} `),
      ) as NormalizedRequest;
    // [what happened, server, status, termination state, cause, group]
    const table: Array<[string, string, number, string, number, string]> = [
      ['srv1 refused the connection', 'srv1', 503, 'SC--', 522, '52x'],
      ['no server available, SC', '<NOSRV>', 503, 'SC--', 0, 'excluded'],
      ['no server available, sC', '<NOSRV>', 503, 'sC--', 0, 'excluded'],
      ['no server, 502 with SH', '<NOSRV>', 502, 'SH--', 0, 'excluded'],
      ['no server, 504 with sH', '<NOSRV>', 504, 'sH--', 0, 'excluded'],
      ['queued for srv1, queue timeout', 'srv1', 503, 'sQ--', 0, 'excluded'],
      ['tarpitted with a server named', 'srv1', 500, 'PT--', 0, 'edge'],
      ['srv1 sent no header before the timeout', 'srv1', 504, 'sH--', 524, '52x'],
    ];
    for (const [name, server, status, state, cause, group] of table) {
      it(`${name} → cause ${cause || 'none'}, ${group}`, () => {
        const r = entry(server, status, state);
        assert.deepEqual([r.edgeStatus, r.originStatus, r.cause, classify(r).group], [status, 0, cause, group]);
      });
    }
  });
});
