import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { classify } from '../classify/classify.js';
import type { NormalizedRequest } from '../model/request.js';
import { fixture } from '../testing/paths.js';
import {
  derivedCause,
  isUpstreamAddress,
  lastTriedAt,
  NGINX_NO_UPSTREAM_NOTICE,
  NGINX_UPSTREAM_LOG_FORMAT,
  nginxParser,
  upstreamEntries,
} from './nginx.js';
import { compileLogFormat } from './nginx-format.js';
import { fixtureLines, parseOne } from './testing.js';

type Parsed = {
  ts: number;
  host: string;
  zone: string;
  colo: string;
  edgeStatus: number;
  originStatus: number;
  cause: number;
  bytes: number;
};

describe('nginx combined format', () => {
  const lines = fixtureLines('nginx', 'combined.log');
  const parser = nginxParser({ zone: 'example.com', colo: 'fra' });

  it('reads time, status and bytes; zone and data center from options', () => {
    const r = parseOne(parser, lines[0]) as Parsed;
    assert.deepEqual(
      [r.ts, r.edgeStatus, r.bytes, r.zone, r.colo, r.originStatus, r.cause],
      [Date.UTC(2026, 10, 24, 10, 0, 1), 200, 612, 'example.com', 'FRA', 0, 0],
    );
  });

  it('handles escaped quotes in values and nginx-only statuses 413, 499', () => {
    assert.equal((parseOne(parser, lines[1]) as Parsed).edgeStatus, 404);
    assert.equal((parseOne(parser, lines[2]) as Parsed).edgeStatus, 413);
    assert.equal((parseOne(parser, lines[3]) as Parsed).edgeStatus, 499);
    assert.equal((parseOne(parser, lines[4]) as Parsed).edgeStatus, 400);
  });

  it('rejects lines of another shape, impossible dates and statuses', () => {
    assert.deepEqual(
      [5, 6, 7].map((i) => (parseOne(parser, lines[i]) as { reason: string }).reason),
      ['format-mismatch', 'bad-timestamp', 'bad-status'],
    );
  });

  it('needs a zone: --zone or $host', () => {
    assert.equal((parseOne(nginxParser({}), lines[0]) as { reason: string }).reason, 'missing-zone');
  });
});

describe('nginx custom format with upstream fields and a colo variable', () => {
  const format = readFileSync(fixture('nginx', 'edge.format'), 'utf8').trim();
  const lines = fixtureLines('nginx', 'edge.log');
  const parser = nginxParser({ nginxLogFormat: format });
  const parsed = lines.map((line) => parseOne(parser, line) as Parsed);

  it('takes zone from $host, data center from $colo, time from $time_iso8601', () => {
    assert.deepEqual(
      [parsed[0].zone, parsed[0].host, parsed[0].colo, parsed[0].ts],
      ['shop.example.com', 'shop.example.com', 'FRA', Date.UTC(2026, 10, 24, 10)],
    );
    assert.equal(parsed[6].colo, 'unknown');
  });

  // [line, status the client got, origin status, derived cause]
  const expected: Array<[number, number, number, number, string]> = [
    [0, 200, 200, 0, 'origin answered'],
    [1, 502, 0, 522, 'connect never completed, 502'],
    [2, 504, 0, 524, 'connected, no header before the 504'],
    [3, 502, 0, 520, 'connected, no valid header, 502'],
    [4, 200, 200, 0, 'first upstream failed, the second answered (list with commas)'],
    [5, 503, 503, 0, 'origin 503 through two upstream groups (list with colons)'],
    [6, 304, 0, 0, 'no upstream contacted'],
    [7, 504, 0, 522, 'connect timed out, 504'],
    [8, 500, 500, 0, 'origin 500'],
  ];
  for (const [i, status, origin, cause, name] of expected) {
    it(`line ${i + 1}: ${name} → status ${status}, origin ${origin}, cause ${cause || 'none'}`, () => {
      assert.deepEqual([parsed[i].edgeStatus, parsed[i].originStatus, parsed[i].cause], [status, origin, cause]);
    });
  }
});

describe('nginx helpers', () => {
  it('derives 52x causes only after an upstream attempt', () => {
    const rows: Array<[number, boolean, string | undefined, string | undefined, number]> = [
      [502, true, '-', '-', 522],
      [504, true, '', undefined, 522],
      [504, true, '0.001', '-', 524],
      [502, true, '0.001', '-', 520],
      [502, true, '0.001', undefined, 520],
      [502, true, '0.001', '0.002', 0],
      [502, true, undefined, undefined, 0],
      [500, true, '-', '-', 0],
      [502, false, '-', '-', 0],
      [504, false, '-', '-', 0],
    ];
    for (const [status, tried, connect, header, cause] of rows) {
      assert.equal(derivedCause(status, tried, connect, header), cause, `${status} ${tried} ${connect} ${header}`);
    }
  });

  it('finds the last upstream really tried in an $upstream_addr list', () => {
    assert.equal(lastTriedAt(['10.0.0.1:80', '10.0.0.2:80']), 1);
    assert.equal(lastTriedAt(['10.0.0.1:80', 'backend']), 0);
    assert.equal(lastTriedAt(['backend']), -1);
    assert.equal(lastTriedAt(['-']), -1);
  });

  it('tells an upstream address from - and an upstream group name', () => {
    for (const entry of ['10.0.0.1:8080', '[2001:db8::1]:443', 'unix:/run/app.sock']) {
      assert.equal(isUpstreamAddress(entry), true, entry);
    }
    for (const entry of ['-', '', 'backend', undefined]) assert.equal(isUpstreamAddress(entry), false, String(entry));
  });

  it('splits upstream lists of both separators', () => {
    assert.deepEqual(upstreamEntries('502, 200'), ['502', '200']);
    assert.deepEqual(upstreamEntries('502 : 200'), ['502', '200']);
    assert.deepEqual(upstreamEntries('502, 504 : 200'), ['502', '504', '200']);
    assert.deepEqual(upstreamEntries('-'), ['-']);
  });

  it('reads $msec and refuses formats without $status or a time', () => {
    const parser = nginxParser({ nginxLogFormat: '$msec $status $host', zone: 'z' });
    assert.equal(
      (parseOne(parser, '1795514400.250 200 a.example') as Parsed).ts,
      Date.UTC(2026, 10, 24, 10, 0, 0, 250),
    );
    assert.throws(() => nginxParser({ nginxLogFormat: '$msec $host' }), /no \$status/);
    assert.throws(() => nginxParser({ nginxLogFormat: '$status $host' }), /no time/);
  });

  it('compiles the braced variable syntax and escapes literal regex characters', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx's own ${var} syntax, not a template
    const { pattern, variables } = compileLogFormat('[${status}] (+$host)');
    assert.deepEqual(variables, ['status', 'host']);
    assert.deepEqual(pattern.exec('[200] (+a.b)')?.slice(1), ['200', 'a.b']);
  });
});

describe('nginx: a 502/504 is the origin’s only when nginx tried an upstream', () => {
  const format =
    '$time_iso8601 $host $status us=$upstream_status ua=$upstream_addr uct=$upstream_connect_time uht=$upstream_header_time';
  const parser = nginxParser({ nginxLogFormat: format });
  const line = (status: number, us: string, ua: string, uct: string, uht: string) =>
    `2026-11-24T10:00:00+00:00 shop.example.com ${status} us=${us} ua=${ua} uct=${uct} uht=${uht}`;
  // [what happened, $status, $upstream_status, $upstream_addr, connect, header, origin status, cause, group]
  const rows: Array<[string, number, string, string, string, string, number, number, string]> = [
    ['nginx’s own 502, no upstream tried', 502, '-', '-', '-', '-', 0, 0, 'excluded'],
    ['nginx’s own 504, no upstream tried', 504, '-', '-', '-', '-', 0, 0, 'excluded'],
    ['nginx’s own 503 (limit_req), no upstream tried', 503, '-', '-', '-', '-', 0, 0, 'excluded'],
    ['no live upstreams: the group name instead of an address', 502, '502', 'backend', '-', '-', 0, 0, 'excluded'],
    ['connect to 10.0.0.1:80 failed', 502, '502', '10.0.0.1:80', '-', '-', 0, 522, '52x'],
    ['connect timed out, 504', 504, '504', '10.0.0.1:80', '-', '-', 0, 522, '52x'],
    ['connected, no header before the 504', 504, '504', '10.0.0.1:80', '0.001', '-', 0, 524, '52x'],
    ['connected, no valid header, 502', 502, '502', '10.0.0.1:80', '0.001', '-', 0, 520, '52x'],
    ['unix socket refused', 502, '502', 'unix:/run/app.sock', '-', '-', 0, 522, '52x'],
    ['IPv6 upstream refused', 502, '502', '[2001:db8::1]:443', '-', '-', 0, 522, '52x'],
    ['both upstreams refused', 502, '502, 502', '10.0.0.1:80, 10.0.0.2:80', '-, -', '-, -', 0, 522, '52x'],
    ['refused, then no live upstream left', 502, '502, 502', '10.0.0.1:80, backend', '-, -', '-, -', 0, 522, '52x'],
    [
      'timed out, then no live upstream left',
      504,
      '504, 502',
      '10.0.0.1:80, backend',
      '0.001, -',
      '-, -',
      0,
      524,
      '52x',
    ],
    ['the upstream’s own 502, passed through', 502, '502', '10.0.0.1:80', '0.001', '0.002', 502, 0, 'origin'],
    ['the upstream’s 404, passed through', 404, '404', '10.0.0.1:80', '0.001', '0.002', 404, 0, 'origin'],
    ['nginx’s own 404 (no upstream)', 404, '-', '-', '-', '-', 0, 0, 'edge'],
  ];
  for (const [name, status, us, ua, uct, uht, origin, cause, group] of rows) {
    it(`${name} → origin ${origin}, cause ${cause || 'none'}, ${group}`, () => {
      const r = parseOne(parser, line(status, us, ua, uct, uht)) as NormalizedRequest;
      assert.deepEqual([r.edgeStatus, r.originStatus, r.cause, classify(r).group], [status, origin, cause, group]);
    });
  }

  it('without $upstream_addr, $upstream_status - says no upstream was tried (was 522 before)', () => {
    const p = nginxParser({ nginxLogFormat: '$time_iso8601 $host $status $upstream_status $upstream_connect_time' });
    const own = parseOne(p, '2026-11-24T10:00:00+00:00 a.example 502 - -') as NormalizedRequest;
    const refused = parseOne(p, '2026-11-24T10:00:00+00:00 a.example 502 502 -') as NormalizedRequest;
    assert.deepEqual([own.cause, classify(own).group], [0, 'excluded']);
    assert.deepEqual([refused.cause, classify(refused).group], [522, '52x']);
  });

  it('with only $upstream_connect_time, a time says an upstream was tried and - cannot say', () => {
    const p = nginxParser({
      nginxLogFormat: '$time_iso8601 $host $status $upstream_connect_time $upstream_header_time',
    });
    const timedOut = parseOne(p, '2026-11-24T10:00:00+00:00 a.example 504 0.002 -') as NormalizedRequest;
    const unknown = parseOne(p, '2026-11-24T10:00:00+00:00 a.example 502 - -') as NormalizedRequest;
    assert.deepEqual([timedOut.cause, classify(timedOut).group], [524, '52x']);
    assert.deepEqual([unknown.cause, classify(unknown).group], [0, 'excluded']);
  });
});

describe('nginx: formats that cannot tell edge from origin say so', () => {
  it('combined (no upstream variables) carries the notice with a log_format to use', () => {
    const notices = nginxParser({ zone: 'z' }).notices ?? [];
    assert.deepEqual(notices, [NGINX_NO_UPSTREAM_NOTICE]);
    assert.match(notices[0], /origin errors and 52x cannot be told/);
    for (const v of ['$upstream_status', '$upstream_addr', '$upstream_connect_time', '$upstream_header_time']) {
      assert.ok(notices[0].includes(v), v);
    }
  });

  it('a format with $upstream_status or $upstream_addr has none', () => {
    assert.deepEqual(nginxParser({ nginxLogFormat: '$msec $host $status $upstream_status' }).notices, []);
    assert.deepEqual(nginxParser({ nginxLogFormat: '$msec $host $status $upstream_addr' }).notices, []);
  });

  it('the suggested log_format reads lines with upstream lists and tells a refused connection', () => {
    const p = nginxParser({ nginxLogFormat: NGINX_UPSTREAM_LOG_FORMAT });
    assert.deepEqual(p.notices, []);
    const r = parseOne(
      p,
      '198.51.100.1 - - [24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 502 150 "-" "curl/8" shop.example.com us=502, 502 ua=10.0.0.1:80, 10.0.0.2:80 uct=-, - uht=-, -',
    ) as NormalizedRequest;
    assert.deepEqual([r.zone, r.edgeStatus, r.cause, classify(r).group], ['shop.example.com', 502, 522, '52x']);
  });
});
