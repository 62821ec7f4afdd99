import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashSecret, newToken, parseScopes, parseZones } from '../auth/tokens.js';
import { seed, type TestApp, testApp, tokenFor } from './testing.js';

const T0 = Date.UTC(2026, 10, 24, 10, 0);
const RANGE = 'from=2026-11-24T10:00:00Z&to=2026-11-24T11:00:00Z';

describe('tokens', () => {
  it('are es_ and 32 random bytes, stored only as their sha256', () => {
    const { secret, record } = newToken('ci', ['analytics:read'], ['*']);
    assert.match(secret, /^es_[A-Za-z0-9_-]{43}$/);
    assert.equal(record.hash, hashSecret(secret));
    assert.ok(!JSON.stringify(record).includes(secret.slice(3)));
    assert.notEqual(newToken('ci', ['admin'], ['*']).secret, secret);
  });
  it('read scopes and zones and say what is allowed', () => {
    assert.deepEqual(parseScopes('analytics:read, logs:write'), ['analytics:read', 'logs:write']);
    assert.throws(() => parseScopes('read'), /unknown scope "read": use analytics:read, logs:write, admin/);
    assert.deepEqual(parseZones('a.example,b.example'), ['a.example', 'b.example']);
    assert.deepEqual(parseZones('*'), ['*']);
    assert.throws(() => parseZones('*,a.example'), /cannot be combined/);
  });
});

describe('API auth', () => {
  let t: TestApp;
  let readA: string;
  let writeA: string;
  let readAll: string;
  let admin: string;
  let revoked: string;
  before(async () => {
    t = await testApp();
    await seed(t.store, 'a', [{ zone: 'a.example', host: 'a.example', ts: T0, edgeStatus: 200, originStatus: 200 }]);
    await seed(t.store, 'b', [{ zone: 'b.example', host: 'b.example', ts: T0, edgeStatus: 404, originStatus: 404 }]);
    readA = await tokenFor(t.store, ['analytics:read'], ['a.example']);
    writeA = await tokenFor(t.store, ['logs:write'], ['a.example']);
    readAll = await tokenFor(t.store, ['analytics:read'], ['*']);
    admin = await tokenFor(t.store, ['admin'], ['b.example']);
    revoked = await tokenFor(t.store, ['analytics:read'], ['*'], 'old');
    const old = (await t.store.tokens()).find((r) => r.name === 'old')!;
    await t.store.revokeToken(old.id);
  });
  after(() => t.destroy());

  const get = (url: string, token?: string) =>
    t.app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 401 without a token once tokens exist', async () => {
    const res = await get(`/api/v1/zones/a.example/status-codes?${RANGE}`);
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'unauthorized');
    assert.match(res.json().error.message, /Authorization: Bearer/);
  });

  it('answers 401 for an unknown, malformed or revoked token', async () => {
    for (const [token, message] of [
      ['es_nope', /unknown token/],
      [revoked, /revoked/],
    ] as const) {
      const res = await get('/api/v1/zones', token);
      assert.equal(res.statusCode, 401);
      assert.match(res.json().error.message, message);
    }
    const basic = await t.app.inject({ url: '/api/v1/zones', headers: { authorization: 'Basic abc' } });
    assert.equal(basic.statusCode, 401);
  });

  it('answers 403 for another zone and for a missing scope', async () => {
    const otherZone = await get(`/api/v1/zones/b.example/status-codes?${RANGE}`, readA);
    assert.equal(otherZone.statusCode, 403);
    assert.equal(otherZone.json().error.code, 'forbidden');
    assert.match(otherZone.json().error.message, /not for zone b\.example/);
    const noScope = await get(`/api/v1/zones/a.example/status-codes?${RANGE}`, writeA);
    assert.equal(noScope.statusCode, 403);
    assert.match(noScope.json().error.message, /lacks the analytics:read scope/);
    const push = await t.app.inject({
      method: 'POST',
      url: '/api/v1/zones/a.example/logs',
      headers: { authorization: `Bearer ${readA}` },
      payload: '{}',
    });
    assert.equal(push.statusCode, 403);
    assert.match(push.json().error.message, /lacks the logs:write scope/);
  });

  it('lets a token read its zone, and admin act on its zones with every scope', async () => {
    const own = await get(`/api/v1/zones/a.example/status-codes?${RANGE}`, readA);
    assert.equal(own.statusCode, 200);
    assert.equal(own.json().rows[0].requests, 1);
    assert.equal((await get(`/api/v1/zones/b.example/summary?${RANGE}`, admin)).statusCode, 200);
    assert.equal((await get(`/api/v1/zones/a.example/summary?${RANGE}`, admin)).statusCode, 403);
  });

  it('lists only the zones a token is for', async () => {
    const zonesOf = async (token: string) =>
      (await get('/api/v1/zones', token)).json().zones.map((z: { zone: string }) => z.zone);
    assert.deepEqual(await zonesOf(readA), ['a.example']);
    assert.deepEqual(await zonesOf(readAll), ['a.example', 'b.example']);
  });

  it('sets plans only with admin', async () => {
    const put = (token: string) =>
      t.app.inject({
        method: 'PUT',
        url: '/api/v1/zones/b.example',
        headers: { authorization: `Bearer ${token}` },
        payload: { plan: 'pro' },
      });
    assert.equal((await put(readAll)).statusCode, 403);
    const res = await put(admin);
    assert.deepEqual(res.json(), { zone: 'b.example', plan: 'pro', features: { coloBreakdown: false } });
    assert.equal(await t.store.zonePlan('b.example'), 'pro');
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/zones/b.example',
      headers: { authorization: `Bearer ${admin}` },
      payload: { plan: 'gold' },
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /plan must be one of free, pro, business, enterprise/);
  });

  it('serves /metrics only to a token for all zones, and /healthz and OpenAPI to anyone', async () => {
    assert.equal((await get('/metrics')).statusCode, 401);
    assert.equal((await get('/metrics', readA)).statusCode, 403);
    const metrics = await get('/metrics', readAll);
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /# TYPE edgestat_requests_total counter/);
    assert.equal((await get('/healthz')).statusCode, 200);
    assert.equal((await get('/api/v1/openapi.json')).statusCode, 200);
  });
});

describe('open mode', () => {
  it('allows every request while the store has no active token', async () => {
    const t = await testApp();
    try {
      assert.equal((await t.app.inject('/api/v1/zones')).statusCode, 200);
      assert.equal((await t.app.inject('/metrics')).statusCode, 200);
      assert.equal(await t.auth.hasTokens(), false);
    } finally {
      await t.destroy();
    }
  });
});
