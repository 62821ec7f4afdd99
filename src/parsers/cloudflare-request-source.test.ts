import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NormalizedRequest } from '../model/request.js';
import { cloudflareParser } from './cloudflare.js';
import { parseOne } from './testing.js';

const parser = cloudflareParser({});
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({
    EdgeStartTimestamp: '2026-11-24T10:00:01Z',
    EdgeResponseStatus: 200,
    ZoneName: 'example.com',
    RayID: '8c1f2a3b4c5d6e7f',
    ...fields,
  });
const sourceOf = (fields: Record<string, unknown>) =>
  (parseOne(parser, line(fields)) as NormalizedRequest).requestSource;

// Cloudflare's "ClientRequestSource field" reference, in its order: the number is the position.
const DOCUMENTED = [
  'unknown',
  'eyeball',
  'purge',
  'alwaysOnline',
  'healthcheck',
  'edgeWorkerFetch',
  'edgeWorkerCacheAPI',
  'edgeWorkerKV',
  'imageResizing',
  'orangeToOrange',
  'sslDetector',
  'earlyHintsCache',
  'inBrowserChallenge',
];

describe('cloudflare parser: request source', () => {
  for (const [number, name] of DOCUMENTED.entries()) {
    it(`reads ClientRequestSource ${name} as its name, its number ${number} and its number as text`, () => {
      assert.equal(sourceOf({ ClientRequestSource: name }), name);
      assert.equal(sourceOf({ ClientRequestSource: number }), name);
      assert.equal(sourceOf({ ClientRequestSource: String(number) }), name);
    });
  }

  it('counts a line without the field (or with it empty) as a visitor request', () => {
    assert.equal(sourceOf({}), 'eyeball');
    assert.equal(sourceOf({ ClientRequestSource: null }), 'eyeball');
    assert.equal(sourceOf({ ClientRequestSource: '' }), 'eyeball');
  });

  it('gives an unknown value one bounded name, never its own text', () => {
    for (const value of ['Eyeball', 'newSource', 13, 99, -1, 1.5, '013', true, { a: 1 }, 'x'.repeat(500), 'other']) {
      assert.equal(sourceOf({ ClientRequestSource: value }), 'other', JSON.stringify(value));
    }
  });

  it('never counts a Worker subrequest as a visitor request', () => {
    assert.equal(sourceOf({ WorkerSubrequest: true, ClientRequestSource: 'edgeWorkerFetch' }), 'edgeWorkerFetch');
    assert.equal(sourceOf({ WorkerSubrequest: true, ParentRayID: '8c1f2a3b4c5d0000' }), 'edgeWorkerFetch');
    assert.equal(sourceOf({ WorkerSubrequest: true, ClientRequestSource: 'eyeball' }), 'edgeWorkerFetch');
    assert.equal(sourceOf({ WorkerSubrequest: 'true', ClientRequestSource: 1 }), 'edgeWorkerFetch');
    assert.equal(sourceOf({ ParentRayID: '8c1f2a3b4c5d0000' }), 'edgeWorkerFetch');
    // A subrequest that says what it is keeps its own source (a KV call, a cache API call).
    assert.equal(sourceOf({ WorkerSubrequest: true, ClientRequestSource: 'edgeWorkerKV' }), 'edgeWorkerKV');
  });

  it('counts a visitor request with WorkerSubrequest false or the empty parent Ray ID "00" as a visitor request', () => {
    assert.equal(sourceOf({ WorkerSubrequest: false, ParentRayID: '00', ClientRequestSource: 'eyeball' }), 'eyeball');
    assert.equal(sourceOf({ WorkerSubrequest: false, ParentRayID: '' }), 'eyeball');
  });

  it('counts a merged line once, as its visitor request, whatever subrequests it nests', () => {
    const merged = line({
      ClientRequestSource: 'eyeball',
      EdgeResponseStatus: 200,
      Subrequests: [
        { RayID: 'a1', WorkerSubrequest: true, ClientRequestSource: 'edgeWorkerFetch', EdgeResponseStatus: 502 },
        { RayID: 'a2', WorkerSubrequest: true, ClientRequestSource: 'edgeWorkerFetch', EdgeResponseStatus: 200 },
      ],
    });
    const r = parseOne(parser, merged) as NormalizedRequest;
    assert.deepEqual([r.requestSource, r.edgeStatus], ['eyeball', 200]);
  });
});
