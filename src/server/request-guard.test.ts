import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { crossSiteReason, isLoopbackHost } from './request-guard.js';
import { CF_T0, cfLine, type TestApp, testApp, tokenFor } from './testing.js';

const ZONE = 'shop.example';
const LOGS = `/api/v1/zones/${ZONE}/logs?format=cloudflare`;
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';

describe('isLoopbackHost', () => {
  const cases: Array<[string | undefined, boolean]> = [
    ['localhost', true],
    ['LOCALHOST:8080', true],
    ['127.0.0.1', true],
    ['127.1.2.3:80', true],
    ['[::1]', true],
    ['[::1]:8080', true],
    [undefined, false],
    ['', false],
    ['rebind.evil.example', false],
    ['rebind.evil.example:8080', false],
    ['localhost.evil.example', false],
    ['evil.localhost', false],
    ['127.0.0.1.evil.example', false],
    ['127.0.0.256', false],
    ['128.0.0.1', false],
    ['0.0.0.0:8080', false],
    ['::1', false],
    ['[::2]:8080', false],
    ['[::ffff:7f00:1]', false],
    ['localhost:', false],
    ['localhost:80:80', false],
    ['localhost.', false],
    ['user@localhost', false],
  ];
  for (const [host, expected] of cases) {
    it(`${JSON.stringify(host)} is ${expected ? '' : 'not '}loopback`, () =>
      assert.equal(isLoopbackHost(host), expected));
  }
});

describe('crossSiteReason', () => {
  const cases: Array<[Record<string, string>, string | undefined]> = [
    [{ host: 'localhost:8080' }, undefined],
    [{ host: 'localhost:8080', 'sec-fetch-site': 'same-origin', origin: 'http://localhost:8080' }, undefined],
    [{ host: 'localhost:8080', 'sec-fetch-site': 'none' }, undefined],
    [{ host: 'localhost:8080', 'sec-fetch-site': 'cross-site' }, 'Sec-Fetch-Site: cross-site'],
    [{ host: 'localhost:8080', 'sec-fetch-site': 'same-site' }, 'Sec-Fetch-Site: same-site'],
    // The browser's Sec-Fetch-Site decides: a proxy may have rewritten Host.
    [{ host: '127.0.0.1:8080', 'sec-fetch-site': 'same-origin', origin: 'https://stats.example' }, undefined],
    [{ host: 'localhost:8080', origin: 'http://localhost:8080' }, undefined],
    [{ host: 'stats.example', origin: 'https://stats.example' }, undefined],
    [{ host: 'stats.example:443', origin: 'https://stats.example' }, undefined],
    [{ host: 'localhost:80', origin: 'http://localhost' }, undefined],
    [{ host: 'localhost:8080', origin: 'https://evil.example' }, 'Origin: https://evil.example'],
    [{ host: 'localhost:8080', origin: 'http://localhost:3000' }, 'Origin: http://localhost:3000'],
    [{ host: 'localhost:8080', origin: 'http://127.0.0.1:8080' }, 'Origin: http://127.0.0.1:8080'],
    [{ host: 'localhost:8080', origin: 'null' }, 'Origin: null'],
    [{ host: 'localhost:8080', origin: 'chrome-extension://abc' }, 'Origin: chrome-extension://abc'],
    [{ origin: 'http://localhost:8080' }, 'Origin: http://localhost:8080'],
  ];
  for (const [headers, expected] of cases) {
    it(`${JSON.stringify(headers)}: ${expected ?? 'allowed'}`, () => assert.equal(crossSiteReason(headers), expected));
  }
});

describe('request guard, open mode', () => {
  let t: TestApp;
  before(async () => {
    t = await testApp();
  });
  after(() => t.destroy());

  const total = async () => (await t.app.inject(`/api/v1/zones/${ZONE}/summary?${RANGE}`)).json().requests;
  const push = (headers: Record<string, string>, offsetMs = 0) =>
    t.app.inject({ method: 'POST', url: LOGS, payload: `${cfLine({ ts: CF_T0 + offsetMs })}\n`, headers });

  it('answers 403 forbidden_host for a Host that is not a loopback name (DNS rebinding)', async () => {
    for (const url of ['/api/v1/zones', `/api/v1/zones/${ZONE}/summary?${RANGE}`, '/metrics', '/healthz']) {
      const res = await t.app.inject({ url, headers: { host: 'rebind.evil.example:8080' } });
      assert.equal(res.statusCode, 403, url);
      assert.equal(res.json().error.code, 'forbidden_host');
      assert.match(res.json().error.message, /rebind\.evil\.example:8080.*localhost, 127\.0\.0\.1 or \[::1\]/);
    }
    const write = await push({ host: 'rebind.evil.example' });
    assert.equal(write.json().error.code, 'forbidden_host');
    for (const host of ['localhost:8080', '127.0.0.1:8080', '127.8.9.10', '[::1]:8080']) {
      assert.equal((await t.app.inject({ url: '/api/v1/zones', headers: { host } })).statusCode, 200, host);
    }
    assert.equal(await total(), 0);
  });

  it('answers 403 cross_site to a push from a web page of another site and stores nothing', async () => {
    const refused: Array<Record<string, string>> = [
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      { origin: 'null', 'content-type': 'text/plain' },
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site', origin: 'http://localhost:3000' },
    ];
    for (const headers of refused) {
      const res = await push(headers);
      assert.equal(res.statusCode, 403, JSON.stringify(headers));
      assert.equal(res.json().error.code, 'cross_site');
    }
    const plan = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/zones/${ZONE}`,
      payload: { plan: 'enterprise' },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(plan.json().error.code, 'cross_site');
    assert.equal(await total(), 0);
  });

  it('lets through same-origin browser requests, cross-site reads and clients that are not browsers', async () => {
    // app.inject sends Host: localhost:80.
    assert.equal((await push({ 'sec-fetch-site': 'same-origin', origin: 'http://localhost' }, 0)).statusCode, 200);
    assert.equal((await push({ origin: 'http://localhost:80' }, 1000)).statusCode, 200);
    assert.equal((await push({ 'sec-fetch-site': 'none' }, 2000)).statusCode, 200);
    assert.equal((await push({}, 3000)).statusCode, 200);
    // A read does not change anything: the browser keeps its answer from the other site (no CORS headers).
    const read = await t.app.inject({ url: '/api/v1/zones', headers: { 'sec-fetch-site': 'cross-site' } });
    assert.equal(read.statusCode, 200);
    assert.equal(read.headers['access-control-allow-origin'], undefined);
    assert.equal(await total(), 4);
  });
});

describe('request guard, with tokens', () => {
  it('allows any Host with a token, and still refuses cross-site writes', async () => {
    const t = await testApp();
    try {
      const secret = await tokenFor(t.store, ['admin'], ['*']);
      const auth = { authorization: `Bearer ${secret}` };
      const read = await t.app.inject({ url: '/api/v1/zones', headers: { ...auth, host: 'stats.example.com' } });
      assert.equal(read.statusCode, 200);
      const anonymous = await t.app.inject({ url: '/api/v1/zones', headers: { host: 'stats.example.com' } });
      assert.equal(anonymous.json().error.code, 'unauthorized');
      const pushFrom = (origin: string) =>
        t.app.inject({
          method: 'POST',
          url: LOGS,
          payload: `${cfLine()}\n`,
          headers: { ...auth, host: 'stats.example.com', origin },
        });
      const write = await pushFrom('https://evil.example');
      assert.equal(write.statusCode, 403);
      assert.equal(write.json().error.code, 'cross_site');
      const own = await pushFrom('https://stats.example.com');
      assert.equal(own.statusCode, 200);
    } finally {
      await t.destroy();
    }
  });
});
