import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixture } from '../testing/paths.js';
import { derivedCause, nginxParser, parseTimeLocal, upstreamEntries } from './nginx.js';
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
  it('derives 52x causes as DESIGN.md says', () => {
    const rows: Array<[number, string | undefined, string | undefined, number]> = [
      [502, '-', '-', 522],
      [504, '', undefined, 522],
      [504, '0.001', '-', 524],
      [502, '0.001', '-', 520],
      [502, '0.001', undefined, 520],
      [502, '0.001', '0.002', 0],
      [502, undefined, undefined, 0],
      [500, '-', '-', 0],
    ];
    for (const [status, connect, header, cause] of rows) {
      assert.equal(derivedCause(status, connect, header), cause, `${status} ${connect} ${header}`);
    }
  });

  it('splits upstream lists of both separators', () => {
    assert.deepEqual(upstreamEntries('502, 200'), ['502', '200']);
    assert.deepEqual(upstreamEntries('502 : 200'), ['502', '200']);
    assert.deepEqual(upstreamEntries('502, 504 : 200'), ['502', '504', '200']);
    assert.deepEqual(upstreamEntries('-'), ['-']);
  });

  it('reads $time_local with its offset', () => {
    assert.equal(parseTimeLocal('10/Oct/2026:13:55:36 -0700'), Date.UTC(2026, 9, 10, 20, 55, 36));
    assert.ok(Number.isNaN(parseTimeLocal('10/Okt/2026:13:55:36 -0700')));
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
    for (const [text, ms] of times) assert.deepEqual(parseTimeLocal(text), ms, text);
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
