import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixture } from '../testing/paths.js';
import { detectFormat } from './detect.js';
import {
  createParser,
  DETECT_ORDER,
  FORMAT_CHOICES,
  FORMAT_NAMES,
  formatDescriptions,
  PARSERS,
  UnknownFormatError,
} from './registry.js';
import { fixtureLines } from './testing.js';

describe('detectFormat', () => {
  it('recognizes Cloudflare Logpush lines, even with a few bad ones', () => {
    assert.equal(detectFormat(fixtureLines('cloudflare', 'http_requests.ndjson'), {}).format, 'cloudflare');
  });
  it('calls other JSON objects ndjson', () => {
    assert.equal(detectFormat(['{"ts":1,"status":200}', '{"ts":2,"status":404}'], {}).format, 'ndjson');
  });
  it('recognizes nginx combined lines, and the operator’s own format', () => {
    const detected = detectFormat(fixtureLines('nginx', 'combined.log'), {});
    assert.equal(detected.format, 'nginx');
    assert.match(detected.reason, /combined/);
    const format = readFileSync(fixture('nginx', 'edge.format'), 'utf8').trim();
    assert.equal(detectFormat(fixtureLines('nginx', 'edge.log'), { nginxLogFormat: format }).format, 'nginx');
  });
  it('says what it tried when nothing fits', () => {
    assert.throws(
      () => detectFormat(['hello', 'world'], {}),
      /0 are JSON objects, 0 have the shape of cloudfront, .*0 parse as nginx combined; pass --format/,
    );
    assert.throws(() => detectFormat([], {}), /empty input/);
  });
});

describe('createParser', () => {
  it('names the known formats for an unknown one', () => {
    assert.throws(
      () => createParser('apache', {}),
      (err: Error) => err instanceof UnknownFormatError && /cloudflare, nginx, ndjson/.test(err.message),
    );
    assert.throws(() => createParser('toString', {}), UnknownFormatError);
  });
});

describe('detectFormat for the edge formats', () => {
  const cases: Array<[string, string[], RegExp]> = [
    ['cloudfront', ['cloudfront', 'standard.log'], /cloudfront/],
    ['cloudfront', ['cloudfront', 'selected-fields.log'], /cloudfront/],
    ['alb', ['alb', 'access.log'], /alb/],
    ['caddy', ['caddy', 'access.log'], /request object and status/],
    ['haproxy', ['haproxy', 'httplog.log'], /haproxy/],
    ['envoy', ['envoy', 'access.log'], /envoy/],
  ];
  for (const [format, path, reason] of cases) {
    it(`recognizes ${path.join('/')} as ${format}`, () => {
      const detected = detectFormat(fixtureLines(...path), {});
      assert.equal(detected.format, format);
      assert.match(detected.reason, reason);
    });
  }
  it('counts Caddy’s startup lines for Caddy when they come first', () => {
    const startup = JSON.stringify({ level: 'info', ts: 1764000000, logger: 'tls', msg: 'cleaning storage unit' });
    const access = fixtureLines('caddy', 'access.log')[2];
    assert.equal(detectFormat([startup, startup, startup, access], {}).format, 'caddy');
    assert.equal(detectFormat([startup, startup, '{"ts":1,"status":200}'], {}).format, 'ndjson');
  });
  it('still tells nginx and Cloudflare apart from the edge formats', () => {
    assert.equal(detectFormat(fixtureLines('nginx', 'combined.log'), {}).format, 'nginx');
    assert.equal(detectFormat(fixtureLines('cloudflare', 'http_requests.ndjson'), {}).format, 'cloudflare');
  });
});

describe('the registry as the one place for a format', () => {
  it('gives every format a rank of its own in the detection order, nginx (the operator’s format) last', () => {
    assert.deepEqual([...DETECT_ORDER].sort(), [...FORMAT_NAMES].sort());
    assert.equal(new Set(FORMAT_NAMES.map((name) => PARSERS[name].detect.rank)).size, FORMAT_NAMES.length);
    assert.equal(DETECT_ORDER.at(-1), 'nginx');
  });
  it('derives the help and the unknown-format message from its entries', () => {
    assert.equal(FORMAT_CHOICES, `auto, ${FORMAT_NAMES.join(', ')}`);
    const lines = formatDescriptions().split('\n');
    assert.deepEqual(
      lines.map((line) => line.trim().split(/ {2,}/)),
      FORMAT_NAMES.map((name) => [name, PARSERS[name].description]),
    );
    assert.match(new UnknownFormatError('x').message, new RegExp(FORMAT_NAMES.join(', ')));
  });
});
