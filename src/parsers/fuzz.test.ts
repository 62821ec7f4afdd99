import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LineRollup } from '../ingest/line-rollup.js';
import { REJECT_REASONS } from '../model/rejection.js';
import { emptyRequest } from '../model/request.js';
import { fixture } from '../testing/paths.js';
import { detectFormat } from './detect.js';
import { SKIP } from './parser.js';
import { createParser, PARSERS } from './registry.js';

/** Real lines of each format, the seeds that mutations start from. */
const SEEDS: Record<string, { files: string[]; options?: Record<string, unknown> }> = {
  cloudflare: { files: ['cloudflare/http_requests.ndjson'] },
  nginx: {
    files: ['nginx/edge.log'],
    options: { nginxLogFormat: readFileSync(fixture('nginx', 'edge.format'), 'utf8').trim() },
  },
  ndjson: { files: ['caddy/access.log'], options: { fieldMap: { ts: 'ts', status: 'status', host: 'request.host' } } },
  cloudfront: { files: ['cloudfront/standard.log'] },
  alb: { files: ['alb/access.log'] },
  caddy: { files: ['caddy/access.log'] },
  haproxy: { files: ['haproxy/httplog.log'] },
  envoy: { files: ['envoy/access.log'] },
};

const seedLines = (format: string) =>
  SEEDS[format].files.flatMap((file) =>
    readFileSync(fixture(...file.split('/')), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .slice(0, 20),
  );

/** Values an attacker puts in a field: overflowing numbers, odd types, control and unpaired characters, markup. */
const HOSTILE = [
  '',
  ' ',
  '-',
  '0',
  '-1',
  '1e400',
  '-1e400',
  '9'.repeat(400),
  '18446744073709551616',
  '1.5',
  'NaN',
  'Infinity',
  '0x1F',
  '9999-99-99T99:99:99Z',
  '99999-01-01T00:00:00Z',
  '\u0000',
  '\u001b[31m',
  '\ud800',
  '\u202e',
  '<img src=x onerror=alert(1)>',
  '=HYPERLINK("http://evil")',
  '%00%ff',
  '"',
  '\\',
  '{}',
  '[]',
  'null',
  '__proto__',
  'a'.repeat(5000),
];
const hostileText = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt().map(String),
);
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileText,
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, false, [], {}, Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A seed line changed the way broken or hostile logs are: truncated, spliced, a field replaced. */
function mutated(seeds: string[]): fc.Arbitrary<string> {
  const seed = fc.constantFrom(...seeds);
  return fc.oneof(
    fc.tuple(seed, fc.nat(), hostileText).map(([line, at, text]) => {
      const i = at % (line.length + 1);
      return line.slice(0, i) + text + line.slice(i);
    }),
    fc.tuple(seed, fc.nat(), fc.nat(), hostileText).map(([line, a, b, text]) => {
      const i = a % (line.length + 1);
      return line.slice(0, i) + text + line.slice(i + (b % 20));
    }),
    fc.tuple(seed, fc.nat()).map(([line, at]) => line.slice(0, at % (line.length + 1))),
    // Replace one space- or tab-separated field of a text line.
    fc.tuple(seed, fc.nat(), hostileText).map(([line, at, text]) => {
      const sep = line.includes('\t') ? '\t' : ' ';
      const parts = line.split(sep);
      parts[at % parts.length] = text;
      return parts.join(sep);
    }),
    // Replace one top-level value of a JSON line.
    fc.tuple(seed, fc.nat(), hostileJson).map(([line, at, value]) => {
      try {
        const o = JSON.parse(line) as Record<string, unknown>;
        const keys = Object.keys(o);
        if (keys.length === 0 || typeof o !== 'object' || o === null) return line;
        o[keys[at % keys.length]] = value;
        return JSON.stringify(o);
      } catch {
        return line;
      }
    }),
  );
}

const anyLine = (seeds: string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: mutated(seeds) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 1, arbitrary: hostileText },
  );

describe('every parser under hostile lines', () => {
  for (const format of Object.keys(PARSERS)) {
    it(`${format}: never throws; returns a request, a skip, or a rejection with a known reason`, () => {
      const seeds = seedLines(format);
      assert.ok(seeds.length > 0, `${format} has seed lines`);
      const options = { ...SEEDS[format].options };
      // Unzoned seeds (text formats) take their zone from the host; half the runs also pass --zone.
      fc.assert(
        fc.property(anyLine(seeds), fc.boolean(), (line, withZone) => {
          const parser = createParser(format, withZone ? { ...options, zone: 'z.example' } : options);
          const out = emptyRequest();
          const result = parser.parse(line, out);
          if (result === SKIP) return;
          if (result !== null) {
            assert.ok(Object.hasOwn(REJECT_REASONS, result.reason), `reason ${result.reason}`);
            assert.equal(typeof result.detail, 'string');
            assert.ok(result.detail.length > 0);
            return;
          }
          assert.ok(Number.isFinite(out.ts), `ts ${out.ts}`);
          assert.ok(Number.isInteger(out.edgeStatus) && out.edgeStatus >= 0 && out.edgeStatus <= 999);
          assert.ok(Number.isInteger(out.originStatus) && out.originStatus >= 0 && out.originStatus <= 999);
          assert.ok(Number.isFinite(out.bytes) && out.bytes >= 0, `bytes ${out.bytes}`);
          assert.equal(typeof out.zone, 'string');
          assert.ok(out.zone.length > 0);
          assert.equal(typeof out.colo, 'string');
          // The whole per-line path (zone rule, classification, rollup) takes what the parser accepted.
          const rollup = new LineRollup(parser);
          rollup.line(line, 1);
          assert.equal(rollup.tally.accepted + rollup.tally.rejected + rollup.tally.skipped, 1);
          for (const row of rollup.rollup.drain()) assert.ok(Number.isFinite(row.minute) && row.requests === 1);
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 600) },
      );
    });
  }

  const haproxy = seedLines('haproxy')[0];
  const crafted: Array<[string, string, string]> = [
    [
      'cloudflare',
      JSON.stringify({ EdgeStartTimestamp: 1e308, EdgeResponseStatus: 200, ZoneName: 'z' }),
      'bad-timestamp',
    ],
    [
      'cloudflare',
      JSON.stringify({ EdgeStartTimestamp: 1.7e9, EdgeResponseStatus: 200, EdgeResponseBytes: 1e308 }),
      'wrong-type',
    ],
    ['haproxy', haproxy.replace(/ (\d{3}) \d+ /, ` $1 ${'9'.repeat(400)} `), 'wrong-type'],
  ];
  for (const [format, line, reason] of crafted) {
    it(`${format}: ${line.slice(0, 50)}... is rejected as ${reason}, not thrown or stored as Infinity`, () => {
      const result = createParser(format, { zone: 'z.example' }).parse(line, emptyRequest());
      assert.equal(result !== SKIP && result?.reason, reason);
    });
  }

  it('detectFormat picks a format or throws its own error naming what was tried, for any sample', () => {
    const allSeeds = Object.keys(PARSERS).flatMap(seedLines);
    fc.assert(
      fc.property(fc.array(anyLine(allSeeds), { minLength: 1, maxLength: 8 }), (lines) => {
        try {
          const detected = detectFormat(lines, {});
          assert.ok(Object.hasOwn(PARSERS, detected.format));
        } catch (err) {
          assert.equal((err as Error).name, 'UndetectedFormatError', (err as Error).stack);
          assert.match((err as Error).message, /cannot detect the format/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
