import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../testing/paths.js';
import { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers.js';
import { type TestApp, testApp, tokenFor } from './testing.js';

const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';

describe('security headers', () => {
  let open: TestApp;
  let closed: TestApp;
  let token: string;

  before(async () => {
    const web = tempDir('edgestat-web-');
    mkdirSync(join(web, 'assets'));
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(web, 'assets', 'app.js'), 'export {};');
    open = await testApp({ webRoot: web });
    closed = await testApp({ webRoot: web });
    token = await tokenFor(closed.store, ['analytics:read'], ['*']);
  });
  after(async () => {
    await open.destroy();
    await closed.destroy();
  });

  it('allows scripts, styles, images and calls from the server itself only, and no framing', () => {
    const directives = new Map(
      CONTENT_SECURITY_POLICY.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    assert.equal(directives.get('default-src'), "'self'");
    assert.equal(directives.get('script-src'), "'self'");
    assert.equal(directives.get('style-src'), "'self'");
    assert.equal(directives.get('object-src'), "'none'");
    assert.equal(directives.get('base-uri'), "'none'");
    assert.equal(directives.get('frame-ancestors'), "'none'");
    assert.equal(directives.get('form-action'), "'self'");
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe|data:|\*/);
  });

  it('are on every answer: page, asset, API, CSV, not found, refused, unauthorized, health', async () => {
    const answers = [
      [open, '/', {}, 200],
      [open, '/assets/app.js', {}, 200],
      [open, '/api/v1/zones', {}, 200],
      [open, `/api/v1/zones/shop.example/status-codes?${RANGE}&format=csv`, {}, 200],
      [open, '/nothing-here', {}, 404],
      [open, `/api/v1/zones/shop.example/status-codes?${RANGE}&bucket=2m`, {}, 400],
      [open, '/healthz', {}, 200],
      [closed, '/api/v1/zones', {}, 401],
      [closed, '/api/v1/zones', { authorization: `Bearer ${token}` }, 200],
    ] as const;
    for (const [t, url, headers, status] of answers) {
      const res = await t.app.inject({ url, headers });
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        assert.equal(res.headers[name], value, `${name} on ${url} (${status})`);
    }
  });
});
