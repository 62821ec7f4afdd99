import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { newToken } from '../auth/tokens.js';
import { PARSERS } from '../parsers/registry.js';
import { type TestApp, testApp } from './testing.js';

describe('GET /api/v1/formats', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.destroy());

  it('lists every format of the parser registry, in its order, with its description', async () => {
    const res = await t.app.inject('/api/v1/formats');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(
      res.json().formats,
      Object.entries(PARSERS).map(([name, entry]) => ({ name, description: entry.description })),
    );
    // The eight formats the README documents.
    assert.deepEqual(
      res
        .json()
        .formats.map((f: { name: string }) => f.name)
        .sort(),
      ['alb', 'caddy', 'cloudflare', 'cloudfront', 'envoy', 'haproxy', 'ndjson', 'nginx'],
    );
  });

  it('answers without a token on a server that has tokens, and is in the OpenAPI document', async () => {
    await t.store.createToken(newToken('reader', ['analytics:read'], ['*']).record);
    assert.equal((await t.app.inject('/api/v1/zones')).statusCode, 401);
    assert.equal((await t.app.inject('/api/v1/formats')).statusCode, 200);
    const doc = (await t.app.inject('/api/v1/openapi.json')).json();
    assert.ok(doc.paths['/api/v1/formats']?.get);
  });
});
